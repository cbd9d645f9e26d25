// While the database is unreachable, every request that needs it is answered at once: protocol endpoints with the
// OAuth error `temporarily_unavailable` (503, Retry-After), pages with the "temporarily unavailable" page, instead of
// each waiting for the driver to give up. Discovery and the JWKS need no database and keep answering, as do the
// health routes (mounted before this). oidc-provider turns an adapter failure into 500 server_error; when the
// database was the cause that becomes the same 503.
import type { Context, Middleware } from 'koa';
import type { Availability } from '../db/availability.ts';
import { respondWithFailure, RETRY_AFTER_SECONDS } from './errors.ts';

// Endpoints machines call (token, introspection, revocation, userinfo, registration, PAR, device and CIBA
// requests, our own API): they get JSON whatever their Accept header says.
const PROTOCOL = /^\/(token(\/|$)|me$|reg(\/|$)|request$|device\/auth$|backchannel$|api\/)/;
const WITHOUT_DATABASE = /^\/(jwks$|\.well-known\/)/;

function unavailable(ctx: Context): void {
  if (PROTOCOL.test(ctx.path)) {
    ctx.status = 503;
    ctx.set('Retry-After', RETRY_AFTER_SECONDS);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { error: 'temporarily_unavailable', error_description: 'The service is temporarily unavailable; try again shortly' };
    return;
  }
  respondWithFailure(ctx, { kind: 'unavailable', status: 503 });
}

export function databaseGate(availability: Availability): Middleware {
  return async (ctx, next) => {
    if (WITHOUT_DATABASE.test(ctx.path)) return next();
    if (!availability.available()) return unavailable(ctx);
    try {
      await next();
    } catch (err) {
      availability.report(err);
      throw err;
    }
    if (ctx.status === 500 && !availability.available()) unavailable(ctx);
  };
}
