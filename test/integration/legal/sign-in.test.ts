// Legal documents through the real application: sign-up records acceptance with its evidence, a new version asks
// at the next sign-in (with what changed) before the app gets its code, declining ends the sign-in with a page and
// access_denied at the app, a partner's own terms are asked for that partner only, the account center shows the
// full history, and documents given as text have public pages.
import { randomBytes } from 'node:crypto';
import { codeFrom } from '../../support/smtp.ts';
import { findForm, forms, textOf, type Page } from '../../support/http.ts';
import type { Browser } from '../../support/http.ts';
import { PASSWORD, startAccountApp, type AccountApp } from '../account/helpers.ts';

const UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0 legal-test';
const WEB = { id: 'web', name: 'Web Shop', redirectUri: 'https://web.example/cb', secret: 'w'.repeat(40) };
const PARTNER = { id: 'partner-app', name: 'Partner Portal', redirectUri: 'https://partner.example/cb', secret: 'p'.repeat(40) };

const DOCUMENTS = [
  { id: 'terms', version: '2023-01', effective: '2023-01-01T00:00:00Z', text: { en: 'The old terms.' } },
  {
    id: 'terms',
    version: '2024-06',
    effective: '2024-06-01T00:00:00Z',
    text: { en: '# Our terms\n\nBe kind.\nPay on time.\n\n<script>alert(1)</script>', de: '# Unsere Bedingungen\n\nSeien Sie freundlich.' },
    changes: { en: 'Refunds are now explained in section 4.', de: 'Erstattungen sind jetzt in Abschnitt 4 erklärt.' },
  },
  { id: 'terms', version: '2099-01', effective: '2099-01-01T00:00:00Z', text: { en: 'Terms of the future.' } },
  { id: 'privacy', version: '2020', effective: '2020-01-01T00:00:00Z', url: { en: 'https://example.com/privacy' } },
  { id: 'partner-terms', version: '1', effective: '2021-01-01T00:00:00Z', title: { en: 'Partner terms' }, text: { en: 'For the partner only.' }, clients: [PARTNER.id] },
];
const CURRENT = [
  { id: 'terms', version: '2024-06' },
  { id: 'privacy', version: '2020' },
];

let app: AccountApp;
let counter = 0;
const unique = (name: string) => `${name}-${Date.now().toString(36)}-${counter++}@example.com`;

beforeAll(async () => {
  app = await startAccountApp({ LEGAL_DOCUMENTS: JSON.stringify(DOCUMENTS), PRODUCT_NAME: 'Acme ID' });
  for (const c of [WEB, PARTNER]) {
    // First-party: no consent page, so the legal step is the last thing between the sign-in and the code.
    await app.services.clients.create({
      clientId: c.id,
      clientName: c.name,
      redirectUris: [c.redirectUri],
      grantTypes: ['authorization_code'],
      clientSecret: c.secret,
      scope: 'openid email',
      firstParty: true,
    });
  }
});

afterAll(async () => {
  await app.close();
});

function authUrl(client: typeof WEB, extra: Record<string, string> = {}): URL {
  const params = new URLSearchParams({
    client_id: client.id,
    response_type: 'code',
    scope: 'openid email',
    redirect_uri: client.redirectUri,
    state: `st-${randomBytes(4).toString('hex')}`,
    ...extra,
  });
  return new URL(`/auth?${params}`, app.url);
}

async function login(b: Browser, page: Page, email: string): Promise<{ page: Page; redirect?: URL }> {
  const { form, button } = findForm(page, /\/login$/);
  return b.submit(form, { email, password: PASSWORD }, { button });
}

/** A customer who accepted `docs` earlier (as at sign-up through the web shop). */
async function customer(docs: { id: string; version: string }[], at = new Date('2023-02-01T12:00:00Z')) {
  const user = await app.createUser(unique('legal'));
  if (docs.length) await app.services.legal.accept(user.id, docs, { source: 'signup', clientId: WEB.id, at });
  return user;
}

async function exchange(client: typeof WEB, code: string): Promise<Record<string, unknown>> {
  const res = await fetch(new URL('/token', app.url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: client.redirectUri }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

const rows = async (accountId: string) =>
  (await app.services.legal.history(accountId)).map((a) => `${a.documentId}@${a.version}:${a.source}:${a.clientId ?? '-'}`).sort();

describe('sign-up', () => {
  it('requires ticking the documents in force for the app and records them with time, address, browser and app', async () => {
    const b = app.browser(UA);
    const email = unique('signup');
    const { page } = await b.navigate(authUrl(WEB, { prompt: 'create' }));
    expect(page.status).toBe(200);
    expect(page.body).toContain('href="/legal/terms/2024-06"');
    expect(page.body).toContain('href="https://example.com/privacy"');
    // Neither the announced version nor another app's terms.
    expect(page.body).not.toContain('2099-01');
    expect(page.body).not.toContain('Partner terms');
    expect(page.body).toMatch(/<input id="accept_legal" name="accept_legal" type="checkbox" value="yes" required>/);
    const { form, button } = findForm(page, /\/signup$/);
    const before = Date.now();

    const unticked = await b.submit(form, { email, password: PASSWORD }, { button });
    expect(unticked.page.status).toBe(400);
    expect(textOf(unticked.page.body)).toContain('tick the box to accept the documents');
    expect(unticked.page.body).toMatch(/name="accept_legal"[^>]*aria-invalid="true"/);
    expect(forms(unticked.page).find((f) => /\/signup$/.test(f.action.pathname))?.fields.email).toBe(email);

    const stale = await b.submit(form, { email, password: PASSWORD, accept_legal: 'yes', legal_shown: 'not-what-was-shown' }, { button });
    expect(stale.page.status).toBe(400);
    expect(textOf(stale.page.body)).toContain('The documents were updated while you were on this page');

    const noCsrf = await b.request(form.action, { method: 'POST', body: new URLSearchParams({ email, password: PASSWORD, accept_legal: 'yes', legal_shown: form.fields.legal_shown! }) });
    expect(noCsrf.status).toBe(403);
    // Nothing went out for the refused forms.
    await app.services.mailer.drain();
    expect(app.smtp.messages.filter((m) => m.to.includes(email))).toHaveLength(0);

    const sent = await b.submit(form, { email, password: PASSWORD, accept_legal: 'yes' }, { button });
    expect(sent.page.status).toBe(200);
    const code = codeFrom(await app.smtp.waitFor(email, { after: before }));
    // Not an account (nor an acceptance) until the address is confirmed.
    expect(await app.services.users.findByEmail(email)).toBeNull();
    const verify = findForm(sent.page, /\/signup\/verify$/);
    const done = await b.submit(verify.form, { code }, { button: verify.button });
    // Accepted at sign-up: the app gets its code without a further step.
    expect(done.redirect?.origin + done.redirect!.pathname).toBe(WEB.redirectUri);
    expect(done.redirect?.searchParams.get('code')).toBeTruthy();

    const user = await app.services.users.findByEmail(email);
    const history = await app.services.legal.history(user!.id);
    expect(history.map((a) => `${a.documentId}@${a.version}`).sort()).toEqual(['privacy@2020', 'terms@2024-06']);
    for (const a of history) {
      expect(a).toMatchObject({ source: 'signup', clientId: WEB.id, userAgent: UA });
      expect(a.ip).toMatch(/127\.0\.0\.1$/);
      expect(a.acceptedAt.getTime()).toBeGreaterThanOrEqual(before);
      expect(a.acceptedAt.getTime()).toBeLessThanOrEqual(Date.now());
    }
    const [event] = await app.audit('legal.accepted', user!.id);
    expect(event).toMatchObject({ outcome: 'success', clientId: WEB.id, reason: 'signup', details: { documents: expect.arrayContaining(CURRENT) } });
  });
});

describe('a new version', () => {
  it('is asked for at the next sign-in, with what changed, and accepting it returns to the app with a code', async () => {
    const user = await customer([{ id: 'terms', version: '2023-01' }, { id: 'privacy', version: '2020' }]);
    const b = app.browser(UA);
    const start = await b.navigate(authUrl(WEB));
    const step = await login(b, start.page, user.email);
    expect(step.redirect).toBeUndefined();
    const page = step.page;
    expect(page.status).toBe(200);
    const text = textOf(page.body);
    expect(text).toContain('Please review and accept');
    expect(text).toContain('Before you continue to Web Shop');
    expect(text).toContain('Version 2024-06, in effect since June 1, 2024');
    expect(text).toContain('You accepted version 2023-01 on February 1, 2023.');
    expect(text).toContain('What changed Refunds are now explained in section 4.');
    expect(page.body).toContain('href="/legal/terms/2024-06"');
    // Only what is missing: the privacy policy in force is accepted already.
    expect(page.body).not.toContain('example.com/privacy');
    // No script from the document's text (forms.js, on every page, comes from /assets/).
    expect(page.body).not.toMatch(/<script(?![^>]*(type="application\/json"|src="\/assets\/))/);
    const { form } = findForm(page, /\/legal$/);

    const noCsrf = await b.request(form.action, { method: 'POST', body: new URLSearchParams({ legal_shown: form.fields.legal_shown! }) });
    expect(noCsrf.status).toBe(403);
    const stale = await b.request(form.action, { method: 'POST', body: new URLSearchParams({ ...form.fields, legal_shown: 'stale' }) });
    expect(stale.status).toBe(400);
    expect(textOf(stale.body)).toContain('The documents were updated while you were on this page');
    const missing = await b.request(form.action, { method: 'POST', body: new URLSearchParams({ _csrf: form.fields._csrf! }) });
    expect(missing.status).toBe(400);
    expect(await rows(user.id)).toEqual(['privacy@2020:signup:web', 'terms@2023-01:signup:web']);
    expect(await app.audit('legal.accepted', user.id)).toHaveLength(1);

    const accepted = await b.submit(form);
    expect(accepted.redirect?.origin + accepted.redirect!.pathname).toBe(WEB.redirectUri);
    const code = accepted.redirect!.searchParams.get('code');
    expect(code).toBeTruthy();
    expect(await exchange(WEB, code!)).toHaveProperty('id_token');
    expect(await rows(user.id)).toEqual(['privacy@2020:signup:web', 'terms@2023-01:signup:web', 'terms@2024-06:login:web']);
    const [event] = await app.audit('legal.accepted', user.id);
    expect(event).toMatchObject({ clientId: WEB.id, reason: 'login', details: { documents: [{ id: 'terms', version: '2024-06' }] } });

    // Asked once: the next authorization goes straight through.
    const again = await b.navigate(authUrl(WEB));
    expect(again.redirect?.searchParams.get('code')).toBeTruthy();
  });

  it('makes prompt=none fail with interaction_required while not accepted', async () => {
    const user = await customer([{ id: 'terms', version: '2023-01' }, { id: 'privacy', version: '2020' }]);
    const b = app.browser();
    const step = await login(b, (await b.navigate(authUrl(WEB))).page, user.email);
    expect(findForm(step.page, /\/legal$/)).toBeTruthy();
    const silent = await b.navigate(authUrl(WEB, { prompt: 'none' }));
    expect(silent.redirect?.searchParams.get('error')).toBe('interaction_required');
  });
});

describe('declining', () => {
  it('ends the sign-in on a page that says so; its link delivers access_denied to the app; the refusal is audited', async () => {
    const user = await customer([{ id: 'terms', version: '2023-01' }, { id: 'privacy', version: '2020' }]);
    const b = app.browser(UA);
    const url = authUrl(WEB);
    const step = await login(b, (await b.navigate(url)).page, user.email);
    const { form, button } = findForm(step.page, /\/legal\/decline$/);
    const declined = await b.submit(form, {}, { button });
    expect(declined.redirect).toBeUndefined();
    expect(declined.page.status).toBe(200);
    const text = textOf(declined.page.body);
    expect(text).toContain('Sign-in ended');
    expect(text).toContain('You declined the documents below, so you have not been signed in to Web Shop');
    expect(text).toContain('Terms of service (2024-06)');
    const back = /<a class="button" href="([^"]+)">Return to Web Shop<\/a>/.exec(declined.page.body);
    expect(back).not.toBeNull();

    const result = await b.navigate(new URL(back![1]!.replace(/&amp;/g, '&'), app.url));
    expect(result.redirect?.origin + result.redirect!.pathname).toBe(WEB.redirectUri);
    expect(result.redirect?.searchParams.get('error')).toBe('access_denied');
    expect(result.redirect?.searchParams.get('state')).toBe(url.searchParams.get('state'));
    expect(result.redirect?.searchParams.get('code')).toBeNull();

    const [event] = await app.audit('legal.declined', user.id);
    expect(event).toMatchObject({ outcome: 'failure', clientId: WEB.id, details: { documents: [{ id: 'terms', version: '2024-06' }] } });
    expect(await rows(user.id)).toEqual(['privacy@2020:signup:web', 'terms@2023-01:signup:web']);
  });
});

describe('a document of one app', () => {
  it('is asked for at sign-ins to that app only', async () => {
    const user = await customer(CURRENT);
    const b = app.browser();
    const partner = await login(b, (await b.navigate(authUrl(PARTNER))).page, user.email);
    const text = textOf(partner.page.body);
    expect(text).toContain('Before you continue to Partner Portal');
    expect(text).toContain('Partner terms');
    expect(text).not.toContain('Terms of service');
    const accepted = await b.submit(findForm(partner.page, /\/legal$/).form);
    expect(accepted.redirect?.searchParams.get('code')).toBeTruthy();
    expect(await rows(user.id)).toEqual(['partner-terms@1:login:partner-app', 'privacy@2020:signup:web', 'terms@2024-06:signup:web']);

    // Another customer signing in to the web shop is never asked for the partner's terms.
    const other = await customer(CURRENT);
    const ob = app.browser();
    const web = await login(ob, (await ob.navigate(authUrl(WEB))).page, other.email);
    expect(web.redirect?.searchParams.get('code')).toBeTruthy();
  });
});

describe('account center', () => {
  it('asks for the new version when signing in there too, then lists the documents in force and every acceptance', async () => {
    const user = await customer([{ id: 'terms', version: '2023-01' }, { id: 'privacy', version: '2020' }], new Date('2023-03-01T09:30:00Z'));
    const b = app.browser();
    const start = await b.navigate(new URL('/account', app.url));
    const step = await login(b, start.page, user.email);
    // The account center goes by the product's name (PRODUCT_NAME).
    expect(textOf(step.page.body)).toContain('Before you continue to Acme ID');
    const signedIn = await b.submit(findForm(step.page, /\/legal$/).form);
    expect(signedIn.page.url.pathname).toBe('/account');
    expect(signedIn.page.body).toContain('href="/account/legal"');

    const { page } = await b.navigate(new URL('/account/legal', app.url));
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/<a href="\/account\/legal" aria-current="page">Terms and policies<\/a>/);
    const text = textOf(page.body);
    expect(text).toContain('Terms of service Version 2024-06, in effect since June 1, 2024 You accepted this version on');
    expect(text).toContain('Privacy policy Version 2020, in effect since January 1, 2020 You accepted this version on Mar 1, 2023');
    expect(text).toContain('Terms of service : Version 2099-01 takes effect on January 1, 2099.');
    const history = [...page.body.matchAll(/<tr>\s*<th scope="row">([\s\S]*?)<\/tr>/g)].map((m) => textOf(m[1]!));
    expect(history).toHaveLength(3);
    expect(history[0]).toMatch(/^Terms of service 2024-06 .+ Acme ID At sign-in$/);
    expect(history.slice(1).sort()).toEqual([
      expect.stringMatching(/^Privacy policy 2020 Mar 1, 2023, \d{1,2}:30 [AP]M Web Shop At sign-up$/),
      expect.stringMatching(/^Terms of service 2023-01 Mar 1, 2023, \d{1,2}:30 [AP]M Web Shop At sign-up$/),
    ]);
  });

  it('records what a new customer accepts at the account sign-in, and shows it in their language', async () => {
    const user = await customer([]);
    const b = app.browser();
    const step = await login(b, (await b.navigate(new URL('/account', app.url))).page, user.email);
    expect(textOf(step.page.body)).toContain('You have not accepted this document before.');
    await b.submit(findForm(step.page, /\/legal$/).form);
    expect(await rows(user.id)).toEqual(['privacy@2020:login:ciam-account', 'terms@2024-06:login:ciam-account']);

    const page = await b.request(new URL('/account/legal', app.url), { headers: { 'accept-language': 'de' } });
    expect(page.status).toBe(200);
    const text = textOf(page.body);
    expect(text).toContain('Bedingungen und Richtlinien');
    expect(text).toContain('Nutzungsbedingungen Version 2024-06, gültig seit 1. Juni 2024 Sie haben diese Version am');
    expect(text).toContain('Datenschutzerklärung');
    const history = [...page.body.matchAll(/<tr>\s*<th scope="row">([\s\S]*?)<\/tr>/g)].map((m) => textOf(m[1]!));
    expect(history.sort()).toEqual([
      expect.stringMatching(/^Datenschutzerklärung 2020 .+ Acme ID Bei der Anmeldung$/),
      expect.stringMatching(/^Nutzungsbedingungen 2024-06 .+ Acme ID Bei der Anmeldung$/),
    ]);
  });
});

describe('public pages', () => {
  it('serve a text document escaped, with what changed, in the reader language; a URL document redirects to it', async () => {
    const en = await fetch(new URL('/legal/terms/2024-06', app.url));
    expect(en.status).toBe(200);
    const html = await en.text();
    expect(html).toContain('<h2>Our terms</h2>');
    expect(html).toContain('<p>Be kind.<br>Pay on time.</p>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script');
    expect(html).toContain('id="changes"');
    expect(textOf(html)).toContain('What changed Refunds are now explained in section 4.');
    expect(en.headers.get('content-security-policy')).toContain("script-src 'self'");

    const de = await fetch(new URL('/legal/terms/2024-06', app.url), { headers: { 'accept-language': 'de-AT,de;q=0.9' } });
    const deHtml = await de.text();
    expect(deHtml).toContain('<html lang="de">');
    expect(deHtml).toContain('<title>Nutzungsbedingungen</title>');
    expect(deHtml).toContain('<div lang="de">');
    expect(textOf(deHtml)).toContain('Version 2024-06, gültig seit 1. Juni 2024');

    const current = await fetch(new URL('/legal/terms', app.url), { redirect: 'manual' });
    expect(current.status).toBe(303);
    expect(current.headers.get('location')).toBe('/legal/terms/2024-06');
    const old = textOf(await (await fetch(new URL('/legal/terms/2023-01', app.url))).text());
    expect(old).toContain('This version is no longer in force. Read the version in force (2024-06)');
    const future = textOf(await (await fetch(new URL('/legal/terms/2099-01', app.url))).text());
    expect(future).toContain('This version takes effect on January 1, 2099.');

    const privacy = await fetch(new URL('/legal/privacy/2020', app.url), { redirect: 'manual' });
    expect(privacy.status).toBe(302);
    expect(privacy.headers.get('location')).toBe('https://example.com/privacy');
    expect((await fetch(new URL('/legal/terms/1999', app.url))).status).toBe(404);
    expect((await fetch(new URL('/legal/nothing', app.url))).status).toBe(404);
  });
});

describe('without documents configured', () => {
  let bare: AccountApp;
  beforeAll(async () => {
    bare = await startAccountApp();
    // Registered with the app's own terms (tos_uri), which the operator CLI does not set: straight into the store.
    await new bare.services.adapter.Adapter('Client').upsert(WEB.id, {
      client_id: WEB.id,
      client_secret: WEB.secret,
      client_name: WEB.name,
      redirect_uris: [WEB.redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      scope: 'openid email',
      first_party: true,
      tos_uri: 'https://web.example/tos',
    });
  });
  afterAll(async () => {
    await bare.close();
  });

  it('changes nothing: no checkbox at sign-up (the app’s own terms linked), no step in the sign-in, no section, no pages', async () => {
    const b = bare.browser();
    const params = new URLSearchParams({ client_id: WEB.id, response_type: 'code', scope: 'openid', redirect_uri: WEB.redirectUri, state: 's' });
    const signup = await b.navigate(new URL(`/auth?${params}&prompt=create`, bare.url));
    expect(signup.page.body).not.toContain('accept_legal');
    expect(signup.page.body).toContain('href="https://web.example/tos"');

    const user = await bare.createUser(unique('bare'));
    const b2 = bare.browser();
    const signedIn = await login(b2, (await b2.navigate(new URL(`/auth?${params}`, bare.url))).page, user.email);
    expect(signedIn.redirect?.searchParams.get('code')).toBeTruthy();
    const account = await b2.navigate(new URL('/account', bare.url));
    expect(account.page.status).toBe(200);
    expect(account.page.body).not.toContain('href="/account/legal"');
    expect((await fetch(new URL('/legal/terms', bare.url))).status).toBe(404);
    expect(await bare.services.legal.history(user.id)).toEqual([]);
  });
});
