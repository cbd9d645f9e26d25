// Webhooks end to end: endpoints registered through the management API, events taken from the audit log (the
// outbox), delivered by the dispatcher to a real HTTP receiver on 127.0.0.1 and verified there with the Standard
// Webhooks reference library; retries with backoff on the services' clock, per-customer order, delivery by another
// process after this one is gone, replay, and giving up after a day.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { apiAudience } from '../../../src/api/bearer.ts';
import { createApp, createServices, type Services } from '../../../src/app.ts';
import { loadConfig, type Config } from '../../../src/config/index.ts';
import { testDatabaseUri } from '../../support/db.ts';
import { clientCredentialsToken } from '../../support/client-credentials.ts';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
  json: { id: string; type: string; data: Record<string, unknown> };
}

let api: Server;
let receiver: Server;
let receiverUrl: string;
let issuer: string;
let config: Config;
let services: Services;
let token: string;
// The services' clock: real time, moved forward by the tests (retries are due later).
let offset = 0;
const clock = () => Date.now() + offset;
const received: Received[] = [];
/** Statuses the receiver answers with, first to last; 204 once they run out. */
const answers: number[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ headers: req.headers, body, json: JSON.parse(body) as Received['json'] });
      res.statusCode = answers.shift() ?? 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  api = createServer();
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  config = loadConfig({
    NODE_ENV: 'test',
    ISSUER: issuer,
    LOG_LEVEL: 'silent',
    DEMO: 'false',
    MONGODB_URI: testDatabaseUri(),
    COOKIE_KEYS: randomBytes(32).toString('base64url'),
    DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    PASSWORD_HASH: 'test',
    WEBHOOK_POLL_SECONDS: '0',
  });
  services = await createServices(config, { clock });
  api.on('request', createApp(services).callback());
  const secret = (await services.clients.create({ clientId: 'ops', grantTypes: ['client_credentials'], scope: 'events:read events:write users:write' })).clientSecret!;
  token = await clientCredentialsToken(issuer, { id: 'ops', secret }, 'events:read events:write users:write', apiAudience(issuer));
});

afterAll(async () => {
  for (const s of [api, receiver]) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
  await services.db.connection.dropDatabase();
  await services.close();
});

async function call(method: string, path: string, body?: unknown) {
  const res = await fetch(`${issuer}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function register(eventTypes: string[]) {
  const created = await call('POST', '/webhooks', { url: receiverUrl, event_types: eventTypes });
  expect(created.status).toBe(201);
  return created.body as { id: string; secret: string };
}

const record = (type: 'account.disabled' | 'account.enabled' | 'logout', accountId: string) =>
  services.audit.record({ type, outcome: 'success', accountId, ip: '203.0.113.9', userAgent: 'Secret Browser', ...(type === 'account.disabled' ? { details: { sessions: 0, tokens: 0 } } : {}) } as never);

beforeEach(async () => {
  received.length = 0;
  answers.length = 0;
  for (const w of await services.webhooks.list()) await services.webhooks.delete(w.id);
});

it('delivers events of the types asked for, signed so that the Standard Webhooks library verifies them, without addresses', async () => {
  const hook = await register(['account.disabled']);
  await record('account.disabled', 'acct-1');
  await record('logout', 'acct-1');
  expect(await services.webhooks.tick()).toMatchObject({ queued: 1, sent: 1 });
  expect(received).toHaveLength(1);
  const [got] = received;
  const verified = new Webhook(hook.secret).verify(got!.body, got!.headers as Record<string, string>) as Received['json'];
  expect(verified).toMatchObject({ type: 'account.disabled', data: { outcome: 'success', accountId: 'acct-1' } });
  expect(got!.headers['webhook-id']).toBe(verified.id);
  expect(got!.body).not.toContain('203.0.113.9');
  expect(got!.body).not.toContain('Secret Browser');
  // Nothing is sent twice.
  expect(await services.webhooks.tick()).toEqual({ queued: 0, sent: 0, failed: 0 });
  expect(() => new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(got!.body, got!.headers as Record<string, string>)).toThrow();
});

it('retries after a failure with growing waits, keeps one customer in order, and lists the attempts', async () => {
  const hook = await register(['account.disabled', 'account.enabled', 'logout']);
  answers.push(500);
  await record('account.disabled', 'acct-order');
  await record('account.enabled', 'acct-order');
  await record('logout', 'acct-other');
  await services.webhooks.tick();
  // The first event failed: the same customer's second waits; another customer's goes.
  expect(received.map((r) => [r.json.type, r.json.data.accountId])).toEqual([['account.disabled', 'acct-order'], ['logout', 'acct-other']]);
  await services.webhooks.tick();
  expect(received).toHaveLength(2);
  offset += 6_000;
  await services.webhooks.tick();
  expect(received.map((r) => r.json.type)).toEqual(['account.disabled', 'logout', 'account.disabled', 'account.enabled']);
  expect(received[2]!.headers['webhook-id']).toBe(received[0]!.headers['webhook-id']);
  const listed = await call('GET', `/webhooks/${hook.id}/deliveries`);
  const first = listed.body.deliveries.find((d: { type: string }) => d.type === 'account.disabled');
  expect(first).toMatchObject({ status: 'delivered', attempts: 2, last_status: 204 });
});

it('gives up after a day of failures, and a replay sends the event again', async () => {
  const hook = await register(['logout']);
  await record('logout', 'acct-down');
  const started = clock();
  for (let i = 0; i < 40; i++) {
    answers.push(503);
    await services.webhooks.tick();
    const [delivery] = (await call('GET', `/webhooks/${hook.id}/deliveries`)).body.deliveries;
    if (delivery.status !== 'pending') break;
    offset += Date.parse(delivery.next_attempt_at) + 1_000 - clock();
  }
  const failed = (await call('GET', `/webhooks/${hook.id}/deliveries?status=failed`)).body.deliveries;
  expect(failed).toHaveLength(1);
  // 5 s, then twice as long each time, for a day: about fourteen attempts, the last ones hours apart.
  expect(failed[0].attempts).toBeGreaterThanOrEqual(12);
  expect(failed[0].attempts).toBeLessThanOrEqual(16);
  expect(clock() - started).toBeGreaterThan(12 * 3600_000);
  const attemptsBefore = received.length;
  expect((await call('POST', `/webhooks/${hook.id}/deliveries/${failed[0].event_id}/replay`)).status).toBe(204);
  await services.webhooks.tick();
  expect(received).toHaveLength(attemptsBefore + 1);
  expect((await call('GET', `/webhooks/${hook.id}/deliveries?status=delivered`)).body.deliveries).toHaveLength(1);
});

it('another process delivers what this one recorded and never sent (the audit log is the outbox)', async () => {
  await register(['account.enabled']);
  await record('account.enabled', 'acct-outbox');
  const other = await createServices(config, { clock });
  try {
    expect(await other.webhooks.tick()).toMatchObject({ sent: 1 });
    expect(await services.webhooks.tick()).toMatchObject({ sent: 0 });
  } finally {
    await other.close();
  }
  expect(received.map((r) => r.json.data.accountId)).toEqual(['acct-outbox']);
});

it('refuses an endpoint it cannot use, and removes one with its deliveries', async () => {
  expect((await call('POST', '/webhooks', { url: 'http://example.com/hook', event_types: ['*'] })).status).toBe(400);
  expect((await call('POST', '/webhooks', { url: receiverUrl, event_types: ['no.such.event'] })).status).toBe(400);
  const hook = await register(['*']);
  expect((await call('GET', '/webhooks')).body.webhooks.map((w: { id: string; secret?: string }) => [w.id, w.secret])).toEqual([[hook.id, undefined]]);
  expect((await call('DELETE', `/webhooks/${hook.id}`)).status).toBe(204);
  expect((await call('GET', `/webhooks/${hook.id}/deliveries`)).status).toBe(404);
});

it("every event about a customer announces the id its erasure will carry; account.deleted names only that id, so a receiver finds its copy", async () => {
  await register(['user.created', 'account.deleted']);
  const user = await services.users.create({ email: 'leaves@example.com', password: 'a long password 1' });
  expect(await services.webhooks.tick()).toMatchObject({ sent: 1 });
  const created = received.shift()!.json;
  expect(created.data).toMatchObject({ accountId: user.id, erasureId: expect.stringMatching(/^erased:/) });

  const erased = await services.erasure.request(user.id, { source: 'operator', immediate: true });
  expect(erased.status).toBe('erased');
  expect(await services.webhooks.tick()).toMatchObject({ sent: 1 });
  const deleted = received.shift()!.json;
  expect(deleted.type).toBe('account.deleted');
  expect(deleted.data).toEqual({ outcome: 'success', accountId: created.data.erasureId, erasureId: created.data.erasureId, reason: 'operator' });
  expect(JSON.stringify(deleted)).not.toContain(user.id);
  expect(JSON.stringify(deleted)).not.toContain('leaves@example.com');
});
