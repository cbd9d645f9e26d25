// Liveness and readiness for load balancers and orchestrators: /healthz says the process answers, /readyz says it
// can serve (the database answers a ping). Neither reveals anything but a status word.
import Router from '@koa/router';
import type { Database } from '../db/connection.ts';

export function healthRouter(db: Pick<Database, 'ping'>): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const up = await db.ping();
    ctx.status = up ? 200 : 503;
    ctx.body = { status: up ? 'ready' : 'unavailable', database: up ? 'up' : 'down' };
  });
  return router;
}
