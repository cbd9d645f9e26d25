// What a support tool and a leaving operator do with a customer through the management API and the CLI, against
// the real app: reset the second factors, mail a password reset, export one customer, erase (scheduled and at
// once) and cancel, and export every account with its password hash into another deployment, which signs each
// one in with the password it had. Answers are checked against the published OpenAPI document (ajv).
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import bcrypt from 'bcryptjs';
import { generate } from 'otplib';
import { apiAudience } from '../../../src/api/bearer.ts';
import { createApp, createServices, type Services } from '../../../src/app.ts';
import { runCli } from '../../../src/cli/run.ts';
import { loadConfig } from '../../../src/config/index.ts';
import { clientCredentialsToken } from '../../support/client-credentials.ts';
import { testDatabaseUri } from '../../support/db.ts';
import { startTestSmtp, type TestSmtp } from '../../support/smtp.ts';

let server: Server;
let issuer: string;
let services: Services;
let smtp: TestSmtp;
let doc: { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>>; components: { schemas: Record<string, object> } };
const tokens: Record<string, string> = {};
const files = mkdtempSync(join(tmpdir(), 'ciam-export-'));

const configFor = (port: number, extra: Record<string, string> = {}) =>
  loadConfig({
    NODE_ENV: 'test',
    ISSUER: `http://127.0.0.1:${port}`,
    PORT: String(port),
    LOG_LEVEL: 'silent',
    DEMO: 'false',
    MONGODB_URI: testDatabaseUri(),
    COOKIE_KEYS: randomBytes(32).toString('base64url'),
    DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    PASSWORD_HASH: 'test',
    ERASURE_GRACE_DAYS: '30',
    ...extra,
  });

beforeAll(async () => {
  smtp = await startTestSmtp();
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  issuer = `http://127.0.0.1:${port}`;
  services = await createServices(configFor(port, { SMTP_URL: smtp.url }));
  server.on('request', createApp(services).callback());
  for (const [clientId, scope] of [
    ['support', 'users:read users:write'],
    ['privacy-desk', 'users:read users:delete'],
    ['migration', 'users:export'],
  ] as const) {
    const secret = (await services.clients.create({ clientId, grantTypes: ['client_credentials'], scope })).clientSecret!;
    tokens[clientId] = await clientCredentialsToken(issuer, { id: clientId, secret }, scope, apiAudience(issuer));
  }
  doc = (await (await fetch(`${issuer}/api/v1/openapi.json`)).json()) as typeof doc;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await services.db.connection.dropDatabase();
  await services.close();
  await smtp.close();
  rmSync(files, { recursive: true, force: true });
});

const ajv = addFormats.default(new Ajv2020({ strict: false, allErrors: true }));

/** A call, its answer checked against the document's schema for the operation and status. */
async function call(method: string, path: string, token: string | undefined) {
  const res = await fetch(`${issuer}/api/v1${path}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await res.text();
  const body = text ? (JSON.parse(text) as Record<string, any>) : undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
  if (body !== undefined) {
    const bare = path.split('?')[0]!;
    const template = Object.keys(doc.paths).find((p) => new RegExp(`^${p.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(bare))!;
    const schema = doc.paths[template]![method.toLowerCase()]!.responses[String(res.status)]?.content?.[res.status >= 400 ? 'application/problem+json' : 'application/json']?.schema;
    expect([method, path, res.status, Boolean(schema)]).toEqual([method, path, res.status, true]);
    const resolved = JSON.parse(JSON.stringify(schema).replace(/"#\/components\/schemas\/([A-Za-z]+)"/g, '"problem.json"')) as object;
    if (!ajv.getSchema('problem.json')) ajv.addSchema(doc.components.schemas.Problem!, 'problem.json');
    const validate = ajv.compile(resolved);
    if (!validate(body)) throw new Error(`${method} ${path} ${res.status} does not match the document: ${JSON.stringify(validate.errors)}\n${text}`);
  }
  return { status: res.status, body: body! };
}

async function cli(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, async () => ({ ...services, close: async () => {} }), { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), readStdin: async () => '' });
  return { code, stderr, json: () => JSON.parse(stdout) as Record<string, unknown> };
}

async function customer(email: string, password?: string) {
  const view = await services.users.create({ email, ...(password ? { password } : {}), emailVerified: true });
  return view.id;
}

async function withTotpAndRecoveryCodes(accountId: string, email: string) {
  const started = await services.totp.begin({ accountId, email });
  const confirmed = await services.totp.confirm(accountId, started.token, await generate({ secret: started.secret }), 'Phone');
  expect(confirmed.ok).toBe(true);
  await services.recoveryCodes.generate(accountId);
  expect((await services.factors.list(accountId)).map((f) => f.type).sort()).toEqual(['recovery', 'totp']);
}

describe('second factors', () => {
  it('an MFA reset removes every factor, tells the customer, and records the acting client; a second reset has nothing to remove', async () => {
    const id = await customer('lost-phone@example.com', 'a long password 1');
    await withTotpAndRecoveryCodes(id, 'lost-phone@example.com');
    const since = Date.now();

    const reset = await call('DELETE', `/users/${id}/factors`, tokens.support);
    expect(reset).toEqual({ status: 200, body: { removed: { totp: 1, recovery: 1 } } });
    expect(await services.factors.list(id)).toEqual([]);
    const mail = await smtp.waitFor('lost-phone@example.com', { subject: /second factors/i, after: since });
    expect(mail.text).toContain(`${issuer}/account/security`);
    const [event] = await services.audit.list({ type: 'factors.reset', accountId: id });
    expect(event).toMatchObject({ clientId: 'support', reason: 'api', details: { removed: { totp: 1, recovery: 1 } } });

    expect((await call('DELETE', `/users/${id}/factors`, tokens.support)).body).toEqual({ removed: {} });
    expect(await services.audit.list({ type: 'factors.reset', accountId: id })).toHaveLength(1);
    expect((await call('DELETE', '/users/nobody/factors', tokens.support)).status).toBe(404);
    expect((await call('DELETE', `/users/${id}/factors`, tokens['privacy-desk'])).status).toBe(403);
  });

  it('the CLI resets the same way, audited as the CLI', async () => {
    const id = await customer('cli-mfa@example.com', 'a long password 1');
    await withTotpAndRecoveryCodes(id, 'cli-mfa@example.com');
    const done = await cli(['users', 'reset-mfa', '--email', 'cli-mfa@example.com']);
    expect(done.code).toBe(0);
    expect(done.json()).toEqual({ accountId: id, removed: { totp: 1, recovery: 1 } });
    expect(await services.factors.list(id)).toEqual([]);
    const [event] = await services.audit.list({ type: 'factors.reset', accountId: id });
    expect(event).toMatchObject({ reason: 'cli' });
    expect(event).not.toHaveProperty('clientId');
  });
});

describe('password reset mail', () => {
  it("mails a link to the public reset entry with the address filled in; the password keeps working meanwhile", async () => {
    const id = await customer('Forgetful@Example.com', 'the old password 1');
    const since = Date.now();
    expect(await call('POST', `/users/${id}/password-reset`, tokens.support)).toEqual({ status: 204, body: undefined });
    const mail = await smtp.waitFor('forgetful@example.com', { subject: /reset/i, after: since });
    const link = mail.text.match(/https?:\/\/\S+\/recover\?\S+/)?.[0];
    expect(link).toBe(`${issuer}/recover?email=forgetful%40example.com`);
    // The link starts a sign-in on the "forgot password" page (the reset itself is the ordinary, tested flow).
    const followed = await fetch(link!, { redirect: 'manual' });
    expect(followed.status).toBe(303);
    expect(followed.headers.get('location')).toMatch(/\/auth\?/);
    expect(await services.users.authenticate('forgetful@example.com', 'the old password 1', {})).toEqual({ accountId: id });
    const [event] = await services.audit.list({ type: 'password.reset_link_sent', accountId: id });
    expect(event).toMatchObject({ clientId: 'support', reason: 'api' });
  });

  it('refuses a disabled account (it could not sign in) and an unknown one; the CLI sends the same mail', async () => {
    const id = await customer('off@example.com', 'the old password 1');
    await services.accountStatus.disable(id, { source: 'cli' });
    const refused = await call('POST', `/users/${id}/password-reset`, tokens.support);
    expect(refused.status).toBe(409);
    expect(await services.audit.list({ type: 'password.reset_link_sent', accountId: id })).toEqual([]);
    expect((await call('POST', '/users/nobody/password-reset', tokens.support)).status).toBe(404);

    const other = await customer('cli-reset@example.com', 'the old password 1');
    const since = Date.now();
    const sent = await cli(['users', 'send-password-reset', '--id', other]);
    expect(sent.json()).toEqual({ accountId: other, sent: true });
    await smtp.waitFor('cli-reset@example.com', { subject: /reset/i, after: since });
    expect((await cli(['users', 'send-password-reset', '--id', id])).code).not.toBe(0);
  });
});

describe('export and erasure of one customer', () => {
  it('exports everything held on a customer, audited with the acting client', async () => {
    const id = await customer('sar@example.com', 'a long password 1');
    const exported = await call('GET', `/users/${id}/export`, tokens.support);
    expect(exported.status).toBe(200);
    expect(exported.body).toMatchObject({ format: 'ciam-account-export/1', account: { email: 'sar@example.com' } });
    expect(JSON.stringify(exported.body)).not.toMatch(/argon2/);
    const [event] = await services.audit.list({ type: 'account.exported', accountId: id });
    expect(event).toMatchObject({ clientId: 'support', reason: 'operator' });
  });

  it('schedules an erasure (the account is disabled), cancels it, and erases at once with now=true', async () => {
    const id = await customer('leaving@example.com', 'a long password 1');
    expect((await call('DELETE', `/users/${id}`, tokens.support)).status).toBe(403);

    const scheduled = await call('DELETE', `/users/${id}`, tokens['privacy-desk']);
    expect(scheduled.body).toEqual({ status: 'scheduled', due_at: expect.any(String) });
    expect(Date.parse(scheduled.body.due_at) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    expect(await services.users.authenticate('leaving@example.com', 'a long password 1', {})).not.toEqual({ accountId: id });
    expect((await services.audit.list({ type: 'account.erasure_scheduled', accountId: id }))[0]).toMatchObject({ clientId: 'privacy-desk' });

    expect((await call('DELETE', `/users/${id}/erasure`, tokens['privacy-desk'])).status).toBe(204);
    expect((await call('DELETE', `/users/${id}/erasure`, tokens['privacy-desk'])).status).toBe(409);
    expect(await services.users.authenticate('leaving@example.com', 'a long password 1', {})).toEqual({ accountId: id });

    const erased = await call('DELETE', `/users/${id}?now=true`, tokens['privacy-desk']);
    expect(erased.body).toMatchObject({ status: 'erased', pseudonym: expect.any(String) });
    expect((await call('GET', `/users/${id}`, tokens.support)).status).toBe(404);
    expect((await call('DELETE', `/users/${id}`, tokens['privacy-desk'])).status).toBe(404);
    const [deleted] = await services.audit.list({ type: 'account.deleted', accountId: erased.body.pseudonym });
    expect(deleted).toMatchObject({ clientId: 'privacy-desk', reason: 'operator' });
  });
});

describe('migration out: every account with its password hash', () => {
  it('exports argon2id, imported foreign hashes and password-less accounts a page at a time, leaving out accounts waiting for erasure', async () => {
    const kinds = ['argon@example.com', 'bcrypt@example.com', 'pbkdf2@example.com', 'nopass@example.com', 'gone@example.com'];
    for (const email of kinds) expect(await services.users.findByEmail(email)).toBeNull();
    const argon = await customer('argon@example.com', 'argon password 1');
    const imported = await services.userImport.run([
      JSON.stringify({ email: 'bcrypt@example.com', email_verified: true, name: 'Bea Crypt', password_hash: bcrypt.hashSync('bcrypt password 1', 4) }),
      JSON.stringify({ email: 'pbkdf2@example.com', disabled: true, password_hash: pbkdf2Hash('pbkdf2 password 1') }),
      JSON.stringify({ email: 'nopass@example.com', given_name: 'Noa' }),
    ]);
    expect(imported).toMatchObject({ imported: 3, rejectedCount: 0 });
    const gone = await customer('gone@example.com', 'gone password 1');
    await services.erasure.request(gone, { source: 'operator' });

    expect((await call('GET', '/users/export', tokens.support)).status).toBe(403);
    const rows: Record<string, any>[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await call('GET', `/users/export?limit=2${cursor ? `&cursor=${cursor}` : ''}`, tokens.migration);
      expect(page.status).toBe(200);
      rows.push(...page.body.users);
      cursor = page.body.next_cursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBeGreaterThan(1);
    const byEmail = new Map(rows.map((r) => [r.email, r]));
    expect(byEmail.has('gone@example.com')).toBe(false);
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
    expect(byEmail.get('argon@example.com')).toMatchObject({ id: argon, email_verified: true, password_hash: expect.stringMatching(/^\$argon2id\$/) });
    expect(byEmail.get('bcrypt@example.com')).toMatchObject({ name: 'Bea Crypt', password_hash: expect.stringMatching(/^\$2[ab]\$04\$/) });
    expect(byEmail.get('pbkdf2@example.com')).toMatchObject({ disabled: true, password_hash: { algorithm: 'pbkdf2-sha256', iterations: 1000 } });
    expect(byEmail.get('nopass@example.com')).toMatchObject({ given_name: 'Noa' });
    expect(byEmail.get('nopass@example.com')).not.toHaveProperty('password_hash');

    const withoutHashes = await call('GET', '/users/export?limit=1000&password_hashes=false', tokens.migration);
    expect(JSON.stringify(withoutHashes.body)).not.toContain('password_hash');
  });

  it('the CLI writes the file for its owner only, never over an existing file; another deployment imports it and keeps ids and passwords', async () => {
    const file = join(files, 'accounts.jsonl');
    const written = await cli(['users', 'export-all', '--file', file]);
    expect(written.code).toBe(0);
    expect(written.json()).toMatchObject({ file, passwordHashes: true, exported: expect.any(Number) });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(written.stderr).toMatch(/exported \d+/);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(written.json().exported as number);
    expect((await cli(['users', 'export-all', '--file', file])).code).not.toBe(0);

    const elsewhere = await createServices(configFor(1));
    try {
      const report = await elsewhere.userImport.run(lines);
      expect(report).toMatchObject({ imported: lines.length, rejectedCount: 0 });
      for (const [email, password] of [['argon@example.com', 'argon password 1'], ['bcrypt@example.com', 'bcrypt password 1']] as const) {
        const here = await services.users.findByEmail(email);
        expect(await elsewhere.users.authenticate(email, password, {})).toEqual({ accountId: here!.id });
      }
      expect(await elsewhere.users.findByEmail('pbkdf2@example.com')).toMatchObject({ disabled: true });
      // Imported twice: every row refused, by its address or its id, and nothing changes.
      const again = await elsewhere.userImport.run(lines);
      expect(again).toMatchObject({ imported: 0, rejectedCount: lines.length });
    } finally {
      await elsewhere.db.connection.dropDatabase();
      await elsewhere.close();
    }
  });
});

function pbkdf2Hash(password: string) {
  const salt = randomBytes(16);
  return { algorithm: 'pbkdf2-sha256', iterations: 1000, salt: salt.toString('base64'), hash: pbkdf2Sync(password, salt, 1000, 32, 'sha256').toString('base64') };
}
