// Our pages' and APIs' routers in front of the provider (see pageRoutes).
import type Router from '@koa/router';
import type Koa from 'koa';
import compose from 'koa-compose';

/**
 * The routers as one middleware, entered only by requests whose path begins as one of their routes does (its first
 * segment: /interaction, /account, …): the provider's endpoints (token, introspection, userinfo) then skip matching
 * a hundred routes, a few per cent of a token request's time. A route starting with a parameter would make the
 * first segment say nothing: every request is then matched as before.
 */
export function pageRoutes(routers: readonly Router[]): Koa.Middleware {
  const chain = compose(routers.flatMap((r) => [r.routes(), r.allowedMethods()]) as Koa.Middleware[]);
  const firstSegments = new Set<string>();
  for (const router of routers) {
    for (const layer of router.stack) {
      const first = typeof layer.path === 'string' ? (layer.path.split('/')[1] ?? '') : '';
      if (!/^[A-Za-z0-9._~-]+$/.test(first)) return chain;
      firstSegments.add(first.toLowerCase());
    }
  }
  // Lower case: routes match regardless of case, as @koa/router does by default.
  return (ctx, next) => (firstSegments.has((ctx.path.split('/', 2)[1] ?? '').toLowerCase()) ? chain(ctx, next) : next());
}
