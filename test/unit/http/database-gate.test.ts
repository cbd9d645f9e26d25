import Koa from 'koa';
import type { Availability } from '../../../src/db/availability.ts';
import { databaseGate } from '../../../src/http/database-gate.ts';
import { errorHandler } from '../../../src/http/errors.ts';
import { createLogger } from '../../../src/log.ts';
import { serve, type Served } from './serve.ts';

let up = true;
const reported: unknown[] = [];
const availability: Availability = {
  available: () => up,
  report: (err) => {
    reported.push(err);
    if ((err as Error).name === 'MongoNetworkError') up = false;
  },
};
let served: Served;
let reached: string[] = [];

beforeAll(async () => {
  const app = new Koa();
  app.silent = true;
  app.use(errorHandler({ logger: createLogger('silent') }));
  app.use(databaseGate(availability));
  app.use((ctx) => {
    reached.push(ctx.path);
    if (ctx.path === '/token' && ctx.query.fail === 'provider') {
      // What oidc-provider answers when its adapter threw (after reporting the error to the gate).
      availability.report(Object.assign(new Error('connect ECONNREFUSED'), { name: 'MongoNetworkError' }));
      ctx.status = 500;
      ctx.body = { error: 'server_error' };
      return;
    }
    ctx.body = { ok: true };
  });
  served = await serve(app);
});

afterAll(() => served.close());
beforeEach(() => {
  up = true;
  reached = [];
});

describe('database gate', () => {
  it('lets everything through while the database is reachable', async () => {
    expect((await fetch(`${served.url}/token`, { method: 'POST' })).status).toBe(200);
    expect(reached).toEqual(['/token']);
  });

  it('answers protocol endpoints with temporarily_unavailable JSON at once while it is not, whatever they accept', async () => {
    up = false;
    for (const path of ['/token', '/token/introspection', '/me', '/reg/abc', '/request', '/device/auth', '/api/v1/x']) {
      const res = await fetch(`${served.url}${path}`, { method: 'POST', headers: { accept: 'text/html' } });
      expect([path, res.status, res.headers.get('retry-after')]).toEqual([path, 503, expect.stringMatching(/^\d+$/)]);
      expect(await res.json()).toMatchObject({ error: 'temporarily_unavailable' });
    }
    expect(reached).toEqual([]);
  });

  it('shows pages the unavailable page, and keeps serving discovery and the keys', async () => {
    up = false;
    const page = await fetch(`${served.url}/auth?client_id=x`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(503);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect((await fetch(`${served.url}/jwks`)).status).toBe(200);
    expect((await fetch(`${served.url}/.well-known/openid-configuration`)).status).toBe(200);
    expect(reached).toEqual(['/jwks', '/.well-known/openid-configuration']);
  });

  it("turns the provider's 500 into 503 when the database was the cause", async () => {
    const res = await fetch(`${served.url}/token?fail=provider`, { method: 'POST' });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: 'temporarily_unavailable' });
  });
});
