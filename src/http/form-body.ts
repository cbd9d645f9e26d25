// Form bodies for our own pages only (oidc-provider parses its own; a global parser would take its stream).
// HTML forms send application/x-www-form-urlencoded and nothing of ours needs more than a few hundred bytes,
// so anything else is refused early with a page that says what was wrong, never a 500.
import { bodyParser } from '@koa/bodyparser';
import type { Middleware } from 'koa';
import { AppError } from '../errors.ts';

export const FORM_LIMIT = '16kb';
const PARSED_METHODS = new Set(['POST', 'PUT', 'PATCH']);

export const payloadTooLarge = () => new AppError(413, 'payload_too_large', 'The submitted form is too large');
export const malformedBody = () => new AppError(400, 'malformed_body', 'The submitted form could not be read');
export const unsupportedMediaType = () =>
  new AppError(415, 'unsupported_media_type', 'Forms must be sent as application/x-www-form-urlencoded');

// qs silently keeps broken percent-escapes as text; a body that does not decode is a broken client or a probe.
export function isWellFormed(raw: string): boolean {
  try {
    decodeURIComponent(raw.replace(/\+/g, ' '));
    return true;
  } catch {
    return false;
  }
}

function mapParseError(err: unknown): AppError {
  const status = (err as { status?: unknown }).status;
  if (status === 413) return payloadTooLarge();
  if (status === 415) return unsupportedMediaType();
  return malformedBody();
}

export function formBody(): Middleware {
  // Our pages are UTF-8 and browsers submit forms in the page's encoding, so a declared charset is not consulted.
  const parse = bodyParser({ enableTypes: ['form'], formLimit: FORM_LIMIT, encoding: 'utf-8' });
  return async (ctx, next) => {
    if (!PARSED_METHODS.has(ctx.method)) return next();
    // An empty POST (ctx.is() answers null without a body) is an empty form, whatever its declared type.
    const type = ctx.is('application/x-www-form-urlencoded');
    if (type === null || ctx.request.length === 0) {
      ctx.request.body = {};
      return next();
    }
    if (type === false) throw unsupportedMediaType();
    try {
      await parse(ctx, async () => {});
    } catch (err) {
      throw mapParseError(err);
    }
    if (!isWellFormed(ctx.request.rawBody ?? '')) throw malformedBody();
    return next();
  };
}
