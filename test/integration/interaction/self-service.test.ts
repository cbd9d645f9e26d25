// Sign-up, e-mail verification, password recovery and progressive profiling inside the sign-in, through the real
// application (real provider, database, throttle, password policy, codes and mail to an in-process SMTP server).
import { jest } from '@jest/globals';
import argon2 from 'argon2';
import type { CommandStartedEvent } from 'mongodb';
import { startTestApp, type TestApp } from '../../support/app.ts';
import { testDatabaseUri } from '../../support/db.ts';
import { codeFrom } from '../../support/smtp.ts';
import { browser, followRedirects, locationOf, pkce, readPage, type Client } from './harness.ts';

const REDIRECT = 'https://shop.example/cb';
const PASSWORD = 'maple syrup on tuesday mornings';

let t: TestApp;
let counter = 0;
const unique = (name: string) => `${name}-${Date.now().toString(36)}-${counter++}@example.com`;

beforeAll(async () => {
  t = await startTestApp();
  await t.services.clients.create({ clientId: 'shop', redirectUris: [REDIRECT], grantTypes: ['authorization_code', 'refresh_token'], scope: 'openid email profile phone offline_access', clientSecret: 's'.repeat(40) });
  await t.services.clients.create({ clientId: 'verified-only', redirectUris: [REDIRECT], grantTypes: ['authorization_code'], clientSecret: 'v'.repeat(40), requireVerifiedEmail: true });
  await t.services.clients.create({ clientId: 'needs-phone', redirectUris: [REDIRECT], grantTypes: ['authorization_code'], clientSecret: 'p'.repeat(40), requiredProfileAttributes: ['phone_number', 'birthdate'] });
  await t.services.clients.create({ clientId: 'own-app', redirectUris: [REDIRECT], grantTypes: ['authorization_code'], clientSecret: 'o'.repeat(40), firstParty: true });
});

afterAll(async () => {
  await t.close();
});

async function authorize(c: Client, clientId = 'shop', extra: Record<string, string> = {}): Promise<string> {
  const { challenge } = pkce();
  const query = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    scope: 'openid email',
    redirect_uri: REDIRECT,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 'st',
    ...extra,
  });
  const res = await c.request(`/auth?${query}`);
  expect(res.status).toBe(303);
  return locationOf(res, t.url).pathname;
}

const page = readPage;
const hashOriginal = argon2.hash;
const verifyOriginal = argon2.verify;

async function post(c: Client, path: string, form: Record<string, string>): Promise<Response> {
  return c.request(path, { form });
}

const follow = (c: Client, res: Response) => followRedirects(c, res, t.url);

async function signUp(c: Client, email: string, interaction: string) {
  const form = await page(c, `${interaction}/signup`);
  const after = Date.now();
  const res = await post(c, `${interaction}/signup`, { _csrf: form.csrf, email, password: PASSWORD });
  expect(res.status).toBe(303);
  return { verifyPath: locationOf(res, t.url), after };
}

describe('sign-up', () => {
  it('creates the account only after the mailed code, signs the customer in and continues the authorization', async () => {
    const c = browser(t.url);
    const email = unique('new');
    const interaction = await authorize(c);
    const login = await page(c, interaction);
    expect(login.html).toContain(`href="${interaction}/signup"`);

    const { verifyPath, after } = await signUp(c, email, interaction);
    expect(verifyPath.pathname).toBe(`${interaction}/signup/verify`);
    expect(await t.services.users.findByEmail(email)).toBeNull();

    const mail = await t.smtp.waitFor(email, { after });
    const code = codeFrom(mail);
    const verify = await page(c, verifyPath.pathname + verifyPath.search);
    expect(verify.html).toContain('n•••@example.com');

    const wrong = await post(c, `${interaction}/signup/verify`, { _csrf: verify.csrf, ref: verifyPath.searchParams.get('ref')!, code: code === '000000' ? '111111' : '000000' });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('That code is not correct');

    const ok = await post(c, `${interaction}/signup/verify`, { _csrf: verify.csrf, ref: verifyPath.searchParams.get('ref')!, code });
    const next = await follow(c, ok);
    // The customer is signed in: the sign-in goes on to consent for the app.
    expect(next.pathname).toMatch(/^\/interaction\//);
    expect((await page(c, next.pathname)).html).toContain('Allow access?');

    const user = await t.services.users.findByEmail(email);
    expect(user).toMatchObject({ email, email_verified: true });
    expect(await t.services.users.authenticate(email, PASSWORD, {})).toEqual({ accountId: user!.id });
  });

  it('opens directly for prompt=create, and a used code cannot be used again', async () => {
    const c = browser(t.url);
    const email = unique('create');
    const interaction = await authorize(c, 'shop', { prompt: 'create' });
    const form = await page(c, interaction);
    expect(form.html).toContain('Create your account');
    const after = Date.now();
    const res = await post(c, `${interaction}/signup`, { _csrf: form.csrf, email, password: PASSWORD });
    const ref = locationOf(res, t.url).searchParams.get('ref')!;
    const code = codeFrom(await t.smtp.waitFor(email, { after }));
    const ok = await post(c, `${interaction}/signup/verify`, { _csrf: form.csrf, ref, code });
    expect((await follow(c, ok)).pathname).toMatch(/^\/interaction\//);

    // Same code again in another sign-in: refused (the account exists, the code is spent).
    const other = browser(t.url);
    const second = await authorize(other);
    const otherForm = await page(other, `${second}/signup`);
    const replay = await post(other, `${second}/signup/verify`, { _csrf: otherForm.csrf, ref, code });
    expect(replay.status).toBe(400);
  });

  it('answers an existing address exactly like a new one and mails its owner instead', async () => {
    const existing = unique('taken');
    await t.services.users.create({ email: existing, password: PASSWORD, emailVerified: true });
    const fresh = unique('fresh');

    const answers = [];
    for (const email of [existing, fresh]) {
      const c = browser(t.url);
      const interaction = await authorize(c);
      const { verifyPath } = await signUp(c, email, interaction);
      const shown = await page(c, verifyPath.pathname + verifyPath.search);
      answers.push({ status: shown.status, html: normalise(shown.html, email) });
    }
    expect(answers[0]).toEqual(answers[1]);

    const mail = await t.smtp.waitFor(existing, { subject: /already have/ });
    expect(mail.text).not.toMatch(/\b\d{6}\b/);
    expect(await t.services.users.findByEmail(fresh)).toBeNull();
  });

  it('refuses weak passwords with a clear reason and keeps the form', async () => {
    const c = browser(t.url);
    const interaction = await authorize(c);
    const form = await page(c, `${interaction}/signup`);
    const cases: [string, string, RegExp][] = [
      ['weak@example.com', 'short', /at least 8/i],
      ['weak@example.com', 'password123', /common|breach|guess/i],
      ['marmalade@example.com', 'my marmalade secret', /e-mail/i],
    ];
    for (const [email, password, message] of cases) {
      const res = await post(c, `${interaction}/signup`, { _csrf: form.csrf, email, password });
      const html = await res.text();
      expect(res.status).toBe(400);
      expect(html).toMatch(message);
      expect(html).toContain(`value="${email}"`);
    }
    expect(await t.services.users.findByEmail('weak@example.com')).toBeNull();
  });

  it('rejects bad input without storing anything', async () => {
    const c = browser(t.url);
    const interaction = await authorize(c);
    const form = await page(c, `${interaction}/signup`);
    const bodies: Record<string, string>[] = [
      {},
      { email: '', password: '' },
      { email: 'x'.repeat(300) + '@example.com', password: PASSWORD },
      { email: '<script>alert(1)</script>', password: PASSWORD },
    ];
    for (const body of bodies) {
      const res = await post(c, `${interaction}/signup`, { _csrf: form.csrf, ...body });
      const html = await res.text();
      expect(res.status).toBe(400);
      expect(html).not.toContain('<script>alert(1)</script>');
    }
    const arrays = await c.request(`${interaction}/signup`, { form: `_csrf=${form.csrf}&email=a@example.com&email=b@example.com&password=x` });
    expect(arrays.status).toBe(400);
    const noCsrf = await post(c, `${interaction}/signup`, { email: unique('nocsrf'), password: PASSWORD });
    expect(noCsrf.status).toBe(403);
  });
});

describe('password recovery', () => {
  it('gives known and unknown addresses the same answer', async () => {
    const known = unique('known');
    await t.services.users.create({ email: known, password: PASSWORD, emailVerified: true });
    const answers = [];
    for (const email of [known, unique('unknown')]) {
      const c = browser(t.url);
      const interaction = await authorize(c);
      const form = await page(c, `${interaction}/forgot`);
      const res = await post(c, `${interaction}/forgot`, { _csrf: form.csrf, email });
      expect(res.status).toBe(303);
      const shown = await page(c, locationOf(res, t.url).pathname + locationOf(res, t.url).search);
      answers.push({ status: shown.status, html: normalise(shown.html, email) });
    }
    expect(answers[0]).toEqual(answers[1]);
  });

  it('resets the password with the mailed code, ends the other sessions and revokes tokens', async () => {
    const email = unique('reset');
    const user = await t.services.users.create({ email, password: PASSWORD, emailVerified: true });

    // A session elsewhere, signed in with the old password.
    const elsewhere = browser(t.url);
    const first = await authorize(elsewhere);
    const login = await page(elsewhere, first);
    await follow(elsewhere, await post(elsewhere, `${first}/login`, { _csrf: login.csrf, email, password: PASSWORD }));
    expect(await t.services.sessions.listForAccount(user.id)).toHaveLength(1);

    const c = browser(t.url);
    const interaction = await authorize(c);
    const form = await page(c, `${interaction}/forgot`);
    const after = Date.now();
    const res = await post(c, `${interaction}/forgot`, { _csrf: form.csrf, email });
    const ref = locationOf(res, t.url).searchParams.get('ref')!;
    const mail = await t.smtp.waitFor(email, { after });
    const code = codeFrom(mail);

    const mismatch = await post(c, `${interaction}/reset`, { _csrf: form.csrf, ref, code, password: 'new river stones 42', confirm: 'other' });
    expect(mismatch.status).toBe(400);
    const reset = await post(c, `${interaction}/reset`, { _csrf: form.csrf, ref, code, password: 'new river stones 42', confirm: 'new river stones 42' });
    expect(reset.status).toBe(303);
    expect((await follow(c, reset)).pathname).toMatch(/^\/interaction\//);

    expect(await t.services.users.authenticate(email, PASSWORD, {})).toBeNull();
    expect(await t.services.users.authenticate(email, 'new river stones 42', {})).toEqual({ accountId: user.id });
    // Only the session that did the reset is left.
    const sessions = await t.services.sessions.listForAccount(user.id);
    expect(sessions.length).toBeLessThanOrEqual(1);
    const events = await t.services.audit.list({ accountId: user.id });
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['password.reset_requested', 'password.changed', 'password.reset']));
    await t.smtp.waitFor(email, { subject: /password/i, after: Date.now() - 5000 });
  });
});

describe('steps a client can demand', () => {
  it('asks an unverified customer to confirm the address before returning to a client that requires it', async () => {
    const email = unique('unverified');
    await t.services.users.create({ email, password: PASSWORD });
    const c = browser(t.url);
    const interaction = await authorize(c, 'verified-only');
    const login = await page(c, interaction);
    const after = Date.now();
    const next = await follow(c, await post(c, `${interaction}/login`, { _csrf: login.csrf, email, password: PASSWORD }));
    const step = await page(c, next.pathname);
    expect(step.html).toContain('Confirm your e-mail address');
    const code = codeFrom(await t.smtp.waitFor(email, { after }));
    // Reloading the page does not send another mail.
    await page(c, next.pathname);
    const ref = /name="ref" value="([^"]+)"/.exec(step.html)![1]!;
    // The interaction's flow is what remembered the mailed code across the reload, and it ends with the step.
    const uid = decodeURIComponent(next.pathname.split('/')[2]!);
    expect(await t.services.flows.find(uid, 'verify-email')).toMatchObject({ codeId: ref });
    const done = await post(c, `${next.pathname}/verify-email`, { _csrf: step.csrf, ref, code });
    expect(await t.services.flows.find(uid, 'verify-email')).toBeUndefined();
    const after2 = await follow(c, done);
    expect((await page(c, after2.pathname)).html).toContain('Allow access?');
    expect((await t.services.users.findByEmail(email))?.email_verified).toBe(true);
    expect(t.smtp.messages.filter((m) => m.to.includes(email))).toHaveLength(1);
  });

  it('asks only for the missing attributes a client needs, then continues', async () => {
    const email = unique('profile');
    await t.services.users.create({ email, password: PASSWORD, emailVerified: true, birthdate: '1990-05-17' });
    const c = browser(t.url);
    const interaction = await authorize(c, 'needs-phone');
    const login = await page(c, interaction);
    const next = await follow(c, await post(c, `${interaction}/login`, { _csrf: login.csrf, email, password: PASSWORD }));
    const step = await page(c, next.pathname);
    expect(step.html).toContain('name="phone_number"');
    expect(step.html).not.toContain('name="birthdate"');

    const bad = await post(c, `${next.pathname}/profile`, { _csrf: step.csrf, phone_number: '12' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('valid phone number');
    const good = await post(c, `${next.pathname}/profile`, { _csrf: step.csrf, phone_number: '+45 32 12 34 56' });
    const onward = await follow(c, good);
    expect((await page(c, onward.pathname)).html).toContain('Allow access?');
    expect(await t.services.users.findByEmail(email)).toMatchObject({ phone_number: '+4532123456', phone_number_verified: false });
  });

  it('skips the consent page for a first-party client and records the consent', async () => {
    const email = unique('firstparty');
    const user = await t.services.users.create({ email, password: PASSWORD, emailVerified: true });
    const c = browser(t.url);
    const interaction = await authorize(c, 'own-app');
    const login = await page(c, interaction);
    const out = await follow(c, await post(c, `${interaction}/login`, { _csrf: login.csrf, email, password: PASSWORD }));
    expect(out.origin + out.pathname).toBe(REDIRECT);
    expect(out.searchParams.get('code')).toBeTruthy();
    const events = await t.services.audit.list({ accountId: user.id });
    expect(events).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'consent.granted', reason: 'first_party', clientId: 'own-app' })]));
  });
});

describe('the same work for known and unknown addresses', () => {
  // A security property, checked by counting rather than timing: a known and an unknown address must not be told
  // apart by how long the answer takes, so both take the same argon2id operations (the cost that dominates, tens of
  // milliseconds) and the same database commands. Wall-clock comparisons are left to `npm run bench`, where noise
  // is reported rather than failed on; a skipped hash or an extra lookup shows up here on any machine.
  let counted: TestApp;
  const seen: string[] = [];
  const argonCalls: string[] = [];

  beforeAll(async () => {
    // Limits off: every request comes from 127.0.0.1, and per-IP counts would cut the runs short.
    counted = await startTestApp({ RATE_LIMITS_ENABLED: 'false', MONGODB_URI: `${testDatabaseUri()}?monitorCommands=true` });
    counted.services.db.connection.getClient().on('commandStarted', (e: CommandStartedEvent) => {
      seen.push(`${e.commandName} ${String(e.command[e.commandName] ?? '')}`);
    });
    await counted.services.clients.create({ clientId: 'shop', redirectUris: [REDIRECT], grantTypes: ['authorization_code'], clientSecret: 's'.repeat(40) });
  }, 60_000);

  afterAll(async () => {
    jest.restoreAllMocks();
    await counted.close();
  });

  /** The argon2 operations and database commands (name and collection, sorted) that one form post causes. */
  async function workOf(action: 'login' | 'signup' | 'forgot', email: string) {
    const c = browser(counted.url);
    const { challenge } = pkce();
    const query = new URLSearchParams({ client_id: 'shop', response_type: 'code', scope: 'openid email', redirect_uri: REDIRECT, code_challenge: challenge, code_challenge_method: 'S256' });
    const interaction = locationOf(await c.request(`/auth?${query}`), counted.url).pathname;
    const shown = await readPage(c, `${interaction}/${action}`);
    const form: Record<string, string> = action === 'forgot' ? { email } : { email, password: action === 'login' ? 'not the password 123' : PASSWORD };
    seen.length = 0;
    argonCalls.length = 0;
    const res = await c.request(`${interaction}/${action}`, { form: { _csrf: shown.csrf, ...form } });
    await res.arrayBuffer();
    return { status: res.status, argon2: [...argonCalls].sort(), commands: [...seen].sort() };
  }

  it.each(['login', 'signup', 'forgot'] as const)('%s: the same argon2id operations and database commands', async (action) => {
    jest.spyOn(argon2, 'hash').mockImplementation(function (this: unknown, ...args: Parameters<typeof argon2.hash>) {
      argonCalls.push('hash');
      return hashOriginal.apply(this, args);
    } as typeof argon2.hash);
    jest.spyOn(argon2, 'verify').mockImplementation(function (this: unknown, ...args: Parameters<typeof argon2.verify>) {
      argonCalls.push('verify');
      return verifyOriginal.apply(this, args);
    });
    const email = unique('known');
    await counted.services.users.create({ email, password: PASSWORD, emailVerified: true });
    // The unknown address first: a first use of the dummy hash (made once per process) is not what is compared.
    await workOf(action, unique('warm'));
    const unknown = await workOf(action, unique('nobody'));
    const known = await workOf(action, email);
    // Login verifies against the account's hash or a dummy one; sign-up hashes before it looks; recovery hashes nothing.
    const argon2Of = { login: ['verify'], signup: ['hash'], forgot: [] }[action];
    expect(known).toMatchObject({ status: action === 'login' ? 400 : 303, argon2: argon2Of });
    expect(known).toEqual(unknown);
  });
});

describe('throttling', () => {
  it('locks an address out after repeated failures, the same way whether or not it has an account', async () => {
    const known = unique('locked');
    await t.services.users.create({ email: known, password: PASSWORD, emailVerified: true });
    for (const email of [known, unique('ghost')]) {
      const c = browser(t.url);
      const interaction = await authorize(c);
      const login = await page(c, interaction);
      let last: Response | undefined;
      for (let i = 0; i < 6; i++) last = await post(c, `${interaction}/login`, { _csrf: login.csrf, email, password: 'wrong password here' });
      expect(last!.status).toBe(429);
      expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await last!.text()).toMatch(/Try again in \d+ seconds/);
    }
    // Even the right password waits out the block.
    const c = browser(t.url);
    const interaction = await authorize(c);
    const login = await page(c, interaction);
    expect((await post(c, `${interaction}/login`, { _csrf: login.csrf, email: known, password: PASSWORD })).status).toBe(429);
    const lockouts = await t.services.audit.list({ type: 'throttle.lockout' });
    expect(lockouts.length).toBeGreaterThanOrEqual(2);
  });
});

// What legitimately differs between two answers: tokens, references and the address the customer typed.
function normalise(html: string, email: string): string {
  return html
    .replaceAll(email, 'EMAIL')
    .replace(/name="_csrf" value="[^"]+"/g, 'CSRF')
    .replace(/name="ref" value="[^"]+"/g, 'REF')
    .replace(/\/interaction\/[A-Za-z0-9_-]+/g, '/interaction/UID')
    .replace(/[a-z]•••@example\.com/g, 'MASKED');
}
