// An account made through another provider is offered the sign-up's communication choices (topics marked for
// sign-up, unticked) before the sign-in goes on; what is ticked is stored as a sign-up's choices are. Through the real
// redirects at a second oidc-provider (test/support/upstream.ts).
import { randomBytes } from 'node:crypto';
import { startTestApp, type TestApp } from '../../support/app.ts';
import { Browser, findForm, type Page } from '../../support/http.ts';
import { startUpstream, throughDevPages, type Upstream } from '../../support/upstream.ts';

const REDIRECT = 'https://app.example/cb';
const TOPICS = [
  { id: 'newsletter', title: { en: 'Newsletter' }, channels: ['email', 'post'], signup: true },
  { id: 'offers', title: { en: 'Offers' }, channels: ['sms'], signup: false },
];

let t: TestApp;
let upstream: Upstream;
let n = 0;
const unique = (name: string) => `${name}-${Date.now().toString(36)}-${n++}@example.com`;

beforeAll(async () => {
  t = await startTestApp({ COMMUNICATION_TOPICS: JSON.stringify(TOPICS), MFA_POLICY: 'off' });
  upstream = await startUpstream(`${t.url}/federation/callback`);
  await t.services.clients.create({ clientId: 'own-app', redirectUris: [REDIRECT], grantTypes: ['authorization_code'], clientSecret: 'o'.repeat(40), firstParty: true, scope: 'openid email' });
  await t.services.connections.create({ id: 'acme', name: 'Acme ID', issuer: upstream.issuer, clientId: upstream.clientId, clientSecret: upstream.clientSecret, trustEmail: true });
}, 60_000);

afterAll(async () => {
  await upstream.close();
  await t.close();
});

/** Straight to Acme ID (connection=acme), signed in there as `login`, back to the first page of ours that stays. */
async function viaAcme(b: Browser, login: string): Promise<{ page: Page; redirect?: URL }> {
  const url = new URL('/auth', t.url);
  url.search = new URLSearchParams({ client_id: 'own-app', response_type: 'code', scope: 'openid email', redirect_uri: REDIRECT, state: randomBytes(6).toString('hex'), code_challenge: randomBytes(32).toString('base64url'), code_challenge_method: 'S256', connection: 'acme' }).toString();
  return throughDevPages(b, await b.request(url), login, REDIRECT);
}

describe('a new account through another provider', () => {
  it('is offered the sign-up topics unticked, and what is ticked is stored with source signup before the sign-in goes on', async () => {
    const email = unique('welcome');
    upstream.accounts.set('up-welcome', { email, email_verified: true });
    const b = new Browser(t.url);
    const { page } = await viaAcme(b, 'up-welcome');
    expect(page.status).toBe(200);
    expect(page.body).toContain('Keep me informed (optional)');
    expect(page.body).toContain('Newsletter');
    expect(page.body).not.toContain('Offers');
    expect(page.body).not.toMatch(/<input type="checkbox"[^>]* checked/);

    const done = await b.submit(findForm(page, /\/federation\/welcome$/).form, { optin: 'newsletter:email' });
    expect(done.redirect?.searchParams.get('code')).toBeTruthy();
    const user = (await t.services.users.findByEmail(email))!;
    expect(await t.services.preferences.current(user.id)).toEqual({ newsletter: { email: true, post: false }, offers: { sms: false } });
    expect(await t.services.preferences.history(user.id)).toEqual([expect.objectContaining({ topic: 'newsletter', channel: 'email', optIn: true, source: 'signup', clientId: 'own-app' })]);

    // Signing in with it again: no page in between.
    const again = await viaAcme(new Browser(t.url), 'up-welcome');
    expect(again.redirect?.searchParams.get('code')).toBeTruthy();
  });

  it('refuses a choice that is not offered at sign-up, keeping the page, and stores nothing', async () => {
    const email = unique('forged');
    upstream.accounts.set('up-forged', { email, email_verified: true });
    const b = new Browser(t.url);
    const { page } = await viaAcme(b, 'up-forged');
    const refused = await b.submit(findForm(page, /\/federation\/welcome$/).form, { optin: 'offers:sms' });
    expect(refused.page.status).toBe(400);
    expect(refused.page.body).toContain('One of your choices is not offered');
    const user = (await t.services.users.findByEmail(email))!;
    expect(await t.services.preferences.history(user.id)).toEqual([]);
    // Nothing ticked goes on and stores nothing.
    const done = await b.submit(findForm(refused.page, /\/federation\/welcome$/).form, {}, { omit: ['optin'] });
    expect(done.redirect?.searchParams.get('code')).toBeTruthy();
    expect(await t.services.preferences.history(user.id)).toEqual([]);
  });
});
