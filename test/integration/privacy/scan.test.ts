// The erasure scan: a customer who uses every feature — sign-up with the terms and communication preferences, a
// consent with a withheld claim, app metadata, an authenticator app, an SMS phone, e-mail codes, a passkey, recovery
// codes, two browser sessions, access and refresh tokens, failed logins, a password reset and an e-mail change left
// pending, a sign-in left half-way — is erased from the account center. Then every collection the database has
// (listed from the server, so collections added later are scanned too) is searched for the customer's id, e-mail,
// phone and name, and for the unkeyed hashes of id and e-mail: nothing may remain but pseudonymised audit rows,
// which contain none of them either. A second customer's data stays untouched.
import { createHash } from 'node:crypto';
import { generate } from 'otplib';
import { findForm, forms, textOf, type Page } from '../../support/http.ts';
import { codeFrom } from '../../support/smtp.ts';
import { SoftPasskey } from '../../support/soft-passkey.ts';
import { startTwilioRecorder, type TwilioRecorder } from '../../support/twilio.ts';
import { connectShop, open, post, signIn, startAccountApp, submitLogin, type AccountApp } from '../account/helpers.ts';

const TOPICS = [
  { id: 'newsletter', title: { en: 'Newsletter' }, channels: ['email', 'post'], signup: true },
  { id: 'offers', title: { en: 'Offers' }, channels: ['sms'] },
];

const CUSTOMER = {
  email: 'zebulon.quixwright@scan.example',
  password: 'plum orchard under winter stars',
  given_name: 'Zebulon',
  family_name: 'Quixwright',
  nickname: 'Quixo',
  phone: '+4915123456789',
};

let app: AccountApp;
let twilio: TwilioRecorder;

beforeAll(async () => {
  twilio = await startTwilioRecorder();
  app = await startAccountApp({
    TERMS_URL: 'https://example.com/terms',
    PRIVACY_URL: 'https://example.com/privacy',
    COMMUNICATION_TOPICS: JSON.stringify(TOPICS),
    SIGNUP_ENABLED: 'true',
    TWILIO_ACCOUNT_SID: twilio.accountSid,
    TWILIO_AUTH_TOKEN: twilio.authToken,
    TWILIO_FROM: '+15005550006',
    TWILIO_API_URL: twilio.url,
  });
});
afterAll(async () => {
  await app.close();
  await twilio.close();
});

/** Every checkbox of the form posting to `action`, ticked, with `values`: repeated names kept (URLSearchParams). */
function tickAll(page: Page, action: RegExp, values: Record<string, string>): URLSearchParams {
  const { form } = findForm(page, action);
  const data = new URLSearchParams({ ...form.fields, ...values });
  const start = page.body.search(new RegExp(`<form[^>]*action="[^"]*${action.source.replace(/\$$/, '')}"`));
  const end = page.body.indexOf('</form>', start);
  for (const m of page.body.slice(start, end).matchAll(/<input\b[^>]*type="checkbox"[^>]*>/g)) {
    const name = /name="([^"]+)"/.exec(m[0])?.[1];
    const value = /value="([^"]*)"/.exec(m[0])?.[1] ?? 'on';
    if (name && !data.getAll(name).includes(value)) data.append(name, value);
  }
  return data;
}

async function signUp(b: ReturnType<AccountApp['browser']>): Promise<string> {
  const { page: login } = await b.navigate(new URL('/account', app.url));
  const signupLink = /href="([^"]*\/signup)"/.exec(login.body)?.[1];
  if (!signupLink) throw new Error(`no sign-up link: ${textOf(login.body).slice(0, 300)}`);
  const { page: form } = await b.navigate(new URL(signupLink, app.url));
  const since = Date.now();
  const sent = await b.follow(await b.request(findForm(form, /\/signup$/).form.action, { method: 'POST', body: tickAll(form, /\/signup$/, { email: CUSTOMER.email, password: CUSTOMER.password }) }));
  const code = codeFrom(await app.smtp.waitFor(CUSTOMER.email, { after: since }));
  const { form: verify } = findForm(sent.page, /\/signup\/verify$/);
  let done = await b.submit(verify, { code });
  const consent = forms(done.page).find((f) => /\/confirm$/.test(f.action.pathname));
  if (consent) done = await b.submit(consent);
  expect(done.page.url.pathname).toBe('/account');
  const user = await app.services.users.findByEmail(CUSTOMER.email);
  if (!user) throw new Error('sign-up did not create the account');
  return user.id;
}

const webauthnOptions = (page: Page) => JSON.parse(/<script type="application\/json" id="webauthn-register-options">([\s\S]*?)<\/script>/.exec(page.body)![1]!) as { challenge: string };

async function useEverything(): Promise<string> {
  const b = app.browser();
  const id = await signUp(b);
  const s = app.services;

  // Profile with name and phone, an address, a pending e-mail change.
  await s.profile.update(id, { given_name: CUSTOMER.given_name, family_name: CUSTOMER.family_name, nickname: CUSTOMER.nickname, phone_number: CUSTOMER.phone }, {});
  await s.codes.issue({ purpose: 'email-change', subject: id, payload: { newEmail: `new-${CUSTOMER.email}` } });

  // Second factors: authenticator app, SMS phone, e-mail codes, a passkey, recovery codes.
  const totp = await s.totp.begin({ accountId: id, email: CUSTOMER.email });
  expect((await s.totp.confirm(id, totp.token, await generate({ secret: totp.secret }), `${CUSTOMER.given_name}'s phone`)).ok).toBe(true);
  const since = Date.now();
  const sms = await s.factors.startSms(id, CUSTOMER.phone, 'en');
  if (!sms.ok) throw new Error(`sms: ${sms.reason}`);
  const smsCode = /\b(\d{6})\b/.exec((await twilio.waitFor(CUSTOMER.phone, { after: since })).body)![1]!;
  expect((await s.factors.confirm(id, sms.codeId, smsCode)).ok).toBe(true);
  const mailed = await s.factors.startEmail(id, CUSTOMER.email, 'en');
  const mailCode = codeFrom(await app.smtp.waitFor(CUSTOMER.email, { after: since, subject: /code/i }));
  expect((await s.factors.confirm(id, mailed.codeId, mailCode)).ok).toBe(true);
  await s.factors.sendChallenge(id, 'account-email', 'en', CUSTOMER.email);
  const passkeyPage = await open(app, b, '/account/security/passkeys/new');
  const key = new SoftPasskey(id, app.url);
  const added = await post(b, passkeyPage, /\/account\/security\/passkeys$/, { response: JSON.stringify(key.create({ challenge: webauthnOptions(passkeyPage).challenge })), name: `${CUSTOMER.nickname} laptop` });
  expect(added.status).toBe(303);
  await s.recoveryCodes.generate(id);

  // Apps: tokens (access + refresh), per-app metadata, a consent record with a withheld claim, preferences changed.
  await connectShop(app, b, 'openid profile email phone offline_access');
  await s.appMetadata.set(id, 'shop', { displayName: `${CUSTOMER.given_name} ${CUSTOMER.family_name}`, phone: CUSTOMER.phone });
  await s.consents.record({
    accountId: id,
    clientId: 'shop',
    action: 'changed',
    source: 'account_center',
    granted: { scopes: ['openid', 'phone'], claims: ['phone_number'], resources: {} },
    withheld: { scopes: ['email'], claims: ['email'] },
    ip: '192.0.2.7',
    userAgent: 'scan-test',
  });
  await s.preferences.set(id, [{ topic: 'offers', channel: 'sms', optIn: true }], { source: 'account_center' });

  // A second browser session, failed logins, a password reset asked for, a sign-in left at the login page.
  const other = app.browser();
  const { page: login } = await other.navigate(new URL('/account', app.url));
  const failed = await other.submit(findForm(login, /\/login$/).form, { email: CUSTOMER.email, password: 'not my password' });
  expect(failed.page.status).toBe(400);
  await submitLogin(other, failed.page, CUSTOMER.email, CUSTOMER.password);
  // A sign-in left at the login page, started by an app that passed the address as login_hint.
  const params = { client_id: 'shop', response_type: 'code', scope: 'openid', redirect_uri: 'https://shop.example/cb', login_hint: CUSTOMER.email, code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' };
  const { page: half } = await app.browser().navigate(new URL(`/auth?${new URLSearchParams(params)}`, app.url));
  expect(half.body).toContain(CUSTOMER.email);
  // The same with a request too large for the browser's interaction cookie (a long state): kept as a row, which
  // names the customer through login_hint (a pending interaction otherwise lives sealed in the browser, not here).
  const { page: large } = await app.browser().navigate(new URL(`/auth?${new URLSearchParams({ ...params, state: 's'.repeat(4000) })}`, app.url));
  expect(large.body).toContain(CUSTOMER.email);
  // A password reset asked for (a code mailed, counted per address).
  const b3 = app.browser();
  const { page: fresh } = await b3.navigate(new URL('/account', app.url));
  const forgot = (await b3.navigate(new URL(/href="([^"]*\/forgot)/.exec(fresh.body)![1]!, app.url))).page;
  await b3.submit(findForm(forgot, /\/forgot$/).form, { email: CUSTOMER.email });

  // Everything above really is stored.
  expect((await s.factors.list(id)).map((f) => f.type).sort()).toEqual(['email', 'passkey', 'recovery', 'sms', 'totp']);
  expect(await s.sessions.listForAccount(id)).toHaveLength(2);
  expect(await s.legal.history(id)).not.toHaveLength(0);
  return id;
}

interface Hit {
  collection: string;
  needle: string;
  doc: string;
}

async function scan(needles: string[]): Promise<{ hits: Hit[]; collections: string[] }> {
  const db = app.services.db.connection.db!;
  const collections = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).filter((n) => !n.startsWith('system.'));
  const hits: Hit[] = [];
  for (const name of collections) {
    for await (const doc of db.collection(name).find({})) {
      const text = JSON.stringify(doc).toLowerCase();
      for (const needle of needles) if (text.includes(needle.toLowerCase())) hits.push({ collection: name, needle, doc: JSON.stringify(doc).slice(0, 300) });
    }
  }
  return { hits, collections };
}

const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

describe('erasure leaves nothing behind', () => {
  it('removes a customer who used every feature from every collection; audit rows remain only under a pseudonym', async () => {
    const bystander = await app.createUser('bystander@scan.example', { given_name: 'Bea' });
    const bb = app.browser();
    await signIn(app, bb, bystander.email);

    const id = await useEverything();
    const needles = [id, CUSTOMER.email, CUSTOMER.phone, CUSTOMER.phone.slice(1), CUSTOMER.given_name, CUSTOMER.family_name, CUSTOMER.nickname, sha256(id), sha256(CUSTOMER.email)];
    const before = await scan(needles);
    // The scan finds the customer everywhere before the erasure (so it would find a leftover after it).
    const where = new Set(before.hits.map((h) => h.collection));
    for (const collection of ['users', 'audit_events', 'oidc_session', 'oidc_grant', 'oidc_refreshtoken', 'session_meta', 'mfa_factors', 'passkeys', 'recovery_codes', 'app_metadata', 'rate_limits', 'risk_signals', 'user_emails', 'mfa_code_sends', 'oidc_interaction', 'consent_records', 'legal_acceptances', 'preference_changes']) {
      expect([collection, where.has(collection)]).toEqual([collection, true]);
    }

    const b = app.browser();
    await signIn(app, b, CUSTOMER.email, '/account/delete', CUSTOMER.password);
    const res = await post(b, await open(app, b, '/account/delete'), /\/account\/delete$/, { confirm: 'DELETE' });
    expect(res.location?.pathname).toBe('/account/deleted');

    const after = await scan(needles);
    expect(after.hits).toEqual([]);
    expect(after.collections).toEqual(expect.arrayContaining(before.collections.filter((c) => !c.startsWith('oidc_'))));

    // What remains of the customer: audit rows under the pseudonym, without address or browser.
    const alias = app.services.erasure.pseudonym(id);
    const rows = await app.services.audit.forAccount(alias);
    expect(rows.length).toBeGreaterThan(10);
    for (const row of rows) {
      expect(row).not.toHaveProperty('ip');
      expect(row).not.toHaveProperty('userAgent');
    }
    expect(rows.map((r) => r.type)).toEqual(expect.arrayContaining(['user.created', 'login.failure', 'factor.added', 'account.deleted']));

    // The other customer keeps everything.
    expect(await app.user(bystander.id)).not.toBeNull();
    expect(await app.services.sessions.listForAccount(bystander.id)).toHaveLength(1);
    expect((await app.services.audit.forAccount(bystander.id)).length).toBeGreaterThan(0);
  });
});
