// Communication choices at sign-up through the real application: topics marked for sign-up are offered unticked,
// ticked ones are stored with source 'signup' (and the app) once the mailed code creates the account, an invalid
// choice is refused with the form kept, and without such topics the page asks nothing.
import { startTestApp, type TestApp } from '../../support/app.ts';
import { codeFrom } from '../../support/smtp.ts';
import { browser, locationOf, pkce, readPage, type Client } from '../interaction/harness.ts';

const REDIRECT = 'https://shop.example/cb';
const PASSWORD = 'maple syrup on tuesday mornings';
const TOPICS = [
  { id: 'newsletter', title: { en: 'Newsletter' }, description: { en: 'Once a month' }, channels: ['email', 'post'], signup: true },
  { id: 'offers', title: { en: 'Offers' }, channels: ['sms'], signup: false },
];

let t: TestApp;
let bare: TestApp;
let counter = 0;
const unique = (name: string) => `${name}-${Date.now().toString(36)}-${counter++}@example.com`;

beforeAll(async () => {
  [t, bare] = await Promise.all([startTestApp({ COMMUNICATION_TOPICS: JSON.stringify(TOPICS), MFA_POLICY: 'off' }), startTestApp({ MFA_POLICY: 'off' })]);
  for (const app of [t, bare]) {
    await app.services.clients.create({ clientId: 'shop', redirectUris: [REDIRECT], grantTypes: ['authorization_code'], scope: 'openid email', clientSecret: 's'.repeat(40) });
  }
});
afterAll(() => Promise.all([t.close(), bare.close()]));

async function signupPage(app: TestApp, c: Client): Promise<string> {
  const { challenge } = pkce();
  const query = new URLSearchParams({ client_id: 'shop', response_type: 'code', scope: 'openid email', redirect_uri: REDIRECT, code_challenge: challenge, code_challenge_method: 'S256', prompt: 'create' });
  const res = await c.request(`/auth?${query}`);
  expect(res.status).toBe(303);
  return locationOf(res, app.url).pathname;
}

const checkboxes = (html: string) => [...html.matchAll(/<input type="checkbox"[^>]*name="optin"[^>]*>/g)].map((m) => m[0]);

describe('communication choices at sign-up', () => {
  it('offers the sign-up topics unticked and stores what was ticked with source signup once the account exists', async () => {
    const c = browser(t.url, undefined, { 'user-agent': 'SignupTest/1.0' });
    const interaction = await signupPage(t, c);
    const form = await readPage(c, interaction);
    expect(form.html).toMatch(/<legend>Keep me informed \(optional\)<\/legend>/);
    expect(form.html).toMatch(/<legend>Newsletter<\/legend>/);
    expect(form.html).not.toMatch(/Offers/);
    const boxes = checkboxes(form.html);
    expect(boxes).toHaveLength(2);
    expect(boxes.every((b) => !/ checked\b/.test(b))).toBe(true);
    expect(form.html).toContain('<label for="pref-newsletter-email">E-mail</label>');

    const email = unique('prefs');
    const after = Date.now();
    const res = await c.request(`${interaction}/signup`, { form: `_csrf=${form.csrf}&email=${encodeURIComponent(email)}&password=${encodeURIComponent(PASSWORD)}&optin=newsletter:post` });
    expect(res.status).toBe(303);
    const verifyPath = locationOf(res, t.url);
    const code = codeFrom(await t.smtp.waitFor(email, { after }));
    const verify = await readPage(c, verifyPath.pathname + verifyPath.search);
    const ok = await c.request(`${interaction}/signup/verify`, { form: { _csrf: verify.csrf, ref: verifyPath.searchParams.get('ref')!, code } });
    expect(ok.status).toBe(303);

    const user = await t.services.users.findByEmail(email);
    expect(await t.services.preferences.current(user!.id)).toEqual({ newsletter: { email: false, post: true }, offers: { sms: false } });
    expect(await t.services.preferences.history(user!.id)).toEqual([
      { topic: 'newsletter', channel: 'post', optIn: true, at: expect.any(Date), source: 'signup', clientId: 'shop' },
    ]);
    const [event] = await t.services.audit.list({ type: 'preferences.changed', accountId: user!.id });
    expect(event).toMatchObject({ reason: 'signup', clientId: 'shop', userAgent: 'SignupTest/1.0' });
  });

  it('stores nothing when nothing is ticked', async () => {
    const c = browser(t.url);
    const interaction = await signupPage(t, c);
    const form = await readPage(c, interaction);
    const email = unique('none');
    const after = Date.now();
    const res = await c.request(`${interaction}/signup`, { form: { _csrf: form.csrf, email, password: PASSWORD } });
    const verifyPath = locationOf(res, t.url);
    const code = codeFrom(await t.smtp.waitFor(email, { after }));
    const verify = await readPage(c, verifyPath.pathname + verifyPath.search);
    await c.request(`${interaction}/signup/verify`, { form: { _csrf: verify.csrf, ref: verifyPath.searchParams.get('ref')!, code } });
    const user = await t.services.users.findByEmail(email);
    expect(user).not.toBeNull();
    expect(await t.services.preferences.history(user!.id)).toEqual([]);
  });

  it('refuses a choice that is not offered at sign-up (400, form kept, no mail) and keeps ticks when another field is wrong', async () => {
    const c = browser(t.url);
    const interaction = await signupPage(t, c);
    const form = await readPage(c, interaction);
    const email = unique('bad');
    for (const optin of ['offers:sms', 'newsletter:fax', 'lottery:email']) {
      const res = await c.request(`${interaction}/signup`, { form: `_csrf=${form.csrf}&email=${encodeURIComponent(email)}&password=${encodeURIComponent(PASSWORD)}&optin=newsletter:email&optin=${optin}` });
      expect(res.status).toBe(400);
      const html = await res.text();
      expect(html).toContain('One of your choices is not offered');
      expect(html).toContain(`value="${email}"`);
    }
    const weak = await c.request(`${interaction}/signup`, { form: `_csrf=${form.csrf}&email=${encodeURIComponent(email)}&password=short&optin=newsletter:email` });
    expect(weak.status).toBe(400);
    const kept = checkboxes(await weak.text());
    expect(kept.filter((b) => / checked\b/.test(b))).toEqual([expect.stringContaining('value="newsletter:email"')]);
    expect(await t.services.users.findByEmail(email)).toBeNull();
    expect(t.smtp.messages.filter((m) => m.to.includes(email))).toEqual([]);
  });

  it('asks nothing when no topic is offered at sign-up', async () => {
    const c = browser(bare.url);
    const interaction = await signupPage(bare, c);
    const form = await readPage(c, interaction);
    expect(form.html).not.toMatch(/Keep me informed/);
    expect(checkboxes(form.html)).toEqual([]);
  });
});
