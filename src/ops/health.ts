// Liveness and readiness for load balancers and orchestrators: /healthz says the process answers, /readyz says it
// can serve: the database answers a ping and the database gate (src/http/database-gate.ts) lets requests through —
// right after an outage the ping can succeed a moment before the driver's monitor opens the gate, and a load balancer
// told "ready" then would still get 503s. Neither reveals anything but a status word.
import Router from '@koa/router';
import type { Database } from '../db/connection.ts';

export function healthRouter(db: Pick<Database, 'ping' | 'availability'>): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const up = db.availability.available() && (await db.ping());
    ctx.status = up ? 200 : 503;
    ctx.body = { status: up ? 'ready' : 'unavailable', database: up ? 'up' : 'down' };
  });
  return router;
}
