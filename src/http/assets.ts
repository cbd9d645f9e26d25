// The one stylesheet, served from our own origin so the CSP can forbid inline styles. Its URL carries a content
// hash, so browsers may cache it for good and still see every change.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Middleware } from 'koa';

const CSS_PATH = fileURLToPath(new URL('../../views/assets/app.css', import.meta.url));
const STYLESHEET_ROUTE = '/assets/app.css';

let css: { body: Buffer; hash: string } | undefined;

function stylesheet(): { body: Buffer; hash: string } {
  if (!css) {
    const body = readFileSync(CSS_PATH);
    css = { body, hash: createHash('sha256').update(body).digest('base64url').slice(0, 16) };
  }
  return css;
}

export function stylesheetHref(): string {
  return `${STYLESHEET_ROUTE}?v=${stylesheet().hash}`;
}

export function assets(): Middleware {
  return async (ctx, next) => {
    // Browsers ask for it on every page; "no content" keeps their consoles (and the logs) free of 404s.
    if (ctx.path === '/favicon.ico' && (ctx.method === 'GET' || ctx.method === 'HEAD')) {
      ctx.status = 204;
      ctx.set('Cache-Control', 'public, max-age=86400');
      return;
    }
    if (ctx.path !== STYLESHEET_ROUTE || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
    const { body, hash } = stylesheet();
    // Koa judges freshness only for a successful status, so set it before asking.
    ctx.status = 200;
    ctx.type = 'text/css; charset=utf-8';
    ctx.etag = hash;
    // A versioned URL never changes content; an unversioned one (old page, typed by hand) is kept briefly.
    ctx.set('Cache-Control', ctx.query.v === hash ? 'public, max-age=31536000, immutable' : 'public, max-age=300');
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    ctx.body = body;
  };
}
