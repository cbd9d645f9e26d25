// The account center (/account) of the real server, reached in Chromium from a sign-in at a relying party (single
// sign-on: no second password prompt), and what the relying party sees of the customer's changes there: an edited
// profile shows in a fresh userinfo call, and revoking the app's access kills its refresh token. Pages are checked
// for CSP violations, console errors and basic accessibility and photographed (test-artifacts/screenshots/
// e2e-account-*.png; test/integration/account/browser.test.ts photographs every account page in-process).
import * as oidc from 'openid-client';
import {
  atWidths,
  DESKTOP,
  expectCleanPage,
  launchBrowser,
  newPage,
  PHONE,
  screenshot,
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

  it('the profile’s lists, the phone number’s country picker and the phone menu, at both widths', async () => {
    const user = await createUser();
    const page = await newPage(browser, { viewport: PHONE });
    try {
      const tokens = await signInAtShop(page, user.email);
      await openAccount(page, '/account/profile');
      await expectCleanPage(page);

      // 390 px: one closed menu naming the current page, then the page itself (not a dozen links first).
      const menu = page.locator('details.account-menu');
      const summary = menu.locator('summary');
      expect(await page.locator('.account-nav-list').isVisible()).toBe(false);
      expect(await summary.isVisible()).toBe(true);
      expect((await summary.innerText()).replace(/\s+/g, ' ')).toBe('Menu Personal info');
      expect((await page.locator('h1').boundingBox())?.y).toBeLessThan(320);
      expect(await page.getByRole('link', { name: 'Connected apps' }).count()).toBe(0);
      // Keyboard: the summary is a control; Enter opens the menu and Tab goes on into its links.
      await summary.focus();
      await page.keyboard.press('Enter');
      expect(await menu.evaluate((el) => (el as unknown as { open: boolean }).open)).toBe(true);
      expect(await page.getByRole('link', { name: 'Connected apps' }).count()).toBe(1);
      const current = page.locator('a[aria-current="page"]:visible');
      expect(await current.count()).toBe(1);
      expect(await current.innerText()).toBe('Personal info');
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } } }).document.activeElement.textContent)).toBe('Overview');
      await expectCleanPage(page);
      await screenshot(page, 'e2e-account-menu-open');

      // 1280 px: the list beside the page, as before; the menu is not shown.
      await page.setViewportSize(DESKTOP);
      expect(await page.locator('.account-nav-list').isVisible()).toBe(true);
      expect(await summary.isVisible()).toBe(false);
      expect(await page.locator('a[aria-current="page"]:visible').count()).toBe(1);
      expect(await page.getByRole('link', { name: 'Connected apps' }).count()).toBe(1);
      await expectCleanPage(page);
      await atWidths(page, 'e2e-account-profile-lists');

      // Time zone by region and localised name, a real date input, the phone number's country and number.
      const copenhagen = page.locator('select[name=zoneinfo] optgroup[label="Europe"] option[value="Europe/Copenhagen"]');
      expect(await copenhagen.textContent()).toMatch(/^Copenhagen – Central European Time \(UTC\+0[12]:00\)$/);
      expect(await page.getAttribute('input[name=birthdate]', 'type')).toBe('date');
      await page.selectOption('select[name=zoneinfo]', 'Europe/Copenhagen');
      await page.fill('input[name=birthdate]', '1990-04-23');
      await page.selectOption('select[name=phone_country]', 'DK');
      await page.fill('input[name=phone_number]', '1234');
      await Promise.all([page.waitForNavigation(), page.click(`${PROFILE_FORM} button[type=submit]`)]);
      // A wrong number: refused beside the field, everything entered kept.
      expect(await page.locator('#e-phone_number').innerText()).toContain('Enter a valid phone number for the chosen country');
      expect(await page.inputValue('input[name=phone_number]')).toBe('1234');
      expect(await page.inputValue('select[name=phone_country]')).toBe('DK');
      expect(await page.inputValue('select[name=zoneinfo]')).toBe('Europe/Copenhagen');
      expect(await page.inputValue('input[name=birthdate]')).toBe('1990-04-23');
      await expectCleanPage(page);
      await atWidths(page, 'e2e-account-profile-phone-error');

      await page.fill('input[name=phone_number]', '32 12 34 56');
      await Promise.all([page.waitForNavigation(), page.click(`${PROFILE_FORM} button[type=submit]`)]);
      expect(new URL(page.url()).pathname).toBe('/account/profile');
      expect(await page.inputValue('select[name=phone_country]')).toBe('DK');
      expect(await page.inputValue('input[name=phone_number]')).toBe('32 12 34 56');
      await expectCleanPage(page);
      const info = await oidc.fetchUserInfo(config, tokens.access_token, user.id);
      expect(info).toMatchObject({ zoneinfo: 'Europe/Copenhagen', birthdate: '1990-04-23' });

      // An address: the country from a list of names, stored as its ISO code, shown by name.
      await openAccount(page, '/account/addresses/new');
      await page.fill('textarea[name=street_address]', 'Vesterbrogade 2');
      await page.fill('input[name=postal_code]', '1620');
      await page.fill('input[name=locality]', 'København V');
      await page.selectOption('select[name=country]', { label: 'Denmark' });
      await expectCleanPage(page);
      await atWidths(page, 'e2e-account-address-country');
      await Promise.all([page.waitForNavigation(), page.click('form[action="/account/addresses"] button[type=submit]')]);
      expect(new URL(page.url()).pathname).toBe('/account/addresses');
      expect(await page.locator('address.postal').innerText()).toContain('Denmark');
      await expectCleanPage(page);
    } finally {
      await page.context().close();
    }
  }, TEST_TIMEOUT_MS);

  it('without JavaScript the phone menu opens and the picker with a national number is stored as E.164', async () => {
    const user = await createUser();
    const page = await newPage(browser, { viewport: PHONE, javaScript: false });
    try {
      await signInAtShop(page, user.email);
      await openAccount(page, '/account/profile');
      const menu = page.locator('details.account-menu');
      await menu.locator('summary').focus();
      await page.keyboard.press('Enter');
      expect(await page.locator('details.account-menu a[aria-current="page"]').isVisible()).toBe(true);
      await page.selectOption('select[name=phone_country]', 'DK');
      await page.fill('input[name=phone_number]', '32 12 34 56');
      await Promise.all([page.waitForNavigation(), page.click(`${PROFILE_FORM} button[type=submit]`)]);
      expect(new URL(page.url()).pathname).toBe('/account/profile');
      expect(await page.inputValue('input[name=phone_number]')).toBe('32 12 34 56');
      await screenshot(page, 'e2e-account-profile-no-script');
      // Stored in E.164 (the overview shows the number as stored).
      await openAccount(page, '/account');
      expect(await page.locator('main').innerText()).toContain('+4532123456');
    } finally {
      await page.context().close();
    }
  }, TEST_TIMEOUT_MS);
});
