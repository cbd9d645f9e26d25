// The account center (/account) of the real server, reached in Chromium from a sign-in at a relying party (single
// sign-on: no second password prompt), and what the relying party sees of the customer's changes there: an edited
// profile shows in a fresh userinfo call, and revoking the app's access kills its refresh token. Pages are checked
// for CSP violations, console errors and basic accessibility and photographed (test-artifacts/screenshots/
// e2e-account-*.png; test/integration/account/browser.test.ts photographs every account page in-process).
import * as oidc from 'openid-client';
import {
  a11yProblems,
  allProblems,
  atWidths,
  launchBrowser,
  newPage,
  startRedirectReceiver,
  type Browser,
  type Page,
  type RedirectReceiver,
} from '../../support/browser.ts';
import { serverTest, startServer, type TestServer } from '../../support/server.ts';
import { startTestSmtp, type TestSmtp } from '../../support/smtp.ts';
import { oauthError, rp, unique } from '../flows.ts';

let server: TestServer;
let browser: Browser;
let receiver: RedirectReceiver;
let smtp: TestSmtp;
let clientId: string;
let config: oidc.Configuration;
const it = serverTest(() => server);

const PASSWORD = 'maple syrup on tuesday mornings';
const TEST_TIMEOUT_MS = 60_000;
const LOGIN_FORM = 'form[action$="/login"]';
const CONSENT_FORM = 'form[action$="/confirm"]';
const PROFILE_FORM = 'form[action="/account/profile"]';

beforeAll(async () => {
  [smtp, browser, receiver] = await Promise.all([startTestSmtp(), launchBrowser(), startRedirectReceiver()]);
  server = await startServer({ env: { SMTP_URL: smtp.url } });
  clientId = unique('shop');
  await server.cli([
    'clients', 'create', '--client-id', clientId, '--public', '--client-name', 'Demo Shop',
    '--redirect-uri', `${receiver.origin}/cb`,
    '--grant-type', 'authorization_code', '--grant-type', 'refresh_token',
    '--scope', 'openid profile email offline_access',
  ]);
  config = await rp(server, { clientId });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await receiver?.close();
  await server?.stop();
  await smtp?.close();
});

async function createUser(): Promise<{ id: string; email: string }> {
  const email = `${unique('account')}@example.test`;
  const created = await server.cli<{ id: string }>([
    'users', 'create', '--email', email, '--password', PASSWORD, '--name', 'Grace Hopper', '--email-verified',
  ]);
  return { id: created.id, email };
}

async function expectCleanPage(page: Page): Promise<void> {
  expect(await a11yProblems(page)).toEqual([]);
  expect(allProblems(page)).toEqual([]);
}

/** Signs in at the relying party (login, consent, code redeemed): its tokens, refresh token included. */
async function signInAtShop(page: Page, email: string): Promise<oidc.TokenEndpointResponse> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: `${receiver.origin}/cb`,
    scope: 'openid profile email offline_access',
    prompt: 'consent',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
  });
  await page.goto(url.href);
  await page.waitForSelector(LOGIN_FORM);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click(`${LOGIN_FORM} button[type=submit]`)]);
  await page.waitForSelector(CONSENT_FORM);
  await page.click(`${CONSENT_FORM} button[type=submit]`);
  await page.waitForURL((u) => u.origin === receiver.origin);
  const tokens = await oidc.authorizationCodeGrant(config, new URL(page.url()), { pkceCodeVerifier: verifier, expectedState: state });
  expect(tokens.refresh_token).toBeTruthy();
  return tokens;
}

/** Opens an account page; the provider session from the shop sign-in lets the browser in without a password. */
async function openAccount(page: Page, path: string): Promise<void> {
  await page.goto(`${server.issuer}${path}`);
  await page.waitForURL((u) => u.origin === server.issuer && u.pathname === path);
  expect(await page.locator(LOGIN_FORM).count()).toBe(0);
}

describe('account center in Chromium, seen from a relying party', () => {
  it('is not reachable without a sign-in: /account sends the browser to the authorization endpoint', async () => {
    const res = await fetch(`${server.issuer}/account`, { redirect: 'manual' });
    expect([302, 303]).toContain(res.status);
    const location = new URL(res.headers.get('location') ?? '', server.issuer);
    expect(location.pathname).toBe('/auth');
  });

  it('a profile edit shows in the relying party’s next userinfo call', async () => {
    const user = await createUser();
    const page = await newPage(browser);
    try {
      const tokens = await signInAtShop(page, user.email);
      const before = await oidc.fetchUserInfo(config, tokens.access_token, user.id);
      expect(before.given_name).toBeUndefined();

      await openAccount(page, '/account');
      await expectCleanPage(page);
      await atWidths(page, 'e2e-account-overview');

      await openAccount(page, '/account/profile');
      await expectCleanPage(page);
      await page.fill('input[name=given_name]', 'Grace Brewster');
      await page.fill('input[name=family_name]', 'Hopper');
      await Promise.all([page.waitForNavigation(), page.click(`${PROFILE_FORM} button[type=submit]`)]);
      expect(new URL(page.url()).pathname).toBe('/account/profile');
      expect(await page.inputValue('input[name=given_name]')).toBe('Grace Brewster');
      await expectCleanPage(page);
      await atWidths(page, 'e2e-account-profile-saved');

      const after = await oidc.fetchUserInfo(config, tokens.access_token, user.id);
      expect(after).toMatchObject({ sub: user.id, given_name: 'Grace Brewster', family_name: 'Hopper', name: 'Grace Hopper' });
    } finally {
      await page.context().close();
    }
  }, TEST_TIMEOUT_MS);

  it('revoking the relying party under connected apps makes its refresh token fail with invalid_grant', async () => {
    const user = await createUser();
    const page = await newPage(browser);
    try {
      const tokens = await signInAtShop(page, user.email);
      // The refresh token works before the revocation (and rotates: use the newest one).
      const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token as string);
      const refreshToken = refreshed.refresh_token ?? (tokens.refresh_token as string);

      await openAccount(page, '/account/apps');
      const card = page.locator('li.app-card', { hasText: 'Demo Shop' });
      expect(await card.count()).toBe(1);
      // The account center's own client is not listed as a connected app.
      expect(await page.locator('li.app-card').count()).toBe(1);
      await expectCleanPage(page);
      await atWidths(page, 'e2e-account-apps');

      await Promise.all([page.waitForNavigation(), card.locator('button[type=submit]').click()]);
      expect(new URL(page.url()).pathname).toBe('/account/apps');
      expect(await page.locator('li.app-card', { hasText: 'Demo Shop' }).count()).toBe(0);
      await expectCleanPage(page);
      await atWidths(page, 'e2e-account-apps-revoked');

      expect((await oauthError(oidc.refreshTokenGrant(config, refreshToken))).error).toBe('invalid_grant');
    } finally {
      await page.context().close();
    }
  }, TEST_TIMEOUT_MS);
});
