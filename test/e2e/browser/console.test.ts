// The operator console of the real server in headless Chromium: the first admin made with the CLI (`ciam users
// create`, `ciam operators create`), signed in through the provider with a password and a mailed code (the console
// demands the MFA level), finds a customer, disables them after confirming, and reads the audit log. Every page is
// checked for CSP violations, console errors and basic accessibility and photographed at phone and desktop width
// (test-artifacts/screenshots/e2e-console-*.png).
import {
  atWidths,
  expectCleanPage,
  launchBrowser,
  newPage,
  submit,
  type Browser,
  type Page,
} from '../../support/browser.ts';
import { serverTest, startServer, type TestServer } from '../../support/server.ts';
import { codeFrom, startTestSmtp, type TestSmtp } from '../../support/smtp.ts';
import { unique } from '../flows.ts';

let server: TestServer;
let browser: Browser;
let smtp: TestSmtp;
const it = serverTest(() => server);

const PASSWORD = 'maple syrup on tuesday mornings';
const LOGO_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" viewBox="0 0 120 40"><rect width="120" height="40" fill="#0b5d3b"/></svg>';
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
      for (const [path, heading] of [
        ['/console/overview', 'Overview'],
        ['/console/apps', 'Apps'],
        ['/console/keys', 'Signing keys'],
        ['/console/webhooks', 'Webhooks'],
        ['/console/code', 'Find a customer by their support code'],
        ['/console/setup', 'Set-up'],
        ['/console/connections/new', 'Add a connection'],
        ['/console/operators', 'Operators'],
      ] as const) {
        await page.goto(`${server.issuer}${path}`);
        expect(await page.textContent('h1')).toBe(heading);
        await expectCleanPage(page);
        await atWidths(page, `e2e-console-${path.slice('/console/'.length).replace(/\//g, '-')}`);
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

  it('an admin lets a support agent search for two hours with a reason; the agent searches, then the admin ends it', async () => {
    const admin = await createUser('Gus Granter');
    await server.cli(['operators', 'create', '--email', admin.email, '--role', 'admin']);
    const agent = await createUser('Sia Searcher');
    await server.cli(['operators', 'create', '--email', agent.email, '--role', 'support']);
    const customer = await createUser('Hana Hidden');

    const page = await newPage(browser);
    const desk = await newPage(browser);
    try {
      await signInToConsole(page, admin.email);
      await page.goto(`${server.issuer}/console/operators`);
      expect(await page.textContent('h1')).toBe('Operators');
      await expectCleanPage(page);
      await atWidths(page, 'e2e-console-operators');
      const form = page.locator(`form[action="/console/operators/${agent.id}/search"]`);
      await form.locator('select[name=hours]').selectOption('2');
      await form.locator('input[name=reason]').fill('Ticket 815: the customer cannot read their support code');
      await Promise.all([page.waitForNavigation(), form.locator('button[type=submit]').click()]);
      expect(await page.textContent('[role=status]')).toContain('may search every customer');
      expect(await page.textContent(`[data-testid="grant-${agent.id}"]`)).toContain('Ticket 815');
      await expectCleanPage(page);
      await atWidths(page, 'e2e-console-operators-granted');

      // The agent's console opens on the search while the grant lasts.
      await signInToConsole(desk, agent.email);
      expect(new URL(desk.url()).pathname).toBe('/console/customers');
      expect(await desk.textContent('[data-testid=search-grant]')).toContain('Ticket 815');
      await desk.fill('input[name=q]', 'Hana Hidden');
      await submit(desk, 'form.console-filters button[type=submit]');
      const link = desk.locator(`table a[href="/console/customers/${customer.id}"]`);
      expect(await link.textContent()).toBe(customer.email);
      await expectCleanPage(desk);
      await atWidths(desk, 'e2e-console-granted-search');

      // The admin ends it; the agent's next search is refused on the server.
      await Promise.all([page.waitForNavigation(), page.click(`form[action="/console/operators/${agent.id}/search/revoke"] button[type=submit]`)]);
      expect(await page.textContent('[role=status]')).toContain('The search grant has ended.');
      const refused = await desk.goto(`${server.issuer}/console/customers?q=Hana`);
      expect(refused?.status()).toBe(403);
      const hidden = await desk.goto(`${server.issuer}/console/customers/${customer.id}`);
      expect(hidden?.status()).toBe(404);
    } finally {
      await page.context().close();
      await desk.context().close();
    }
  }, TEST_TIMEOUT_MS);

  it('an admin registers an app with a logo: the secret is shown once, the logo is ours, and an auditor cannot register one', async () => {
    const admin = await createUser('Ari Apps');
    await server.cli(['operators', 'create', '--email', admin.email, '--role', 'admin']);
    const clientId = unique('web').replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 60);
    const page = await newPage(browser);
    try {
      await signInToConsole(page, admin.email);
      await page.goto(`${server.issuer}/console/apps`);
      await Promise.all([page.waitForNavigation(), page.click('a[href="/console/apps/new"]')]);
      expect(await page.textContent('h1')).toBe('Register an app');
      await expectCleanPage(page);
      await atWidths(page, 'e2e-console-app-new');

      await page.fill('input[name=clientId]', clientId);
      await page.fill('input[name=clientName]', 'Garden Shop');
      await page.fill('textarea[name=redirectUris]', 'https://garden.example.com/callback');
      await page.check('input[name="grantType:client_credentials"]');
      await page.selectOption('select[name=mfaPolicy]', 'required');
      await page.fill('input[name=brandName]', 'Garden Shop');
      await page.fill('input[name=brandPrimary]', '#0b5d3b');
      await page.setInputFiles('input[name=brandLogoFile]', { name: 'logo.svg', mimeType: 'image/svg+xml', buffer: Buffer.from(LOGO_SVG) });
      await submit(page, 'form.app-form button[type=submit]');

      expect(new URL(page.url()).pathname).toBe('/console/apps');
      expect(await page.textContent('[role=status]')).toContain('The app is registered.');
      const secret = ((await page.textContent('[data-testid=client-secret]')) ?? '').trim();
      expect(secret.length).toBeGreaterThanOrEqual(32);
      // The logo is served from our origin and shown under the console's own CSP.
      const logo = page.locator('[data-testid=app-logo]');
      expect(await logo.getAttribute('src')).toMatch(/^\/branding\/logo\/[0-9a-f]{64}\.svg$/);
      expect(await logo.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(0);
      await expectCleanPage(page);
      await atWidths(page, 'e2e-console-app-created');

      // The secret works, and is not shown again.
      const token = await fetch(`${server.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'client_credentials' }),
      });
      expect(token.status).toBe(200);
      await page.goto(`${server.issuer}/console/apps/${clientId}`);
      expect(await page.locator('[data-testid=client-secret]').count()).toBe(0);

      // A refused change: said on the form, what was typed kept.
      await page.fill('input[name=brandPrimary]', '#808080');
      await page.fill('input[name=clientName]', 'Garden Shop Online');
      await submit(page, 'form.app-form button[type=submit]');
      expect(await page.textContent('[role=alert]')).toContain('brand.primaryColor');
      expect(await page.inputValue('input[name=clientName]')).toBe('Garden Shop Online');
      await expectCleanPage(page);
      await atWidths(page, 'e2e-console-app-refused');
    } finally {
      await page.context().close();
    }

    const auditor = await createUser('Aude Apps');
    await server.cli(['operators', 'create', '--email', auditor.email, '--role', 'auditor']);
    const other = await newPage(browser);
    try {
      await signInToConsole(other, auditor.email);
      await other.goto(`${server.issuer}/console/apps`);
      expect(await other.locator('a[href="/console/apps/new"]').count()).toBe(0);
      const refused = await other.goto(`${server.issuer}/console/apps/new`);
      expect(refused?.status()).toBe(403);
    } finally {
      await other.context().close();
    }
  }, TEST_TIMEOUT_MS);
});
