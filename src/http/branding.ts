// Brands on the hosted pages: each request's brand scope (services/brands.ts: the operator's brand until a page
// loads an app's sign-in), and the two things a brand needs from our origin so that the CSP stays at
// style-src 'self' and img-src 'self': its colours as a stylesheet and its logo.
//
// The stylesheet's URL carries the colours themselves (/branding/theme/v1-p1f5fbf-bffffff.css): nothing to look up,
// the same colours share one cached file, and another brand is another URL. Its custom properties override those of
// views/assets/app.css, which every page loads first.
import type { Context, Middleware } from 'koa';
import { colorProblems, themeProperties } from '../services/brand-colors.ts';
import { LOGO_PATH } from '../services/brand-logo-bytes.ts';
import type { BrandLogos } from '../services/brand-logos.ts';
import { clientBrand, inBrandScope, operatorBrand, type Brand, type OperatorBrandConfig } from '../services/brands.ts';
import { pageState } from './state.ts';

const THEME_PATH = '/branding/theme/';
// The version of the stylesheet's making: bumped when themeCss changes what it writes, so that cached copies are left.
const THEME_VERSION = 'v1';
const THEME_NAME = /^v1(?:-p([0-9a-f]{6}))?(?:-b([0-9a-f]{6}))?\.css$/;
const FOR_GOOD = 'public, max-age=31536000, immutable';
// What a logo may do when opened on its own (an SVG is a document): nothing. Sandboxed, no script, no requests.
const LOGO_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

/** The stylesheet with a brand's colours, or undefined for a brand without colours of its own. */
export function themeHref(brand: Brand | undefined): string | undefined {
  if (!brand?.primaryColor && !brand?.backgroundColor) return undefined;
  const p = brand.primaryColor ? `-p${brand.primaryColor.slice(1)}` : '';
  const b = brand.backgroundColor ? `-b${brand.backgroundColor.slice(1)}` : '';
  return `${THEME_PATH}${THEME_VERSION}${p}${b}.css`;
}

export function themeCss(colors: { primaryColor?: string; backgroundColor?: string }): string {
  const { light, dark } = themeProperties(colors);
  const block = (props: Record<string, string>) => Object.entries(props).map(([k, v]) => `  ${k}: ${v};`).join('\n');
  const darker = Object.fromEntries(Object.entries(dark).filter(([k, v]) => light[k] !== v));
  const media = Object.keys(darker).length ? `\n@media (prefers-color-scheme: dark) {\n:root {\n${block(darker)}\n}\n}\n` : '';
  return `/* A brand's colours over app.css */\n:root {\n${block(light)}\n}\n${media}`;
}

/**
 * Runs each request in its brand scope: the page state holds the operator's brand, which a page showing an app's
 * sign-in replaces (useClientBrand), and which mails queued by the request show too.
 */
export function brandScope(config: OperatorBrandConfig): Middleware {
  const operator = operatorBrand(config);
  return (ctx, next) => {
    const state = pageState(ctx);
    state.brand = operator;
    state.operatorBrand = operator;
    return inBrandScope(state, next);
  };
}

/** This request shows the brand of the app registered with `registration` (oidc-provider's client.metadata()). */
export function useClientBrand(ctx: Pick<Context, 'state'>, registration: { brand?: unknown; client_name?: unknown }): Brand | undefined {
  const state = pageState(ctx);
  const fallback = state.operatorBrand;
  if (!fallback) return undefined;
  state.brand = clientBrand(registration, fallback);
  return state.brand;
}

function serveTheme(ctx: Context, name: string): boolean {
  const match = THEME_NAME.exec(name);
  if (!match || (!match[1] && !match[2])) return false;
  const colors = { ...(match[1] ? { primaryColor: `#${match[1]}` } : {}), ...(match[2] ? { backgroundColor: `#${match[2]}` } : {}) };
  // Only colours a brand may have: the URL is ours to make, not a way to style pages with unreadable colours.
  if (colorProblems(colors).length) return false;
  ctx.status = 200;
  ctx.type = 'text/css; charset=utf-8';
  ctx.set('Cache-Control', FOR_GOOD);
  ctx.body = themeCss(colors);
  return true;
}

async function serveLogo(ctx: Context, logos: Pick<BrandLogos, 'find'>, name: string): Promise<boolean> {
  const logo = await logos.find(name);
  if (!logo) return false;
  ctx.status = 200;
  ctx.etag = name.slice(0, name.indexOf('.'));
  ctx.set('Cache-Control', FOR_GOOD);
  if (ctx.fresh) {
    ctx.status = 304;
    return true;
  }
  ctx.type = logo.type;
  ctx.set('Content-Security-Policy', LOGO_CSP);
  ctx.set('X-Content-Type-Options', 'nosniff');
  // Mails show the logo from the reader's webmail origin: it must not be fenced to ours.
  ctx.set('Cross-Origin-Resource-Policy', 'cross-origin');
  ctx.body = logo.bytes;
  return true;
}

/** GET /branding/logo/<hash>.<ext> and /branding/theme/<colours>.css, cacheable for good (their names change with them). */
export function brandingRoutes(deps: { logos: Pick<BrandLogos, 'find'> }): Middleware {
  return async (ctx, next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next();
    if (ctx.path.startsWith(THEME_PATH) && serveTheme(ctx, ctx.path.slice(THEME_PATH.length))) return;
    if (ctx.path.startsWith(LOGO_PATH) && (await serveLogo(ctx, deps.logos, ctx.path.slice(LOGO_PATH.length)))) return;
    return next();
  };
}
