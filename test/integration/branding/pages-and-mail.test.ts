// An app's brand on the hosted pages of its sign-in and in the mail that sign-in sends, through the real application:
// its name, logo (served by us: the CSP stays img-src 'self') and colours (a stylesheet of ours), and its support
// link. Another app's pages and mails, the provider's own pages for it and the account center show the operator's
// brand from the configuration.
import { startTestApp, type TestApp } from '../../support/app.ts';
import { PNG } from '../../support/logos.ts';
import { browser, locationOf, pkce, readPage, type Client } from '../interaction/harness.ts';

const REDIRECT = 'https://grocer.example/cb';
const PASSWORD = 'maple syrup on tuesday mornings';
const GROCER = { displayName: 'Green Grocer', primaryColor: '#0b5d3b', backgroundColor: '#fff8e7', supportUri: 'https://help.grocer.example/' };

let t: TestApp;
let logoPath: string;
let counter = 0;
const unique = (name: string) => `${name}-${Date.now().toString(36)}-${counter++}@example.com`;

beforeAll(async () => {
  t = await startTestApp({ PRODUCT_NAME: 'Acme ID', BRAND_SUPPORT_URL: 'https://help.acme.example/', MFA_POLICY: 'off' });
  const app = { redirectUris: [REDIRECT], postLogoutRedirectUris: ['https://grocer.example/bye'], grantTypes: ['authorization_code'], scope: 'openid email' };
  const grocer = await t.services.clients.create({
    ...app,
    clientId: 'grocer',
    clientSecret: 'g'.repeat(40),
    clientName: 'grocer-web',
    brand: { ...GROCER, logo: `data:image/png;base64,${PNG.toString('base64')}` },
  });
  logoPath = grocer.brand!.logo!;
  await t.services.clients.create({ ...app, clientId: 'plain', clientSecret: 'p'.repeat(40), clientName: 'Plain App' });
  // The same brand on an app that asks every sign-in for a second factor (the logo is kept by its path).
  await t.services.clients.create({ ...app, clientId: 'grocer-pay', clientSecret: 'q'.repeat(40), mfaPolicy: 'required', brand: { ...GROCER, logo: logoPath } });
});
afterAll(() => t.close());

async function authorize(c: Client, clientId: string): Promise<string> {
  const query = new URLSearchParams({ client_id: clientId, response_type: 'code', scope: 'openid email', redirect_uri: REDIRECT, code_challenge: pkce().challenge, code_challenge_method: 'S256', state: 'st' });
  const res = await c.request(`/auth?${query}`);
  expect(res.status).toBe(303);
  return locationOf(res, t.url).pathname;
}

/** A browser signed in to `clientId` through login and consent. */
async function signIn(clientId: string): Promise<Client> {
  const email = unique('signed-in');
  await t.services.users.create({ email, password: PASSWORD, emailVerified: true });
  const c = browser(t.url);
  const interaction = await authorize(c, clientId);
  let consent = 0;
  let res = await c.request(`${interaction}/login`, { form: { _csrf: (await readPage(c, interaction)).csrf, email, password: PASSWORD } });
  for (let hops = 0; hops < 10 && locationOf(res, t.url).origin === t.url; hops++) {
    const next = locationOf(res, t.url);
    res = await c.request(next.pathname + next.search);
    if (res.status === 200 && next.pathname.startsWith('/interaction/')) {
      const page = await res.text();
      consent++;
      expect(page).toContain('action="' + next.pathname + '/confirm"');
      expectGrocer(page);
      res = await c.request(`${next.pathname}/confirm`, { form: { _csrf: /name="_csrf" value="([^"]+)"/.exec(page)![1]! } });
    }
  }
  expect(locationOf(res, t.url).origin).toBe(new URL(REDIRECT).origin);
  // The consent page was on the way, in the app's brand.
  expect(consent).toBe(1);
  return c;
}

const THEME = '<link rel="stylesheet" href="/branding/theme/v1-p0b5d3b-bfff8e7.css">';

function expectGrocer(html: string): void {
  expect(html).toContain(`<header class="brand"><img class="brand-logo" src="${logoPath}" alt="Green Grocer"></header>`);
  expect(html).toContain(THEME);
  expect(html).toContain('<footer class="brand-footer"><a href="https://help.grocer.example/" rel="noopener noreferrer">Help and support</a></footer>');
  expect(html).not.toContain('Acme ID');
}

function expectOperator(html: string): void {
  expect(html).toContain('<header class="brand"><span class="brand-name">Acme ID</span></header>');
  expect(html).not.toContain('/branding/theme/');
  expect(html).toContain('href="https://help.acme.example/"');
  expect(html).not.toMatch(/Green Grocer|grocer\.example|\/branding\/logo\//);
}

describe("the app's sign-in pages", () => {
  it('show its name, logo, colours and support link, with the CSP as strict as ever', async () => {
    const c = browser(t.url);
    const interaction = await authorize(c, 'grocer');
    const res = await c.request(interaction);
    const html = await res.text();
    expectGrocer(html);
    // The display name is what the app is called on its pages, not its client_name.
    expect(html).toContain('to continue to Green Grocer');
    expect(res.headers.get('content-security-policy')).toMatch(/img-src 'self'(;|$)/);
    expect(res.headers.get('content-security-policy')).toMatch(/style-src 'self'(;|$)/);
    for (const path of ['/signup', '/forgot']) expectGrocer((await readPage(c, `${interaction}${path}`)).html);
    // A form that fails before the sign-in is loaded (a stale CSRF token) still shows the app's error page.
    const refused = await c.request(`${interaction}/login`, { form: { _csrf: 'stale', email: 'x@example.com', password: 'x' } });
    expect(refused.status).toBe(403);
    expectGrocer(await refused.text());
  });

  it("show the operator's brand for an app without one, and the provider's own pages follow the app", async () => {
    const c = browser(t.url);
    const interaction = await authorize(c, 'plain');
    const login = (await readPage(c, interaction)).html;
    expectOperator(login);
    expect(login).toContain('to continue to Plain App');

    // oidc-provider's own pages: the sign-out confirmation and the signed-out page, and an error about the app.
    const signedIn = await signIn('grocer');
    const logout = await (await signedIn.request('/session/end?client_id=grocer')).text();
    expect(logout).toContain('id="op.logoutForm"');
    expectGrocer(logout);
    expectOperator(await (await signedIn.request('/session/end/success?client_id=plain')).text());
    expectGrocer(await (await signedIn.request('/session/end/success?client_id=grocer')).text());
    const wrongRedirect = await c.request(`/auth?${new URLSearchParams({ client_id: 'grocer', response_type: 'code', scope: 'openid', redirect_uri: 'https://elsewhere.example/cb' })}`);
    expect(wrongRedirect.status).toBe(400);
    expectGrocer(await wrongRedirect.text());
  });

  it("the account center's sign-in shows the operator's brand under the product's name", async () => {
    const c = browser(t.url);
    let res = await c.request('/account');
    for (let hops = 0; hops < 5 && (res.status === 302 || res.status === 303); hops++) res = await c.request(locationOf(res, t.url).pathname + locationOf(res, t.url).search);
    const html = await res.text();
    expectOperator(html);
    expect(html).toContain('to continue to Acme ID');
  });
});

describe('the account center', () => {
  it("is in the operator's brand, and lists a branded app under its display name and logo", async () => {
    const c = await signIn('grocer');
    let res = await c.request('/account/apps');
    for (let hops = 0; hops < 8 && (res.status === 302 || res.status === 303); hops++) res = await c.request(locationOf(res, t.url).pathname + locationOf(res, t.url).search);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<header class="brand"><span class="brand-name">Acme ID</span></header>');
    expect(html).not.toContain('/branding/theme/');
    expect(html).toContain('Green Grocer');
    expect(html).toContain(`src="${logoPath}"`);
    expect(res.headers.get('content-security-policy')).toMatch(/img-src 'self'(;|$)/);
  });
});

describe('mail sent in a sign-in', () => {
  async function resetMail(clientId: string) {
    const email = unique(clientId);
    await t.services.users.create({ email, password: PASSWORD, emailVerified: true });
    const c = browser(t.url);
    const interaction = await authorize(c, clientId);
    const form = await readPage(c, `${interaction}/forgot`);
    const after = Date.now();
    const res = await c.request(`${interaction}/forgot`, { form: { _csrf: form.csrf, email } });
    expect(res.status).toBe(303);
    return t.smtp.waitFor(email, { after });
  }

  it("shows the app's brand: name, logo from our origin, button colour and support link", async () => {
    const mail = await resetMail('grocer');
    expect(mail.subject).toBe('Reset your Green Grocer password');
    expect(mail.html).toContain(`<img src="${t.url}${logoPath}" alt="Green Grocer"`);
    expect(mail.html).toContain('background-color:#0b5d3b;');
    expect(mail.html).toContain('background-color:#fff8e7;');
    expect(mail.html).toContain('href="https://help.grocer.example/"');
    expect(mail.text).toContain('Help and support: https://help.grocer.example/');
    expect(mail.html + mail.text).not.toContain('Acme ID');
  });

  it("shows the app's brand on the second-factor page and in the code mail it sends", async () => {
    const email = unique('mfa');
    await t.services.users.create({ email, password: PASSWORD, emailVerified: true });
    const c = browser(t.url);
    const interaction = await authorize(c, 'grocer-pay');
    const login = await c.request(`${interaction}/login`, { form: { _csrf: (await readPage(c, interaction)).csrf, email, password: PASSWORD } });
    const mfaPath = locationOf(login, t.url).pathname;
    expect(mfaPath).toMatch(/\/mfa$/);
    const mfa = await readPage(c, mfaPath);
    expectGrocer(mfa.html);
    const after = Date.now();
    expect((await c.request(`${mfaPath}/send`, { form: { _csrf: mfa.csrf, method: 'email' } })).status).toBe(303);
    const mail = await t.smtp.waitFor(email, { after });
    expect(mail.subject).toBe('Your Green Grocer security code');
    expect(mail.html).toContain(`<img src="${t.url}${logoPath}" alt="Green Grocer"`);
  });

  it("shows the operator's brand in another app's sign-in", async () => {
    const mail = await resetMail('plain');
    expect(mail.subject).toBe('Reset your Acme ID password');
    expect(mail.html).toContain('background-color:#1f5fbf;');
    expect(mail.html).toContain('href="https://help.acme.example/"');
    expect(mail.html + mail.text).not.toMatch(/Green Grocer|grocer\.example|\/branding\/logo\//);
  });
});
