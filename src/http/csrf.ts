// CSRF protection for our own forms by double submit: a random token lives in a signed, httpOnly, SameSite=Lax
// cookie and is repeated in a hidden form field; a POST is accepted only when both are present and equal.
// - SameSite=Lax already keeps the cookie off cross-site POSTs; the token is the defence that does not depend on it.
// - The cookie is signed with the app's keys (app.keys = config.cookieKeys), so a value an attacker invents fails.
// - Over TLS the cookie is named __Host-…: the browser then refuses it unless it was set by this exact host with
//   Secure and Path=/, so a sibling sub-domain cannot plant a token of its own choosing ("cookie tossing").
// Needs the form body parsed first (formBody()); GET requests get a token in ctx.state.csrfToken for the page.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { AppError } from '../errors.ts';

export const CSRF_FIELD = '_csrf';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function csrfCookieName(secure: boolean): string {
  return secure ? '__Host-csrf' : 'csrf';
}

export function csrfFailed(): AppError {
  return new AppError(403, 'csrf_failed', 'The form has expired or was sent from another page; reload and try again');
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

// Comparing fixed-length digests keeps the comparison constant-time whatever the submitted length.
export function tokensMatch(expected: string, submitted: unknown): boolean {
  if (typeof submitted !== 'string' || !expected || !submitted) return false;
  return timingSafeEqual(digest(expected), digest(submitted));
}

function readToken(ctx: Context): string | undefined {
  return ctx.cookies.get(csrfCookieName(ctx.secure), { signed: true }) || undefined;
}

function issueToken(ctx: Context): string {
  const token = randomBytes(32).toString('base64url');
  ctx.cookies.set(csrfCookieName(ctx.secure), token, {
    signed: true,
    httpOnly: true,
    sameSite: 'lax',
    secure: ctx.secure,
    path: '/',
    overwrite: true,
  });
  return token;
}

export function csrf(): Middleware {
  return async (ctx, next) => {
    if (SAFE_METHODS.has(ctx.method)) {
      ctx.state.csrfToken = readToken(ctx) ?? issueToken(ctx);
      return next();
    }
    const body = ctx.request.body as Record<string, unknown> | undefined;
    const expected = readToken(ctx);
    if (!expected || !tokensMatch(expected, body?.[CSRF_FIELD])) throw csrfFailed();
    // Pages rendered in answer to this POST (a form shown again with an error) reuse the same token.
    ctx.state.csrfToken = expected;
    return next();
  };
}
