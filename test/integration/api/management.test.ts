// The management API through the real app, with real client-credentials tokens: every answer is checked against
// the OpenAPI document the server publishes (ajv, JSON Schema 2020-12, independent of the zod schemas it was made
// from), every operation refuses a token without its scope, and the use cases behind it take effect.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { apiAudience } from '../../../src/api/bearer.ts';
import { createApp, createServices, type Services } from '../../../src/app.ts';
import { runCli } from '../../../src/cli/run.ts';
import { loadConfig } from '../../../src/config/index.ts';
import { testDatabaseUri } from '../../support/db.ts';
import { clientCredentialsToken } from '../../support/client-credentials.ts';

let server: Server;
let issuer: string;
let services: Services;
let doc: OpenApi;
const secrets: Record<string, string> = {};
const tokens: Record<string, string> = {};

interface OpenApi {
  openapi: string;
  paths: Record<string, Record<string, { operationId: string; security: { oauth2: string[] }[]; responses: Record<string, { content?: Record<string, { schema: object }> }> }>>;
  components: { schemas: Record<string, object>; securitySchemes: { oauth2: { flows: { clientCredentials: { scopes: Record<string, string> } } } } };
}

beforeAll(async () => {
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  issuer = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    ISSUER: issuer,
    PORT: String(port),
    LOG_LEVEL: 'silent',
    DEMO: 'false',
    MONGODB_URI: testDatabaseUri(),
    COOKIE_KEYS: randomBytes(32).toString('base64url'),
    DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    PASSWORD_HASH: 'test',
  });
  services = await createServices(config);
  server.on('request', createApp(services).callback());
  for (const [clientId, scope] of [
    ['crm', 'users:read users:write'],
    ['reporting', 'users:read'],
    ['metadata-app', 'app_metadata:read'],
    ['platform', 'clients:read clients:write audit:read keys:read keys:write connections:read connections:write'],
  ] as const) {
    secrets[clientId] = (await services.clients.create({ clientId, grantTypes: ['client_credentials'], scope })).clientSecret!;
    tokens[clientId] = await tokenFor(clientId, scope);
  }
  doc = (await (await fetch(`${issuer}/api/v1/openapi.json`)).json()) as OpenApi;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await services.db.connection.dropDatabase();
  await services.close();
});

const tokenFor = (clientId: string, scope: string) => clientCredentialsToken(issuer, { id: clientId, secret: secrets[clientId]! }, scope, apiAudience(issuer));

/** A call, its answer checked against the document: the operation's schema for its status, or the Problem schema. */
async function call(method: string, path: string, opts: { token?: string; body?: unknown } = {}) {
  const res = await fetch(`${issuer}/api/v1${path}`, {
    method,
    headers: {
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
  const text = await res.text();
  const body = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  const template = Object.keys(doc.paths).find((p) => new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(path.split('?')[0]!));
  const op = template ? doc.paths[template]![method.toLowerCase()] : undefined;
  const schema = op?.responses[String(res.status)]?.content?.[res.status >= 400 ? 'application/problem+json' : 'application/json']?.schema;
  if (body !== undefined) {
    expect([method, path, res.status, Boolean(schema)]).toEqual([method, path, res.status, true]);
    const validate = validator(schema!);
    if (!validate(body)) throw new Error(`${method} ${path} ${res.status} does not match the document: ${JSON.stringify(validate.errors)}\n${text}`);
  }
  if (res.status >= 400) expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return { status: res.status, body: body as Record<string, any>, headers: res.headers }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const ajv = addFormats.default(new Ajv2020({ strict: false, allErrors: true }));
function validator(schema: object) {
  const resolved = JSON.parse(JSON.stringify(schema).replace(/"#\/components\/schemas\/([A-Za-z]+)"/g, '"problem.json"')) as object;
  if (!ajv.getSchema('problem.json')) ajv.addSchema(doc.components.schemas.Problem!, 'problem.json');
  return ajv.compile(resolved);
}

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1, names every operation with its scope, and lists the scopes a token can carry', () => {
    expect(doc.openapi).toBe('3.1.0');
    const operations = Object.values(doc.paths).flatMap((item) => Object.values(item));
    expect(operations.map((o) => o.operationId).sort()).toEqual(
      [
        'createClient', 'createUser', 'createWebhook', 'deleteClient', 'deleteConnection', 'deleteWebhook', 'disableUser', 'enableUser', 'endUserSessions', 'getClient',
        'getConnection', 'getUser', 'importUsers', 'listAuditEvents', 'listClients', 'listConnections', 'listDeliveries', 'listKeys', 'listUsers', 'listWebhooks',
        'listUserFactors', 'listUserGrants', 'listUserIdentities', 'listUserSessions', 'putConnection', 'replayDelivery', 'revokeUserGrant', 'rotateKeys', 'updateUser',
        'exportUsers', 'exportUser', 'eraseUser', 'cancelUserErasure', 'resetUserFactors', 'sendUserPasswordReset',
        'updateClient', 'rotateClientSecret',
      ].sort(),
    );
    const scopes = Object.keys(doc.components.securitySchemes.oauth2.flows.clientCredentials.scopes);
    for (const op of operations) expect(scopes).toContain(op.security[0]!.oauth2[0]);
  });
});

describe('users', () => {
  it('creates, reads, changes and finds customers', async () => {
    const created = await call('POST', '/users', { token: tokens.crm, body: { email: 'Ada@Example.com', password: 'correct horse battery', given_name: 'Ada', email_verified: true } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ email: 'ada@example.com', given_name: 'Ada', email_verified: true, disabled: false, has_password: true });
    const id = created.body.id as string;
    const invited = await call('POST', '/users', { token: tokens.crm, body: { email: 'grace@example.com', name: 'Grace Hopper' } });
    expect(invited.body).toMatchObject({ has_password: false, email_verified: false });

    expect((await call('GET', `/users/${id}`, { token: tokens.reporting })).body.given_name).toBe('Ada');
    const changed = await call('PATCH', `/users/${id}`, { token: tokens.crm, body: { family_name: 'Lovelace', address: { locality: 'London', country: 'GB' } } });
    expect(changed.body).toMatchObject({ given_name: 'Ada', family_name: 'Lovelace', address: { locality: 'London', country: 'GB' } });

    expect((await call('GET', '/users?email=ADA@example.com', { token: tokens.reporting })).body.users.map((u: { id: string }) => u.id)).toEqual([id]);
    expect((await call('GET', '/users?q=hopper', { token: tokens.reporting })).body.users.map((u: { email: string }) => u.email)).toEqual(['grace@example.com']);
    expect((await call('GET', '/users?email=nobody@example.com', { token: tokens.reporting })).body.users).toEqual([]);
  });

  it('finds customers by phone number and by last sign-in (noted once an hour, whatever the way in)', async () => {
    const { body: phoned } = await call('POST', '/users', { token: tokens.crm, body: { email: 'phoned@example.com', password: 'a long password 1', phone_number: '+4512345678' } });
    const { body: idle } = await call('POST', '/users', { token: tokens.crm, body: { email: 'idle@example.com', password: 'a long password 1' } });
    expect((await call('GET', '/users?phone_number=%2B4512345678', { token: tokens.reporting })).body.users.map((u: { id: string }) => u.id)).toEqual([phoned.id]);
    expect((await call('GET', '/users?phone_number=12345', { token: tokens.reporting })).status).toBe(400);

    expect(await services.users.authenticate('phoned@example.com', 'a long password 1', {})).toEqual({ accountId: phoned.id });
    const read = await call('GET', `/users/${phoned.id}`, { token: tokens.reporting });
    const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
    expect(Date.parse(read.body.last_login_at)).toBeGreaterThanOrEqual(hour.getTime() - 3_600_000);
    expect((await call('GET', `/users/${idle.id}`, { token: tokens.reporting })).body).not.toHaveProperty('last_login_at');

    const since = encodeURIComponent(new Date(Date.parse(read.body.last_login_at)).toISOString());
    const recent = (await call('GET', `/users?last_login_after=${since}&limit=200`, { token: tokens.reporting })).body.users.map((u: { id: string }) => u.id);
    expect(recent).toContain(phoned.id);
    expect(recent).not.toContain(idle.id);
    const later = encodeURIComponent(new Date(Date.parse(read.body.last_login_at) + 3_600_000).toISOString());
    const inactive = (await call('GET', `/users?last_login_before=${later}&limit=200`, { token: tokens.reporting })).body.users.map((u: { id: string }) => u.id);
    expect(inactive).toContain(phoned.id);
    expect(inactive).not.toContain(idle.id);

    // A second sign-in within the hour writes nothing: the value it read is this hour's. (Marked a second past the
    // hour: a write would put the hour back.)
    const users = services.db.connection.collection('users');
    const marked = new Date(hour.getTime() + 1000);
    await users.updateOne({ _id: phoned.id } as never, { $set: { lastLoginAt: marked } });
    expect(await services.users.authenticate('phoned@example.com', 'a long password 1', {})).toEqual({ accountId: phoned.id });
    const sameHour = Math.floor(Date.now() / 3_600_000) * 3_600_000 === hour.getTime();
    if (sameHour) expect((await users.findOne({ _id: phoned.id } as never))?.lastLoginAt).toEqual(marked);
  });

  it('pages through customers in creation order without skipping or repeating any', async () => {
    for (let i = 0; i < 5; i++) await call('POST', '/users', { token: tokens.crm, body: { email: `page-${i}@example.com` } });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await call('GET', `/users?q=page-&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token: tokens.reporting });
      expect(page.body.users.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.users.map((u: { email: string }) => u.email));
      cursor = page.body.next_cursor as string | undefined;
    } while (cursor);
    expect(seen).toEqual([0, 1, 2, 3, 4].map((i) => `page-${i}@example.com`));
  });

  it('answers bad input with problem details that say where, and loses nothing', async () => {
    const bad = await call('POST', '/users', { token: tokens.crm, body: { email: 'x@example.com', is_admin: true } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ at: 'body' })]);
    expect((await call('GET', '/users?email=x@example.com', { token: tokens.reporting })).body.users).toEqual([]);
    expect((await call('GET', '/users?limit=5000', { token: tokens.reporting })).body.errors[0].at).toBe('query.limit');
    expect((await call('GET', '/users?cursor=nonsense', { token: tokens.reporting })).status).toBe(400);
    expect((await call('POST', '/users', { token: tokens.crm, body: { email: 'not an address' } })).status).toBe(400);
    expect((await call('GET', '/users/no-such-id', { token: tokens.reporting })).status).toBe(404);
    const duplicate = await call('POST', '/users', { token: tokens.crm, body: { email: 'ada@example.com' } });
    expect(duplicate.status).toBe(409);
  });

  it('disables a customer (sessions and tokens end, the acting client is audited) and enables it again', async () => {
    const { body: user } = await call('POST', '/users', { token: tokens.crm, body: { email: 'locked@example.com', password: 'a long password 1' } });
    const disabled = await call('POST', `/users/${user.id}/disable`, { token: tokens.crm });
    expect(disabled.body).toEqual({ sessions: 0, tokens: 0 });
    expect((await call('GET', `/users/${user.id}`, { token: tokens.reporting })).body.disabled).toBe(true);
    expect(await services.users.authenticate('locked@example.com', 'a long password 1', {})).toBeNull();
    const [event] = await services.audit.list({ type: 'account.disabled', accountId: user.id });
    expect(event).toMatchObject({ clientId: 'crm', reason: 'api' });

    expect((await call('POST', `/users/${user.id}/enable`, { token: tokens.crm })).status).toBe(204);
    expect(await services.users.authenticate('locked@example.com', 'a long password 1', {})).toEqual({ accountId: user.id });
    expect(await services.audit.list({ type: 'account.enabled', accountId: user.id })).toHaveLength(1);
    expect((await call('DELETE', `/users/${user.id}/sessions`, { token: tokens.crm })).body).toEqual({ sessions: 0 });
  });
});

describe("what hangs off a customer", () => {
  it("lists a customer's apps, sessions, factors and identities, and removes an app's access", async () => {
    const { body: user } = await call('POST', '/users', { token: tokens.crm, body: { email: 'linked@example.com' } });
    const grant = new (services.provider().Grant)({ accountId: user.id, clientId: 'crm' });
    grant.addOIDCScope('openid email');
    await grant.save();
    const apps = await call('GET', `/users/${user.id}/grants`, { token: tokens.reporting });
    expect(apps.body.apps.map((a: { clientId: string }) => a.clientId)).toEqual(['crm']);
    for (const part of ['sessions', 'factors', 'identities']) {
      expect((await call('GET', `/users/${user.id}/${part}`, { token: tokens.reporting })).body[part]).toEqual([]);
    }
    expect((await call('GET', '/users/nobody/sessions', { token: tokens.reporting })).status).toBe(404);
    expect((await call('DELETE', `/users/${user.id}/grants/crm`, { token: tokens.crm })).status).toBe(204);
    expect((await call('GET', `/users/${user.id}/grants`, { token: tokens.reporting })).body.apps).toEqual([]);
    expect((await call('DELETE', `/users/${user.id}/grants/crm`, { token: tokens.crm })).status).toBe(404);
  });
});

describe('apps, the audit log and the signing keys', () => {
  it('registers an app (its secret shown once), lists and reads it without the secret, and deletes it', async () => {
    const created = await call('POST', '/clients', { token: tokens.platform, body: { clientId: 'new-shop', redirectUris: ['https://shop.example.com/cb'], grantTypes: ['authorization_code'], scope: 'openid email' } });
    expect(created.status).toBe(201);
    expect(created.body.clientSecret).toEqual(expect.any(String));
    expect((await services.provider().Client.find('new-shop'))?.clientSecret).toBe(created.body.clientSecret);
    const listed = await call('GET', '/clients', { token: tokens.platform });
    expect(listed.body.clients.map((c: { clientId: string }) => c.clientId)).toContain('new-shop');
    expect(JSON.stringify(listed.body)).not.toContain(created.body.clientSecret);
    expect((await call('GET', '/clients/new-shop', { token: tokens.platform })).body).not.toHaveProperty('clientSecret');
    const refused = await call('POST', '/clients', { token: tokens.platform, body: { clientId: 'bad app', grantTypes: [] } });
    expect(refused.status).toBe(400);
    expect((await call('DELETE', '/clients/new-shop', { token: tokens.platform })).status).toBe(204);
    expect((await call('GET', '/clients/new-shop', { token: tokens.platform })).status).toBe(404);
    // An integration cannot lock itself out: its own client stays (another client or the CLI deletes it).
    const itself = await call('DELETE', '/clients/platform', { token: tokens.platform });
    expect([itself.status, itself.body.code]).toEqual([409, 'conflict']);
    expect(await services.provider().Client.find('platform')).toBeDefined();
  });

  it("reads the audit log by customer, app, type and time, newest first, a page at a time", async () => {
    const { body: user } = await call('POST', '/users', { token: tokens.crm, body: { email: 'audited@example.com' } });
    await call('POST', `/users/${user.id}/disable`, { token: tokens.crm });
    await call('POST', `/users/${user.id}/enable`, { token: tokens.crm });
    const mine = await call('GET', `/audit-events?account_id=${user.id}`, { token: tokens.platform });
    expect(mine.body.events.map((e: { type: string }) => e.type)).toEqual(['account.enabled', 'account.disabled', 'user.created']);
    const byApp = await call('GET', `/audit-events?client_id=crm&type=account.disabled`, { token: tokens.platform });
    expect(byApp.body.events.every((e: { clientId: string; type: string }) => e.clientId === 'crm' && e.type === 'account.disabled')).toBe(true);
    const pages: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await call('GET', `/audit-events?account_id=${user.id}&limit=1${cursor ? `&cursor=${cursor}` : ''}`, { token: tokens.platform });
      pages.push(...page.body.events.map((e: { type: string }) => e.type));
      cursor = page.body.next_cursor as string | undefined;
    } while (cursor);
    expect(pages).toEqual(['account.enabled', 'account.disabled', 'user.created']);
    expect((await call('GET', `/audit-events?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`, { token: tokens.platform })).body.events).toEqual([]);
    expect((await call('GET', '/audit-events?type=no.such.type', { token: tokens.platform })).status).toBe(400);
  });

  it('creates, replaces, reads and deletes a connection, never answering its secret', async () => {
    const body = { id: 'acme', name: 'Acme ID', issuer: 'https://login.acme.example', clientId: 'ciam-at-acme', clientSecret: 'a-secret-of-the-connection-1234' };
    const put = await call('PUT', '/connections/acme', { token: tokens.platform, body });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ id: 'acme', name: 'Acme ID', enabled: true });
    expect(JSON.stringify(put.body)).not.toContain(body.clientSecret);
    expect((await call('PUT', '/connections/acme', { token: tokens.platform, body: { ...body, name: 'Acme' } })).body.name).toBe('Acme');
    expect((await call('GET', '/connections', { token: tokens.platform })).body.connections.map((c: { id: string }) => c.id)).toContain('acme');
    expect(await services.connections.secretOf('acme')).toBe(body.clientSecret);
    expect((await call('PUT', '/connections/acme', { token: tokens.platform, body: { ...body, issuer: 'http://evil.example' } })).status).toBe(400);
    expect((await call('PUT', '/connections/other', { token: tokens.platform, body })).status).toBe(400);
    expect((await call('DELETE', '/connections/acme', { token: tokens.platform })).status).toBe(204);
    expect((await call('GET', '/connections/acme', { token: tokens.platform })).status).toBe(404);
  });

  it('lists the signing keys and rotates them, serving the new key at once', async () => {
    const before = (await call('GET', '/keys', { token: tokens.platform })).body.keys as { kid: string; state: string }[];
    const current = before.filter((k) => k.state === 'current').map((k) => k.kid);
    const rotated = await call('POST', '/keys/rotate', { token: tokens.platform });
    expect(rotated.body.retired).toEqual(expect.arrayContaining(current));
    const after = (await call('GET', '/keys', { token: tokens.platform })).body.keys as { kid: string; state: string }[];
    expect(after.filter((k) => current.includes(k.kid)).every((k) => k.state === 'retired')).toBe(true);
    const jwks = (await (await fetch(`${issuer}/jwks`)).json()) as { keys: { kid: string }[] };
    for (const kid of rotated.body.activated as string[]) expect(jwks.keys.map((k) => k.kid)).toContain(kid);
  });
});

describe('the same use cases from the CLI', () => {
  async function cli(argv: string[]) {
    let stdout = '';
    const code = await runCli(argv, async () => ({ ...services, close: async () => {} }), { stdout: (t) => void (stdout += t), stderr: () => {}, readStdin: async () => '' });
    return { code, json: () => JSON.parse(stdout) as Record<string, unknown> };
  }

  it('disabling ends what the account holds: its tokens stop working at once; enabling lets it sign in again', async () => {
    const { body: user } = await call('POST', '/users', { token: tokens.crm, body: { email: 'held@example.com', password: 'a long password 2' } });
    const provider = services.provider();
    const grant = new provider.Grant({ accountId: user.id, clientId: 'crm' });
    grant.addOIDCScope('openid');
    const grantId = await grant.save();
    const client = await provider.Client.find('crm');
    const accessToken = new provider.AccessToken({ accountId: user.id, client: client!, grantId, scope: 'openid', gty: 'authorization_code' });
    const value = await accessToken.save();

    const disabled = await cli(['users', 'disable', '--email', 'held@example.com']);
    expect(disabled.code).toBe(0);
    expect(disabled.json()).toMatchObject({ accountId: user.id, status: 'disabled' });
    expect((disabled.json().tokens as number) >= 1).toBe(true);
    expect(await provider.AccessToken.find(value)).toBeUndefined();
    const [event] = await services.audit.list({ type: 'account.disabled', accountId: user.id });
    expect(event).toMatchObject({ reason: 'cli' });
    expect(event).not.toHaveProperty('clientId');

    expect((await cli(['users', 'enable', '--id', user.id])).json()).toEqual({ accountId: user.id, status: 'active' });
    expect(await services.users.authenticate('held@example.com', 'a long password 2', {})).toEqual({ accountId: user.id });
  });

  it('registers, lists and deletes a webhook endpoint', async () => {
    const created = await cli(['webhooks', 'create', '--url', 'https://hooks.example.com/ciam', '--event', 'account.disabled', '--event', 'user.created']);
    expect(created.code).toBe(0);
    const hook = created.json();
    expect(hook).toMatchObject({ url: 'https://hooks.example.com/ciam', eventTypes: ['account.disabled', 'user.created'], secret: expect.stringMatching(/^whsec_/) });
    const listed = await cli(['webhooks', 'list']);
    expect(JSON.stringify(listed.json())).not.toContain(hook.secret as string);
    expect((await cli(['webhooks', 'create', '--url', 'https://hooks.example.com/x'])).code).toBe(2);
    expect((await cli(['webhooks', 'delete', hook.id as string])).code).toBe(0);
    expect((await cli(['webhooks', 'delete', hook.id as string])).code).toBe(1);
  });

  it('mints a management client with the scopes given, whose secret gets a token for them', async () => {
    const minted = await cli(['api-clients', 'create', '--client-id', 'support-tool', '--scope', 'users:read']);
    expect(minted.code).toBe(0);
    const out = minted.json();
    expect(out).toMatchObject({ clientId: 'support-tool', scope: 'users:read', resource: apiAudience(issuer), tokenEndpoint: `${issuer}/token` });
    secrets['support-tool'] = out.clientSecret as string;
    const token = await tokenFor('support-tool', 'users:read');
    expect((await call('GET', '/users?limit=1', { token })).status).toBe(200);
    await expect(tokenFor('support-tool', 'users:write')).rejects.toThrow(/invalid_scope/);
    expect((await cli(['api-clients', 'create', '--client-id', 'x', '--scope', 'users:everything'])).code).toBe(2);
  });
});

describe('who may call', () => {
  const operations = (): [string, string, string][] => {
    const list: [string, string, string][] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) list.push([method.toUpperCase(), path.replace('{id}', 'some-id').replace('{event_id}', 'some-event').replace('{client_id}', 'some-app'), op.security[0]!.oauth2[0]!]);
    }
    return list;
  };

  it('refuses every operation without a token, with a token of another API, and with a token lacking its scope', async () => {
    for (const [method, path] of operations()) {
      const body = method === 'POST' || method === 'PATCH' ? {} : undefined;
      const anonymous = await call(method, path, { body });
      expect([method, path, anonymous.status]).toEqual([method, path, 401]);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
      const other = await call(method, path, { token: tokens['metadata-app'], body });
      expect([method, path, other.status, other.body.code]).toEqual([method, path, 403, 'insufficient_scope']);
    }
    for (const [method, path, scope] of operations().filter(([, , scope]) => scope !== 'users:read')) {
      const readOnly = await call(method, path, { token: tokens.reporting, body: method === 'DELETE' || method === 'GET' ? undefined : {} });
      expect([method, path, readOnly.status]).toEqual([method, path, 403]);
      expect(readOnly.headers.get('www-authenticate')).toContain(`scope="${scope}"`);
    }
    expect((await services.audit.list({ type: 'api.denied' })).length).toBeGreaterThan(0);
  });

  it('a client registered without a scope cannot obtain it', async () => {
    await expect(tokenFor('reporting', 'users:write')).rejects.toThrow(/invalid_scope/);
  });
});
