// The CLI's commands in-process, on services built directly against the test database: every argument check and
// every command's JSON answer. (main.test.ts runs the real executable end to end.)
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportPKCS8, generateKeyPair } from 'jose';
import type { Connection } from 'mongoose';
import Provider from 'oidc-provider';
import { createMongoAdapter } from '../../../adapters/mongodb.ts';
import { loadConfig } from '../../../src/config/index.ts';
import { userModel } from '../../../src/db/models/user.ts';
import { runCli } from '../../../src/cli/run.ts';
import type { CliServices } from '../../../src/cli/services.ts';
import { createAuditLog } from '../../../src/services/audit.ts';
import { createClientService } from '../../../src/services/clients.ts';
import { createConnections } from '../../../src/services/connections.ts';
import { createCipher } from '../../../src/services/crypto.ts';
import { createKeyStore } from '../../../src/services/keys.ts';
import { createEmailLookup } from '../../../src/services/user-emails.ts';
import { createUserService } from '../../../src/services/users.ts';
import { dropAndClose, openTestConnection } from '../../support/db.ts';

let conn: Connection;
let services: CliServices;
let opened = 0;
let closed = 0;

const config = loadConfig({
  NODE_ENV: 'test',
  COOKIE_KEYS: randomBytes(32).toString('hex'),
  DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  ACCESS_TOKEN_TTL: '600',
  ID_TOKEN_TTL: '900',
  RESOURCES: JSON.stringify({ 'https://api.example.com': { scope: 'api:read', accessTokenTTL: 7200 } }),
});

beforeAll(async () => {
  conn = await openTestConnection();
  const cipher = createCipher(config.dataEncryptionKey);
  const audit = createAuditLog(conn);
  const adapter = createMongoAdapter({ db: conn.db!, cipher, key: config.dataEncryptionKey });
  const provider = new Provider('http://127.0.0.1', {
    adapter: adapter.Adapter,
    features: { clientCredentials: { enabled: true }, registration: { enabled: true, initialAccessToken: true } },
  });
  services = {
    config,
    users: createUserService({ users: userModel(conn), emails: createEmailLookup({ conn }), audit }),
    keys: createKeyStore({ conn, cipher, audit, algs: ['ES256'] }),
    clients: createClientService({ Adapter: adapter.Adapter, collection: adapter.collection, validate: (m) => provider.Client.validate(m), audit }),
    connections: createConnections({ conn, cipher }),
    provider: () => provider,
    // Export and erasure run against the whole application: test/integration/privacy/cli.test.ts.
    erasure: { request: notHere, cancel: notHere },
    privacyExport: { build: notHere },
    // Disabling and enabling run against the whole application: test/integration/api/management.test.ts.
    accountStatus: { disable: notHere, enable: notHere },
    userImport: { run: notHere },
    // Migration out, MFA reset and reset mail run against the whole application: test/integration/api/user-support.test.ts.
    userExport: { all: notHere },
    factorChanges: { resetAll: notHere },
    passwords: { sendResetLink: notHere },
    // Operators run against the whole application: test/integration/cli/operators.test.ts.
    operators: { setRole: notHere, remove: notHere, list: notHere },
    webhooks: { create: notHere, list: notHere, delete: notHere, deliveries: notHere, replay: notHere, tick: notHere, ensureIndexes: notHere, sweepExpired: notHere },
  };
  await services.keys.ensureKeys();
});
afterAll(() => dropAndClose(conn));

function notHere(): never {
  throw new Error('not part of this test');
}

async function cli(argv: string[], stdin = '') {
  let stdout = '';
  let stderr = '';
  const code = await runCli(
    argv,
    async () => {
      opened++;
      return { ...services, close: async () => void closed++ };
    },
    { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), readStdin: async () => stdin },
  );
  return { code, stdout, stderr, json: () => JSON.parse(stdout) as Record<string, unknown> };
}

describe('ciam usage errors (exit 2, nothing opened)', () => {
  const cases: [string[], RegExp][] = [
    [['frob'], /unknown command "frob"/],
    [['clients'], /"clients" needs a subcommand: clients create, clients list, clients delete/],
    [['clients', 'frob'], /unknown command "clients frob"/],
    [['clients', 'create', '--grant-type', 'client_credentials'], /--client-id is required/],
    [['clients', 'create', '--client-id', 'a'], /--grant-type is required/],
    [['clients', 'create', '--client-id', 'a', '--grant-type', 'x', '--frob'], /Unknown option '--frob'/],
    [['clients', 'create', '--client-id', 'a', '--grant-type', 'x', '--public', '--client-secret', 's'], /either --client-secret or --public/],
    [['clients', 'create', '--client-id'], /--client-id <value>' argument missing/],
    [['clients', 'delete'], /give the id of the client to delete/],
    [['clients', 'list', 'extra'], /unexpected argument "extra"/],
    [['clients', 'update', '--client-name', 'X'], /give the id of the client to change: ciam clients update ID/],
    [['clients', 'update', 'web'], /give at least one setting to change/],
    [['clients', 'update', 'web', '--client-id', 'other'], /Unknown option '--client-id'/],
    [['clients', 'update', 'web', '--client-secret', 'x'.repeat(40)], /Unknown option '--client-secret'/],
    [['clients', 'update', 'web', '--unset', 'frob'], /--unset takes one of redirect-uri, .*, public; got "frob"/],
    [['clients', 'update', 'web', '--mfa', 'required', '--unset', 'mfa'], /give either --mfa or --unset mfa, not both/],
    [['clients', 'update', 'web', '--public', '--unset', 'public'], /give either --public or --unset public, not both/],
    [['clients', 'rotate-secret'], /give the id of the client to give a new secret: ciam clients rotate-secret ID/],
    [['clients', 'rotate-secret', 'web', 'extra'], /unexpected argument "extra"/],
    [['users', 'create', '--password', 'x'], /--email is required/],
    [['users', 'create', '--email', 'a@example.com'], /--password \(or --password-stdin\) is required/],
    [['keys', 'rotate', '--retain-seconds', 'soon'], /--retain-seconds must be a whole number of seconds, got "soon"/],
    [['keys', 'rotate', '--retain-seconds', '-5'], /--retain-seconds/],
    [['iat', 'create', '--expires-in', '0'], /--expires-in must be at least 1 second/],
  ];
  it.each(cases)('%j', async (argv, message) => {
    const before = opened;
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/Run "ciam help" for usage/);
    expect(opened).toBe(before);
  });

  it('prints usage for help (exit 0) and for no arguments (exit 2)', async () => {
    const help = await cli(['help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/ciam clients create --client-id ID/);
    expect(help.stdout).toMatch(/ciam iat create/);
    expect((await cli([])).code).toBe(2);
    const one = await cli(['keys', 'rotate', '--help']);
    expect([one.code, one.stdout]).toEqual([0, expect.stringMatching(/^Usage: ciam keys rotate/)]);
  });
});

describe('ciam clients', () => {
  it('creates a confidential client and prints its generated secret once', async () => {
    const r = await cli(['clients', 'create', '--client-id', 'web', '--redirect-uri', 'https://app.example.com/cb', '--grant-type', 'authorization_code', '--grant-type', 'refresh_token', '--scope', 'openid offline_access', '--post-logout-redirect-uri', 'https://app.example.com/bye']);
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({
      clientId: 'web',
      public: false,
      redirectUris: ['https://app.example.com/cb'],
      postLogoutRedirectUris: ['https://app.example.com/bye'],
      grantTypes: ['authorization_code', 'refresh_token'],
      scope: 'openid offline_access',
      clientSecret: expect.stringMatching(/^[\w-]{43}$/),
    });
  });

  it('creates a public client and a client_credentials partner with a chosen secret and auth method', async () => {
    const spa = await cli(['clients', 'create', '--client-id', 'spa', '--public', '--redirect-uri', 'http://127.0.0.1:8080/cb', '--grant-type', 'authorization_code']);
    expect(spa.json()).toMatchObject({ public: true, tokenEndpointAuthMethod: 'none' });
    expect(spa.json()).not.toHaveProperty('clientSecret');
    const secret = randomBytes(32).toString('hex');
    const partner = await cli(['clients', 'create', '--client-id', 'partner', '--client-secret', secret, '--grant-type', 'client_credentials', '--token-endpoint-auth-method', 'client_secret_post']);
    expect(partner.json()).toMatchObject({ clientSecret: secret, tokenEndpointAuthMethod: 'client_secret_post', redirectUris: [] });
  });

  it('refuses a duplicate id (exit 1) and an invalid URI (exit 2) with clear messages', async () => {
    const dup = await cli(['clients', 'create', '--client-id', 'web', '--redirect-uri', 'https://x.example/cb', '--grant-type', 'authorization_code']);
    expect([dup.code, dup.stderr]).toEqual([1, 'ciam: A client with id "web" already exists\n']);
    const bad = await cli(['clients', 'create', '--client-id', 'bad', '--redirect-uri', 'app/cb', '--grant-type', 'authorization_code']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/redirectUris\.0: each redirect URI must be an absolute URI/);
  });

  it('lists clients without secrets and deletes one', async () => {
    const listed = await cli(['clients', 'list']);
    expect((JSON.parse(listed.stdout) as { clientId: string }[]).map((c) => c.clientId)).toEqual(['partner', 'spa', 'web']);
    expect(listed.stdout).not.toMatch(/secret"/i);
    expect((await cli(['clients', 'delete', 'spa'])).json()).toEqual({ deleted: 'spa' });
    const again = await cli(['clients', 'delete', 'spa']);
    expect([again.code, again.stderr]).toEqual([1, 'ciam: No client with id "spa"\n']);
  });
});

describe('ciam clients update and rotate-secret', () => {
  it('changes only the settings given, removes those unset, keeps the secret, and audits the change as the CLI\'s', async () => {
    const created = (await cli(['clients', 'create', '--client-id', 'cli-app', '--redirect-uri', 'https://cli.example.com/cb', '--grant-type', 'authorization_code', '--client-name', 'CLI'])).json();
    const changed = await cli(['clients', 'update', 'cli-app', '--redirect-uri', 'https://cli.example.com/cb', '--redirect-uri', 'https://cli.example.com/cb2', '--mfa', 'required', '--metadata', '{"logo_uri":"https://cli.example.com/logo.png"}']);
    expect(changed.code).toBe(0);
    expect(changed.json()).toMatchObject({ clientId: 'cli-app', redirectUris: ['https://cli.example.com/cb', 'https://cli.example.com/cb2'], grantTypes: ['authorization_code'], clientName: 'CLI', mfaPolicy: 'required', metadata: { logo_uri: 'https://cli.example.com/logo.png' } });
    expect(changed.json()).not.toHaveProperty('clientSecret');
    const unset = (await cli(['clients', 'update', 'cli-app', '--unset', 'client-name', '--unset', 'mfa', '--unset', 'metadata'])).json();
    for (const gone of ['clientName', 'mfaPolicy', 'metadata']) expect(unset).not.toHaveProperty(gone);
    expect((await services.provider().Client.find('cli-app'))?.clientSecret).toBe(created.clientSecret);
    const [latest] = await createAuditLog(conn).list({ type: 'client.updated', clientId: 'cli-app' });
    expect(latest).toMatchObject({ reason: 'cli', details: { fields: ['client_name', 'logo_uri', 'mfa_policy'] } });
  });

  it('refuses an invalid change (exit 2) and an unknown client (exit 1), changing nothing', async () => {
    const before = (await cli(['clients', 'list'])).stdout;
    const bad = await cli(['clients', 'update', 'cli-app', '--redirect-uri', 'app/cb']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/redirectUris\.0: each redirect URI must be an absolute URI/);
    const unknown = await cli(['clients', 'update', 'nobody', '--client-name', 'X']);
    expect([unknown.code, unknown.stderr]).toEqual([1, 'ciam: No client with id "nobody"\n']);
    expect((await cli(['clients', 'list'])).stdout).toBe(before);
  });

  it('rotates a secret (printed once; the provider takes only the new one) and refuses a public client', async () => {
    const old = (await services.provider().Client.find('cli-app'))?.clientSecret;
    const rotated = await cli(['clients', 'rotate-secret', 'cli-app']);
    expect(rotated.code).toBe(0);
    expect(rotated.json()).toEqual({ clientId: 'cli-app', clientSecret: expect.stringMatching(/^[\w-]{43}$/) });
    expect(rotated.json().clientSecret).not.toBe(old);
    expect((await services.provider().Client.find('cli-app'))?.clientSecret).toBe(rotated.json().clientSecret);
    await cli(['clients', 'create', '--client-id', 'cli-spa', '--public', '--redirect-uri', 'http://127.0.0.1:8080/cb', '--grant-type', 'authorization_code']);
    const refused = await cli(['clients', 'rotate-secret', 'cli-spa']);
    expect([refused.code, refused.stderr]).toEqual([1, 'ciam: The client authenticates with none: it has no secret to rotate\n']);
    for (const id of ['cli-app', 'cli-spa']) await cli(['clients', 'delete', id]);
  });
});

describe('ciam connections', () => {
  it('creates a connection without echoing its secret, keeps the secret sealed, lists and deletes it', async () => {
    const r = await cli(['connections', 'create', '--id', 'acme', '--name', 'Acme ID', '--issuer', 'https://id.acme.example', '--client-id', 'ours', '--client-secret', 'upstream-secret-value', '--trust-email']);
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ id: 'acme', name: 'Acme ID', scopes: ['openid', 'email', 'profile'], allowSignup: true, trustEmail: true, enabled: true });
    expect(r.stdout).not.toContain('upstream-secret-value');
    const raw = await conn.collection('connections').findOne({ _id: 'acme' as never });
    expect(JSON.stringify(raw)).not.toContain('upstream-secret-value');
    await expect(services.connections.secretOf('acme')).resolves.toBe('upstream-secret-value');
    expect((JSON.parse((await cli(['connections', 'list'])).stdout) as { id: string }[]).map((c) => c.id)).toEqual(['acme']);
    expect((await cli(['connections', 'delete', 'acme'])).json()).toEqual({ deleted: 'acme' });
    const again = await cli(['connections', 'delete', 'acme']);
    expect([again.code, again.stderr]).toEqual([1, 'ciam: No connection "acme"\n']);
  });

  it('creates Google from its preset with only the client id and secret', async () => {
    const r = await cli(['connections', 'create', '--preset', 'google', '--client-id', 'g-id', '--client-secret', 'g-secret']);
    expect(r.json()).toMatchObject({ id: 'google', name: 'Google', issuer: 'https://accounts.google.com', trustEmail: true });
    const ms = await cli(['connections', 'create', '--preset', 'microsoft', '--client-id', 'm-id']);
    expect([ms.code, ms.stderr]).toEqual([2, expect.stringMatching(/needs --tenant/)]);
    const tenant = '11111111-2222-3333-4444-555555555555';
    const org = await cli(['connections', 'create', '--preset', 'microsoft', '--tenant', 'organizations', '--allowed-tenant', tenant.toUpperCase(), '--client-id', 'm-id', '--client-secret', 'm-secret']);
    expect(org.json()).toMatchObject({ id: 'microsoft', issuer: 'https://login.microsoftonline.com/organizations/v2.0', tenants: [tenant], trustEmail: false });
    await cli(['connections', 'delete', 'microsoft']);
    const strong = await cli(['connections', 'create', '--preset', 'microsoft', '--tenant', 'common', '--mfa-amr', 'mfa', '--attribute', 'nickname=preferred_username', '--client-id', 'm-id', '--client-secret', 'm-secret']);
    expect(strong.json()).toMatchObject({ upstreamMfa: { amr: ['mfa'], acr: [] }, attributes: { nickname: 'preferred_username' } });
    const badPair = await cli(['connections', 'create', '--preset', 'microsoft', '--tenant', 'common', '--attribute', 'nickname', '--client-id', 'm-id']);
    expect([badPair.code, badPair.stderr]).toEqual([2, expect.stringMatching(/FIELD=CLAIM/)]);
    await cli(['connections', 'delete', 'microsoft']);
    await cli(['connections', 'delete', 'google']);
  });

  it('creates Apple from its preset with the team id, key id and the .p8 key file, never printing the key', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const dir = mkdtempSync(join(tmpdir(), 'ciam-apple-'));
    const file = join(dir, 'AuthKey_KEY1ABCDEF.p8');
    writeFileSync(file, await exportPKCS8(privateKey));
    try {
      const r = await cli(['connections', 'create', '--preset', 'apple', '--client-id', 'com.example.web', '--team-id', 'TEAM123456', '--key-id', 'KEY1ABCDEF', '--private-key-file', file]);
      expect(r.code).toBe(0);
      expect(r.json()).toMatchObject({ id: 'apple', issuer: 'https://appleid.apple.com', responseMode: 'form_post', trustEmail: true, scopes: ['openid', 'email', 'name'], signedSecret: { issuer: 'TEAM123456', keyId: 'KEY1ABCDEF', audience: 'https://appleid.apple.com' } });
      expect(r.stdout).not.toContain('PRIVATE KEY');
      expect(JSON.stringify(await conn.collection('connections').findOne({ _id: 'apple' as never }))).not.toContain('PRIVATE KEY');
      const missing = await cli(['connections', 'create', '--preset', 'apple', '--client-id', 'x', '--team-id', 'T']);
      expect([missing.code, missing.stderr]).toEqual([2, expect.stringMatching(/needs --team-id, --key-id and --private-key-file/)]);
      await cli(['connections', 'delete', 'apple']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lets a client choose which connections its login page offers, in order, or none', async () => {
    const some = await cli(['clients', 'create', '--client-id', 'social', '--redirect-uri', 'https://s.example/cb', '--grant-type', 'authorization_code', '--connection', 'github', '--connection', 'acme']);
    expect(some.json()).toMatchObject({ connections: ['github', 'acme'] });
    const none = await cli(['clients', 'create', '--client-id', 'plain', '--redirect-uri', 'https://p.example/cb', '--grant-type', 'authorization_code', '--no-connections']);
    expect(none.json()).toMatchObject({ connections: [] });
    const both = await cli(['clients', 'create', '--client-id', 'x', '--grant-type', 'client_credentials', '--connection', 'a1', '--no-connections']);
    expect(both.code).toBe(2);
    expect((await cli(['clients', 'create', '--client-id', 'y', '--grant-type', 'client_credentials', '--connection', 'Bad Id'])).code).toBe(2);
    for (const id of ['social', 'plain']) await cli(['clients', 'delete', id]);
  });

  it('refuses a plain-http issuer elsewhere than this machine, a bad id and scopes without openid (exit 2)', async () => {
    const base = ['connections', 'create', '--name', 'X', '--client-id', 'c'];
    const http = await cli([...base, '--id', 'x', '--issuer', 'http://id.example.com']);
    expect([http.code, http.stderr]).toEqual([2, expect.stringMatching(/issuer must be an https URL/)]);
    expect((await cli([...base, '--id', 'Bad_Id', '--issuer', 'https://id.example.com'])).code).toBe(2);
    const scopes = await cli([...base, '--id', 'y', '--issuer', 'https://id.example.com', '--scope', 'email']);
    expect([scopes.code, scopes.stderr]).toEqual([2, expect.stringMatching(/scopes must include openid/)]);
    expect(await conn.collection('connections').countDocuments()).toBe(0);
  });
});

describe('ciam users', () => {
  it('creates a user and prints it without the hash', async () => {
    const r = await cli(['users', 'create', '--email', 'Ada@Example.com', '--password', 'correct horse battery', '--name', 'Ada', '--email-verified']);
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ email: 'ada@example.com', name: 'Ada', email_verified: true, disabled: false });
    expect(r.stdout).not.toMatch(/passwordHash|argon2/);
  });

  it('takes the password from stdin when asked', async () => {
    const r = await cli(['users', 'create', '--email', 'grace@example.com', '--password-stdin'], 'from stdin 123\n');
    expect(r.code).toBe(0);
    await expect(services.users.authenticate('grace@example.com', 'from stdin 123', {})).resolves.toEqual({ accountId: r.json().id });
  });

  it('refuses a duplicate e-mail in any case and a weak password', async () => {
    const dup = await cli(['users', 'create', '--email', 'ADA@example.com', '--password', 'another password']);
    expect([dup.code, dup.stderr]).toEqual([1, 'ciam: An account with this e-mail address already exists\n']);
    const weak = await cli(['users', 'create', '--email', 'new@example.com', '--password', 'short']);
    expect(weak.code).toBe(2);
    expect(weak.stderr).toMatch(/password: must be at least 8 characters/);
  });
});

describe('every standard claim and every client metadata field (what a certification run needs)', () => {
  const everyClaim = [
    '--given-name', 'Ada', '--family-name', 'Lovelace', '--middle-name', 'King', '--nickname', 'Countess',
    '--preferred-username', 'ada', '--profile', 'https://example.com/ada', '--picture', 'https://example.com/ada.png',
    '--website', 'https://ada.example.com', '--gender', 'female', '--birthdate', '1815-12-10', '--zoneinfo', 'Europe/London',
    '--locale', 'en-GB', '--phone-number', '+441234567890', '--phone-number-verified', '--address-street', '12 St James Sq',
    '--address-locality', 'London', '--address-postal-code', 'SW1Y 4JH', '--address-country', 'GB',
  ];

  it('creates a user with every standard claim, and updates them by e-mail', async () => {
    const created = await cli(['users', 'create', '--email', 'certified@example.com', '--password', 'correct horse battery', '--name', 'Ada L', ...everyClaim]);
    expect(created.code).toBe(0);
    const id = created.json().id as string;
    const account = await services.users.findAccount({} as never, id);
    const claims = await account!.claims('userinfo', 'openid profile email phone address', {}, []);
    expect(claims).toMatchObject({
      name: 'Ada L', given_name: 'Ada', family_name: 'Lovelace', middle_name: 'King', nickname: 'Countess', preferred_username: 'ada',
      profile: 'https://example.com/ada', picture: 'https://example.com/ada.png', website: 'https://ada.example.com', gender: 'female',
      birthdate: '1815-12-10', zoneinfo: 'Europe/London', locale: 'en-GB', phone_number: '+441234567890', phone_number_verified: true,
      address: { street_address: '12 St James Sq', locality: 'London', postal_code: 'SW1Y 4JH', country: 'GB' },
    });

    const updated = await cli(['users', 'update', '--email', 'certified@example.com', '--website', 'https://lovelace.example.com', '--address-locality', 'Marylebone']);
    expect(updated.code).toBe(0);
    const after = await (await services.users.findAccount({} as never, id))!.claims('userinfo', 'openid profile address', {}, []);
    expect(after).toMatchObject({ website: 'https://lovelace.example.com', given_name: 'Ada', address: { locality: 'Marylebone' } });
  });

  it('refuses a bad claim value, no claim at all, and an unknown account', async () => {
    const bad = await cli(['users', 'update', '--email', 'certified@example.com', '--website', 'not a url']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/website: must be an http\(s\) URL/);
    expect((await cli(['users', 'update', '--email', 'certified@example.com'])).stderr).toMatch(/give at least one claim/);
    const nobody = await cli(['users', 'update', '--email', 'nobody@example.com', '--nickname', 'x']);
    expect(nobody.code).toBe(1);
  });

  it('registers any further client metadata (logo, client URI, signing algorithms, back-channel logout…), checked as a registration', async () => {
    const r = await cli([
      'clients', 'create', '--client-id', 'certification-rp', '--redirect-uri', 'https://rp.example.com/cb', '--grant-type', 'authorization_code',
      '--metadata', JSON.stringify({ logo_uri: 'https://rp.example.com/logo.png', client_uri: 'https://rp.example.com', policy_uri: 'https://rp.example.com/privacy' }),
    ]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const client = await services.provider().Client.find('certification-rp');
    expect(client?.logoUri).toBe('https://rp.example.com/logo.png');
    expect(client?.clientUri).toBe('https://rp.example.com');
    expect(client?.policyUri).toBe('https://rp.example.com/privacy');

    const notJson = await cli(['clients', 'create', '--client-id', 'x1', '--grant-type', 'client_credentials', '--metadata', '{nope']);
    expect([notJson.code, notJson.stderr]).toEqual([2, expect.stringMatching(/--metadata must be a JSON object/)]);
    const twice = await cli(['clients', 'create', '--client-id', 'x2', '--grant-type', 'client_credentials', '--metadata', '{"scope":"a"}']);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/metadata.scope: is set by its own option/);
    const invalid = await cli(['clients', 'create', '--client-id', 'x3', '--grant-type', 'client_credentials', '--metadata', '{"logo_uri":"not a uri"}']);
    expect(invalid.code).not.toBe(0);
    expect(invalid.stderr).toMatch(/logo_uri/);
  });
});

describe('ciam keys and iat', () => {
  it('lists keys and rotates them, retaining the old key for the longest signed-token lifetime by default', async () => {
    const before = (await cli(['keys', 'list'])).json() as unknown as { kid: string; state: string }[];
    expect(before.map((k) => k.state)).toEqual(['current', 'next']);
    const rotated = await cli(['keys', 'rotate']);
    expect(rotated.code).toBe(0);
    expect(rotated.json()).toMatchObject({ activated: [before[1]!.kid], retired: [before[0]!.kid] });
    const retired = ((await cli(['keys', 'list'])).json() as unknown as { state: string; retiredAt: string; removeAfter: string }[]).find((k) => k.state === 'retired')!;
    // 7200 s: the resource's access token TTL beats ACCESS_TOKEN_TTL (600) and ID_TOKEN_TTL (900).
    expect(Date.parse(retired.removeAfter) - Date.parse(retired.retiredAt)).toBe(7200_000);

    await cli(['keys', 'rotate', '--retain-seconds', '60']);
    const latest = ((await cli(['keys', 'list'])).json() as unknown as { kid: string; state: string; retiredAt: string; removeAfter: string }[]).find((k) => k.kid === before[1]!.kid)!;
    expect(Date.parse(latest.removeAfter) - Date.parse(latest.retiredAt)).toBe(60_000);
  });

  it('creates an initial access token that the provider can find', async () => {
    const r = await cli(['iat', 'create', '--expires-in', '600']);
    expect(r.code).toBe(0);
    const { initialAccessToken, expiresIn } = r.json() as { initialAccessToken: string; expiresIn: number };
    expect(expiresIn).toBe(600);
    const found = await services.provider().InitialAccessToken.find(initialAccessToken);
    expect(found?.remainingTTL).toBeGreaterThan(590);
  });

  it('closes the services after every command that opened them', () => {
    expect(closed).toBe(opened);
  });
});
