// "Continue with …" another provider, clicked through in headless Chromium: our server (its own process, on
// 127.0.0.1) and a real upstream oidc-provider (in this process, as localhost: a host of its own, so that the two
// keep their cookies apart as they would on the internet). A first sign-in creates the account; the app receives an
// ID token for it. Our pages are checked for CSP violations, console errors and basic accessibility.
import * as oidc from 'openid-client';
import { jwtVerify } from 'jose';
import { a11yProblems, allProblems, atWidths, launchBrowser, newPage, startRedirectReceiver, type Browser, type RedirectReceiver } from '../../support/browser.ts';
import { serverTest, startServer, type TestServer } from '../../support/server.ts';
import { startUpstream, type Upstream } from '../../support/upstream.ts';
import { jwks, PASSWORD, rp, unique } from '../flows.ts';

let server: TestServer;
let browser: Browser;
let receiver: RedirectReceiver;
let upstream: Upstream;
const it = serverTest(() => server);
const TEST_TIMEOUT_MS = 60_000;

beforeAll(async () => {
  [browser, receiver] = await Promise.all([launchBrowser(), startRedirectReceiver()]);
  server = await startServer();
  upstream = await startUpstream(`${server.issuer}/federation/callback`, 'localhost');
  await server.cli(['connections', 'create', '--id', 'acme', '--name', 'Acme ID', '--issuer', upstream.issuer, '--client-id', upstream.clientId, '--client-secret', upstream.clientSecret, '--trust-email']);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await receiver?.close();
  await upstream?.close();
  await server?.stop();
});

describe('signing in with another provider in Chromium', () => {
  it('signs up through the provider on a first visit and hands the app an ID token for the new account', async () => {
    const clientId = unique('fed-shop');
    await server.cli(['clients', 'create', '--client-id', clientId, '--public', '--client-name', 'Demo Shop', '--redirect-uri', `${receiver.origin}/cb`, '--grant-type', 'authorization_code', '--scope', 'openid email profile']);
    const config = await rp(server, { clientId });
    const email = `${unique('fed')}@example.test`;
    upstream.accounts.set('chromium-user', { email, email_verified: true, name: 'Ada Lovelace' });

    const page = await newPage(browser);
    try {
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      await page.goto(
        oidc.buildAuthorizationUrl(config, {
          redirect_uri: `${receiver.origin}/cb`,
          scope: 'openid email profile',
          claims: JSON.stringify({ id_token: { email: null } }),
          code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
          state,
          nonce,
        }).href,
      );
      const button = page.getByRole('link', { name: 'Continue with Acme ID' });
      expect(await button.isVisible()).toBe(true);
      expect(await a11yProblems(page)).toEqual([]);
      expect(allProblems(page)).toEqual([]);
      await atWidths(page, 'federation-login');

      // At the upstream (its development pages): sign in as chromium-user, then allow.
      await Promise.all([page.waitForURL((url) => url.origin === upstream.issuer), button.click()]);
      await page.fill('input[name=login]', 'chromium-user');
      await page.fill('input[name=password]', 'anything');
      await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
      if (new URL(page.url()).origin === upstream.issuer) await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);

      // Back with us: the new account consents to the shop, which receives its code.
      await page.waitForSelector('form[action$="/confirm"]');
      await page.click('form[action$="/confirm"] button[type=submit]');
      await page.waitForURL((url) => url.origin === receiver.origin);
      const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce });
      const { payload } = await jwtVerify(tokens.id_token as string, jwks(config), { issuer: server.issuer, audience: clientId });
      expect(payload).toMatchObject({ email, amr: ['fed'] });
    } finally {
      await page.close();
    }
  }, TEST_TIMEOUT_MS);
  it('links the provider from the account center: a click, the provider, and back to the list with it linked', async () => {
    const email = `${unique('fed-link')}@example.test`;
    await server.cli(['users', 'create', '--email', email, '--password', PASSWORD, '--name', 'Grace Hopper', '--email-verified']);
    upstream.accounts.set('chromium-linker', { email: `${unique('elsewhere')}@example.test`, email_verified: true });

    const page = await newPage(browser);
    try {
      await page.goto(`${server.issuer}/account/connections`);
      await page.fill('input[name=email]', email);
      await page.fill('input[name=password]', PASSWORD);
      await Promise.all([page.waitForURL((url) => url.pathname === '/account/connections'), page.click('form[action$="/login"] button[type=submit]')]);
      await page.getByRole('button', { name: 'Link Acme ID' }).click();
      const onward = page.getByRole('link', { name: 'Continue to Acme ID' });
      await onward.waitFor();
      expect(allProblems(page)).toEqual([]);

      await Promise.all([page.waitForURL((url) => url.origin === upstream.issuer), onward.click()]);
      await page.fill('input[name=login]', 'chromium-linker');
      await page.fill('input[name=password]', 'anything');
      await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
      if (new URL(page.url()).origin === upstream.issuer) await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);

      await page.waitForURL((url) => url.origin === server.issuer && url.pathname === '/account/connections');
      expect(await page.textContent('body')).toContain('The sign-in method has been linked.');
      expect(await page.getByRole('button', { name: 'Unlink Acme ID' }).isVisible()).toBe(true);
      expect(await a11yProblems(page)).toEqual([]);
      // What the provider's own development pages did (a web font, a favicon) is not ours to check.
      expect(allProblems(page).filter((p) => !p.includes(upstream.issuer) && !p.includes('fonts.googleapis.com'))).toEqual([]);
    } finally {
      await page.close();
    }
  }, TEST_TIMEOUT_MS);
});
