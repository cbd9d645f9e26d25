// The operator console of the real server in headless Chromium: the first admin made with the CLI (`ciam users
// create`, `ciam operators create`), signed in through the provider with a password and a mailed code (the console
// demands the MFA level), finds a customer, disables them after confirming, and reads the audit log. Every page is
// checked for CSP violations, console errors and basic accessibility and photographed at phone and desktop width
// (test-artifacts/screenshots/e2e-console-*.png).
import { a11yProblems, allProblems, atWidths, launchBrowser, newPage, type Browser, type Page } from '../../support/browser.ts';
import { serverTest, startServer, type TestServer } from '../../support/server.ts';
import { codeFrom, startTestSmtp, type TestSmtp } from '../../support/smtp.ts';
import { unique } from '../flows.ts';

let server: TestServer;
let browser: Browser;
let smtp: TestSmtp;
const it = serverTest(() => server);

const PASSWORD = 'maple syrup on tuesday mornings';
const TEST_TIMEOUT_MS = 60_000;

beforeAll(async () => {
  [smtp, browser] = await Promise.all([startTestSmtp(), launchBrowser()]);
  server = await startServer({ env: { SMTP_URL: smtp.url } });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await smtp?.close();
});

async function createUser(name: string): Promise<{ id: string; email: string }> {
  const email = `${unique('console')}@example.test`;
  const created = await server.cli<{ id: string }>(['users', 'create', '--email', email, '--password', PASSWORD, '--name', name, '--email-verified']);
  return { id: created.id, email };
}

async function expectCleanPage(page: Page): Promise<void> {
  expect(await a11yProblems(page)).toEqual([]);
  expect(allProblems(page)).toEqual([]);
}

async function submit(page: Page, selector: string): Promise<void> {
  await Promise.all([page.waitForNavigation(), page.click(selector)]);
}

/** Signs `email` in at `/console` (password, then a mailed code for the MFA level); the page where it lands. */
async function signInToConsole(page: Page, email: string): Promise<void> {
  await page.goto(`${server.issuer}/console`);
  await page.waitForSelector('form[action$="/login"]');
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', PASSWORD);
  await submit(page, 'form[action$="/login"] button[type=submit]');
  await page.waitForSelector('form[action$="/mfa/send"]');
  const sentAfter = Date.now();
  await submit(page, 'form[action$="/mfa/send"] button[type=submit]');
  const mail = await smtp.waitFor(email, { after: sentAfter, subject: /security code/i });
  await page.fill('input[name=code]', codeFrom(mail));
  await submit(page, 'form[action$="/mfa/verify"] button[type=submit]');
}

describe('the operator console in Chromium', () => {
  it('an admin made with the CLI signs in with a second factor, finds a customer, disables them, and sees it in the audit log', async () => {
    const admin = await createUser('Ada Admin');
    expect(await server.cli(['operators', 'create', '--email', admin.email, '--role', 'admin'])).toMatchObject({ role: 'admin', status: 'added' });
    const customer = await createUser('Grace Customer');

    const page = await newPage(browser);
    try {
      await page.goto(`${server.issuer}/console`);
      await page.waitForSelector('form[action$="/login"]');
      await page.fill('input[name=email]', admin.email);
      await page.fill('input[name=password]', PASSWORD);
      await submit(page, 'form[action$="/login"] button[type=submit]');

      // The console asks for the MFA level: a code mailed to the verified address.
      await page.waitForSelector('form[action$="/mfa/send"]');
      await expectCleanPage(page);
      await atWidths(page, 'e2e-console-mfa');
      const sentAfter = Date.now();
      await submit(page, 'form[action$="/mfa/send"] button[type=submit]');
      const mail = await smtp.waitFor(admin.email, { after: sentAfter, subject: /security code/i });
      await page.fill('input[name=code]', codeFrom(mail));
      await submit(page, 'form[action$="/mfa/verify"] button[type=submit]');

      expect(new URL(page.url()).pathname).toBe('/console/customers');
      expect(await page.textContent('h1')).toBe('Customers');
      await expectCleanPage(page);
      await atWidths(page, 'e2e-console-customers');

      await page.fill('input[name=q]', 'Grace Customer');
      await submit(page, 'form.console-filters button[type=submit]');
      const link = page.locator(`table a[href="/console/customers/${customer.id}"]`);
      expect(await link.textContent()).toBe(customer.email);
      await expectCleanPage(page);
      await atWidths(page, 'e2e-console-search');

      await Promise.all([page.waitForNavigation(), link.click()]);
      expect(await page.textContent('main')).toContain('Grace Customer');
      await expectCleanPage(page);
      await atWidths(page, 'e2e-console-customer');

      await Promise.all([page.waitForNavigation(), page.click('a[href$="/actions/disable"]')]);
      expect(await page.textContent('h1')).toBe('Disable account');
      expect(await page.textContent('main')).toContain(customer.email);
      await expectCleanPage(page);
      await atWidths(page, 'e2e-console-confirm');
      await submit(page, 'form[action$="/actions/disable"] button[type=submit]');

      expect(new URL(page.url()).pathname).toBe(`/console/customers/${customer.id}`);
      expect(await page.textContent('[role=status]')).toBe('The account is disabled.');
      expect(await page.locator('a[href$="/actions/enable"]').count()).toBe(1);
      await expectCleanPage(page);
      await atWidths(page, 'e2e-console-disabled');

      await Promise.all([page.waitForNavigation(), page.click('a[href^="/console/audit?account="]')]);
      expect(await page.textContent('table')).toContain('account.disabled');
      expect(await page.textContent('table')).toContain(admin.id);
      await expectCleanPage(page);
      await atWidths(page, 'e2e-console-audit');

      // The other sections an admin has, each clean and photographed.
      for (const [path, heading] of [['/console/overview', 'Overview'], ['/console/apps', 'Apps'], ['/console/keys', 'Signing keys'], ['/console/webhooks', 'Webhooks'], ['/console/code', 'Find a customer by their support code']] as const) {
        await page.goto(`${server.issuer}${path}`);
        expect(await page.textContent('h1')).toBe(heading);
        await expectCleanPage(page);
        await atWidths(page, `e2e-console-${path.split('/').pop()}`);
      }
      await page.goto(`${server.issuer}/console/apps/ciam-account`);
      await expectCleanPage(page);
      await atWidths(page, 'e2e-console-app');
    } finally {
      await page.context().close();
    }
  }, TEST_TIMEOUT_MS);

  it('a support agent finds the customer who reads out a support code, and only that customer', async () => {
    const agent = await createUser('Sam Support');
    await server.cli(['operators', 'create', '--email', agent.email, '--role', 'support']);
    const customer = await createUser('Carla Caller');

    // The customer makes a code in the account center.
    const own = await newPage(browser);
    let code: string;
    try {
      await own.goto(`${server.issuer}/account/support`);
      await own.waitForSelector('form[action$="/login"]');
      await own.fill('input[name=email]', customer.email);
      await own.fill('input[name=password]', PASSWORD);
      await submit(own, 'form[action$="/login"] button[type=submit]');
      expect(new URL(own.url()).pathname).toBe('/account/support');
      await submit(own, 'form[action="/account/support/code"] button[type=submit]');
      code = ((await own.textContent('[data-testid=support-code]')) ?? '').trim();
      expect(code).toMatch(/^\d{3} \d{3}$/);
      await expectCleanPage(own);
      await atWidths(own, 'e2e-account-support-code');
    } finally {
      await own.context().close();
    }

    const page = await newPage(browser);
    try {
      await signInToConsole(page, agent.email);
      // Support has no search: the console opens on the code form.
      expect(new URL(page.url()).pathname).toBe('/console/code');
      expect(await page.locator('a[href="/console/customers"]').count()).toBe(0);
      await expectCleanPage(page);
      await atWidths(page, 'e2e-console-code');
      await page.fill('input[name=code]', code);
      await submit(page, 'form[action="/console/code"] button[type=submit]');
      expect(new URL(page.url()).pathname).toBe(`/console/customers/${customer.id}`);
      expect(await page.textContent('main')).toContain('Carla Caller');
      expect(await page.locator('a[href$="/actions/erase"]').count()).toBe(0);
      await expectCleanPage(page);
      const search = await page.goto(`${server.issuer}/console/customers?q=Carla`);
      expect(search?.status()).toBe(403);
    } finally {
      await page.context().close();
    }
  }, TEST_TIMEOUT_MS);

  it('an auditor reads customers and the audit log, and is offered no change', async () => {
    const auditor = await createUser('Aud Itor');
    await server.cli(['operators', 'create', '--email', auditor.email, '--role', 'auditor']);
    const customer = await createUser('Rita Read');
    const page = await newPage(browser);
    try {
      await signInToConsole(page, auditor.email);
      expect(new URL(page.url()).pathname).toBe('/console/customers');
      await page.goto(`${server.issuer}/console/customers/${customer.id}`);
      expect(await page.textContent('main')).toContain('Rita Read');
      expect(await page.locator('a[href*="/actions/"]').count()).toBe(0);
      await expectCleanPage(page);
      await atWidths(page, 'e2e-console-auditor-customer');
      const refused = await page.goto(`${server.issuer}/console/customers/${customer.id}/actions/disable`);
      expect(refused?.status()).toBe(403);
      await page.goto(`${server.issuer}/console/audit`);
      expect(await page.textContent('h1')).toBe('Audit log');
      await expectCleanPage(page);
    } finally {
      await page.context().close();
    }
  }, TEST_TIMEOUT_MS);
});
