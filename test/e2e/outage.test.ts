// The database going away under a running server: readiness turns 503, users see a clear page instead of a stack
// trace or a hang, and once the database is back the server recovers by itself with nothing lost.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../../src/db/embedded.ts';
import { Browser, textOf } from '../support/http.ts';
import { RESOURCE, serverTest, startServer, type TestServer } from '../support/server.ts';
import { authRequest, createClient, createUser, introspect, rp, signIn, type TestUser } from './flows.ts';

let dir: string;
let db: EmbeddedDatabase;
let server: TestServer;
let user: TestUser;
let web: oidc.Configuration;
let partner: oidc.Configuration;
const it = serverTest(() => server);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ciam-e2e-outage-'));
  db = await startEmbeddedDatabase({ dir, port: 0, reuse: false });
  server = await startServer({ mongodbUri: db.uri });
  const [u, webClient, partnerClient] = await Promise.all([
    createUser(server),
    createClient(server, { scope: 'openid email profile offline_access' }),
    createClient(server, { grantTypes: ['client_credentials'], redirectUris: [], scope: 'orders:read' }),
  ]);
  user = u;
  [web, partner] = await Promise.all([rp(server, webClient), rp(server, partnerClient)]);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await db?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function readyz(): Promise<number> {
  return (await fetch(`${server.issuer}/readyz`, { signal: AbortSignal.timeout(5_000) })).status;
}

async function waitFor(status: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 0;
  while (Date.now() < deadline) {
    last = await readyz();
    if (last === status) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`/readyz still answers ${last}, expected ${status} within ${timeoutMs} ms`);
}

describe('database outage', () => {
  it('reports 503, shows a clear error page, and recovers when the database is back', async () => {
    const before = await signIn(web, new Browser(server.issuer), user, { scope: 'openid email offline_access', prompt: 'consent' });
    expect((await introspect(web, before.tokens.access_token)).active).toBe(true);

    const port = db.port;
    await db.stop();
    await waitFor(503, 15_000);
    expect((await fetch(`${server.issuer}/healthz`)).status).toBe(200);

    const { page, redirect } = await new Browser(server.issuer).navigate((await authRequest(web)).url);
    expect(redirect).toBeUndefined();
    expect(page.status).toBe(503);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(textOf(page.body)).toMatch(/unavailable|try again/i);
    expect(page.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(page.body).not.toMatch(/node_modules|\.[jt]s:\d+:\d+|\n\s+at \S+ \(|Mongo|ECONNREFUSED/);

    // Machines get an OAuth-shaped answer they can retry on, not a hang.
    const machine = await fetch(partner.serverMetadata().token_endpoint as string, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', resource: RESOURCE, client_id: 'x', client_secret: 'y' }),
      signal: AbortSignal.timeout(15_000),
    });
    expect(machine.status).toBe(503);
    expect(machine.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await machine.json()) as { error: string }).error).toBe('temporarily_unavailable');
    // Every protocol endpoint that needs the database says the same, whatever the client accepts; discovery and the
    // keys need none and keep answering.
    for (const path of ['/token/introspection', '/token/revocation', '/me', '/reg']) {
      const res = await fetch(`${server.issuer}${path}`, { method: 'POST', signal: AbortSignal.timeout(5_000) });
      expect([path, res.status, ((await res.json()) as { error: string }).error]).toEqual([path, 503, 'temporarily_unavailable']);
    }
    expect((await fetch(`${server.issuer}/jwks`)).status).toBe(200);
    expect((await fetch(`${server.issuer}/.well-known/openid-configuration`)).status).toBe(200);
    // The cause is logged once per outage, not once per request.
    expect(server.output().match(/"database\.unavailable"/g)).toHaveLength(1);

    db = await startEmbeddedDatabase({ dir, port, reuse: false });
    await waitFor(200, 30_000);

    // Nothing was lost: the token from before the outage is still valid, and new sign-ins work.
    expect((await introspect(web, before.tokens.access_token)).active).toBe(true);
    const refreshed = await oidc.refreshTokenGrant(web, before.tokens.refresh_token as string);
    expect(refreshed.access_token).toBeTruthy();
    const after = await signIn(web, new Browser(server.issuer), user);
    expect(after.tokens.claims()?.sub).toBe(before.tokens.claims()?.sub);
    const cc = await oidc.clientCredentialsGrant(partner, { resource: RESOURCE, scope: 'orders:read' });
    expect(cc.access_token).toBeTruthy();
  }, 120_000);
});
