// Changing an app and rotating its secret through the management API (PATCH /clients/{id}, POST /clients/{id}/secret),
// through the real app with real client-credentials tokens: every answer is checked against the OpenAPI document,
// the provider uses the change at once (/auth, the token endpoint), a refused change changes nothing, and each change
// is audited with the API client that made it.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { exportJWK, generateKeyPair } from 'jose';
import { apiAudience } from '../../../src/api/bearer.ts';
import { createApp, createServices, type Services } from '../../../src/app.ts';
import { loadConfig } from '../../../src/config/index.ts';
import { isEncrypted } from '../../../src/services/crypto.ts';
import { testDatabaseUri } from '../../support/db.ts';
import { clientCredentialsToken } from '../../support/client-credentials.ts';
import { rowOf } from '../../../adapters/wire.ts';

let server: Server;
let issuer: string;
let services: Services;
let doc: OpenApi;
const secrets: Record<string, string> = {};
const tokens: Record<string, string> = {};

interface OpenApi {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>>;
  components: { schemas: Record<string, object> };
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
    ['platform', 'clients:read clients:write audit:read'],
    ['viewer', 'clients:read'],
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

const tokenFor = (clientId: string, scope: string, secret = secrets[clientId]!) => clientCredentialsToken(issuer, { id: clientId, secret }, scope, apiAudience(issuer));

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
  const schema = template ? doc.paths[template]![method.toLowerCase()]?.responses[String(res.status)]?.content?.[res.status >= 400 ? 'application/problem+json' : 'application/json']?.schema : undefined;
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

/** Where the authorization endpoint sends the browser for this redirect URI: the sign-in (accepted) or an error page. */
async function authorize(clientId: string, redirectUri: string) {
  const challenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');
  const query = new URLSearchParams({ client_id: clientId, redirect_uri: redirectUri, response_type: 'code', scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' });
  const res = await fetch(`${issuer}/auth?${query}`, { redirect: 'manual' });
  await res.arrayBuffer();
  return { status: res.status, location: res.headers.get('location') ?? '' };
}

const shop = { clientId: 'shop', redirectUris: ['https://shop.example.com/cb'], grantTypes: ['authorization_code'], scope: 'openid email' };

describe('PATCH /clients/{id}', () => {
  it('changes what the provider uses at once, keeps the secret, and removes settings given as null', async () => {
    const created = await call('POST', '/clients', { token: tokens.platform, body: shop });
    expect(created.status).toBe(201);
    expect(await authorize('shop', 'https://shop.example.com/new-cb')).toMatchObject({ status: 400 });

    const changed = await call('PATCH', '/clients/shop', {
      token: tokens.platform,
      body: {
        redirectUris: ['https://shop.example.com/cb', 'https://shop.example.com/new-cb'],
        clientName: 'Shop',
        mfaPolicy: 'required',
        mfaFactors: ['totp', 'passkey'],
        firstParty: true,
        optionalClaims: ['phone_number'],
        metadata: { logo_uri: 'https://shop.example.com/logo.png' },
      },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).not.toHaveProperty('clientSecret');
    const read = await call('GET', '/clients/shop', { token: tokens.viewer });
    expect(read.body).toEqual(changed.body);
    expect(read.body).toMatchObject({
      clientId: 'shop',
      public: false,
      redirectUris: ['https://shop.example.com/cb', 'https://shop.example.com/new-cb'],
      grantTypes: ['authorization_code'],
      responseTypes: ['code'],
      scope: 'openid email',
      clientName: 'Shop',
      mfaPolicy: 'required',
      mfaFactors: ['totp', 'passkey'],
      firstParty: true,
      optionalClaims: ['phone_number'],
      metadata: { logo_uri: 'https://shop.example.com/logo.png' },
    });
    const client = await services.provider().Client.find('shop');
    expect(client?.clientSecret).toBe(created.body.clientSecret);
    expect(client?.metadata()).toMatchObject({ mfa_policy: 'required', client_name: 'Shop' });
    expect(await authorize('shop', 'https://shop.example.com/new-cb')).toMatchObject({ status: 303, location: expect.stringContaining('/interaction/') });

    const cleared = await call('PATCH', '/clients/shop', { token: tokens.platform, body: { mfaPolicy: null, mfaFactors: null, clientName: null, metadata: { logo_uri: null } } });
    expect(cleared.status).toBe(200);
    for (const gone of ['mfaPolicy', 'mfaFactors', 'clientName', 'metadata']) expect(cleared.body).not.toHaveProperty(gone);
    expect(cleared.body).toMatchObject({ firstParty: true, optionalClaims: ['phone_number'] });
    expect((await services.provider().Client.find('shop'))?.metadata()).not.toHaveProperty('mfa_policy');
  });

  it('refuses an invalid change with a problem saying why, and changes nothing', async () => {
    const before = (await call('GET', '/clients/shop', { token: tokens.viewer })).body;
    const secretBefore = (await services.provider().Client.find('shop'))?.clientSecret;
    const updatesBefore = (await services.audit.list({ type: 'client.updated', clientId: 'shop' })).length;
    const cases: [object, RegExp][] = [
      [{ redirectUris: ['not a uri'] }, /does not match this operation/],
      [{ mfaPolicy: 'sometimes' }, /does not match this operation/],
      [{ clientSecret: 'x'.repeat(40) }, /does not match this operation/],
      [{ grantTypes: null }, /does not match this operation/],
      [{ redirectUris: ['https://shop.example.com/cb#fragment'] }, /Invalid client: redirect_uris must not contain fragments/],
      [{ grantTypes: ['password'] }, /Invalid client: grant_types can only contain/],
      [{ tokenEndpointAuthMethod: 'magic' }, /Invalid client: token_endpoint_auth_method/],
      [{ public: true, tokenEndpointAuthMethod: 'client_secret_post' }, /a public client authenticates with "none"/],
      [{ metadata: { redirect_uris: ['https://evil.example.com/cb'] } }, /metadata\.redirect_uris: is set by its own option/],
      [{ redirectUris: null }, /Invalid client: redirect_uris must contain members/],
    ];
    for (const [body, message] of cases) {
      const refused = await call('PATCH', '/clients/shop', { token: tokens.platform, body });
      expect([JSON.stringify(body), refused.status, refused.body.code]).toEqual([JSON.stringify(body), 400, 'invalid_request']);
      expect([JSON.stringify(body), `${refused.body.detail} ${JSON.stringify(refused.body.errors ?? [])}`]).toEqual([JSON.stringify(body), expect.stringMatching(message)]);
    }
    const secretField = await call('PATCH', '/clients/shop', { token: tokens.platform, body: { clientSecret: 'x'.repeat(40) } });
    expect(JSON.stringify(secretField.body.errors)).toMatch(/cannot be changed by an update: clientSecret/);
    expect((await call('GET', '/clients/shop', { token: tokens.viewer })).body).toEqual(before);
    expect((await services.provider().Client.find('shop'))?.clientSecret).toBe(secretBefore);
    expect(await services.audit.list({ type: 'client.updated', clientId: 'shop' })).toHaveLength(updatesBefore);
  });

  it('answers 404 for an unknown client, to a change and to a rotation', async () => {
    expect((await call('PATCH', '/clients/nobody', { token: tokens.platform, body: { clientName: 'X' } })).status).toBe(404);
    expect((await call('POST', '/clients/nobody/secret', { token: tokens.platform })).status).toBe(404);
    expect(await services.clients.get('nobody')).toBeNull();
  });

  it('makes a public client confidential (its new secret shown once) and back', async () => {
    await call('POST', '/clients', { token: tokens.platform, body: { clientId: 'spa', public: true, redirectUris: ['http://127.0.0.1:8080/cb'], grantTypes: ['authorization_code'] } });
    const confidential = await call('PATCH', '/clients/spa', { token: tokens.platform, body: { public: false } });
    expect(confidential.body).toMatchObject({ public: false, tokenEndpointAuthMethod: 'client_secret_basic', clientSecret: expect.stringMatching(/^[\w-]{43}$/) });
    expect((await services.provider().Client.find('spa'))?.clientSecret).toBe(confidential.body.clientSecret);
    const again = await call('PATCH', '/clients/spa', { token: tokens.platform, body: { public: true } });
    expect(again.body).toMatchObject({ public: true, tokenEndpointAuthMethod: 'none' });
    expect(again.body).not.toHaveProperty('clientSecret');
    expect((await services.provider().Client.find('spa'))?.clientSecret).toBeUndefined();
  });
});

describe('POST /clients/{id}/secret', () => {
  it('gives a new secret once: the old one is refused at the token endpoint at once, the new one works', async () => {
    const created = await call('POST', '/clients', { token: tokens.platform, body: { clientId: 'partner', grantTypes: ['client_credentials'], scope: 'clients:read' } });
    const old = created.body.clientSecret as string;
    await expect(tokenFor('partner', 'clients:read', old)).resolves.toEqual(expect.any(String));

    const rotated = await call('POST', '/clients/partner/secret', { token: tokens.platform });
    expect(rotated.status).toBe(200);
    expect(rotated.body).toEqual({ clientId: 'partner', clientSecret: expect.stringMatching(/^[\w-]{43}$/) });
    const fresh = rotated.body.clientSecret as string;
    expect(fresh).not.toBe(old);
    await expect(tokenFor('partner', 'clients:read', old)).rejects.toThrow(/401.*invalid_client/);
    await expect(tokenFor('partner', 'clients:read', fresh)).resolves.toEqual(expect.any(String));

    // Stored as create stores it: sealed, never in the clear; and never shown again.
    const raw = await services.adapter.collection('Client').findOne({ _id: 'partner' });
    expect(isEncrypted(raw && rowOf(raw).payload.client_secret)).toBe(true);
    expect(JSON.stringify(raw)).not.toContain(fresh);
    expect(JSON.stringify((await call('GET', '/clients/partner', { token: tokens.viewer })).body)).not.toContain(fresh);
  });

  it('refuses a client that authenticates without a secret (public, private_key_jwt) with a 409', async () => {
    const { publicKey } = await generateKeyPair('ES256');
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', use: 'sig' }] };
    await call('POST', '/clients', { token: tokens.platform, body: { clientId: 'signer', grantTypes: ['client_credentials'], tokenEndpointAuthMethod: 'private_key_jwt', metadata: { jwks } } });
    for (const id of ['spa', 'signer']) {
      const refused = await call('POST', `/clients/${id}/secret`, { token: tokens.platform });
      expect([id, refused.status, refused.body.code, refused.body.detail]).toEqual([id, 409, 'conflict', expect.stringMatching(/it has no secret to rotate/)]);
    }
    expect(await services.audit.list({ type: 'client.secret_rotated', clientId: 'spa' })).toEqual([]);
  });
});

describe('scopes and the audit log', () => {
  it('needs clients:write to change an app or rotate its secret', async () => {
    for (const [method, path, body] of [['PATCH', '/clients/shop', { clientName: 'X' }], ['POST', '/clients/partner/secret', undefined]] as const) {
      expect((await call(method, path, { body })).status).toBe(401);
      const readOnly = await call(method, path, { token: tokens.viewer, body });
      expect([method, readOnly.status, readOnly.body.code]).toEqual([method, 403, 'insufficient_scope']);
      expect(readOnly.headers.get('www-authenticate')).toContain('scope="clients:write"');
    }
    expect((await call('GET', '/clients/shop', { token: tokens.viewer })).body.clientName).toBeUndefined();
  });

  it('records each change with the fields changed and the API client that made it, readable by type and app', async () => {
    const updates = await call('GET', '/audit-events?client_id=shop&type=client.updated', { token: tokens.platform });
    expect(updates.body.events).toHaveLength(2);
    expect(updates.body.events[1]).toMatchObject({
      type: 'client.updated',
      outcome: 'success',
      clientId: 'shop',
      reason: 'api',
      details: { actorClientId: 'platform', fields: ['client_name', 'first_party', 'logo_uri', 'mfa_factors', 'mfa_policy', 'optional_claims', 'redirect_uris'] },
    });
    const rotations = await call('GET', '/audit-events?client_id=partner&type=client.secret_rotated', { token: tokens.platform });
    expect(rotations.body.events).toEqual([expect.objectContaining({ clientId: 'partner', reason: 'api', details: { actorClientId: 'platform' } })]);
    expect(JSON.stringify(rotations.body)).not.toMatch(/clientSecret|client_secret"/);
    const created = await services.audit.list({ type: 'client.created', clientId: 'shop' });
    expect(created[0]).toMatchObject({ reason: 'api', details: { actorClientId: 'platform' } });
    // Webhooks take their event types from the same catalogue.
    await expect(services.webhooks.create({ url: 'https://hooks.example.com/apps', eventTypes: ['client.updated', 'client.secret_rotated'] })).resolves.toMatchObject({ eventTypes: ['client.updated', 'client.secret_rotated'] });
  });
});
