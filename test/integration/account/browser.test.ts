// The account center in headless Chromium: every page under the strict CSP (images from an https origin are the
// one widening), without console errors, with labelled controls, and laid out at phone and desktop width
// (screenshots in test-artifacts/screenshots/account-*.png).
import { a11yProblems, allProblems, atWidths, launchBrowser, newPage, type Browser, type Page } from '../../support/browser.ts';
import { connectShop, startAccountApp, type AccountApp, PASSWORD } from './helpers.ts';

let app: AccountApp;
let browser: Browser;

beforeAll(async () => {
  [app, browser] = await Promise.all([startAccountApp(), launchBrowser()]);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

async function signIn(page: Page, email: string): Promise<void> {
  await page.goto(`${app.url}/account`);
  await page.fill('input[name="email"]', email);
  await page.fill('input[name="password"]', PASSWORD);
  await Promise.all([page.waitForURL(`${app.url}/account`), page.click('form[action$="/login"] button[type="submit"]')]);
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
        const overflow = await page.evaluate(() => {
          const doc = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document;
          return doc.documentElement.scrollWidth - doc.documentElement.clientWidth;
        });
        expect([path, overflow]).toEqual([path, 0]);
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
