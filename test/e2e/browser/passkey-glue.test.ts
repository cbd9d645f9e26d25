// The passkey form partial and passkey.js in a real browser, against the real passkey service and the real app
// (security headers, CSRF, asset routes): a page of its own, mounted through startTestApp's routers, renders
// views/partials/webauthn.ejs in the layout; Chromium's virtual authenticator creates and uses the passkey. Proves the
// glue works under the CSP (script-src 'self', form-action 'self') without a console error, and fails gracefully.
// The issuer is http://localhost:PORT: WebAuthn refuses IP addresses as relying party ids.
import Router from '@koa/router';
import type { Context } from 'koa';
import { createPasskeys, type AuthenticateResult, type PasskeyService, type RegisterResult } from '../../../src/auth/passkeys.ts';
import { csrf } from '../../../src/http/csrf.ts';
import { formBody } from '../../../src/http/form-body.ts';
import { scriptHref, stylesheetHref } from '../../../src/http/assets.ts';
import { template } from '../../../src/http/views.ts';
import type { Services } from '../../../src/app.ts';
import { startTestApp, type TestApp } from '../../support/app.ts';
import {
  addVirtualAuthenticator,
  allProblems,
  atWidths,
  expectCleanPage,
  launchBrowser,
  newPage,
  type Browser,
} from '../../support/browser.ts';

const ACCOUNT = 'acct_glue_1';
const MESSAGES = { unsupported: 'This browser cannot use passkeys.', failed: 'The passkey did not work. Try again.' };

let app: TestApp;
let browser: Browser;
let passkeys: PasskeyService;
const registered: RegisterResult[] = [];
const authenticated: AuthenticateResult[] = [];

function page(ctx: Context, title: string, body: string): void {
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = template('layout')({ lang: 'en', title, body: `<h1>${title}</h1>${body}`, stylesheet: stylesheetHref() });
}

function ceremony(ctx: Context, mode: 'register' | 'authenticate', options: unknown, challengeId: string): void {
  page(ctx, mode === 'register' ? 'Add a passkey' : 'Sign in with a passkey', template('partials/webauthn')({
    scriptHref,
    options,
    action: `/glue/${mode}`,
    mode,
    csrfToken: ctx.state.csrfToken,
    label: mode === 'register' ? 'Create passkey' : 'Use passkey',
    messages: MESSAGES,
    extraFields: { challengeId },
    ...(mode === 'register' ? { nameField: { label: 'Passkey name', value: '' } } : {}),
  }));
}

// The test's own pages: what the account center and the login page do, minus everything else.
function glue(services: Services): Router[] {
  // The same service the app builds, on the app's database, for the issuer http://localhost:PORT.
  passkeys = createPasskeys({ conn: services.db.connection, rpId: 'localhost', rpName: 'Glue test', origin: new URL(services.config.issuer).origin, audit: services.audit, key: services.config.dataEncryptionKey });
  const router = new Router({ prefix: '/glue' });
  router.get('/register', csrf(), async (ctx) => {
    const { challengeId, options } = await passkeys.registrationOptions({ accountId: ACCOUNT, email: 'glue@example.test', displayName: 'Glue Tester' });
    ceremony(ctx, 'register', options, challengeId);
  });
  router.post('/register', formBody(), csrf(), async (ctx) => {
    const body = ctx.request.body as Record<string, string>;
    const result = await passkeys.register(ACCOUNT, body.challengeId ?? '', body.response, body.name);
    registered.push(result);
    page(ctx, result.ok ? 'Passkey added' : 'Passkey not added', `<p id="result">${result.ok ? result.passkey.name : result.reason}</p>`);
  });
  router.get('/authenticate', csrf(), async (ctx) => {
    const { challengeId, options } = await passkeys.authenticationOptions();
    ceremony(ctx, 'authenticate', options, challengeId);
  });
  router.post('/authenticate', formBody(), csrf(), async (ctx) => {
    const body = ctx.request.body as Record<string, string>;
    const result = await passkeys.authenticate(body.challengeId ?? '', body.response);
    authenticated.push(result);
    page(ctx, result.ok ? 'Signed in' : 'Not signed in', `<p id="result">${result.ok ? result.accountId : result.reason}</p>`);
  });
  return [router];
}

beforeAll(async () => {
  [app, browser] = await Promise.all([startTestApp({}, glue, { localhost: true }), launchBrowser()]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

test('the issuer is http://localhost:PORT, served on 127.0.0.1', () => {
  expect(app.url).toMatch(/^http:\/\/localhost:\d+$/);
  expect(app.services.config.issuer).toBe(app.url);
});

test('a passkey is created in the browser, registered, and then signs in without a user name', async () => {
  const p = await newPage(browser);
  try {
    const authenticator = await addVirtualAuthenticator(p);

    const res = await p.goto(`${app.url}/glue/register`);
    const csp = res?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("form-action 'self'");
    await expectCleanPage(p);
    await atWidths(p, 'e2e-passkey-glue-register');
    await p.getByLabel('Passkey name').fill('Virtual key');
    await p.getByRole('button', { name: 'Create passkey' }).click();
    await p.waitForSelector('#result');
    expect(await p.textContent('h1')).toBe('Passkey added');
    expect(await p.textContent('#result')).toBe('Virtual key');
    expect(registered.at(-1)).toMatchObject({ ok: true, passkey: { name: 'Virtual key' } });

    const held = await authenticator.credentials();
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({ rpId: 'localhost', isResidentCredential: true, userHandle: Buffer.from(ACCOUNT).toString('base64') });
    const [stored] = await passkeys.list(ACCOUNT);
    expect(Buffer.from(stored?.id ?? '', 'base64url').equals(Buffer.from(held[0]?.credentialId ?? '', 'base64'))).toBe(true);

    await p.goto(`${app.url}/glue/authenticate`);
    await expectCleanPage(p);
    await p.getByRole('button', { name: 'Use passkey' }).click();
    await p.waitForSelector('#result');
    expect(await p.textContent('h1')).toBe('Signed in');
    expect(await p.textContent('#result')).toBe(ACCOUNT);
    expect(authenticated.at(-1)).toMatchObject({ ok: true, accountId: ACCOUNT, userVerified: true });
    expect((await passkeys.list(ACCOUNT))[0]?.lastUsedAt).toBeInstanceOf(Date);
    await expectCleanPage(p);
  } finally {
    await p.context().close();
  }
});

test('a ceremony the authenticator refuses shows the page\'s message, keeps the form and can be tried again', async () => {
  const p = await newPage(browser);
  try {
    // An authenticator with no passkey for this site: Chromium refuses the discoverable request at once.
    await addVirtualAuthenticator(p);
    const before = authenticated.length;
    await p.goto(`${app.url}/glue/authenticate`);
    const button = p.getByRole('button', { name: 'Use passkey' });
    await button.click();
    const alert = p.getByRole('alert');
    await alert.filter({ hasText: MESSAGES.failed }).waitFor();
    expect(await p.textContent('h1')).toBe('Sign in with a passkey');
    expect(await button.isEnabled()).toBe(true);
    expect(await p.inputValue('input[name="response"]')).toBe('');
    expect(authenticated.length).toBe(before); // nothing was posted
    await atWidths(p, 'e2e-passkey-glue-failed');

    // Again: the same message, still one alert.
    await button.click();
    await p.waitForFunction(() => {
      const doc = (globalThis as unknown as { document: { querySelector(s: string): { getAttribute(n: string): string | null } | null } }).document;
      return doc.querySelector('form[data-webauthn]')?.getAttribute('aria-busy') === null;
    });
    expect(await alert.count()).toBe(1);
    await expectCleanPage(p);
  } finally {
    await p.context().close();
  }
});

test('registering a second passkey on an authenticator that holds one is refused by the browser (excludeCredentials)', async () => {
  const p = await newPage(browser);
  try {
    await addVirtualAuthenticator(p);
    await p.goto(`${app.url}/glue/register`);
    await p.getByRole('button', { name: 'Create passkey' }).click();
    await p.waitForSelector('#result');
    expect(await p.textContent('h1')).toBe('Passkey added');
    const count = registered.length;

    await p.goto(`${app.url}/glue/register`);
    await p.getByRole('button', { name: 'Create passkey' }).click();
    await p.getByRole('alert').filter({ hasText: MESSAGES.failed }).waitFor();
    expect(registered.length).toBe(count);
    await expectCleanPage(p);
  } finally {
    await p.context().close();
  }
});

test('without WebAuthn the form says so instead of posting', async () => {
  const p = await newPage(browser);
  try {
    // A browser without the API (as old or locked-down ones are).
    await p.addInitScript(() => {
      delete (globalThis as { PublicKeyCredential?: unknown }).PublicKeyCredential;
    });
    await p.goto(`${app.url}/glue/authenticate`);
    await p.getByRole('button', { name: 'Use passkey' }).click();
    await p.getByRole('alert').filter({ hasText: MESSAGES.unsupported }).waitFor();
    expect(await p.textContent('h1')).toBe('Sign in with a passkey');
    expect(allProblems(p)).toEqual([]);
  } finally {
    await p.context().close();
  }
});

test('a response posted without the script (no JavaScript) is refused by the server, not trusted', async () => {
  const p = await newPage(browser);
  try {
    await p.route('**/assets/*.js*', (route) => route.abort());
    await p.goto(`${app.url}/glue/authenticate`);
    await p.getByRole('button', { name: 'Use passkey' }).click();
    await p.waitForSelector('#result');
    expect(await p.textContent('#result')).toBe('invalid');
  } finally {
    await p.context().close();
  }
});
