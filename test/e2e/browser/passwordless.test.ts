// Signing in without a password, clicked through in headless Chromium against the real server with its mail read
// from an in-process SMTP server: "E-mail me a sign-in code" (typed, and through the mail's link in the same
// browser), the id_token's acr and amr, the same page for an address without an account, and "Confirm it's you"
// when an app asks a signed-in customer again. Every page is checked for CSP violations, console errors and
// accessibility, and photographed at phone and desktop width (test-artifacts/screenshots/passwordless-*.png).
import { ACR } from '../../../src/auth/types.ts';
import {
  atWidths,
  expectCleanPage,
  launchBrowser,
  newPage,
  startRedirectReceiver,
  submit,
  type Browser,
  type Page,
  type RedirectReceiver,
} from '../../support/browser.ts';
import { serverTest, startServer, type TestServer } from '../../support/server.ts';
import { codeFrom, startTestSmtp, type TestSmtp } from '../../support/smtp.ts';
import { registerBrowserRp, redeemInBrowser, startCodeFlow, type BrowserRp, type Started } from '../browser-rp.ts';
import { unique } from '../flows.ts';

let server: TestServer;
let browser: Browser;
let receiver: RedirectReceiver;
let smtp: TestSmtp;
const it = serverTest(() => server);

const PASSWORD = 'maple syrup on tuesday mornings';
const TEST_TIMEOUT_MS = 60_000;
const LOGIN_FORM = 'form[action$="/login"]';
const CODE_FORM = 'form[action$="/email-code/verify"]';
const EMAIL_CODE_BUTTON = 'E-mail me a sign-in code';

let shop: BrowserRp;

beforeAll(async () => {
  [smtp, browser, receiver] = await Promise.all([startTestSmtp(), launchBrowser(), startRedirectReceiver()]);
  server = await startServer({ env: { SMTP_URL: smtp.url, PRODUCT_NAME: 'Demo ID', TRUST_PROXY: 'true' } });
  shop = await registerBrowserRp(server, receiver, unique('shop'), ['--first-party', '--scope', 'openid email profile']);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await receiver?.close();
  await server?.stop();
  await smtp?.close();
});

const newEmail = (prefix: string) => `${unique(prefix)}@example.test`;

async function createUser(email: string): Promise<string> {
  return (await server.cli<{ id: string }>(['users', 'create', '--email', email, '--password', PASSWORD, '--email-verified'])).id;
}

const authorize = (page: Page, params: Record<string, string> = {}) => startCodeFlow(page, shop, receiver, params);
const redeem = async (page: Page, started: Started) => (await redeemInBrowser(page, shop, receiver, started)).claims;

/** Types the address on the login page and asks for a code; returns when the code page is shown. */
async function askForCode(page: Page, email: string): Promise<void> {
  await page.waitForSelector(LOGIN_FORM);
  await page.fill('input[name=email]', email);
  await submit(page, () => page.getByRole('button', { name: EMAIL_CODE_BUTTON }).click());
  await page.waitForSelector(CODE_FORM);
}

describe('passwordless sign-in in Chromium', () => {
  it('signs in with a mailed code: nothing but the address typed, acr email and amr email', async () => {
    const email = newEmail('code');
    const id = await createUser(email);
    const page = await newPage(browser);
    try {
      const started = await authorize(page);
      await page.waitForSelector(LOGIN_FORM);
      await expectCleanPage(page);
      await atWidths(page, 'passwordless-login');

      const after = Date.now();
      await askForCode(page, email);
      expect(await page.textContent('h1')).toBe('Check your e-mail');
      expect(await page.textContent('main')).toContain('c•••@example.test');
      await expectCleanPage(page);
      await atWidths(page, 'passwordless-code');

      const mail = await smtp.waitFor(email, { after, subject: /sign-in code/ });
      await page.fill('input[name=code]', codeFrom(mail));
      await submit(page, () => page.click(`${CODE_FORM} button[type=submit]`));
      const claims = await redeem(page, started);
      expect(claims).toMatchObject({ sub: id, acr: ACR.emailCode, amr: ['email'] });
    } finally {
      await page.context().close();
    }
  }, TEST_TIMEOUT_MS);

  it("the mail's link fills the code in, in the browser that asked", async () => {
    const email = newEmail('link');
    await createUser(email);
    const page = await newPage(browser);
    try {
      const started = await authorize(page);
      const after = Date.now();
      await askForCode(page, email);
      const mail = await smtp.waitFor(email, { after, subject: /sign-in code/ });
      const link = /https?:\/\/\S+\/email-code\?\S+/.exec(mail.text)?.[0];
      expect(link).toBeDefined();
      await page.goto(link!);
      expect(await page.inputValue('input[name=code]')).toBe(codeFrom(mail));
      await expectCleanPage(page);
      await submit(page, () => page.click(`${CODE_FORM} button[type=submit]`));
      expect((await redeem(page, started)).amr).toEqual(['email']);
    } finally {
      await page.context().close();
    }
  }, TEST_TIMEOUT_MS);

  it('shows the same page for an address without an account, and a wrong code says so and keeps what was typed', async () => {
    const page = await newPage(browser);
    try {
      await authorize(page);
      await askForCode(page, newEmail('nobody'));
      expect(await page.textContent('h1')).toBe('Check your e-mail');
      await page.fill('input[name=code]', '123456');
      await submit(page, () => page.click(`${CODE_FORM} button[type=submit]`));
      expect(await page.textContent('#form-error')).toContain('That code is not correct');
      expect(await page.inputValue('input[name=code]')).toBe('123456');
      await expectCleanPage(page);
      await atWidths(page, 'passwordless-code-wrong');
    } finally {
      await page.context().close();
    }
  }, TEST_TIMEOUT_MS);

  it('confirm it is you: a signed-in customer asked again types only the password, the address is fixed', async () => {
    const email = newEmail('confirm');
    await createUser(email);
    const page = await newPage(browser);
    try {
      const first = await authorize(page);
      await page.waitForSelector(LOGIN_FORM);
      await page.fill('input[name=email]', email);
      await page.fill('input[name=password]', PASSWORD);
      await submit(page, () => page.click(`${LOGIN_FORM} button[type=submit]`));
      await redeem(page, first);

      const again = await authorize(page, { prompt: 'login' });
      await page.waitForSelector(LOGIN_FORM);
      expect(await page.textContent('h1')).toBe('Confirm it’s you');
      expect(await page.inputValue('input[name=email]')).toBe(email);
      expect(await page.getAttribute('input[name=email]', 'readonly')).not.toBeNull();
      expect(await page.locator('text=Create an account').count()).toBe(0);
      await expectCleanPage(page);
      await atWidths(page, 'passwordless-confirm');

      await page.fill('input[name=password]', PASSWORD);
      await submit(page, () => page.click(`${LOGIN_FORM} button[type=submit]`));
      expect((await redeem(page, again)).amr).toEqual(['pwd']);

      // "Not you?" opens the ordinary login page of the same sign-in.
      await authorize(page, { prompt: 'login' });
      await page.waitForSelector(LOGIN_FORM);
      await submit(page, () => page.getByRole('link', { name: 'Not you? Use another account' }).click());
      expect(await page.textContent('h1')).toBe('Sign in');
      expect(await page.inputValue('input[name=email]')).toBe('');
      await expectCleanPage(page);
    } finally {
      await page.context().close();
    }
  }, TEST_TIMEOUT_MS);
});
