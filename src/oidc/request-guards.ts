// Requests oidc-provider answers with a 500 although the client, not the server, is at fault. Found by fuzzing
// (issue 13); each is answered here as oidc-provider answers the well-formed version of the same mistake.
// - A method no route serves (TRACE, PROPFIND, …): 405 with Allow, not @koa/router's 501 (a server error to every
//   log and alert).
// - The resume of an authorization or device flow (GET /auth/:uid, /device/:uid) without its resume cookie but with a
//   client_id: the error handler reads parameters the failed resume never set and throws. Without the cookie there is nothing to
//   resume: "please start again", as with an expired one.
// - A device-flow page for a browser without a session cookie: the error page puts a CSRF secret on a brand-new
//   session and oidc-provider then calls persist() on it, which only works for saved sessions. The page is already
//   rendered; the session is saved and its cookie set here, as oidc-provider does for a session it saves itself,
//   so that the form on that page works.
import type { Middleware } from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';
import Provider, { errors } from 'oidc-provider';
import { pageState } from '../http/state.ts';
import { PROVIDER_COOKIE } from './provider.ts';
import { isSignedIn } from './session-state.ts';

/** Every method some route of the product answers. */
const SERVED_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** What a browser or an app may use on the protocol endpoints and pages (PUT, PATCH and DELETE only on a few APIs). */
const ALLOW = 'GET, HEAD, POST, OPTIONS';
const RESUME_PATH = /^\/(?:auth|device)\/[^/]+\/?$/;
const UNSAVED_SESSION = 'persist can only be called on previously persisted Sessions';

/** First in the app, before any router: a method nothing serves is a 405 (logged as a client error). */
export function unservedMethods(): Middleware {
  return async (ctx, next) => {
    if (SERVED_METHODS.has(ctx.method)) return next();
    ctx.status = 405;
    ctx.set('Allow', ALLOW);
  };
}

/** In front of oidc-provider. */
export function providerRequestGuards(deps: { provider: () => Provider; sessionTtlSeconds: number }): Middleware {
  return async (ctx, next) => {
    const provider = deps.provider();
    // Only with a client_id: without one oidc-provider's own error page answers (and says so when signed in).
    if (
      (ctx.method === 'GET' || ctx.method === 'HEAD') &&
      RESUME_PATH.test(ctx.path) &&
      ctx.query.client_id !== undefined &&
      !ctx.cookies.get(provider.cookieName('resume'), { signed: true })
    ) {
      pageState(ctx).signedIn = await isSignedIn(ctx, provider);
      throw new errors.SessionNotFound('authorization request has expired');
    }
    try {
      await next();
    } catch (err) {
      const session = (ctx as unknown as Partial<KoaContextWithOIDC>).oidc?.session;
      if (!(err instanceof TypeError) || err.message !== UNSAVED_SESSION || !session) throw err;
      ctx.cookies.set(provider.cookieName('session'), (session as unknown as { id: string }).id, { ...PROVIDER_COOKIE, secure: ctx.secure });
      await session.save(deps.sessionTtlSeconds);
    }
  };
}
