// JSON request bodies of the provider's own API (oidc-provider parses its own; a global parser would take its stream).
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import { AppError } from '../errors.ts';

export const BODY_LIMIT = '64kb';

// Not strict: a body of "text" or 42 is then refused by the service with "must be a JSON object", which says more than
// "invalid JSON".
const parsers = new Map<string, ReturnType<typeof bodyParser>>();
const parserFor = (limit: string) => {
  let parser = parsers.get(limit);
  if (!parser) parsers.set(limit, (parser = bodyParser({ enableTypes: ['json'], jsonLimit: limit, jsonStrict: false, encoding: 'utf-8' })));
  return parser;
};

/** The request's JSON body; `limit` for the few operations that take more (a bulk import). */
export async function jsonBody(ctx: Context, limit = BODY_LIMIT): Promise<unknown> {
  if (!ctx.is('application/json')) {
    throw new AppError(415, 'unsupported_media_type', 'The body must be a JSON object sent as application/json');
  }
  try {
    await parserFor(limit)(ctx, async () => {});
  } catch (err) {
    if ((err as { status?: unknown }).status === 413) {
      throw new AppError(413, 'payload_too_large', `The request body must not exceed ${limit}`);
    }
    // co-body parses with @hapi/bourne, which refuses a "__proto__" key anywhere in the body (prototype poisoning).
    if (/forbidden prototype property/.test((err as Error).message ?? '')) {
      throw new AppError(400, 'invalid_request', 'The body names a key "__proto__", which is refused');
    }
    throw new AppError(400, 'invalid_request', 'The body is not valid JSON');
  }
  return ctx.request.body;
}
