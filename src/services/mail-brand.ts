// A brand as a mail shows it (views/emails/layout.html.ejs and its partials read it as `it.brand`): colours as the
// hosted pages use them (brand-colors.ts), the logo as an absolute URL on our origin. Mail clients show PNG and JPEG
// everywhere; SVG and WebP are not shown by several (Gmail, Outlook), so a brand with such a logo shows its name.
import { DARK_TEXT, themeProperties } from './brand-colors.ts';
import type { Brand } from './brands.ts';

export interface MailBrand {
  name: string;
  logoUrl?: string;
  accent: string;
  accentText: string;
  link: string;
  background: string;
  onBackground: string;
  /** The footer's text on the background: the muted grey, or the text that reads on a brand's background. */
  muted: string;
  supportUri?: string;
}

// views/assets/app.css's light palette, which mails use.
const DEFAULT = { accent: '#1f5fbf', accentText: '#ffffff', link: '#1f5fbf', background: '#f4f5f7', onBackground: DARK_TEXT, muted: '#4d5560' };

export function mailBrand(brand: Brand, issuer: string): MailBrand {
  const { light } = themeProperties(brand);
  const raster = brand.logo && (brand.logo.ext === 'png' || brand.logo.ext === 'jpg');
  return {
    name: brand.name,
    ...(raster && brand.logo ? { logoUrl: `${issuer}${brand.logo.path}` } : {}),
    accent: light['--accent'] ?? DEFAULT.accent,
    accentText: light['--accent-text'] ?? DEFAULT.accentText,
    link: light['--link'] ?? DEFAULT.link,
    background: light['--page-bg'] ?? DEFAULT.background,
    onBackground: light['--on-page-bg'] ?? DEFAULT.onBackground,
    muted: light['--on-page-bg'] ?? DEFAULT.muted,
    ...(brand.supportUri ? { supportUri: brand.supportUri } : {}),
  };
}
