// The hosted pages in a real browser (headless Chromium): the authorization code flow with PKCE as a user clicks
// through it, ending at a relying party on 127.0.0.1 that redeems the code with openid-client. Chromium enforces
// the CSP (form-action on each redirect hop, no inline script) and reports console errors, which the HTTP-level
// suite cannot see. Every page also gets an accessibility smoke check and screenshots at phone and desktop width
// (test-artifacts/screenshots/).
import * as oidc from 'openid-client';
import { jwtVerify } from 'jose';
import { a11yProblems, allProblems, atWidths, expectCleanPage, launchBrowser, newPage, problemsOf, startRedirectReceiver, type Browser, type Page, type RedirectReceiver } from '../../support/browser.ts';
import { serverTest, startServer, type TestServer } from '../../support/server.ts';
import { redeemInBrowser, registerBrowserRp, startCodeFlow, type BrowserRp, type Started } from '../browser-rp.ts';
import { createUser, jwks, unique, type TestUser } from '../flows.ts';

let server: TestServer;
let browser: Browser;
let receiver: RedirectReceiver;
let user: TestUser;
let shop: BrowserRp;
let config: oidc.Configuration;
let clientId: string;
const it = serverTest(() => server);

const LOGIN_FORM = 'form[action$="/login"]';
const CONSENT_FORM = 'form[action$="/confirm"]';
const LOGOUT_FORM = 'form[id="op.logoutForm"]';
const DEVICE_FORM = 'form[id="op.deviceInputForm"]';

beforeAll(async () => {
  [server, browser, receiver] = await Promise.all([startServer(), launchBrowser(), startRedirectReceiver()]);
  // Like the demo client: a public client (PKCE, no secret) that asks for consent, with a display name.
  clientId = unique('browser');
  [user, shop] = await Promise.all([
    createUser(server),
    registerBrowserRp(server, receiver, clientId, [
      '--post-logout-redirect-uri', `${receiver.origin}/bye`, '--grant-type', 'refresh_token', '--scope', 'openid profile email offline_access',
    ]),
  ]);
  config = shop.config;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await receiver?.close();
  await server?.stop();
});

async function startSignIn(page: Page, params: Record<string, string> = {}): Promise<Started> {
  const started = await startCodeFlow(page, shop, receiver, { scope: 'openid email profile', prompt: 'consent', ...params });
  await page.waitForSelector(LOGIN_FORM);
  return started;
}

async function fillLogin(page: Page, email: string, password: string): Promise<void> {
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForNavigation(), page.click(`${LOGIN_FORM} button[type=submit]`)]);
}

async function backAtClient(page: Page): Promise<URL> {
  await page.waitForURL((url) => url.origin === receiver.origin);
  return new URL(page.url());
}

/** Login -> consent -> back at the client, then the code redeemed: the id_token the relying party ends up with. */
async function signIn(page: Page): Promise<string> {
  const started = await startSignIn(page);
  await fillLogin(page, user.email, user.password);
  await page.waitForSelector(CONSENT_FORM);
  await page.click(`${CONSENT_FORM} button[type=submit]`);
  const { tokens } = await redeemInBrowser(page, shop, receiver, started);
  return tokens.id_token as string;
}

describe('hosted pages in Chromium', () => {
  it('signs in through login and consent and the client redeems the code for a valid id_token', async () => {
    const page = await newPage(browser);
    try {
      const started = await startSignIn(page);
      await expectCleanPage(page);

      await fillLogin(page, user.email, user.password);
      await page.waitForSelector(CONSENT_FORM);
      expect(await page.textContent('main')).toContain('Demo Shop');
      await expectCleanPage(page);
      await atWidths(page, 'consent');

      // The consent POST answers with a redirect to the client: Chromium checks that hop against form-action.
      await page.click(`${CONSENT_FORM} button[type=submit]`);
      const callback = await backAtClient(page);
      expect(`${callback.origin}${callback.pathname}`).toBe(`${receiver.origin}/cb`);
      expect(callback.searchParams.get('code')).toBeTruthy();
      expect(callback.searchParams.get('iss')).toBe(server.issuer);

      const tokens = await oidc.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: started.verifier,
        expectedState: started.state,
        expectedNonce: started.nonce,
      });
      const { payload } = await jwtVerify(tokens.id_token as string, jwks(config), { issuer: server.issuer, audience: clientId });
      expect(payload.nonce).toBe(started.nonce);
      const info = await oidc.fetchUserInfo(config, tokens.access_token, payload.sub as string);
      expect(info).toMatchObject({ email: user.email, name: user.name });
      expect(allProblems(page)).toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  it('shows the login page, and a wrong password as an error on the form', async () => {
    const page = await newPage(browser);
    try {
      await startSignIn(page);
      await expectCleanPage(page);
      await atWidths(page, 'login');

      await fillLogin(page, user.email, 'not the password');
      await page.waitForSelector(LOGIN_FORM);
      const alert = page.locator('#form-error');
      expect(await alert.isVisible()).toBe(true);
      expect(await alert.textContent()).toMatch(/incorrect/i);
      expect(await page.getAttribute('input[name=password]', 'aria-invalid')).toBe('true');
      expect(await page.getAttribute('input[name=password]', 'aria-describedby')).toBe('password-error');
      expect(await page.textContent('#password-error')).toMatch(/incorrect/i);
      // The e-mail stays filled in; the password does not.
      expect(await page.inputValue('input[name=email]')).toBe(user.email);
      expect(await page.inputValue('input[name=password]')).toBe('');
      await expectCleanPage(page);
      await atWidths(page, 'login-error');
    } finally {
      await page.context().close();
    }
  });

  it('renders the login page in German for a German browser', async () => {
    const page = await newPage(browser, { locale: 'de-DE' });
    try {
      await startSignIn(page);
      expect(await page.getAttribute('html', 'lang')).toBe('de');
      await expectCleanPage(page);
      await atWidths(page, 'login-de');
    } finally {
      await page.context().close();
    }
  });

  it('asks before signing out and then shows the signed-out page', async () => {
    const page = await newPage(browser);
    try {
      const idToken = await signIn(page);
      await page.goto(oidc.buildEndSessionUrl(config, { id_token_hint: idToken }).href);
      await page.waitForSelector(LOGOUT_FORM, { state: 'attached' });
      await expectCleanPage(page);
      await atWidths(page, 'logout');

      await Promise.all([page.waitForNavigation(), page.click('button[name=logout]')]);
      expect(new URL(page.url()).origin).toBe(server.issuer);
      await expectCleanPage(page);
      await atWidths(page, 'logged-out');
    } finally {
      await page.context().close();
    }
  });

  it('signing out returns to the post_logout_redirect_uri (the CSP lets the form follow that redirect)', async () => {
    const page = await newPage(browser);
    try {
      const idToken = await signIn(page);
      const url = oidc.buildEndSessionUrl(config, {
        id_token_hint: idToken,
        post_logout_redirect_uri: `${receiver.origin}/bye`,
        state: 'bye',
      });
      await page.goto(url.href);
      await page.waitForSelector(LOGOUT_FORM, { state: 'attached' });
      await page.click('button[name=logout]');
      const back = await backAtClient(page);
      expect(`${back.pathname}${back.search}`).toBe('/bye?state=bye');
      expect(allProblems(page)).toEqual([]);
    } finally {
      await page.context().close();
    }
  });

  it('an interaction whose cookie is gone shows the start-again page', async () => {
    const page = await newPage(browser);
    try {
      await startSignIn(page);
      await page.context().clearCookies();
      const response = await page.reload();
      expect(response?.status()).toBe(400);
      expect(await page.locator(LOGIN_FORM).count()).toBe(0);
      expect(await page.textContent('h1')).toMatch(/start again/i);
      await expectCleanPage(page);
      await atWidths(page, 'expired');
    } finally {
      await page.context().close();
    }
  });

  it('shows the device code input, and an unknown code as an error', async () => {
    const page = await newPage(browser);
    try {
      await page.goto(`${server.issuer}/device`);
      await page.waitForSelector(DEVICE_FORM, { state: 'attached' });
      await expectCleanPage(page);
      await atWidths(page, 'device-input');

      await page.fill('input[name=user_code]', 'ABCD-EFGH');
      await Promise.all([page.waitForNavigation(), page.click(`button[form="op.deviceInputForm"]`)]);
      expect(await page.locator('[role=alert]').isVisible()).toBe(true);
      await expectCleanPage(page);
      await atWidths(page, 'device-input-error');
    } finally {
      await page.context().close();
    }
  });

  // The "no problems" assertions above are only worth something if the detector fires: an inline script, which
  // the provider's CSP refuses, must show up as a violation and as a console error.
  it('the page watcher sees a CSP violation', async () => {
    const page = await newPage(browser);
    try {
      await startSignIn(page);
      await page.evaluate(() => {
        const doc = (globalThis as unknown as { document: { createElement(t: string): { textContent: string }; body: { append(n: unknown): void } } }).document;
        const script = doc.createElement('script');
        script.textContent = 'void 0';
        doc.body.append(script);
      });
      // The violation event is reported asynchronously.
      for (let i = 0; i < 40 && problemsOf(page).csp.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(allProblems(page)).toEqual(
        expect.arrayContaining([expect.stringMatching(/^csp: script-src-elem blocked inline/), expect.stringMatching(/^console: .*Content Security Policy/)]),
      );
    } finally {
      await page.context().close();
    }
  });

  // Likewise for accessibility: axe must report an unlabelled input and text too faint to read, naming each.
  it('the accessibility check sees an unlabelled input and low contrast', async () => {
    const page = await newPage(browser);
    try {
      await startSignIn(page);
      expect(await a11yProblems(page)).toEqual([]);
      await page.evaluate(() => {
        type El = { insertAdjacentHTML(where: string, html: string): void; style: Record<string, string> };
        const doc = (globalThis as unknown as { document: { querySelector(s: string): El } }).document;
        doc.querySelector('main').insertAdjacentHTML('beforeend', '<input id="nameless" type="text"><p id="faint">faint</p>');
        // Through the CSSOM: the page's CSP refuses style attributes in markup.
        doc.querySelector('#faint').style.color = '#ddd';
      });
      const problems = await a11yProblems(page);
      expect(problems).toEqual(
        expect.arrayContaining([expect.stringMatching(/^label: #nameless — /), expect.stringMatching(/^color-contrast: #faint — /)]),
      );
    } finally {
      await page.context().close();
    }
  });

  // oidc-provider calls userCodeInputSource before anything set a status: rendering with ctx.status answered 404.
  test('the device code input page answers 200', async () => {
    const page = await newPage(browser);
    try {
      const response = await page.goto(`${server.issuer}/device`);
      expect(response?.status()).toBe(200);
    } finally {
      await page.context().close();
    }
  });
});
