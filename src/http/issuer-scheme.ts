// Whether a request counts as secure (and so whether every cookie gets Secure and the __Host- prefix) follows the
// configured issuer, not the request: behind a TLS-offloading proxy that omits X-Forwarded-Proto, the request
// arrives as plain HTTP although the browser spoke HTTPS, and the session, interaction, CSRF and device cookies
// would lose Secure. With an https issuer every request is treated as the browser made it: over HTTPS. An http
// issuer (development) leaves the request's own scheme.
import type { Middleware } from 'koa';

export function issuerScheme(issuer: string): Middleware {
  const https = new URL(issuer).protocol === 'https:';
  return async (ctx, next) => {
    if (https && ctx.request.protocol !== 'https') {
      // Shadows Koa's getter for this request only: ctx.secure and the cookies follow it.
      Object.defineProperty(ctx.request, 'protocol', { value: 'https', configurable: true });
    }
    await next();
  };
}
