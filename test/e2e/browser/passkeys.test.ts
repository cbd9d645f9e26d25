// Passkeys through the real sign-in in headless Chromium: Chromium's virtual authenticator (CTAP2, platform, resident
// keys, user verification) against the real application, a relying party's redirect_uri on 127.0.0.1, and the
// id_token the relying party gets for its code (acr and amr). One customer's passkey is followed through its life:
// 1. created inside the sign-in, when an app that accepts only passkeys requires a second step the customer lacks;
// 2. used alone ("Sign in with a passkey" on the login page, nothing typed) in another browser context that holds it;
// 3. offered first as the second step by an app that accepts any factor;
// 4. asked for alone to step up a password-only session to the phishing-resistant level (no password again);
// 5. and, in the account center, a second passkey added, renamed and removed — removal after the sign-in has aged
//    sends the customer to sign in again first.
// A passkey moves between browser contexts (each its own cookie jar and virtual authenticator) as CDP exports and
// imports it; it is exported again after each use because its signature counter moves on.
// Every page is checked for console errors, CSP violations and basic accessibility; the second-step and enrollment
// pages are photographed at phone and desktop width (test-artifacts/screenshots/e2e-passkeys-*.png).
// The issuer is http://localhost:PORT: WebAuthn refuses IP addresses as relying party ids.
import { generate } from 'otplib';
import * as oidc from 'openid-client';
import type { JWTPayload } from 'jose';
import { ACR } from '../../../src/auth/types.ts';
import { startTestApp, type TestApp } from '../../support/app.ts';
import { redeemInBrowser, startCodeFlow, type BrowserRp, type Started } from '../browser-rp.ts';
import { rowOf, wireOf } from '../../../adapters/wire.ts';
import {
  addVirtualAuthenticator,
  atWidths,
  expectCleanPage,
  exportCredentials,
  importCredentials,
  launchBrowser,
  newPage,
  startRedirectReceiver,
  type Browser,
  type Page,
  type RedirectReceiver,
  type VirtualAuthenticator,
  type VirtualCredential,
} from '../../support/browser.ts';

const PASSWORD = 'maple syrup on tuesday mornings';
const TEST_TIMEOUT_MS = 30_000;
const LOGIN_FORM = 'form[action$="/login"]';
const PASSKEY_LOGIN_BUTTON = 'Sign in with a passkey';
const USE_PASSKEY_BUTTON = 'Use passkey';
const CREATE_PASSKEY_BUTTON = 'Create a passkey';

let t: TestApp;
let browser: Browser;
let receiver: RedirectReceiver;

/** Accepts only passkeys and requires a second step. */
let passkeyBank: BrowserRp;
/** Requires a second step, any kind. */
let bank: BrowserRp;
/** A password is enough. */
let shop: BrowserRp;

// The customer whose passkey the tests follow, and the passkey as the last browser that used it left it.
const customer = { id: '', email: `passkey-${Date.now().toString(36)}@example.test` };
let carried: VirtualCredential[] = [];

async function createRp(clientId: string, extra: { mfaPolicy: 'off' | 'required'; mfaFactors?: ('passkey' | 'totp')[] }): Promise<BrowserRp> {
  await t.services.clients.create({
    clientId,
    public: true,
    clientName: 'Demo Bank',
    redirectUris: [`${receiver.origin}/cb`],
    grantTypes: ['authorization_code'],
    scope: 'openid email',
    firstParty: true,
    ...extra,
  });
  const config = await oidc.discovery(new URL(t.url), clientId, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
  return { clientId, config };
}

beforeAll(async () => {
  [t, browser, receiver] = await Promise.all([
    // The operator's default is off so that the account center's own sign-ins are password-only; the apps below set
    // their own policies.
    startTestApp({ MFA_POLICY: 'off', REAUTH_MAX_AGE_SECONDS: '300' }, () => [], { localhost: true }),
    launchBrowser(),
    startRedirectReceiver(),
  ]);
  [passkeyBank, bank, shop] = await Promise.all([
    createRp('passkey-bank', { mfaPolicy: 'required', mfaFactors: ['passkey'] }),
    createRp('bank', { mfaPolicy: 'required' }),
    createRp('shop', { mfaPolicy: 'off' }),
  ]);
  const user = await t.services.users.create({ email: customer.email, password: PASSWORD, emailVerified: true, name: 'Grace Hopper' });
  customer.id = user.id;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await receiver?.close();
  await t?.close();
});

/**
 * A fresh browser context with a virtual authenticator, holding `credentials` when given. Chromium answers a
 * conditional (autofill) passkey request of the virtual authenticator at once, as if the customer had picked the
 * passkey in the e-mail field's list; so unless `autofill` is asked for, the page's browser says it has no passkey
 * autofill (as many browsers do), and the tests type a password or press the button.
 */
async function openBrowser(credentials: readonly VirtualCredential[] = [], opts: { autofill?: boolean } = {}): Promise<{ page: Page; authenticator: VirtualAuthenticator }> {
  const page = await newPage(browser);
  if (!opts.autofill) {
    await page.addInitScript(() => {
      const pkc = (globalThis as { PublicKeyCredential?: { isConditionalMediationAvailable?: () => Promise<boolean> } }).PublicKeyCredential;
      if (pkc) pkc.isConditionalMediationAvailable = async () => false;
    });
  }
  const authenticator = await addVirtualAuthenticator(page);
  await importCredentials(authenticator, credentials);
  return { page, authenticator };
}

const authorize = (page: Page, client: BrowserRp, params: Record<string, string> = {}) => startCodeFlow(page, client, receiver, params);

async function submitPassword(page: Page): Promise<void> {
  await page.waitForSelector(LOGIN_FORM);
  await expectCleanPage(page);
  await page.fill('input[name=email]', customer.email);
  await page.fill('input[name=password]', PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click(`${LOGIN_FORM} button[type=submit]`)]);
}

/** Waits for the browser to reach the relying party, redeems the code there and returns the verified id_token's claims. */
async function redeem(page: Page, client: BrowserRp, started: Started): Promise<JWTPayload> {
  const { claims } = await redeemInBrowser(page, client, receiver, started);
  expect(claims.sub).toBe(customer.id);
  expect(typeof claims.auth_time).toBe('number');
  return claims;
}

const amrOf = (claims: JWTPayload) => (claims.amr ?? []) as string[];
const passkeyAmr = (amr: string[]) => amr.includes('hwk') || amr.includes('swk');

describe('passkeys in the sign-in, in Chromium', () => {
  it('an app that accepts only passkeys has a password-only customer create one inside the sign-in: acr phr, amr pwd + hwk/swk', async () => {
    const { page, authenticator } = await openBrowser();
    try {
      const started = await authorize(page, passkeyBank);
      await submitPassword(page);

      // Sent to enroll: the only kind this app accepts opens at once, nothing to choose.
      await page.waitForURL((url) => url.pathname.endsWith('/mfa/enroll'));
      expect(await page.textContent('h1')).toBe('Add a second step');
      expect(await page.locator('ul.choices a').count()).toBe(0);
      expect(await page.textContent('main h2')).toBe('Passkey');
      expect(await page.locator('input[type=password]').count()).toBe(0);
      await expectCleanPage(page);
      await atWidths(page, 'e2e-passkeys-enroll');

      await page.getByRole('button', { name: CREATE_PASSKEY_BUTTON }).click();
      const claims = await redeem(page, passkeyBank, started);
      expect(claims.acr).toBe(ACR.phishingResistant);
      expect(amrOf(claims)).toContain('pwd');
      expect(passkeyAmr(amrOf(claims))).toBe(true);
      await expectCleanPage(page);

      // The authenticator holds a discoverable credential for localhost, for this account; the server stored it.
      carried = await exportCredentials(authenticator);
      expect(carried).toHaveLength(1);
      expect(carried[0]).toMatchObject({ rpId: 'localhost', isResidentCredential: true, userHandle: Buffer.from(customer.id).toString('base64') });
      const stored = await t.services.passkeys.list(customer.id);
      expect(stored.map((p) => Buffer.from(p.id, 'base64url').toString('base64'))).toEqual([carried[0]!.credentialId]);
    } finally {
      await page.context().close();
    }
  }, TEST_TIMEOUT_MS);

  it('"Sign in with a passkey" on the login page signs in without anything typed: acr phr, amr hwk/swk + user, no pwd', async () => {
    expect(carried).toHaveLength(1);
    const { page, authenticator } = await openBrowser(carried);
    try {
      const started = await authorize(page, passkeyBank);
      await page.waitForSelector(LOGIN_FORM);
      await expectCleanPage(page);
      await atWidths(page, 'e2e-passkeys-login');

      await page.getByRole('button', { name: PASSKEY_LOGIN_BUTTON }).click();
      const claims = await redeem(page, passkeyBank, started);
      expect(claims.acr).toBe(ACR.phishingResistant);
      expect(amrOf(claims)).toContain('user');
      expect(passkeyAmr(amrOf(claims))).toBe(true);
      expect(amrOf(claims)).not.toContain('pwd');
      await expectCleanPage(page);
      carried = await exportCredentials(authenticator);
      expect((await t.services.passkeys.list(customer.id))[0]?.lastUsedAt).toBeInstanceOf(Date);
    } finally {
      await page.context().close();
    }
  }, TEST_TIMEOUT_MS);

  it('the e-mail field offers the passkey (autofill, conditional mediation) and picking it signs in: acr phr, no pwd', async () => {
    expect(carried).toHaveLength(1);
    const { page, authenticator } = await openBrowser(carried, { autofill: true });
    try {
      const started = await authorize(page, passkeyBank);
      // Nothing is clicked or typed: the field's passkey list is answered by the virtual authenticator at once.
      const claims = await redeem(page, passkeyBank, started);
      expect(claims.acr).toBe(ACR.phishingResistant);
      expect(passkeyAmr(amrOf(claims))).toBe(true);
      expect(amrOf(claims)).not.toContain('pwd');
      await expectCleanPage(page);
      carried = await exportCredentials(authenticator);
    } finally {
      await page.context().close();
    }
  }, TEST_TIMEOUT_MS);

  it('a login page whose browser has no passkey autofill waits for the button, and the e-mail field says webauthn', async () => {
    const { page } = await openBrowser(carried);
    try {
      await authorize(page, passkeyBank);
      await page.waitForSelector(LOGIN_FORM);
      expect(await page.getAttribute('input[name=email]', 'autocomplete')).toBe('username webauthn');
      await page.waitForSelector('form[data-webauthn][data-autofill="unsupported"]');
      expect(new URL(page.url()).pathname).toMatch(/^\/interaction\/[^/]+$/);
    } finally {
      await page.context().close();
    }
  }, TEST_TIMEOUT_MS);

  it('an app that requires any second step offers the passkey first after the password: acr phr', async () => {
    // An authenticator app too, so that "first" means something: the passkey opens the page, the app is the other way.
    const enrollment = await t.services.totp.begin({ accountId: customer.id, email: customer.email });
    const code = await generate({ secret: enrollment.secret, epoch: Math.floor(Date.now() / 1000) });
    expect((await t.services.totp.confirm(customer.id, enrollment.token, code)).ok).toBe(true);

    const { page, authenticator } = await openBrowser(carried);
    try {
      const started = await authorize(page, bank);
      await submitPassword(page);

      await page.waitForURL((url) => url.pathname.endsWith('/mfa'));
      expect(await page.textContent('h1')).toBe('Confirm it’s you');
      expect(await page.textContent('main h2')).toBe('Passkey');
      expect(await page.getByRole('button', { name: USE_PASSKEY_BUTTON }).isVisible()).toBe(true);
      expect(await page.locator('nav[aria-labelledby="other-methods"] a').allTextContents()).toEqual(['Authenticator app']);
      expect(await page.locator('input[name=code]').count()).toBe(0);
      await expectCleanPage(page);
      await atWidths(page, 'e2e-passkeys-mfa');

      await page.getByRole('button', { name: USE_PASSKEY_BUTTON }).click();
      const claims = await redeem(page, bank, started);
      expect(claims.acr).toBe(ACR.phishingResistant);
      expect(amrOf(claims)).toEqual(expect.arrayContaining(['pwd', 'user', 'mfa']));
      expect(passkeyAmr(amrOf(claims))).toBe(true);
      await expectCleanPage(page);
      carried = await exportCredentials(authenticator);
    } finally {
      await page.context().close();
    }
  }, TEST_TIMEOUT_MS);

  it('a password-only session asked for acr phr is stepped up with the passkey alone, not the password again', async () => {
    const { page, authenticator } = await openBrowser(carried);
    try {
      const first = await authorize(page, shop);
      await submitPassword(page);
      const password = await redeem(page, shop, first);
      expect(password.acr).toBe(ACR.password);
      expect(amrOf(password)).toEqual(['pwd']);

      const started = await authorize(page, shop, { acr_values: ACR.phishingResistant });
      await page.getByRole('button', { name: USE_PASSKEY_BUTTON }).waitFor();
      expect(new URL(page.url()).origin).toBe(t.url);
      expect(await page.locator('input[type=password]').count()).toBe(0);
      expect(await page.locator(LOGIN_FORM).count()).toBe(0);
      expect(await page.textContent('main')).toContain('asks for a stronger sign-in');
      await expectCleanPage(page);
      await atWidths(page, 'e2e-passkeys-step-up');

      await page.getByRole('button', { name: USE_PASSKEY_BUTTON }).click();
      const claims = await redeem(page, shop, started);
      expect(claims.acr).toBe(ACR.phishingResistant);
      expect(amrOf(claims)).toEqual(expect.arrayContaining(['pwd', 'user']));
      expect(passkeyAmr(amrOf(claims))).toBe(true);
      await expectCleanPage(page);
      carried = await exportCredentials(authenticator);

      // The session itself was stepped up: the same request again goes through without a page.
      const again = await authorize(page, shop, { acr_values: ACR.phishingResistant });
      const silent = await redeem(page, shop, again);
      expect(silent.acr).toBe(ACR.phishingResistant);
      expect(receiver.hits.at(-1)?.searchParams.get('state')).toBe(again.state);
    } finally {
      await page.context().close();
    }
  }, TEST_TIMEOUT_MS);
});

describe('passkeys in the account center, in Chromium', () => {
  const SECURITY = '/account/security';

  /** Makes this account's sign-ins look `seconds` old, as if the password was entered that long ago. */
  async function ageSignIn(seconds: number): Promise<void> {
    const rows = t.services.adapter.collection('Session');
    const loginTs = Math.floor(Date.now() / 1000) - seconds;
    for (const row of await rows.find({ accountId: customer.id }).toArray()) {
      const session = rowOf(row);
      await rows.replaceOne({ _id: row._id }, wireOf({ ...session, payload: { ...session.payload, loginTs } }));
    }
    // Changed around the adapter, as another process would: this process's copies go too.
    t.services.adapter.forgetRows('Session');
  }

  const card = (page: Page, label: string) => page.locator('li.factor-card', { hasText: label });

  it('adds a second passkey, renames it, and removes it after signing in again with it', async () => {
    // A browser without the customer's first passkey: the new one is made on this authenticator.
    const { page, authenticator } = await openBrowser();
    const codesBefore = receiver.hits.filter((hit) => hit.searchParams.get('code')).length;
    try {
      await page.goto(`${t.url}${SECURITY}`);
      await submitPassword(page);
      await page.waitForURL((url) => url.origin === t.url && url.pathname === SECURITY);
      expect(await page.textContent('h1')).toBe('Sign-in security');
      const passkeyCards = page.locator('li.factor-card', { has: page.locator('h3', { hasText: /^Passkey$/ }) });
      expect(await passkeyCards.count()).toBe(1);
      await expectCleanPage(page);
      await atWidths(page, 'e2e-passkeys-account-security');

      // Add.
      await Promise.all([page.waitForNavigation(), page.locator('section[aria-labelledby="mfa-add"] a', { hasText: 'Passkey' }).click()]);
      expect(new URL(page.url()).pathname).toBe(`${SECURITY}/passkeys/new`);
      await expectCleanPage(page);
      await atWidths(page, 'e2e-passkeys-account-add');
      await page.getByLabel('Name', { exact: true }).fill('Virtual laptop');
      await Promise.all([page.waitForURL((url) => url.pathname === SECURITY), page.getByRole('button', { name: 'Create passkey' }).click()]);
      expect(await page.textContent('main')).toContain('The second step has been added.');
      expect(await card(page, 'Virtual laptop').count()).toBe(1);
      expect(await passkeyCards.count()).toBe(2);
      await expectCleanPage(page);
      const held = await exportCredentials(authenticator);
      expect(held).toHaveLength(1);
      expect(held[0]?.credentialId).not.toBe(carried[0]?.credentialId);
      expect(await t.services.passkeys.list(customer.id)).toHaveLength(2);

      // Rename.
      const added = card(page, 'Virtual laptop');
      await added.locator('summary').click();
      await added.getByLabel('New name for Virtual laptop').fill('Work laptop');
      await Promise.all([page.waitForURL((url) => url.pathname === SECURITY), added.getByRole('button', { name: 'Save' }).click()]);
      expect(await page.textContent('main')).toContain('The passkey has been renamed.');
      expect(await card(page, 'Work laptop').count()).toBe(1);
      expect(await card(page, 'Virtual laptop').count()).toBe(0);
      await expectCleanPage(page);
      await atWidths(page, 'e2e-passkeys-account-renamed');

      // Remove, with a sign-in that is no longer recent: sign in again first (with the passkey), then remove.
      await ageSignIn(3600);
      const remove = () => page.getByRole('button', { name: 'Remove Passkey "Work laptop"' }).click();
      await Promise.all([page.waitForURL((url) => url.pathname.startsWith('/interaction/')), remove()]);
      await page.waitForSelector(LOGIN_FORM);
      // Asked again as this account ("Confirm it's you"), with its address fixed.
      expect(await page.textContent('h1')).toBe('Confirm it’s you');
      expect(await page.inputValue('input[name=email]')).toBe(customer.email);
      expect(await t.services.passkeys.list(customer.id)).toHaveLength(2);
      await expectCleanPage(page);
      await page.getByRole('button', { name: PASSKEY_LOGIN_BUTTON }).click();
      await page.waitForURL((url) => url.origin === t.url && url.pathname === SECURITY);
      expect(await card(page, 'Work laptop').count()).toBe(1);

      await Promise.all([page.waitForURL((url) => url.pathname === SECURITY), remove()]);
      expect(await page.textContent('main')).toContain('The second step has been removed.');
      expect(await card(page, 'Work laptop').count()).toBe(0);
      expect(await passkeyCards.count()).toBe(1);
      expect(await card(page, 'Authenticator app').count()).toBe(1);
      await expectCleanPage(page);
      const left = await t.services.passkeys.list(customer.id);
      expect(left.map((p) => Buffer.from(p.id, 'base64url').toString('base64'))).toEqual([carried[0]!.credentialId]);

      // The removed passkey is still on this device, but it no longer signs anyone in.
      await authorize(page, passkeyBank, { prompt: 'login' });
      await page.waitForSelector(LOGIN_FORM);
      await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: PASSKEY_LOGIN_BUTTON }).click()]);
      await page.waitForSelector(LOGIN_FORM);
      expect(new URL(page.url()).origin).toBe(t.url);
      expect(await page.locator('#form-error').textContent()).toContain('The passkey could not be used.');
      await expectCleanPage(page);
      expect(receiver.hits.filter((hit) => hit.searchParams.get('code')).length).toBe(codesBefore);
    } finally {
      await page.context().close();
    }
  }, TEST_TIMEOUT_MS);
});
