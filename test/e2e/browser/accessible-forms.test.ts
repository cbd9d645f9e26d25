// Accessible forms on every hosted page, in headless Chromium against the real server: after a failed submit the
// error summary has the focus and links each problem to its input; each invalid input is aria-invalid and described
// by its own message; a required checkbox left unticked is the invalid input; what was typed stays (the sign-up's
// password too when the problem is elsewhere, never a refused password); the login page tabs e-mail → password →
// submit → "Forgot your password?"; every password field gets a show-password toggle (none without JavaScript).
// atWidths runs axe-core (WCAG 2.2 A/AA rules) at 390 and 1280 px on each page and photographs it
// (test-artifacts/screenshots/a11y-*.png).
import * as oidc from 'openid-client';
import {
  a11yProblems,
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
import { rp, unique } from '../flows.ts';

let server: TestServer;
let browser: Browser;
let receiver: RedirectReceiver;
let smtp: TestSmtp;
const it = serverTest(() => server);

const PASSWORD = 'maple syrup on tuesday mornings';
const TEST_TIMEOUT_MS = 90_000;
const LOGIN_FORM = 'form[action$="/login"]';
const SIGNUP_FORM = 'form[action$="/signup"]';

// The terms apply to one app only, so that sign-up there has a required checkbox and nobody else is asked.
const termsShopId = unique('terms-shop');
const LEGAL_DOCUMENTS = [{ id: 'terms', version: '1', effective: '2024-01-01T00:00:00Z', title: { en: 'Shop terms' }, text: { en: 'Be kind.' }, clients: [termsShopId] }];

interface Rp {
  clientId: string;
  config: oidc.Configuration;
}
let shop: Rp;
let termsShop: Rp;
let mfaShop: Rp;
let totpShop: Rp;

async function createRp(clientId: string, extra: string[] = []): Promise<Rp> {
  await server.cli([
    'clients', 'create', '--client-id', clientId, '--public', '--client-name', 'Demo Shop', '--first-party',
    '--redirect-uri', `${receiver.origin}/cb`, '--grant-type', 'authorization_code', '--scope', 'openid profile email',
    ...extra,
  ]);
  return { clientId, config: await rp(server, { clientId }) };
}

beforeAll(async () => {
  [smtp, browser, receiver] = await Promise.all([startTestSmtp(), launchBrowser(), startRedirectReceiver()]);
  server = await startServer({
    env: { SMTP_URL: smtp.url, PRODUCT_NAME: 'Demo ID', LEGAL_DOCUMENTS: JSON.stringify(LEGAL_DOCUMENTS), SIGNUP_REQUIRED_ATTRIBUTES: 'given_name', MFA_POLICY: 'off' },
  });
  [shop, termsShop, mfaShop, totpShop] = await Promise.all([
    createRp(unique('shop')),
    createRp(termsShopId),
    createRp(unique('mfa-shop'), ['--mfa', 'required']),
    createRp(unique('totp-shop'), ['--mfa', 'required', '--mfa-factor', 'totp']),
  ]);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await receiver?.close();
  await server?.stop();
  await smtp?.close();
});

async function createUser(): Promise<string> {
  const email = `${unique('a11y')}@example.test`;
  await server.cli(['users', 'create', '--email', email, '--password', PASSWORD, '--name', 'Grace Hopper', '--email-verified']);
  return email;
}

async function authorize(page: Page, client: Rp, params: Record<string, string> = {}): Promise<void> {
  const verifier = oidc.randomPKCECodeVerifier();
  const url = oidc.buildAuthorizationUrl(client.config, {
    redirect_uri: `${receiver.origin}/cb`,
    scope: 'openid email profile',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state: oidc.randomState(),
    ...params,
  });
  await page.goto(url.href);
}

async function login(page: Page, email: string, password: string): Promise<void> {
  await page.waitForSelector(LOGIN_FORM);
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await submit(page, `${LOGIN_FORM} button[type=submit].primary`);
}

// --- what the page says about its problems, read in the page ------------------------------------------------------

interface Described {
  id: string;
  exists: boolean;
  inline: boolean;
  text: string;
}
interface FormState {
  /** The element with the focus: its id, or its tag when it has none. */
  focused: string;
  summaryFocused: boolean;
  /** The summary's links: href, text, and the tag of the element the href names ('' when there is none). */
  links: { href: string; text: string; target: string }[];
  /** Every aria-invalid control and what its aria-describedby names. */
  invalid: { id: string; described: Described[] }[];
}

interface DomEl {
  id: string;
  tagName: string;
  className: string;
  textContent: string | null;
  getAttribute(name: string): string | null;
  querySelectorAll(selector: string): Iterable<DomEl>;
}
interface DomDoc {
  activeElement: DomEl | null;
  querySelector(selector: string): DomEl | null;
  querySelectorAll(selector: string): Iterable<DomEl>;
  getElementById(id: string): DomEl | null;
}

async function formState(page: Page): Promise<FormState> {
  return page.evaluate(() => {
    const doc = (globalThis as unknown as { document: DomDoc }).document;
    const summary = doc.querySelector('[data-error-summary]');
    const active = doc.activeElement;
    const text = (el: DomEl | null) => (el?.textContent ?? '').replace(/\s+/g, ' ').trim();
    return {
      focused: active ? active.id || active.tagName.toLowerCase() : '',
      summaryFocused: summary !== null && active === summary,
      links: [...(summary ? summary.querySelectorAll('a') : [])].map((a) => {
        const href = a.getAttribute('href') ?? '';
        const target = href.startsWith('#') ? doc.getElementById(decodeURIComponent(href.slice(1))) : null;
        return { href, text: text(a), target: target ? target.tagName.toLowerCase() : '' };
      }),
      invalid: [...doc.querySelectorAll('[aria-invalid="true"]')].map((el) => ({
        id: el.id,
        described: (el.getAttribute('aria-describedby') ?? '')
          .split(/\s+/)
          .filter(Boolean)
          .map((id) => {
            const d = doc.getElementById(id);
            return { id, exists: d !== null, inline: d !== null && /\bfield-error\b/.test(d.className), text: text(d) };
          }),
      })),
    };
  });
}

/**
 * The page after a failed submit: the summary has the focus, links exactly `inputs` (by id, in order), each to an
 * existing form control, and each of those controls — and nothing else — is aria-invalid, described by its own inline
 * message saying what the summary says.
 */
async function expectErrorSummary(page: Page, inputs: string[]): Promise<FormState> {
  const state = await formState(page);
  expect(state.summaryFocused).toBe(true);
  expect(state.links.map((l) => l.href)).toEqual(inputs.map((id) => `#${id}`));
  for (const link of state.links) expect(['input', 'select', 'textarea']).toContain(link.target);
  expect(state.invalid.map((i) => i.id).sort()).toEqual([...new Set(inputs)].sort());
  for (const input of state.invalid) {
    expect(input.described.length).toBeGreaterThan(0);
    for (const d of input.described) expect(d).toMatchObject({ exists: true });
    const own = input.described.filter((d) => d.inline);
    expect(own).toHaveLength(1);
    expect(state.links.find((l) => l.href === `#${input.id}`)?.text).toBe(own[0]?.text);
  }
  return state;
}

/** The accessible state of the show-password toggle of `input`: its button's text and aria-pressed, and the input's type. */
async function toggleState(page: Page, input: string): Promise<{ label: string; pressed: string | null; type: string | null }> {
  const button = page.locator(`button.show-password[aria-controls="${input}"]`);
  return { label: ((await button.textContent()) ?? '').trim(), pressed: await button.getAttribute('aria-pressed'), type: await page.getAttribute(`#${input}`, 'type') };
}

/** What Tab reaches from the focused element, `count` times: each element's id, or its text. */
async function tabOrder(page: Page, count: number): Promise<string[]> {
  const reached: string[] = [];
  for (let i = 0; i < count; i++) {
    await page.keyboard.press('Tab');
    reached.push(
      await page.evaluate(() => {
        const el = (globalThis as unknown as { document: DomDoc }).document.activeElement;
        return el ? el.id || (el.textContent ?? '').trim() : '';
      }),
    );
  }
  return reached;
}

describe('accessible forms in Chromium', () => {
  it('login: focus starts at the e-mail, tabs e-mail → password → its toggle → submit → "Forgot your password?", and a wrong password focuses the summary', async () => {
    const email = await createUser();
    const page = await newPage(browser);
    try {
      await authorize(page, shop);
      await page.waitForSelector(LOGIN_FORM);
      // An error-free page keeps its own autofocus: nothing is summarised, nothing stolen.
      expect(await formState(page)).toMatchObject({ focused: 'email', summaryFocused: false, links: [], invalid: [] });
      await expectCleanPage(page);
      await atWidths(page, 'a11y-login');

      expect(await tabOrder(page, 4)).toEqual(['password', 'Show password', 'Sign in', 'Forgot your password?']);

      await page.fill('input[name=password]', 'a secret typed here');
      expect(await toggleState(page, 'password')).toEqual({ label: 'Show password', pressed: 'false', type: 'password' });
      await page.click('button.show-password');
      expect(await toggleState(page, 'password')).toEqual({ label: 'Show password', pressed: 'true', type: 'text' });
      await page.click('button.show-password');
      expect(await toggleState(page, 'password')).toEqual({ label: 'Show password', pressed: 'false', type: 'password' });

      // Shown when sent: it still leaves as a password field (password managers, form history).
      await page.click('button.show-password');
      await page.fill('input[name=email]', email);
      await page.fill('input[name=password]', 'not the password');
      const sentType = page.waitForRequest((r) => r.method() === 'POST').then(() => page.getAttribute('#password', 'type'));
      await submit(page, `${LOGIN_FORM} button[type=submit].primary`);
      expect(await sentType).toBe('password');

      // Which of the two was wrong is not said: the summary links the password, which carries the same message.
      const state = await expectErrorSummary(page, ['password']);
      expect(state.links[0]?.text).toMatch(/incorrect/i);
      expect(state.invalid[0]?.described.map((d) => d.id)).toEqual(['password-error']);
      expect(await page.inputValue('input[name=email]')).toBe(email);
      expect(await page.inputValue('input[name=password]')).toBe('');
      await expectCleanPage(page);
      await atWidths(page, 'a11y-login-error');

      // The summary's link takes the keyboard to the field.
      await page.click('[data-error-summary] a[href="#password"]');
      expect((await formState(page)).focused).toBe('password');
    } finally {
      await page.context().close();
    }
  }, TEST_TIMEOUT_MS);

  it('the toggle speaks the page’s language; without JavaScript there is none and the summary still takes the focus', async () => {
    const german = await newPage(browser, { locale: 'de-DE' });
    try {
      await authorize(german, shop);
      await german.waitForSelector(LOGIN_FORM);
      expect(await toggleState(german, 'password')).toEqual({ label: 'Passwort anzeigen', pressed: 'false', type: 'password' });
      await expectCleanPage(german);
    } finally {
      await german.context().close();
    }

    const page = await newPage(browser, { javaScript: false });
    try {
      await authorize(page, shop);
      await page.waitForSelector(LOGIN_FORM);
      expect(await page.locator('button.show-password').count()).toBe(0);
      await login(page, `${unique('nobody')}@example.test`, 'whatever it is');
      // autofocus alone, no script. (axe needs JavaScript: the same page with it is checked above.)
      await expectErrorSummary(page, ['password']);
    } finally {
      await page.context().close();
    }
  }, TEST_TIMEOUT_MS);

  it('sign-up: every problem in the summary and at its input, an unticked required box among them; the password kept when the problem is elsewhere, never when it is the password', async () => {
    const page = await newPage(browser);
    const email = `${unique('signup')}@example.test`;
    try {
      await authorize(page, termsShop, { prompt: 'create' });
      await page.waitForSelector(SIGNUP_FORM);
      expect(await page.getAttribute('#accept_legal', 'required')).toBe('');
      expect(await page.textContent('label[for="accept_legal"]')).toContain('(required)');
      expect(await toggleState(page, 'password')).toMatchObject({ pressed: 'false', type: 'password' });
      expect((await formState(page)).focused).toBe('email');
      await expectCleanPage(page);
      await atWidths(page, 'a11y-signup');

      // Three problems at once: a malformed address, the required name left empty, the terms not accepted.
      await page.fill('input[name=email]', 'grace at example');
      await page.fill('input[name=password]', PASSWORD);
      await submit(page, `${SIGNUP_FORM} button[type=submit]`);
      const state = await expectErrorSummary(page, ['email', 'given_name', 'accept_legal']);
      expect(state.links.map((l) => l.text)).toEqual([
        expect.stringMatching(/e-mail address/i),
        expect.stringMatching(/First name/),
        expect.stringMatching(/tick the box/i),
      ]);
      // Kept: what was typed, the password included (the problems are elsewhere).
      expect(await page.inputValue('input[name=email]')).toBe('grace at example');
      expect(await page.inputValue('input[name=password]')).toBe(PASSWORD);
      await expectCleanPage(page);
      await atWidths(page, 'a11y-signup-errors');

      await page.click('[data-error-summary] a[href="#accept_legal"]');
      expect((await formState(page)).focused).toBe('accept_legal');

      // Only the box left: it is the invalid input, with its message; the password is still there.
      await page.fill('input[name=email]', email);
      await page.fill('input[name=given_name]', 'Grace');
      await submit(page, `${SIGNUP_FORM} button[type=submit]`);
      await expectErrorSummary(page, ['accept_legal']);
      expect(await page.inputValue('input[name=password]')).toBe(PASSWORD);
      expect(await page.inputValue('input[name=given_name]')).toBe('Grace');
      await expectCleanPage(page);

      // A password the policy refuses is never put back; the ticked box and the rest stay.
      await page.check('#accept_legal');
      await page.fill('input[name=password]', 'password123');
      await submit(page, `${SIGNUP_FORM} button[type=submit]`);
      const refused = await expectErrorSummary(page, ['password']);
      expect(refused.invalid[0]?.described.map((d) => d.id)).toEqual(['password-error', 'password-hint']);
      expect(await page.inputValue('input[name=password]')).toBe('');
      expect(await page.isChecked('#accept_legal')).toBe(true);
      expect(await page.inputValue('input[name=email]')).toBe(email);
      await expectCleanPage(page);
      await atWidths(page, 'a11y-signup-password-error');

      // Through to the code page: the password is not on it.
      const sentAfter = Date.now();
      await page.fill('input[name=password]', PASSWORD);
      await submit(page, `${SIGNUP_FORM} button[type=submit]`);
      await page.waitForSelector('form[action$="/signup/verify"]');
      expect(await page.content()).not.toContain(PASSWORD);
      expect((await formState(page)).focused).toBe('code');
      await smtp.waitFor(email, { after: sentAfter });
      await page.fill('input[name=code]', '000000');
      await submit(page, 'form[action$="/signup/verify"] button[type=submit]');
      await expectErrorSummary(page, ['code']);
      await expectCleanPage(page);
      await atWidths(page, 'a11y-signup-code-error');
    } finally {
      await page.context().close();
    }
  }, TEST_TIMEOUT_MS);

  it('forgot and reset: a malformed address and two different passwords, each linked; both password fields get a toggle', async () => {
    const email = await createUser();
    const page = await newPage(browser);
    try {
      await authorize(page, shop);
      await page.waitForSelector(LOGIN_FORM);
      await submit(page, 'a:text("Forgot your password?")');
      // Valid to the browser's own check (the form leaves), not to the server's: an address needs a domain with a dot.
      await page.fill('input[name=email]', 'grace@example');
      await submit(page, 'form[action$="/forgot"] button[type=submit]');
      await expectErrorSummary(page, ['email']);
      await expectCleanPage(page);
      await atWidths(page, 'a11y-forgot-error');

      const sentAfter = Date.now();
      await page.fill('input[name=email]', email);
      await submit(page, 'form[action$="/forgot"] button[type=submit]');
      await page.waitForSelector('form[action$="/reset"]');
      expect(await toggleState(page, 'password')).toMatchObject({ pressed: 'false', type: 'password' });
      expect(await toggleState(page, 'confirm')).toMatchObject({ pressed: 'false', type: 'password' });
      await expectCleanPage(page);
      await atWidths(page, 'a11y-reset');

      const code = codeFrom(await smtp.waitFor(email, { after: sentAfter, subject: /reset/i }));
      await page.fill('input[name=code]', code);
      await page.fill('input[name=password]', 'new river stones at dawn');
      await page.fill('input[name=confirm]', 'something else entirely');
      await submit(page, 'form[action$="/reset"] button[type=submit]');
      await expectErrorSummary(page, ['confirm']);
      expect(await page.inputValue('input[name=code]')).toBe(code);
      expect(await page.inputValue('input[name=password]')).toBe('');
      await expectCleanPage(page);
      await atWidths(page, 'a11y-reset-error');
    } finally {
      await page.context().close();
    }
  }, TEST_TIMEOUT_MS);

  it('second factor: a wrong mailed code and a wrong authenticator code, each linked to the code field', async () => {
    const email = await createUser();
    const page = await newPage(browser);
    try {
      await authorize(page, mfaShop);
      await login(page, email, PASSWORD);
      await page.waitForSelector('form[action$="/mfa/send"]');
      await expectCleanPage(page);
      await atWidths(page, 'a11y-mfa');
      await submit(page, 'form[action$="/mfa/send"] button[type=submit]');
      await page.fill('input[name=code]', '000000');
      await submit(page, 'form[action$="/mfa/verify"] button[type=submit]');
      await expectErrorSummary(page, ['code']);
      await expectCleanPage(page);
      await atWidths(page, 'a11y-mfa-error');
    } finally {
      await page.context().close();
    }

    const enrolling = await newPage(browser);
    try {
      await authorize(enrolling, totpShop);
      await login(enrolling, await createUser(), PASSWORD);
      await enrolling.waitForSelector('form[action$="/mfa/enroll/totp"]');
      await expectCleanPage(enrolling);
      await atWidths(enrolling, 'a11y-mfa-enroll');
      await enrolling.fill('input[name=code]', '000000');
      await submit(enrolling, 'form[action$="/mfa/enroll/totp"] button[type=submit]');
      await expectErrorSummary(enrolling, ['code']);
      await expectCleanPage(enrolling);
      await atWidths(enrolling, 'a11y-mfa-enroll-error');
    } finally {
      await enrolling.context().close();
    }
  }, TEST_TIMEOUT_MS);

  it('the error page of a request the provider refuses', async () => {
    const page = await newPage(browser);
    try {
      await page.goto(`${server.issuer}/auth?client_id=${unique('nobody')}&response_type=code&scope=openid`);
      expect(await page.locator('h1').count()).toBe(1);
      expect(await a11yProblems(page)).toEqual([]);
      await atWidths(page, 'a11y-error');
    } finally {
      await page.context().close();
    }
  });

  it('account center: every page passes at both widths; the password, e-mail, profile and deletion forms link their problems', async () => {
    const email = await createUser();
    const page = await newPage(browser);
    try {
      await page.goto(`${server.issuer}/account`);
      await login(page, email, PASSWORD);
      await page.waitForURL((u) => u.pathname === '/account');
      const sections = await page.locator('nav a[href^="/account"]').evaluateAll((links) =>
        [...new Set(links.map((a) => (a as unknown as { getAttribute(n: string): string }).getAttribute('href')))],
      );
      expect(sections).toEqual(expect.arrayContaining(['/account', '/account/profile', '/account/password', '/account/security', '/account/delete']));
      for (const path of sections) {
        await page.goto(`${server.issuer}${path}`);
        // No error, no summary: nothing takes the focus.
        expect(await formState(page)).toMatchObject({ summaryFocused: false, invalid: [] });
        await expectCleanPage(page);
        await atWidths(page, `a11y-account${path.replace('/account', '').replace(/\//g, '-') || '-overview'}`);
      }

      await page.goto(`${server.issuer}/account/password`);
      for (const input of ['f-current_password', 'f-new_password', 'f-confirm_password']) {
        expect(await toggleState(page, input)).toMatchObject({ label: 'Show password', pressed: 'false', type: 'password' });
      }
      await page.fill('#f-new_password', 'new river stones at dawn');
      await page.fill('#f-confirm_password', 'not the same at all');
      await submit(page, 'form[action="/account/password"] button[type=submit]');
      const state = await expectErrorSummary(page, ['f-current_password', 'f-confirm_password']);
      expect(state.invalid.find((i) => i.id === 'f-current_password')?.described.map((d) => d.id)).toEqual(['e-current_password']);
      // Passwords are never put back.
      for (const input of ['#f-current_password', '#f-new_password', '#f-confirm_password']) expect(await page.inputValue(input)).toBe('');
      await expectCleanPage(page);
      await atWidths(page, 'a11y-account-password-error');

      await page.goto(`${server.issuer}/account/email`);
      await page.fill('#f-email', 'not an address');
      await submit(page, 'form[action="/account/email"] button[type=submit]');
      await expectErrorSummary(page, ['f-email']);
      expect(await page.inputValue('#f-email')).toBe('not an address');
      await expectCleanPage(page);
      await atWidths(page, 'a11y-account-email-error');

      // The issue's own case: a bad phone number on the profile page left the focus on <body>.
      await page.goto(`${server.issuer}/account/profile`);
      await page.fill('#f-phone_number', '12');
      await submit(page, 'form[action="/account/profile"] button[type=submit]');
      await expectErrorSummary(page, ['f-phone_number']);
      expect(await page.inputValue('#f-phone_number')).toBe('12');
      await expectCleanPage(page);
      await atWidths(page, 'a11y-account-profile-error');

      await page.goto(`${server.issuer}/account/delete`);
      await page.fill('#f-confirm', 'maybe');
      await submit(page, 'form[action="/account/delete"] button[type=submit]');
      await expectErrorSummary(page, ['f-confirm']);
      await expectCleanPage(page);
      await atWidths(page, 'a11y-account-delete-error');
    } finally {
      await page.context().close();
    }
  }, TEST_TIMEOUT_MS);
});
