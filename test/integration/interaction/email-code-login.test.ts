// "E-mail me a sign-in code" and "Confirm it's you", through the real application (provider, database, throttle,
// codes and mail to an in-process SMTP server): the passwordless way in, its acr and amr, no account enumeration,
// the per-app switch, a second factor that is not the mailbox again, and re-authentication with the address fixed.
import { generate } from 'otplib';
import { ACR } from '../../../src/auth/types.ts';
import { startTestApp, type TestApp } from '../../support/app.ts';
import { codeFrom } from '../../support/smtp.ts';
import { browser, followRedirects, locationOf, pkce, readPage, type Client } from './harness.ts';

const REDIRECT = 'https://shop.example/cb';
const PASSWORD = 'maple syrup on tuesday mornings';
const SECRET = 's'.repeat(40);

let t: TestApp;
let counter = 0;
const unique = (name: string) => `${name}-${Date.now().toString(36)}-${counter++}@example.com`;
let network = 0;
// Each test's browser from its own network: the mail throttle counts per client address too.
const fromNewNetwork = () => browser(t.url, undefined, { 'x-forwarded-for': `203.0.${++network}.7` });

beforeAll(async () => {
  t = await startTestApp({ TRUST_PROXY: 'true' });
  const base = { redirectUris: [REDIRECT], grantTypes: ['authorization_code'], clientSecret: SECRET, scope: 'openid email', firstParty: true };
  await t.services.clients.create({ ...base, clientId: 'shop' });
  await t.services.clients.create({ ...base, clientId: 'bank', mfaPolicy: 'required' });
  await t.services.clients.create({ ...base, clientId: 'no-codes', emailCodeSignin: false });
});

afterAll(async () => {
  await t.close();
});

async function authorize(c: Client, clientId: string, extra: Record<string, string> = {}): Promise<{ path: string; verifier: string }> {
  const { challenge, verifier } = pkce();
  const query = new URLSearchParams({ client_id: clientId, response_type: 'code', scope: 'openid email', redirect_uri: REDIRECT, code_challenge: challenge, code_challenge_method: 'S256', state: 'st', ...extra });
  const res = await c.request(`/auth?${query}`);
  expect(res.status).toBe(303);
  return { path: locationOf(res, t.url).pathname, verifier };
}

const follow = (c: Client, res: Response) => followRedirects(c, res, t.url);

async function idToken(clientId: string, callback: URL, verifier: string): Promise<Record<string, unknown>> {
  expect(callback.origin + callback.pathname).toBe(REDIRECT);
  const res = await fetch(`${t.url}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:${SECRET}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: REDIRECT, code_verifier: verifier }),
  });
  expect(res.status).toBe(200);
  const { id_token } = (await res.json()) as { id_token: string };
  return JSON.parse(Buffer.from(id_token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Asks for a code for `email` from the login page; returns the code page's URL. */
async function askForCode(c: Client, interaction: string, email: string): Promise<URL> {
  const login = await readPage(c, interaction);
  expect(login.html).toContain(`formaction="${interaction}/email-code"`);
  const res = await c.request(`${interaction}/email-code`, { form: { _csrf: login.csrf, email } });
  expect(res.status).toBe(303);
  const to = locationOf(res, t.url);
  expect(to.pathname).toBe(`${interaction}/email-code`);
  return to;
}

describe('a sign-in code by e-mail', () => {
  it('signs in without a password, with its own acr and amr, and verifies an unverified address', async () => {
    const email = unique('code');
    const user = await t.services.users.create({ email, password: PASSWORD, emailVerified: false });
    const c = fromNewNetwork();
    const { path, verifier } = await authorize(c, 'shop');
    const after = Date.now();
    const codePage = await askForCode(c, path, email);
    const mail = await t.smtp.waitFor(email, { after });
    expect(mail.subject).toContain('sign-in code');
    const code = codeFrom(mail);
    // The mail's link fills the code in, in this browser's sign-in.
    expect(mail.text).toContain(`${t.url}${path}/email-code?ref=${codePage.searchParams.get('ref')}&code=${code}`);

    const form = await readPage(c, codePage.pathname + codePage.search);
    expect(form.html).toContain('c•••');
    const ref = codePage.searchParams.get('ref')!;
    const wrong = await c.request(`${path}/email-code/verify`, { form: { _csrf: form.csrf, ref, code: code === '000000' ? '111111' : '000000' } });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('That code is not correct');

    const ok = await c.request(`${path}/email-code/verify`, { form: { _csrf: form.csrf, ref, code } });
    const claims = await idToken('shop', await follow(c, ok), verifier);
    expect(claims).toMatchObject({ sub: user.id, acr: ACR.emailCode, amr: ['email'] });
    expect((await t.services.users.findById(user.id))?.email_verified).toBe(true);
    const events = await t.services.audit.list({ accountId: user.id });
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['login.code_requested', 'login.failure', 'login.success']));
    expect(events.find((e) => e.type === 'login.success')?.details).toEqual({ method: 'email_code' });

    // The code is spent.
    const again = await c.request(`${path}/email-code/verify`, { form: { _csrf: form.csrf, ref, code } });
    expect(again.status).not.toBe(200);
  });

  it('answers an unknown address like a known one, and mails it a sign-up offer instead of a code', async () => {
    const known = unique('known');
    await t.services.users.create({ email: known, password: PASSWORD, emailVerified: true });
    const unknown = unique('nobody');
    const pages: { status: number; html: string }[] = [];
    for (const email of [known, unknown]) {
      const c = fromNewNetwork();
      const { path } = await authorize(c, 'shop');
      const to = await askForCode(c, path, email);
      const shown = await readPage(c, to.pathname + to.search);
      pages.push({
        status: shown.status,
        html: shown.html
          .replaceAll(path, 'PATH')
          .replaceAll(encodeURIComponent(email), 'ADDRESS')
          .replace(/[kn]•••@example\.com/g, 'MASKED')
          .replace(/name="(_csrf|ref)" value="[^"]*"/g, ''),
      });
    }
    expect(pages[1]!.status).toBe(pages[0]!.status);
    // The same page but for the address itself.
    expect(pages[1]!.html).toBe(pages[0]!.html);
    const mail = await t.smtp.waitFor(unknown, {});
    expect(mail.subject).toContain('Sign-in request');
    expect(mail.text).toContain('no account');
    expect(mail.text).toContain('/signup');
    expect(mail.text).not.toMatch(/\b\d{6}\b/);
  });

  it('is not offered where the app turned it off, and its pages are refused there', async () => {
    const c = fromNewNetwork();
    const { path } = await authorize(c, 'no-codes');
    const login = await readPage(c, path);
    expect(login.html).not.toContain('/email-code');
    const res = await c.request(`${path}/email-code`, { form: { _csrf: login.csrf, email: unique('off') } });
    expect(res.status).toBe(303);
    expect(locationOf(res, t.url).pathname).toBe(path);
  });

  it('keeps the address and says what is wrong with it', async () => {
    const c = fromNewNetwork();
    const { path } = await authorize(c, 'shop');
    const login = await readPage(c, path);
    const res = await c.request(`${path}/email-code`, { form: { _csrf: login.csrf, email: 'not-an-address' } });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('value="not-an-address"');
    expect(html).toContain('name@example.com');
  });

  it('asks a second factor other than the mailbox when the app requires MFA', async () => {
    const email = unique('bank');
    const user = await t.services.users.create({ email, password: PASSWORD, emailVerified: true });
    const enrollment = await t.services.totp.begin({ accountId: user.id, email });
    expect((await t.services.totp.confirm(user.id, enrollment.token, await generate({ secret: enrollment.secret, epoch: Math.floor(Date.now() / 1000) - 30 }))).ok).toBe(true);
    const c = fromNewNetwork();
    const { path, verifier } = await authorize(c, 'bank');
    const after = Date.now();
    const to = await askForCode(c, path, email);
    const code = codeFrom(await t.smtp.waitFor(email, { after }));
    const form = await readPage(c, to.pathname + to.search);
    const ok = await c.request(`${path}/email-code/verify`, { form: { _csrf: form.csrf, ref: to.searchParams.get('ref')!, code } });
    const mfaUrl = locationOf(ok, t.url);
    expect(mfaUrl.pathname).toBe(`${path}/mfa`);
    const mfa = await readPage(c, mfaUrl.pathname);
    expect(mfa.html).toContain('Authenticator app');
    // The mailbox already proved the first factor: no e-mail code is offered as the second.
    expect(mfa.html).not.toContain('value="email"');
    const done = await c.request(`${path}/mfa/verify`, { form: { _csrf: mfa.csrf, method: 'totp', code: await generate({ secret: enrollment.secret, epoch: Math.floor(Date.now() / 1000) }) } });
    expect(await idToken('bank', await follow(c, done), verifier)).toMatchObject({ acr: ACR.mfa, amr: ['email', 'otp', 'mfa'] });
  });
});

describe('confirm it is you', () => {
  async function signedIn(email: string): Promise<Client> {
    const c = fromNewNetwork();
    const { path } = await authorize(c, 'shop');
    const form = await readPage(c, path);
    const res = await c.request(`${path}/login`, { form: { _csrf: form.csrf, email, password: PASSWORD } });
    await follow(c, res);
    return c;
  }

  it('asks a signed-in customer again with the address fixed, and offers another account', async () => {
    const email = unique('again');
    await t.services.users.create({ email, password: PASSWORD, emailVerified: true });
    const c = await signedIn(email);
    const { path, verifier } = await authorize(c, 'shop', { prompt: 'login' });
    const confirm = await readPage(c, path);
    expect(confirm.html).toContain('Confirm it’s you');
    expect(confirm.html).toMatch(new RegExp(`<input id="email" name="email" type="email" autocomplete="username" readonly value="${email.replace(/[.]/g, '\\.')}">`));
    expect(confirm.html).not.toContain('Create an account');
    expect(confirm.html).toContain(`href="${path}/login?switch=1"`);

    const other = await readPage(c, `${path}/login?switch=1`);
    expect(other.html).toContain('<h1>Sign in</h1>');
    expect(other.html).toContain('name="switch" value="1"');

    const ok = await c.request(`${path}/login`, { form: { _csrf: confirm.csrf, email, password: PASSWORD } });
    expect(await idToken('shop', await follow(c, ok), verifier)).toMatchObject({ acr: ACR.password, amr: ['pwd'] });
  });

  it('offers no password to an account that has none, and a mailed code instead', async () => {
    const email = unique('nopass');
    const user = await t.services.users.createFromFederation({ email });
    // Signed in through the code, then asked again.
    const c = fromNewNetwork();
    const first = await authorize(c, 'shop');
    const after = Date.now();
    const to = await askForCode(c, first.path, email);
    const code = codeFrom(await t.smtp.waitFor(email, { after }));
    const form = await readPage(c, to.pathname + to.search);
    await follow(c, await c.request(`${first.path}/email-code/verify`, { form: { _csrf: form.csrf, ref: to.searchParams.get('ref')!, code } }));

    const { path } = await authorize(c, 'shop', { prompt: 'login' });
    const confirm = await readPage(c, path);
    expect(confirm.html).toContain('Confirm it’s you');
    expect(confirm.html).not.toContain('name="password"');
    expect(confirm.html).toMatch(/class="primary" formaction="[^"]+\/email-code"/);
    expect(user.noPassword).toBe(true);
  });
});
