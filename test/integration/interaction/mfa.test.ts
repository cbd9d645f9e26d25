// Second factors inside the sign-in, through the real application: client policies (required / adaptive / off),
// step-up with acr_values on an existing session, the risk engine's decision and trusted browsers, e-mail codes,
// recovery codes, enrollment when the app demands a factor the customer lacks, and guess limits.
import { generate } from 'otplib';
import { ACR } from '../../../src/auth/types.ts';
import { startTestApp, type TestApp } from '../../support/app.ts';
import { codeFrom } from '../../support/smtp.ts';
import { startTwilioRecorder, type TwilioRecorder } from '../../support/twilio.ts';
import { browser, followRedirects, locationOf, pkce, readPage, type Client } from './harness.ts';

const REDIRECT = 'https://shop.example/cb';
const PASSWORD = 'maple syrup on tuesday mornings';
const SECRET = 's'.repeat(40);

let t: TestApp;
let sms: TwilioRecorder;
let counter = 0;
const unique = (name: string) => `${name}-${Date.now().toString(36)}-${counter++}@example.com`;
// Each customer signs in from its own network (behind TRUST_PROXY), so that the risk engine's "many accounts from
// one address" signal sees what it would in production rather than every test coming from 127.0.0.1.
let network = 0;
const fromNewNetwork = () => browser(t.url, undefined, { 'x-forwarded-for': `198.51.${++network}.10` });

beforeAll(async () => {
  sms = await startTwilioRecorder();
  t = await startTestApp({
    MFA_POLICY: 'adaptive',
    TRUST_PROXY: 'true',
    TWILIO_ACCOUNT_SID: sms.accountSid,
    TWILIO_AUTH_TOKEN: sms.authToken,
    TWILIO_FROM: '+4915100000001',
    TWILIO_API_URL: sms.url,
  });
  const base = { redirectUris: [REDIRECT], grantTypes: ['authorization_code'], clientSecret: SECRET, scope: 'openid email', firstParty: true };
  await t.services.clients.create({ ...base, clientId: 'shop' });
  await t.services.clients.create({ ...base, clientId: 'bank', mfaPolicy: 'required' });
  await t.services.clients.create({ ...base, clientId: 'totp-only', mfaPolicy: 'required', mfaFactors: ['totp'] });
  await t.services.clients.create({ ...base, clientId: 'relaxed', mfaPolicy: 'off' });
});

afterAll(async () => {
  await t.close();
  await sms.close();
});

async function authorize(c: Client, clientId: string, extra: Record<string, string> = {}): Promise<{ path: string; verifier: string }> {
  const { challenge, verifier } = pkce();
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
  return { path: locationOf(res, t.url).pathname + locationOf(res, t.url).search, verifier };
}

const page = readPage;

const follow = (c: Client, res: Response) => followRedirects(c, res, t.url);

async function login(c: Client, interaction: string, email: string, password = PASSWORD): Promise<Response> {
  const form = await page(c, interaction);
  return c.request(`${interaction}/login`, { form: { _csrf: form.csrf, email, password } });
}

/** The id_token claims for an authorization code that reached the client. */
async function tokens(clientId: string, callback: URL, verifier: string): Promise<Record<string, unknown>> {
  expect(callback.origin + callback.pathname).toBe(REDIRECT);
  const code = callback.searchParams.get('code');
  expect(code).toBeTruthy();
  const res = await fetch(`${t.url}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${SECRET}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: code!, redirect_uri: REDIRECT, code_verifier: verifier }),
  });
  expect(res.status).toBe(200);
  const { id_token } = (await res.json()) as { id_token: string };
  return JSON.parse(Buffer.from(id_token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

async function customer(opts: { totp?: boolean } = {}): Promise<{ email: string; id: string; secret?: string }> {
  const email = unique('mfa');
  const user = await t.services.users.create({ email, password: PASSWORD, emailVerified: true });
  if (!opts.totp) return { email, id: user.id };
  const enrollment = await t.services.totp.begin({ accountId: user.id, email });
  // The first code is spent on the enrollment: sign-ins in this test use codes of other time steps.
  const confirmed = await t.services.totp.confirm(user.id, enrollment.token, await generate({ secret: enrollment.secret, epoch: Math.floor(Date.now() / 1000) - 30 }));
  expect(confirmed.ok).toBe(true);
  return { email, id: user.id, secret: enrollment.secret };
}

const totpNow = (secret: string) => generate({ secret, epoch: Math.floor(Date.now() / 1000) });

describe('a client that requires MFA', () => {
  it('asks for the authenticator app after the password and issues the MFA acr with amr pwd+otp', async () => {
    const who = await customer({ totp: true });
    const c = fromNewNetwork();
    const { path, verifier } = await authorize(c, 'bank');
    const afterPassword = await login(c, path.split('?')[0]!, who.email);
    expect(afterPassword.status).toBe(303);
    const mfaUrl = locationOf(afterPassword, t.url);
    expect(mfaUrl.pathname).toMatch(/\/mfa$/);

    // Nothing is signed in yet: the session is created only with the second factor.
    const mfa = await page(c, mfaUrl.pathname);
    expect(mfa.status).toBe(200);
    expect(mfa.html).toContain('Authenticator app');

    const wrong = await c.request(`${mfaUrl.pathname}/verify`, { form: { _csrf: mfa.csrf, method: 'totp', code: '000000' } });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('That code is not right');

    const ok = await c.request(`${mfaUrl.pathname}/verify`, { form: { _csrf: mfa.csrf, method: 'totp', code: await totpNow(who.secret!) } });
    const claims = await tokens('bank', await follow(c, ok), verifier);
    expect(claims).toMatchObject({ sub: who.id, acr: ACR.mfa, amr: ['pwd', 'otp', 'mfa'] });
    expect(typeof claims.auth_time).toBe('number');

    const events = await t.services.audit.list({ accountId: who.id });
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['mfa.required', 'mfa.failure', 'mfa.success']));
  });

  it('rejects a replayed TOTP code in a second sign-in', async () => {
    const who = await customer({ totp: true });
    const code = await totpNow(who.secret!);
    const first = fromNewNetwork();
    const a = await authorize(first, 'bank');
    const mfaA = locationOf(await login(first, a.path.split('?')[0]!, who.email), t.url).pathname;
    const pageA = await page(first, mfaA);
    await follow(first, await first.request(`${mfaA}/verify`, { form: { _csrf: pageA.csrf, method: 'totp', code } }));

    const second = fromNewNetwork();
    const b = await authorize(second, 'bank');
    const mfaB = locationOf(await login(second, b.path.split('?')[0]!, who.email), t.url).pathname;
    const pageB = await page(second, mfaB);
    const replay = await second.request(`${mfaB}/verify`, { form: { _csrf: pageB.csrf, method: 'totp', code } });
    expect(replay.status).toBe(400);
  });

  it('sends a code to the verified address of a customer without factors, and leaves no session when abandoned', async () => {
    const who = await customer();
    const c = fromNewNetwork();
    const { path, verifier } = await authorize(c, 'bank');
    const mfaPath = locationOf(await login(c, path.split('?')[0]!, who.email), t.url).pathname;
    const mfa = await page(c, mfaPath);
    expect(mfa.html).toContain('Send a code to m•••@example.com');
    // Not a lone button: the page says what the button does and how long the code will work.
    expect(mfa.html).toContain('We will e-mail a 6-digit code to m•••@example.com. Enter it on the next page to finish signing in. The code expires in 10 minutes.');

    // No session exists until the second factor is proven: abandoned here, nothing else is signed in either.
    expect([...c.jar.cookies.keys()].filter((name) => name.startsWith('_session'))).toEqual([]);

    const after = Date.now();
    const sent = await c.request(`${mfaPath}/send`, { form: { _csrf: mfa.csrf, method: 'email' } });
    expect(sent.status).toBe(303);
    const code = codeFrom(await t.smtp.waitFor(who.email, { after }));
    const codePage = await page(c, locationOf(sent, t.url).pathname + locationOf(sent, t.url).search);
    expect(codePage.html).toContain('We sent a code to m•••@example.com');
    // The page says what the mail says: the e-mail code's own lifetime (10 minutes), not "a few minutes".
    expect(codePage.html).toContain('The code expires in 10 minutes.');
    expect((await t.smtp.waitFor(who.email, { after })).text).toContain('The code expires in 10 minutes.');
    const ok = await c.request(`${mfaPath}/verify`, { form: { _csrf: codePage.csrf, method: 'email', code } });
    const claims = await tokens('bank', await follow(c, ok), verifier);
    expect(claims).toMatchObject({ acr: ACR.mfa, amr: ['pwd', 'otp', 'mfa'] });
  });

  it('enrolls a phone inside the sign-in and sends the codes by SMS through Twilio', async () => {
    const who = await customer();
    await t.services.clients.create({ redirectUris: [REDIRECT], grantTypes: ['authorization_code'], clientSecret: SECRET, scope: 'openid email', firstParty: true, clientId: `sms-only-${counter}`, mfaPolicy: 'required', mfaFactors: ['sms'] });
    const clientId = `sms-only-${counter}`;
    const c = fromNewNetwork();
    const { path, verifier } = await authorize(c, clientId);
    const mfaPath = locationOf(await login(c, path.split('?')[0]!, who.email), t.url).pathname;
    const form = await page(c, `${mfaPath}/enroll?type=sms`);
    const invalid = await c.request(`${mfaPath}/enroll/sms`, { form: { _csrf: form.csrf, phone: '12345' } });
    expect(invalid.status).toBe(400);
    expect(await invalid.text()).toContain('with its country code');

    const after = Date.now();
    const sent = await c.request(`${mfaPath}/enroll/sms`, { form: { _csrf: form.csrf, phone: '+49 151 23456789' } });
    expect(sent.status).toBe(303);
    const text = await sms.waitFor('+4915123456789', { after });
    expect(text.from).toBe('+4915100000001');
    const code = /\b(\d{6})\b/.exec(text.body)![1]!;
    const confirm = await page(c, `${mfaPath}/enroll?type=sms`);
    expect(confirm.html).toContain('••');
    // A text message's code lives 5 minutes, and the page says so, as the message does.
    expect(confirm.html).toContain('The code expires in 5 minutes.');
    expect(text.body).toContain('5 min');
    const ok = await c.request(`${mfaPath}/enroll/sms/confirm`, { form: { _csrf: confirm.csrf, code } });
    expect(await tokens(clientId, await follow(c, ok), verifier)).toMatchObject({ acr: ACR.mfa, amr: ['pwd', 'sms', 'mfa'] });
    // The account's address hears of it, the factor named as the account center names it (one notice for both).
    const notice = await t.smtp.waitFor(who.email, { after, subject: /sign-in method was added/ });
    expect(notice.text).toMatch(/Text messages to \+49 [•\s]+\d{2} was added/);

    // The next sign-in sends a code to the enrolled phone.
    const next = fromNewNetwork();
    const second = await authorize(next, clientId);
    const nextMfa = locationOf(await login(next, second.path.split('?')[0]!, who.email), t.url).pathname;
    const choose = await page(next, nextMfa);
    const factorId = /name="method" value="([^"]+)"/.exec(choose.html)![1]!;
    const later = Date.now();
    await next.request(`${nextMfa}/send`, { form: { _csrf: choose.csrf, method: factorId } });
    const signInCode = /\b(\d{6})\b/.exec((await sms.waitFor('+4915123456789', { after: later })).body)![1]!;
    const verify = await page(next, `${nextMfa}?method=${encodeURIComponent(factorId)}`);
    const done = await next.request(`${nextMfa}/verify`, { form: { _csrf: verify.csrf, method: factorId, code: signInCode } });
    expect((await tokens(clientId, await follow(next, done), second.verifier)).amr).toEqual(['pwd', 'sms', 'mfa']);
    expect(sms.rejected).toEqual([]);
  });

  it('accepts a recovery code once and tells the customer by e-mail', async () => {
    const who = await customer({ totp: true });
    const [recovery] = await t.services.recoveryCodes.generate(who.id);
    const run = async () => {
      const c = fromNewNetwork();
      const { path, verifier } = await authorize(c, 'bank');
      const mfaPath = locationOf(await login(c, path.split('?')[0]!, who.email), t.url).pathname;
      const form = await page(c, `${mfaPath}?method=recovery`);
      expect(form.html).toContain('Recovery code');
      return { res: await c.request(`${mfaPath}/verify`, { form: { _csrf: form.csrf, method: 'recovery', code: recovery!.toUpperCase() } }), c, verifier };
    };
    const after = Date.now();
    const first = await run();
    expect((await tokens('bank', await follow(first.c, first.res), first.verifier)).amr).toEqual(['pwd', 'otp', 'mfa']);
    const mail = await t.smtp.waitFor(who.email, { after });
    expect(mail.text).toContain('9');

    const again = await run();
    expect(again.res.status).toBe(400);
    expect(await again.res.text()).toContain('not valid or has already been used');
  });

  it('has the customer enroll an authenticator app when the client accepts nothing they have', async () => {
    const who = await customer();
    const c = fromNewNetwork();
    const { path, verifier } = await authorize(c, 'totp-only');
    const mfaPath = locationOf(await login(c, path.split('?')[0]!, who.email), t.url).pathname;
    const toEnroll = await c.request(mfaPath);
    expect(locationOf(toEnroll, t.url).pathname).toBe(`${mfaPath}/enroll`);
    const choose = await page(c, `${mfaPath}/enroll`);
    expect(choose.html).toContain('Authenticator app');
    expect(choose.html).not.toContain('Text message');
    const setup = await page(c, `${mfaPath}/enroll?type=totp`);
    expect(setup.html).toContain('<svg');
    const secret = /<code class="secret">([A-Z2-7]+)<\/code>/.exec(setup.html)?.[1];
    const token = /name="token" value="([^"]+)"/.exec(setup.html)?.[1];
    expect(secret && token).toBeTruthy();
    // A link for someone already on the phone, and the same secret after a reload (the app may already hold it).
    expect(setup.html).toMatch(new RegExp(`href="otpauth://totp/[^"]*secret=${secret}`));
    const reloaded = await page(c, `${mfaPath}/enroll?type=totp`);
    expect(/<code class="secret">([A-Z2-7]+)<\/code>/.exec(reloaded.html)?.[1]).toBe(secret);

    const wrong = await c.request(`${mfaPath}/enroll/totp`, { form: { _csrf: setup.csrf, token: token!, code: '000000' } });
    expect(wrong.status).toBe(400);
    // The same key is shown again: the app the customer already set up keeps working.
    expect(await wrong.text()).toContain(secret!);

    const after = Date.now();
    const ok = await c.request(`${mfaPath}/enroll/totp`, { form: { _csrf: setup.csrf, token: token!, code: await totpNow(secret!) } });
    const claims = await tokens('totp-only', await follow(c, ok), verifier);
    expect(claims).toMatchObject({ acr: ACR.mfa, amr: ['pwd', 'otp', 'mfa'] });
    expect((await t.services.factors.list(who.id)).map((f) => f.type)).toEqual(['totp']);
    await t.smtp.waitFor(who.email, { after });
  });

  it('stops guessing after the per-sign-in budget, even with the right code', async () => {
    const who = await customer({ totp: true });
    const c = fromNewNetwork();
    const { path } = await authorize(c, 'bank');
    const mfaPath = locationOf(await login(c, path.split('?')[0]!, who.email), t.url).pathname;
    const form = await page(c, mfaPath);
    const max = t.services.config.codes.maxAttempts;
    for (let i = 0; i < max; i++) {
      const res = await c.request(`${mfaPath}/verify`, { form: { _csrf: form.csrf, method: 'totp', code: String(100000 + i) } });
      expect(res.status).toBe(400);
    }
    const right = await c.request(`${mfaPath}/verify`, { form: { _csrf: form.csrf, method: 'totp', code: await totpNow(who.secret!) } });
    expect(right.status).toBe(400);
    expect(await right.text()).toContain('Too many wrong codes');
  });

  it('refuses a method the customer does not have, a foreign factor id and a post without CSRF token', async () => {
    const who = await customer({ totp: true });
    const c = fromNewNetwork();
    const { path } = await authorize(c, 'bank');
    const mfaPath = locationOf(await login(c, path.split('?')[0]!, who.email), t.url).pathname;
    const form = await page(c, mfaPath);
    const sms = await c.request(`${mfaPath}/send`, { form: { _csrf: form.csrf, method: 'not-a-factor' } });
    expect(sms.status).toBe(400);
    expect(await sms.text()).toContain('Choose one of the offered ways');
    const noCsrf = await c.request(`${mfaPath}/verify`, { form: { method: 'totp', code: await totpNow(who.secret!) } });
    expect(noCsrf.status).toBe(403);
    const huge = await c.request(`${mfaPath}/verify`, { form: { _csrf: form.csrf, method: 'totp', code: '1'.repeat(5000) } });
    expect(huge.status).toBe(400);
  });
});

describe('step-up', () => {
  it('asks a password-only session for the second factor only, never the password again', async () => {
    const who = await customer({ totp: true });
    const c = fromNewNetwork();
    const first = await authorize(c, 'relaxed');
    const firstClaims = await tokens('relaxed', await follow(c, await login(c, first.path.split('?')[0]!, who.email)), first.verifier);
    expect(firstClaims).toMatchObject({ acr: ACR.password, amr: ['pwd'] });

    const { path, verifier } = await authorize(c, 'relaxed', { acr_values: ACR.mfa });
    const step = await page(c, path.split('?')[0]!);
    expect(step.status).toBe(200);
    expect(step.html).not.toContain('name="password"');
    expect(step.html).toContain('asks for a stronger sign-in');
    const ok = await c.request(`${path.split('?')[0]}/mfa/verify`, { form: { _csrf: step.csrf, method: 'totp', code: await totpNow(who.secret!) } });
    const claims = await tokens('relaxed', await follow(c, ok), verifier);
    expect(claims).toMatchObject({ sub: who.id, acr: ACR.mfa, amr: ['pwd', 'otp', 'mfa'] });
    expect(claims.auth_time as number).toBeGreaterThanOrEqual(firstClaims.auth_time as number);

    // The session is now at the MFA level: the next request for it goes straight through.
    const again = await authorize(c, 'relaxed', { acr_values: ACR.mfa });
    expect(again.path).toMatch(/^\/cb\?code=/);
  });

  it('answers prompt=none with interaction_required when the session is too weak', async () => {
    const who = await customer({ totp: true });
    const c = fromNewNetwork();
    const first = await authorize(c, 'relaxed');
    await follow(c, await login(c, first.path.split('?')[0]!, who.email));
    const res = await c.request(
      `/auth?${new URLSearchParams({ client_id: 'relaxed', response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, code_challenge: pkce().challenge, code_challenge_method: 'S256', prompt: 'none', acr_values: ACR.mfa })}`,
    );
    const callback = await follow(c, res);
    expect(callback.searchParams.get('error')).toBe('interaction_required');
  });

  it('sends a session of a policy-free app through the second factor when the customer opens a bank app', async () => {
    const who = await customer({ totp: true });
    const c = fromNewNetwork();
    const first = await authorize(c, 'relaxed');
    await follow(c, await login(c, first.path.split('?')[0]!, who.email));
    const { path } = await authorize(c, 'bank');
    const step = await page(c, path.split('?')[0]!);
    expect(step.html).toContain('Authenticator app');
    expect(step.html).not.toContain('name="password"');
  });
});

describe('adaptive policy', () => {
  it('asks a new browser after failed attempts, then trusts it when the customer says so', async () => {
    const who = await customer({ totp: true });
    // Three wrong passwords from somewhere else.
    for (let i = 0; i < 3; i++) {
      const other = fromNewNetwork();
      const { path } = await authorize(other, 'shop');
      expect((await login(other, path.split('?')[0]!, who.email, 'wrong password entirely')).status).toBe(400);
    }
    const c = fromNewNetwork();
    const { path, verifier } = await authorize(c, 'shop');
    const afterPassword = await login(c, path.split('?')[0]!, who.email);
    const mfaPath = locationOf(afterPassword, t.url).pathname;
    expect(mfaPath).toMatch(/\/mfa$/);
    const form = await page(c, mfaPath);
    expect(form.html).toContain('Trust this browser for 30 days');
    const ok = await c.request(`${mfaPath}/verify`, { form: { _csrf: form.csrf, method: 'totp', code: await totpNow(who.secret!), trust: 'yes' } });
    expect((await tokens('shop', await follow(c, ok), verifier)).acr).toBe(ACR.mfa);

    const [assessed] = await t.services.audit.list({ accountId: who.id, type: 'risk.assessed' });
    expect(assessed?.details).toMatchObject({ decision: 'mfa', reasons: expect.arrayContaining(['new_device', 'recent_failures']) });

    // Same browser, signed out (session cookies gone, the device cookie kept): the password is enough now.
    for (const name of [...c.jar.cookies.keys()]) if (!name.includes('ciam_device')) c.jar.cookies.delete(name);
    const again = await authorize(c, 'shop');
    const next = await login(c, again.path.split('?')[0]!, who.email);
    const claims = await tokens('shop', await follow(c, next), again.verifier);
    expect(claims).toMatchObject({ acr: ACR.password, amr: ['pwd'] });
    const [latest] = await t.services.audit.list({ accountId: who.id, type: 'risk.assessed' });
    expect(latest?.details).toMatchObject({ decision: 'trusted_device' });
  });

  it('lets a first sign-in from an unremarkable new browser through with the password', async () => {
    const who = await customer({ totp: true });
    const c = fromNewNetwork();
    const { path, verifier } = await authorize(c, 'shop');
    const claims = await tokens('shop', await follow(c, await login(c, path.split('?')[0]!, who.email)), verifier);
    expect(claims).toMatchObject({ acr: ACR.password, amr: ['pwd'] });
    const [assessed] = await t.services.audit.list({ accountId: who.id, type: 'risk.assessed' });
    expect(assessed?.details).toMatchObject({ decision: 'allow' });
  });
});
