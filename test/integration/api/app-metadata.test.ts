// The app-metadata API through the real app (createServices + createApp, which mounts it and configures the
// resource `${issuer}/api`), real client-credentials tokens from the provider's token endpoint and real grants.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiAudience, READ_SCOPE, WRITE_SCOPE } from '../../../src/api/app-metadata.ts';
import { createApp, createServices, type Services } from '../../../src/app.ts';
import { loadConfig } from '../../../src/config/index.ts';
import { createPairwiseSubjects } from '../../../src/services/pairwise.ts';
import { testDatabaseUri } from '../../support/db.ts';
import { clientCredentialsToken } from '../../support/client-credentials.ts';

const OTHER_RESOURCE = 'https://other-api.example.test';
const BOTH = `${READ_SCOPE} ${WRITE_SCOPE}`;

let server: Server;
let issuer: string;
let services: Services;
const secrets: Record<string, string> = {};
// The users who signed in to which app (a grant each); nobody else may be read or written by that app.
const grants = [['user-1', 'shop'], ['user-1', 'crm'], ['user-1', 'reader'], ['user-2', 'crm']] as const;
const dataKey = randomBytes(32);

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
    DATA_ENCRYPTION_KEY: dataKey.toString('base64'),
    APP_METADATA_MAX_BYTES: '256',
    RESOURCES: JSON.stringify({
      [OTHER_RESOURCE]: { scope: BOTH, accessTokenFormat: 'opaque' },
    }),
  });
  services = await createServices(config);
  server.on('request', createApp(services).callback());
  for (const [accountId, clientId] of grants) {
    const grant = new (services.provider().Grant)({ accountId, clientId });
    grant.addOIDCScope('openid');
    await grant.save();
  }
  for (const [clientId, scope] of [['shop', BOTH], ['crm', BOTH], ['reader', READ_SCOPE]] as const) {
    const created = await services.clients.create({ clientId, grantTypes: ['client_credentials'], scope });
    secrets[clientId] = created.clientSecret!;
  }
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await services.db.connection.dropDatabase();
  await services.close();
});

const tokenFor = (clientId: string, scope: string, resource = apiAudience(issuer)) =>
  clientCredentialsToken(issuer, { id: clientId, secret: secrets[clientId]! }, scope, resource);

function api(sub: string, token: string | undefined, init: { method?: string; body?: string; type?: string; headers?: Record<string, string> } = {}) {
  return fetch(`${issuer}/api/v1/users/${encodeURIComponent(sub)}/app-metadata`, {
    method: init.method ?? 'GET',
    headers: {
      accept: '*/*',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(init.body !== undefined ? { 'content-type': init.type ?? 'application/json' } : {}),
      ...init.headers,
    },
    body: init.body,
  });
}

const put = (sub: string, token: string, data: unknown) => api(sub, token, { method: 'PUT', body: JSON.stringify(data) });

describe('app metadata API', () => {
  it('lets an app write and read its own metadata about its user, dotted and $ keys included', async () => {
    const token = await tokenFor('shop', BOTH);
    expect(await (await api('user-1', token)).json()).toEqual({});

    const data = { plan: 'gold', 'loyalty.tier': 3, $legacy: true, prefs: { theme: 'dark', tags: ['a', 'b'] } };
    const written = await put('user-1', token, data);
    expect(written.status).toBe(200);
    expect(written.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await written.json()).toEqual(data);

    const read = await api('user-1', token);
    expect(read.status).toBe(200);
    expect(read.headers.get('cache-control')).toMatch(/no-store/);
    expect(await read.json()).toEqual(data);

    const [event] = await services.audit.list({ type: 'app_metadata.updated', accountId: 'user-1' });
    expect(event).toMatchObject({ clientId: 'shop', outcome: 'success' });
  });

  it('keeps each app in its own record: another app neither sees nor overwrites it', async () => {
    const shop = await tokenFor('shop', BOTH);
    const crm = await tokenFor('crm', BOTH);
    await put('user-1', shop, { plan: 'silver' });

    expect(await (await api('user-1', crm)).json()).toEqual({});
    expect((await put('user-1', crm, { plan: 'hacked', crmId: 42 })).status).toBe(200);
    expect(await (await api('user-1', shop)).json()).toEqual({ plan: 'silver' });
    expect(await (await api('user-1', crm)).json()).toEqual({ plan: 'hacked', crmId: 42 });

    const removed = await api('user-1', crm, { method: 'DELETE' });
    expect(removed.status).toBe(204);
    expect(await (await api('user-1', crm)).json()).toEqual({});
    expect(await (await api('user-1', shop)).json()).toEqual({ plan: 'silver' });
  });

  it('refuses writes with a read-only token: 403 insufficient_scope with a challenge naming the scope', async () => {
    const reader = await tokenFor('reader', READ_SCOPE);
    expect((await api('user-1', reader)).status).toBe(200);
    for (const method of ['PUT', 'DELETE']) {
      const res = await api('user-1', reader, { method, ...(method === 'PUT' ? { body: '{"a":1}' } : {}) });
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ error: 'insufficient_scope', error_description: `The access token lacks the scope ${WRITE_SCOPE}` });
      expect(res.headers.get('www-authenticate')).toBe(`Bearer realm="${apiAudience(issuer)}", error="insufficient_scope", scope="${WRITE_SCOPE}"`);
    }
    const writeOnly = await tokenFor('shop', WRITE_SCOPE);
    expect((await api('user-1', writeOnly)).status).toBe(403);
    expect(await (await api('user-1', reader)).json()).toEqual({});
  });

  it('answers 401 with a Bearer challenge without a token or with a bad, expired or foreign one', async () => {
    const missing = await api('user-1', undefined);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe(`Bearer realm="${apiAudience(issuer)}"`);
    expect(await missing.json()).toMatchObject({ error: 'invalid_token' });

    const provider = services.provider();
    const expiring = new provider.ClientCredentials({ client: (await provider.Client.find('shop'))!, scope: BOTH, expiresIn: 1 });
    expiring.setAudience(apiAudience(issuer));
    const expired = await expiring.save();
    expect((await api('user-1', expired)).status).toBe(200);
    const bound = new provider.ClientCredentials({ client: (await provider.Client.find('shop'))!, scope: BOTH });
    bound.setAudience(apiAudience(issuer));
    bound.jkt = randomBytes(32).toString('base64url');
    const dpopBound = await bound.save();
    await new Promise((resolve) => setTimeout(resolve, 1100));

    const cases: [string, Record<string, string>, RegExp][] = [
      ['basic', { authorization: `Basic ${Buffer.from('shop:x').toString('base64')}` }, /must be "Bearer/],
      ['unknown', { authorization: `Bearer ${randomBytes(32).toString('base64url')}` }, /invalid or has expired/],
      ['expired', { authorization: `Bearer ${expired}` }, /invalid or has expired/],
      ['dpop-bound', { authorization: `Bearer ${dpopBound}` }, /Sender-constrained/],
      ['foreign', { authorization: `Bearer ${await tokenFor('shop', BOTH, OTHER_RESOURCE)}` }, /not issued for this API/],
    ];
    for (const [name, headers, description] of cases) {
      const res = await api('user-1', undefined, { headers });
      expect([name, res.status]).toEqual([name, 401]);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="[^"]+", error="invalid_token", error_description="/);
      expect((await res.json()) as object).toMatchObject({ error: 'invalid_token', error_description: expect.stringMatching(description) });
    }
  });

  it('answers 404 for a user without a grant with the app exactly as for an unknown user, and stores nothing', async () => {
    const shop = await tokenFor('shop', BOTH);
    const noGrant = await put('user-2', shop, { plan: 'x' });
    const unknown = await put('no-such-user', shop, { plan: 'x' });
    expect(noGrant.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(await noGrant.json()).toEqual(await unknown.json());
    expect((await api('user-2', shop)).status).toBe(404);

    // user-2 does have a grant with crm, whose view stays empty: nothing was written for shop.
    const crm = await tokenFor('crm', BOTH);
    expect(await (await api('user-2', crm)).json()).toEqual({});
    expect(await services.db.connection.collection('app_metadata').countDocuments({ accountId: { $in: ['user-2', 'no-such-user'] } })).toBe(0);
    expect((await services.audit.list({ type: 'app_metadata.denied' })).some((e) => e.reason === 'no_grant' && e.clientId === 'shop')).toBe(true);
  });

  it('refuses bodies that are not a small, shallow JSON object with a clear 400, keeping what was stored', async () => {
    const shop = await tokenFor('shop', BOTH);
    await put('user-1', shop, { kept: true });
    const deep = { a: { b: { c: { d: { e: { f: 1 } } } } } };
    const cases: [string, { body: string; type?: string }, number, RegExp][] = [
      ['array', { body: '[1,2]' }, 400, /must be a JSON object/],
      ['string', { body: '"hello"' }, 400, /must be a JSON object/],
      ['null', { body: 'null' }, 400, /must be a JSON object/],
      ['empty', { body: '' }, 400, /must be a JSON object/],
      ['malformed', { body: '{"a":' }, 400, /not valid JSON/],
      ['prototype poisoning', { body: '{"a":{"__proto__":{"admin":true}}}' }, 400, /names a key "__proto__", which is refused/],
      ['too deep', { body: JSON.stringify(deep) }, 400, /must not nest deeper than 5 levels/],
      ['too large', { body: JSON.stringify({ note: 'x'.repeat(300) }) }, 400, /is 311 bytes as JSON; at most 256 are allowed/],
      ['form', { body: 'a=1', type: 'application/x-www-form-urlencoded' }, 415, /application\/json/],
      ['over 64 kB', { body: JSON.stringify({ note: 'x'.repeat(70_000) }) }, 413, /must not exceed 64kb/],
    ];
    for (const [name, init, status, description] of cases) {
      const res = await api('user-1', shop, { method: 'PUT', ...init });
      expect([name, res.status]).toEqual([name, status]);
      const body = (await res.json()) as { error: string; error_description: string };
      expect([name, body.error_description]).toEqual([name, expect.stringMatching(description)]);
    }
    expect(await (await api('user-1', shop)).json()).toEqual({ kept: true });
    // Five levels are fine.
    expect((await put('user-1', shop, { a: { b: { c: { d: { e: 1 } } } } })).status).toBe(200);
  });
});

describe('an app registered with pairwise subjects', () => {
  it('names the customer by the sub it was given, and is refused the account id itself', async () => {
    const accountId = randomUUID();
    const created = await services.clients.create({
      clientId: 'pairwise-partner',
      grantTypes: ['client_credentials', 'authorization_code'],
      redirectUris: ['https://partner.example.test/cb'],
      scope: BOTH,
      metadata: { subject_type: 'pairwise' },
    });
    secrets['pairwise-partner'] = created.clientSecret!;
    const grant = new (services.provider().Grant)({ accountId, clientId: 'pairwise-partner' });
    grant.addOIDCScope('openid');
    await grant.save();
    const sub = createPairwiseSubjects(dataKey).subjectOf(accountId, 'partner.example.test');
    const token = await tokenFor('pairwise-partner', BOTH);

    expect((await put(sub, token, { tier: 'gold' })).status).toBe(200);
    expect(await (await api(sub, token)).json()).toEqual({ tier: 'gold' });
    expect(await services.appMetadata.get(accountId, 'pairwise-partner')).toEqual({ tier: 'gold' });
    // The account id is not what this app knows the customer by: as unknown as any other value.
    expect((await api(accountId, token)).status).toBe(404);
  });
});

