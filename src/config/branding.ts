// The operator's brand from the configuration: the product name (by default the issuer's host name, the one name a
// deployment is sure to have, rather than a placeholder), a logo file, colours and a support link. The logo is a file
// read once at start, not a URL: a server start does not wait on someone else's web server, and the logo is served
// from our origin like every app's (src/http/branding.ts). Colours are checked for WCAG AA contrast like an app's.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { colorProblems } from '../services/brand-colors.ts';
import { checkLogo, type LogoBytes } from '../services/brand-logo-bytes.ts';

export interface BrandingConfig {
  /** BRAND_LOGO_FILE, read and checked (type sniffed from the bytes, at most 256 KiB). */
  logo?: LogoBytes;
  primaryColor?: string;
  backgroundColor?: string;
  supportUri?: string;
}

export interface BrandingEnv {
  BRAND_LOGO_FILE?: string;
  BRAND_PRIMARY_COLOR?: string;
  BRAND_BACKGROUND_COLOR?: string;
  BRAND_SUPPORT_URL?: string;
}

// Host names that say where the sign-in runs rather than whose it is (id.example.com is example.com's).
const SERVICE_LABELS = /^(id|login|auth|accounts?|sso|signin|www)\./;

/** The product name when PRODUCT_NAME is unset: the issuer's host name without a service label (id.example.com: example.com). */
export function defaultProductName(issuer: string): string {
  const host = new URL(issuer).hostname;
  const name = host.replace(SERVICE_LABELS, '');
  return name.includes('.') || host === name ? name : host;
}

/** The sender when MAIL_FROM is unset: the product name at no-reply@ the issuer's host name. */
export function defaultSender(productName: string, issuer: string): string {
  return `"${productName.replace(/["\\\r\n]/g, '')}" <no-reply@${new URL(issuer).hostname}>`;
}

/** The operator's brand, or the problems that keep it from being one (as "VARIABLE: why"). */
export function brandingOf(e: BrandingEnv): { branding: BrandingConfig; problems: string[] } {
  const problems: string[] = [];
  const colors = { primaryColor: e.BRAND_PRIMARY_COLOR?.toLowerCase(), backgroundColor: e.BRAND_BACKGROUND_COLOR?.toLowerCase() };
  for (const p of colorProblems(colors)) problems.push(`${p.field === 'primaryColor' ? 'BRAND_PRIMARY_COLOR' : 'BRAND_BACKGROUND_COLOR'}: ${p.message}`);
  let logo: LogoBytes | undefined;
  if (e.BRAND_LOGO_FILE) {
    try {
      const checked = checkLogo(readFileSync(resolve(e.BRAND_LOGO_FILE)));
      if ('problem' in checked) problems.push(`BRAND_LOGO_FILE: ${e.BRAND_LOGO_FILE} ${checked.problem}`);
      else logo = checked;
    } catch (err) {
      problems.push(`BRAND_LOGO_FILE: cannot read ${e.BRAND_LOGO_FILE} (${(err as Error).message})`);
    }
  }
  const branding: BrandingConfig = {
    ...(logo ? { logo } : {}),
    ...(colors.primaryColor ? { primaryColor: colors.primaryColor } : {}),
    ...(colors.backgroundColor ? { backgroundColor: colors.backgroundColor } : {}),
    ...(e.BRAND_SUPPORT_URL ? { supportUri: e.BRAND_SUPPORT_URL } : {}),
  };
  return { branding, problems };
}
