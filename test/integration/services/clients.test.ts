import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import Provider from 'oidc-provider';
import { createMongoAdapter } from '../../../adapters/mongodb.ts';
import { createAuditLog, type AuditLog } from '../../../src/services/audit.ts';
import { createClientService, type ClientService } from '../../../src/services/clients.ts';
import { createCipher, isEncrypted } from '../../../src/services/crypto.ts';
import { dropAndClose, openTestConnection } from '../../support/db.ts';
import { rowOf } from '../../../adapters/wire.ts';

let conn: Connection;
let audit: AuditLog;
let clients: ClientService;
let adapter: ReturnType<typeof createMongoAdapter>;
const cipher = createCipher(randomBytes(32));
const key = randomBytes(32);

beforeAll(async () => {
  conn = await openTestConnection();
  audit = createAuditLog(conn);
  adapter = createMongoAdapter({ db: conn.db!, cipher, key });
  const provider = new Provider('http://127.0.0.1', {
    adapter: adapter.Adapter,
    features: { clientCredentials: { enabled: true }, deviceFlow: { enabled: true } },
    scopes: ['openid', 'offline_access', 'orders:read'],
  });
  clients = createClientService({ Adapter: adapter.Adapter, collection: adapter.collection, validate: (m) => provider.Client.validate(m), audit });
});
afterAll(() => dropAndClose(conn));

const web = { redirectUris: ['https://app.example.com/cb'], grantTypes: ['authorization_code', 'refresh_token'] };

describe('clients', () => {
  it('creates a confidential client with a generated secret, returned once and stored sealed', async () => {
    const created = await clients.create({ clientId: 'web-app', ...web, scope: 'openid offline_access', postLogoutRedirectUris: ['https://app.example.com/bye'] });
    expect(created).toMatchObject({
      clientId: 'web-app',
      public: false,
      tokenEndpointAuthMethod: 'client_secret_basic',
      redirectUris: ['https://app.example.com/cb'],
      postLogoutRedirectUris: ['https://app.example.com/bye'],
      grantTypes: ['authorization_code', 'refresh_token'],
      responseTypes: ['code'],
      scope: 'openid offline_access',
    });
    expect(created.clientSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const raw = await adapter.collection('Client').findOne({ _id: 'web-app' });
    expect(isEncrypted(raw && rowOf(raw).payload.client_secret)).toBe(true);
    expect(JSON.stringify(raw)).not.toContain(created.clientSecret);
    expect((await new adapter.Adapter('Client').find('web-app'))?.client_secret).toBe(created.clientSecret);
    expect(await clients.get('web-app')).not.toHaveProperty('clientSecret');
    expect((await audit.list({ type: 'client.created' }))[0]?.clientId).toBe('web-app');
  });

  it('keeps a secret the operator chose', async () => {
    const secret = randomBytes(32).toString('base64url');
    const created = await clients.create({ clientId: 'partner', clientSecret: secret, grantTypes: ['client_credentials'], scope: 'orders:read' });
    expect(created).toMatchObject({ clientSecret: secret, redirectUris: [], responseTypes: [] });
  });

  it('creates a public client that authenticates with none and has no secret', async () => {
    const created = await clients.create({ clientId: 'spa', public: true, ...web });
    expect(created).toMatchObject({ public: true, tokenEndpointAuthMethod: 'none' });
    expect(created).not.toHaveProperty('clientSecret');
    expect((await new adapter.Adapter('Client').find('spa'))?.client_secret).toBeUndefined();
  });

  it('refuses a duplicate id, also when two creations race', async () => {
    await expect(clients.create({ clientId: 'web-app', ...web })).rejects.toMatchObject({ status: 409, message: 'A client with id "web-app" already exists' });
    const results = await Promise.allSettled([clients.create({ clientId: 'racer', ...web }), clients.create({ clientId: 'racer', ...web })]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
  });

  it('explains invalid input, ours and oidc-provider\'s, and stores nothing', async () => {
    const cases: [object, RegExp][] = [
      [{ clientId: 'a.b', ...web }, /clientId: must be 1-100 letters, digits/],
      [{ clientId: 'x1', ...web, redirectUris: ['not a uri'] }, /redirectUris\.0: each redirect URI must be an absolute URI/],
      [{ clientId: 'x2', public: true, clientSecret: 'x'.repeat(40), ...web }, /a public client has no secret/],
      [{ clientId: 'x3', clientSecret: 'short', ...web }, /clientSecret: must be at least 32 characters/],
      [{ clientId: 'x4', redirectUris: [], grantTypes: [] }, /grantTypes: needs at least one grant type/],
      [{ clientId: 'x5', ...web, redirectUris: ['https://app.example.com/cb#frag'] }, /Invalid client: redirect_uris must not contain fragments/],
      [{ clientId: 'x6', ...web, grantTypes: ['password'] }, /Invalid client: grant_types can only contain/],
      [{ clientId: 'x7', ...web, tokenEndpointAuthMethod: 'magic' }, /Invalid client: token_endpoint_auth_method must be 'client_secret_basic'/],
      [{ clientId: 'x8', grantTypes: ['authorization_code'] }, /Invalid client: redirect_uris must contain members/],
    ];
    for (const [input, message] of cases) {
      await expect(clients.create(input as never)).rejects.toMatchObject({ status: 400, message: expect.stringMatching(message) });
    }
    expect(await conn.collection('oidc_client').countDocuments({ _id: { $in: ['x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7', 'x8'] } as never })).toBe(0);
  });

  it('lists clients without secrets', async () => {
    const list = await clients.list();
    expect(list.map((c) => c.clientId)).toEqual(['partner', 'racer', 'spa', 'web-app']);
    expect(JSON.stringify(list)).not.toMatch(/secret"/i);
  });

  it('deletes a client once', async () => {
    await expect(clients.delete('spa')).resolves.toBe(true);
    await expect(clients.delete('spa')).resolves.toBe(false);
    await expect(clients.get('spa')).resolves.toBeNull();
    expect(await new adapter.Adapter('Client').find('spa')).toBeUndefined();
    expect((await audit.list({ type: 'client.deleted' })).map((e) => e.clientId)).toEqual(['spa']);
  });
});

describe('client changes', () => {
  it('merges a change: null removes a field, metadata merges by field, default response types follow the grant types', async () => {
    await clients.create({ clientId: 'flow', ...web, scope: 'openid', metadata: { logo_uri: 'https://app.example.com/logo.png', policy_uri: 'https://app.example.com/policy' } });
    const changed = await clients.update('flow', { grantTypes: ['client_credentials'], redirectUris: null, scope: null, metadata: { policy_uri: null, tos_uri: 'https://app.example.com/tos' } });
    expect(changed).toMatchObject({ grantTypes: ['client_credentials'], responseTypes: [], redirectUris: [], metadata: { logo_uri: 'https://app.example.com/logo.png', tos_uri: 'https://app.example.com/tos' } });
    expect(changed).not.toHaveProperty('scope');
    expect(changed.metadata).not.toHaveProperty('policy_uri');
    expect(await clients.update('flow', { metadata: null })).not.toHaveProperty('metadata');
    expect((await audit.list({ type: 'client.updated', clientId: 'flow' })).map((e) => e.details?.fields)).toEqual([
      ['logo_uri', 'tos_uri'],
      ['grant_types', 'policy_uri', 'redirect_uris', 'response_types', 'scope', 'tos_uri'],
    ]);
  });

  it('writes and audits nothing for a change that changes nothing', async () => {
    const before = await clients.get('flow');
    await expect(clients.update('flow', {})).resolves.toEqual(before);
    await expect(clients.update('flow', { grantTypes: ['client_credentials'] })).resolves.toEqual(before);
    expect(await audit.list({ type: 'client.updated', clientId: 'flow' })).toHaveLength(2);
  });

  it('refuses a change to a client another writer changed meanwhile, so that a rotated secret is never undone', async () => {
    await clients.create({ clientId: 'raced', grantTypes: ['client_credentials'] });
    let rotated: string | undefined;
    // Another writer rotates the secret while this change is being checked.
    const racing = createClientService({ Adapter: adapter.Adapter, collection: adapter.collection, audit, validate: async () => void (rotated ??= (await clients.rotateSecret('raced')).clientSecret) });
    await expect(racing.update('raced', { clientName: 'Raced' })).rejects.toMatchObject({ status: 409 });
    expect((await new adapter.Adapter('Client').find('raced'))?.client_secret).toBe(rotated);
    expect(await clients.get('raced')).not.toHaveProperty('clientName');
  });

  it('a secret rotated by another process is served here within the client cache bound', async () => {
    const here = new (createMongoAdapter({ db: conn.db!, cipher, key, clientCacheSeconds: 1 }).Adapter)('Client');
    const { clientSecret: old } = await clients.create({ clientId: 'elsewhere', grantTypes: ['client_credentials'] });
    expect((await here.find('elsewhere'))?.client_secret).toBe(old);
    const { clientSecret } = await clients.rotateSecret('elsewhere');
    const deadline = Date.now() + 15_000;
    while ((await here.find('elsewhere'))?.client_secret === old && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect((await here.find('elsewhere'))?.client_secret).toBe(clientSecret);
    expect((await audit.list({ type: 'client.secret_rotated' })).map((e) => e.clientId)).toEqual(['elsewhere', 'raced']);
  });
});
