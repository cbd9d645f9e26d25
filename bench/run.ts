// npm run bench: throughput and latency of the token endpoint for client_credentials and refresh_token grants,
// on our stack (MongoDB adapter, embedded FerretDB unless MONGODB_URI is set) and on a bare oidc-provider with the
// very same configuration but its in-memory adapter, in the same run, so the ratio shows what persistence costs.
// Bounded: BENCH_SECONDS (default 10) per client_credentials run, BENCH_REFRESH (default 1000) refresh requests.
import autocannon from 'autocannon';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Koa from 'koa';
import mount from 'koa-mount';
import type Provider from 'oidc-provider';
import { createApp, createServices } from '../src/app.ts';
import { loadConfig } from '../src/config/index.ts';
import { startEmbeddedDatabase } from '../src/db/embedded.ts';
import { createLogger } from '../src/log.ts';
import { createProvider } from '../src/oidc/provider.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const REFRESH_COUNT = Number(process.env.BENCH_REFRESH ?? 1000);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const RESOURCE = 'https://api.bench.test';
const CLIENT = { id: 'bench-partner', secret: randomBytes(24).toString('base64url') };
const RP = { id: 'bench-app', secret: randomBytes(24).toString('base64url') };

interface Figures { rps: number; p50: number; p99: number; errors: number; non2xx: number }

function listen(app: Koa): Promise<{ server: Server; url: string }> {
  return new Promise((done) => {
    const server = app.listen(0, '127.0.0.1', () => {
      const a = server.address();
      done({ server, url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}` });
    });
  });
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

async function run(opts: autocannon.Options): Promise<Figures> {
  const r = await autocannon({ connections: CONNECTIONS, ...opts });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors, non2xx: r.non2xx };
}

function clientCredentials(url: string): Promise<Figures> {
  return run({
    url: `${url}/token`,
    duration: SECONDS,
    method: 'POST',
    headers: { authorization: basic(CLIENT.id, CLIENT.secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource: RESOURCE, scope: 'orders:read' }).toString(),
  });
}

// Every refresh rotates the token, so each request needs a token of its own: they are minted beforehand through the
// provider's own models (the same path the token endpoint takes when it issues them).
async function mintRefreshTokens(provider: Provider, accountId: string, count: number): Promise<string[]> {
  const tokens: string[] = [];
  const client = await provider.Client.find(RP.id);
  if (!client) throw new Error(`bench client ${RP.id} not found`);
  for (let i = 0; i < count; i++) {
    const grant = new provider.Grant({ accountId, clientId: RP.id });
    grant.addOIDCScope('openid offline_access');
    const grantId = await grant.save();
    const rt = new provider.RefreshToken({
      accountId,
      client,
      grantId,
      scope: 'openid offline_access',
      gty: 'authorization_code',
      authTime: Math.floor(Date.now() / 1000),
    });
    tokens.push(await rt.save());
  }
  return tokens;
}

// oidc-provider's in-memory adapter is an LRU of 1000 entries: minting thousands of refresh tokens up front would
// evict the baseline's own grants. So both sides run in rounds (mint ROUND tokens, then spend them with CONNECTIONS
// concurrent requests), timing each request; minting is not counted.
const ROUND = 120;

async function refresh(url: string, mint: (n: number) => Promise<string[]>): Promise<Figures> {
  const latencies: number[] = [];
  let busy = 0;
  let failures = 0;
  for (let done = 0; done < REFRESH_COUNT; done += ROUND) {
    const tokens = await mint(Math.min(ROUND, REFRESH_COUNT - done));
    const started = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < tokens.length) {
        const token = tokens[next++] ?? '';
        const t0 = performance.now();
        const res = await fetch(`${url}/token`, {
          method: 'POST',
          headers: { authorization: basic(RP.id, RP.secret), 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token }),
        });
        await res.arrayBuffer();
        latencies.push(performance.now() - t0);
        if (!res.ok) failures++;
      }
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, worker));
    busy += performance.now() - started;
  }
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { rps: (latencies.length / busy) * 1000, p50: at(0.5), p99: at(0.99), errors: 0, non2xx: failures };
}

async function main(): Promise<void> {
  const db = process.env.MONGODB_URI
    ? undefined
    : await startEmbeddedDatabase({ dir: mkdtempSync(join(tmpdir(), 'ciam-bench-')), port: 0, reuse: false });
  const env = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'error',
    MONGODB_URI: `${process.env.MONGODB_URI ?? db?.uri}`.replace(/\/[^/]*$/, `/bench_${Date.now()}`),
    COOKIE_KEYS: randomBytes(32).toString('base64url'),
    DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    DEMO: 'false',
    RESOURCES: JSON.stringify({ [RESOURCE]: { scope: 'orders:read orders:write' } }),
  };

  // Ours: the full application as `npm start` runs it, minus the embedded-database bootstrap (done above).
  const config = loadConfig({ ...env, ISSUER: 'http://127.0.0.1' });
  const services = await createServices(config, { logger: createLogger('error') });
  await services.clients.create({ clientId: CLIENT.id, clientSecret: CLIENT.secret, redirectUris: [], grantTypes: ['client_credentials'], scope: 'orders:read orders:write' });
  await services.clients.create({ clientId: RP.id, clientSecret: RP.secret, redirectUris: ['https://rp.bench.test/cb'], grantTypes: ['authorization_code', 'refresh_token'], scope: 'openid offline_access' });
  const user = await services.users.create({ email: 'bench@example.test', password: randomBytes(12).toString('base64url') });
  const ours = await listen(createApp(services));

  // Baseline: oidc-provider with the same configuration on its in-memory adapter, static clients, trivial accounts.
  const staticClients = [
    { client_id: CLIENT.id, client_secret: CLIENT.secret, redirect_uris: [], response_types: [], grant_types: ['client_credentials'], scope: 'orders:read orders:write' },
    { client_id: RP.id, client_secret: RP.secret, redirect_uris: ['https://rp.bench.test/cb'], grant_types: ['authorization_code', 'refresh_token'], scope: 'openid offline_access' },
  ];
  const baseline = createProvider({
    config,
    jwks: await services.keys.providerJwks(),
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    staticClients,
  });
  const bareApp = new Koa();
  bareApp.use(mount(baseline as unknown as Koa));
  const theirs = await listen(bareApp);

  const results: Record<string, { ours: Figures; bare: Figures }> = {};
  process.stderr.write(`client_credentials: ${SECONDS}s each, ${CONNECTIONS} connections\n`);
  results.client_credentials = { ours: await clientCredentials(ours.url), bare: await clientCredentials(theirs.url) };

  process.stderr.write(`refresh_token: ${REFRESH_COUNT} requests each, ${CONNECTIONS} concurrent, rounds of ${ROUND}\n`);
  results.refresh_token = {
    ours: await refresh(ours.url, (n) => mintRefreshTokens(services.provider(), user.id, n)),
    bare: await refresh(theirs.url, (n) => mintRefreshTokens(baseline, user.id, n)),
  };

  const fmt = (n: number, d = 0) => n.toFixed(d).padStart(9);
  console.log('\ngrant               stack                  req/s   p50 ms   p99 ms  errors  non-2xx');
  for (const [grant, { ours: o, bare: b }] of Object.entries(results)) {
    console.log(`${grant.padEnd(20)}ours (MongoDB)     ${fmt(o.rps)}${fmt(o.p50, 1)}${fmt(o.p99, 1)}${fmt(o.errors)}${fmt(o.non2xx)}`);
    console.log(`${''.padEnd(20)}bare (in-memory)   ${fmt(b.rps)}${fmt(b.p50, 1)}${fmt(b.p99, 1)}${fmt(b.errors)}${fmt(b.non2xx)}`);
    console.log(`${''.padEnd(20)}ratio ours/bare    ${fmt(o.rps / b.rps, 2)}${fmt(o.p50 / Math.max(b.p50, 0.001), 2)}${fmt(o.p99 / Math.max(b.p99, 0.001), 2)}`);
  }
  console.log(`\n(node ${process.version}, ${process.env.MONGODB_URI ? 'MONGODB_URI' : 'embedded FerretDB/SQLite'}, 127.0.0.1)`);

  ours.server.close();
  theirs.server.close();
  await services.db.connection.dropDatabase();
  await services.close();
  await db?.stop();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
