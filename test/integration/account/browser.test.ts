// The account center in headless Chromium: every page under the strict CSP (images from an https origin are the
// one widening), without console errors, with labelled controls, and laid out at phone and desktop width
// (screenshots in test-artifacts/screenshots/account-*.png). Passkeys are created through the page's own script
// with Chromium's virtual authenticator.
import { generate } from 'otplib';
import {
  a11yProblems,
  addVirtualAuthenticator,
  allProblems,
  atWidths,
  launchBrowser,
  newPage,
  sidewaysScroll,
  type Browser,
  type Page,
} from '../../support/browser.ts';
import { connectShop, startAccountApp, type AccountApp, PASSWORD } from './helpers.ts';

let app: AccountApp;
let browser: Browser;

beforeAll(async () => {
  // Topics and an announced (not yet in force) document give the preference and legal pages content without adding
  // a step to the sign-in.
  const env = {
    COMMUNICATION_TOPICS: JSON.stringify([
      { id: 'newsletter', title: { en: 'Newsletter' }, description: { en: 'News once a month' }, channels: ['email', 'post'] },
      { id: 'offers', title: { en: 'Offers' }, channels: ['email', 'sms', 'push'] },
    ]),
    LEGAL_DOCUMENTS: JSON.stringify([{ id: 'terms', version: '2099-01', effective: '2099-01-01', text: { en: 'Future terms.' } }]),
  };
  [app, browser] = await Promise.all([startAccountApp(env), launchBrowser()]);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

async function signIn(page: Page, email: string, on = app): Promise<void> {
  await page.goto(`${on.url}/account`);
  await page.fill('input[name="email"]', email);
  await page.fill('input[name="password"]', PASSWORD);
  await Promise.all([page.waitForURL(`${on.url}/account`), page.click('form[action$="/login"] button[type="submit"]')]);
}

describe('account center in a browser', () => {
  it('renders every page cleanly at phone and desktop width', async () => {
    const user = await app.createUser('browser@example.com', {
      given_name: 'Kirsten',
      family_name: 'Sørensen',
      nickname: 'Kiki',
      phone_number: '+4512345678',
    });
    const page = await newPage(browser);
    try {
      await signIn(page, user.email);
      // Something on every list: a second address, an app, a second session.
      await app.profile.addAddress(user.id, { label: 'Home', street_address: 'Vesterbrogade 2', postal_code: '1620', locality: 'København V', country: 'Denmark' });
      await app.profile.addAddress(user.id, { label: 'Work', street_address: 'Hauptstraße 1', postal_code: '10115', locality: 'Berlin', country: 'Germany' });
      const http = app.browser();
      const { signIn: httpSignIn } = await import('./helpers.ts');
      await httpSignIn(app, http, user.email);
      await connectShop(app, http);

      const pages: [string, string][] = [
        ['/account', 'account-overview'],
        ['/account/profile', 'account-profile'],
        ['/account/addresses', 'account-addresses'],
        ['/account/addresses/new', 'account-address-new'],
        ['/account/email', 'account-email'],
        ['/account/password', 'account-password'],
        ['/account/sessions', 'account-sessions'],
        ['/account/apps', 'account-apps'],
        ['/account/apps/shop', 'account-app'],
        ['/account/preferences', 'account-preferences'],
        ['/account/legal', 'account-legal'],
        ['/account/privacy', 'account-privacy'],
        ['/account/delete', 'account-delete'],
      ];
      for (const [path, name] of pages) {
        const res = await page.goto(`${app.url}${path}`);
        expect([path, res?.status()]).toEqual([path, 200]);
        expect([path, await a11yProblems(page)]).toEqual([path, []]);
        await atWidths(page, name);
      }

      // A form shown again with errors.
      await page.goto(`${app.url}/account/profile`);
      await page.fill('input[name="birthdate"]', '2999-01-01');
      await page.fill('input[name="picture"]', 'http://insecure.example/me.png');
      await Promise.all([page.waitForLoadState(), page.click('form[action="/account/profile"] button[type="submit"]')]);
      expect(await page.locator('.field-error').count()).toBe(2);
      await atWidths(page, 'account-profile-errors');

      // Saving shows the notice.
      await page.goto(`${app.url}/account/profile`);
      await page.fill('input[name="given_name"]', 'Kirsten Marie');
      await Promise.all([page.waitForURL(`${app.url}/account/profile`), page.click('form[action="/account/profile"] button[type="submit"]')]);
      expect(await page.locator('.flash').textContent()).toContain('Your changes have been saved.');
      await atWidths(page, 'account-profile-saved');

      // At phone width nothing is wider than the screen.
      await page.setViewportSize({ width: 390, height: 844 });
      for (const [path] of pages) {
        await page.goto(`${app.url}${path}`);
        expect([path, await sidewaysScroll(page)]).toEqual([path, 0]);
      }
      expect(allProblems(page)).toEqual([]);
    } finally {
      await page.context().close();
    }
  }, 60_000);

  it('signs out through the sign-out link (RP-initiated logout) without CSP complaints', async () => {
    const user = await app.createUser('browser-out@example.com');
    const page = await newPage(browser);
    try {
      await signIn(page, user.email);
      await page.click('.account-signout a');
      await atWidths(page, 'account-logout-confirm');
      await Promise.all([page.waitForURL(`${app.url}/account/signed-out`), page.click('button[name="logout"]')]);
      await atWidths(page, 'account-signed-out');
      expect(allProblems(page)).toEqual([]);
    } finally {
      await page.context().close();
    }
  }, 30_000);
});

describe('sign-in security in a browser', () => {
  // WebAuthn needs a host name: this app is reached as http://localhost:PORT (a secure context, RP ID localhost).
  let local: AccountApp;
  beforeAll(async () => {
    local = await startAccountApp({}, { localhost: true });
  }, 60_000);
  afterAll(() => local?.close());

  it('adds a passkey through the page’s script and an authenticator app, and renders every page cleanly', async () => {
    const user = await local.createUser('browser-mfa@example.com', { name: 'Kirsten Sørensen' });
    const page = await newPage(browser);
    try {
      const authenticator = await addVirtualAuthenticator(page);
      await signIn(page, user.email, local);

      await page.goto(`${local.url}/account/security/passkeys/new`);
      expect(await a11yProblems(page)).toEqual([]);
      await atWidths(page, 'account-security-passkey');
      await page.fill('input[name="name"]', 'Test laptop');
      await Promise.all([page.waitForURL(`${local.url}/account/security`), page.click('form[data-webauthn="register"] button[type="submit"]')]);
      expect(await page.locator('.flash').textContent()).toContain('The second step has been added.');
      const [credential] = await authenticator.credentials();
      expect(credential).toMatchObject({ rpId: 'localhost', isResidentCredential: true });
      expect(await local.services.factors.list(user.id)).toEqual([expect.objectContaining({ type: 'passkey', label: 'Test laptop' })]);

      await page.goto(`${local.url}/account/security/totp`);
      expect(await page.locator('figure.qr svg').count()).toBe(1);
      const secret = (await page.locator('code.secret').textContent())?.replace(/\s/g, '') ?? '';
      await atWidths(page, 'account-security-totp');
      await page.fill('input[name="code"]', '000000');
      await Promise.all([page.waitForLoadState(), page.click('form[action="/account/security/totp"] button[type="submit"]')]);
      expect(await page.locator('.field-error').count()).toBe(1);
      expect(await a11yProblems(page)).toEqual([]);
      await atWidths(page, 'account-security-totp-error');
      await page.fill('input[name="code"]', await generate({ secret }));
      await Promise.all([page.waitForURL(`${local.url}/account/security`), page.click('form[action="/account/security/totp"] button[type="submit"]')]);

      await page.goto(`${local.url}/account/security/recovery`);
      await Promise.all([page.waitForLoadState(), page.click('form[action="/account/security/recovery"] button[type="submit"]')]);
      expect(await page.locator('.recovery-codes li').count()).toBe(10);
      expect(await a11yProblems(page)).toEqual([]);
      await atWidths(page, 'account-security-recovery-codes');

      const pages: [string, string][] = [
        ['/account/security', 'account-security'],
        ['/account/security/phone', 'account-security-phone'],
        ['/account/security/email', 'account-security-email'],
        ['/account/security/recovery', 'account-security-recovery'],
      ];
      for (const [path, name] of pages) {
        const res = await page.goto(`${local.url}${path}`);
        expect([path, res?.status()]).toEqual([path, 200]);
        expect([path, await a11yProblems(page)]).toEqual([path, []]);
        await atWidths(page, name);
      }
      // The code page, shown after the e-mail code was sent.
      await page.goto(`${local.url}/account/security/email`);
      await Promise.all([page.waitForLoadState(), page.click('form[action="/account/security/email"] button[type="submit"]')]);
      expect(await page.locator('input[name="code"]').count()).toBe(1);
      expect(await a11yProblems(page)).toEqual([]);
      await atWidths(page, 'account-security-code');

      await page.setViewportSize({ width: 390, height: 844 });
      for (const [path] of [...pages, ['/account/security/totp'], ['/account/security/passkeys/new']]) {
        await page.goto(`${local.url}${path}`);
        expect([path, await sidewaysScroll(page)]).toEqual([path, 0]);
      }
      expect(allProblems(page)).toEqual([]);
    } finally {
      await page.context().close();
    }
  }, 90_000);
});
