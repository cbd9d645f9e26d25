// A request id ties a user's "reference" on an error page to our logs. An id from a proxy in front of us is kept
// when it is sane, so one id follows the request through every hop; anything else is replaced.
import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import { pageState } from './state.ts';

const SANE = /^[A-Za-z0-9._:-]{8,128}$/;

export function requestId(): Middleware {
  return async (ctx, next) => {
    const incoming = ctx.get('x-request-id');
    const id = SANE.test(incoming) ? incoming : randomUUID();
    pageState(ctx).requestId = id;
    ctx.set('X-Request-Id', id);
    await next();
  };
}
