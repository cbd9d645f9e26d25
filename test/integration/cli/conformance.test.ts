// `ciam conformance setup` on the whole application: the OIDF plans' clients and test user are made (and made again),
// the printed suite configuration matches what was stored, the user signs in with the printed password, and the
// Dynamic OP plan's open registration is an opt-in that still refuses operator-only settings.
import { runCli } from '../../../src/cli/run.ts';
import { startTestApp, type TestApp } from '../../support/app.ts';

const SUITE = 'https://suite.example.org:8443';
const ALL_RESPONSE_TYPES = 'code,none,id_token,id_token token,code id_token,code token,code id_token token';
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ RESPONSE_TYPES: ALL_RESPONSE_TYPES, OPEN_REGISTRATION: 'true', REQUEST_URI_BY_REFERENCE: 'true' });
});
afterAll(() => t.close());

async function cli(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, async () => ({ ...t.services, close: async () => {} }), {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    readStdin: async () => '',
  });
  return { code, stderr, json: () => JSON.parse(stdout) as SetupOutput };
}

interface SetupOutput {
  user: { id: string; email: string; password: string };
  clients: { role: string; clientId: string; clientSecret?: string }[];
  advice: string[];
  plans: Record<string, string[]>;
  suiteConfigurations: Record<string, Record<string, unknown> & { browser: { match: string; tasks: { task: string; match: string; commands: unknown[][] }[] }[] }>;
}

describe('ciam conformance setup', () => {
  it('makes the static clients and a test user with every standard claim, and prints the configuration of each plan group', async () => {
    const run = await cli(['conformance', 'setup', '--suite', SUITE, '--alias', 'ciam-cert', '--email', 'oidf@example.com']);
    expect([run.code, run.stderr]).toEqual([0, '']);
    const out = run.json();
    const base = `${SUITE}/test/a/ciam-cert`;

    expect(out.clients.map((c) => c.role)).toEqual(['client', 'client2', 'client_secret_post', 'backchannel']);
    const [first, second, post, bcl] = await Promise.all(out.clients.map((c) => t.services.provider().Client.find(c.clientId)));
    expect(first?.redirectUris).toEqual([`${base}/callback`]);
    expect(first?.postLogoutRedirectUris).toEqual([`${base}/post_logout_redirect`]);
    expect(first?.backchannelLogoutUri).toBeUndefined();
    expect(bcl?.backchannelLogoutUri).toBe(`${base}/backchannel_logout`);
    expect(first?.responseTypes).toEqual(ALL_RESPONSE_TYPES.split(','));
    expect(first?.grantTypes).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token', 'implicit']));
    expect(second?.tokenEndpointAuthMethod).toBe('client_secret_basic');
    expect(post?.tokenEndpointAuthMethod).toBe('client_secret_post');
    for (const [i, c] of out.clients.entries()) expect(c.clientSecret).toBe([first, second, post, bcl][i]?.clientSecret);

    expect(Object.keys(out.suiteConfigurations)).toEqual(Object.keys(out.plans));
    expect(out.suiteConfigurations.backchannelLogout).toMatchObject({ client: { client_id: out.clients[3]!.clientId } });
    const config = out.suiteConfigurations.basic!;
    expect(config).toMatchObject({
      alias: 'ciam-cert',
      server: { discoveryUrl: `${t.url}/.well-known/openid-configuration`, login_hint: 'oidf@example.com' },
      client: { client_id: out.clients[0]!.clientId, client_secret: out.clients[0]!.clientSecret },
      client2: { client_id: out.clients[1]!.clientId },
      client_secret_post: { client_id: out.clients[2]!.clientId },
    });
    const login = config.browser[0]!.tasks.find((task) => task.task === 'Login')!;
    expect(login.commands).toContainEqual(['text', 'id', 'password', out.user.password, 'optional']);

    // The user: every standard claim, and the printed password works.
    const account = await t.services.users.findAccount({} as never, out.user.id);
    const claims = await account!.claims('userinfo', 'openid profile email phone address', {}, []);
    for (const claim of ['name', 'given_name', 'family_name', 'middle_name', 'nickname', 'preferred_username', 'profile', 'picture', 'website', 'gender', 'birthdate', 'zoneinfo', 'locale', 'email', 'email_verified', 'phone_number', 'phone_number_verified', 'address']) {
      expect(claims).toHaveProperty(claim);
    }
    expect(await t.services.users.checkPassword(out.user.id, out.user.password)).toBe(true);
    // Plain http in the tests: the suite needs a TLS front, and says so.
    expect(out.advice).toEqual([expect.stringMatching(/ISSUER is not https/)]);
  });

  it('run again, replaces the clients and the password, so the printed configuration is always the working one', async () => {
    const before = (await cli(['conformance', 'setup', '--suite', SUITE, '--email', 'again@example.com'])).json();
    const after = (await cli(['conformance', 'setup', '--suite', SUITE, '--email', 'again@example.com'])).json();
    expect(after.user.id).toBe(before.user.id);
    expect(await t.services.users.checkPassword(after.user.id, before.user.password)).toBe(false);
    expect(await t.services.users.checkPassword(after.user.id, after.user.password)).toBe(true);
    const client = await t.services.provider().Client.find(after.clients[0]!.clientId);
    expect(client?.clientSecret).toBe(after.clients[0]!.clientSecret);
    expect(after.clients[0]!.clientSecret).not.toBe(before.clients[0]!.clientSecret);
    expect(after.clients[0]!.clientId).toBe('oidf-ciam-1');
  });

  it('refuses a missing or plain-http suite URL and a bad alias, before touching anything', async () => {
    for (const args of [[], ['--suite', 'http://suite.example.org'], ['--suite', 'not a url'], ['--suite', SUITE, '--alias', 'a/b']]) {
      const run = await cli(['conformance', 'setup', ...args]);
      expect(run.code).toBe(2);
      expect(run.stderr).not.toBe('');
    }
  });

  it('refuses a suite on localhost when the clients use the implicit flow, naming the way out, and keeps the working clients', async () => {
    const working = (await cli(['conformance', 'setup', '--suite', SUITE, '--alias', 'kept'])).json();
    const run = await cli(['conformance', 'setup', '--suite', 'https://localhost:8444', '--alias', 'kept']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('https://127.0.0.1:8444');
    for (const c of working.clients) expect((await t.services.provider().Client.find(c.clientId))?.clientSecret).toBe(c.clientSecret);
    // 127.0.0.1 is accepted (what the 2026-12-04 certification run used).
    expect((await cli(['conformance', 'setup', '--suite', 'https://127.0.0.1:8444', '--alias', 'kept'])).code).toBe(0);
  });

  it('checks every client before replacing any: one the provider refuses leaves the earlier ones in place', async () => {
    const working = (await cli(['conformance', 'setup', '--suite', SUITE, '--alias', 'intact'])).json();
    const check = t.services.clients.check;
    let checked = 0;
    t.services.clients.check = async (input) => {
      if (++checked === 3) throw new Error('refused by the provider');
      return check(input);
    };
    try {
      expect((await cli(['conformance', 'setup', '--suite', SUITE, '--alias', 'intact'])).code).not.toBe(0);
    } finally {
      t.services.clients.check = check;
    }
    for (const c of working.clients) expect((await t.services.provider().Client.find(c.clientId))?.clientSecret).toBe(c.clientSecret);
  });
});

describe('OPEN_REGISTRATION (the Dynamic OP plan)', () => {
  const register = (metadata: Record<string, unknown>, token?: string) =>
    fetch(`${t.url}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ redirect_uris: ['https://rp.example.org/cb'], ...metadata }),
    });

  it('registers a client without an initial access token when switched on', async () => {
    const res = await register({});
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ client_id: expect.any(String), registration_access_token: expect.any(String) });
  });

  it('never lets a client make itself first-party or set its own second-factor policy', async () => {
    for (const metadata of [{ first_party: true }, { mfa_policy: 'off' }, { mfa_factors: ['email'] }]) {
      const res = await register(metadata);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'invalid_client_metadata', error_description: expect.stringMatching(/set by the operator/) });
    }
    // Harmless settings stay open to registration.
    expect((await register({ require_verified_email: true })).status).toBe(201);
  });

  it('is off by default: registration then needs an initial access token', async () => {
    const closed = await startTestApp();
    try {
      const res = await fetch(`${closed.url}/reg`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uris: ['https://rp.example.org/cb'] }) });
      expect(res.status).toBe(401);
    } finally {
      await closed.close();
    }
  });
});
