// Bot protection (BOT_PROTECTION=signup,recover) in headless Chromium against the real server: with JavaScript the
// sign-up page solves its puzzle in the background (views/assets/proof.js) and the customer signs up as usual; without
// JavaScript the page says how long to wait, a form sent sooner comes back with what was typed, and later it passes.
// Every page is checked for CSP violations, console errors and accessibility, and photographed at both widths.
import * as oidc from 'openid-client';
import {
  allProblems,
  atWidths,
  DESKTOP,
  expectCleanPage,
  launchBrowser,
  newPage,
  PHONE,
  screenshot,
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
let shop: { clientId: string; config: oidc.Configuration };
const it = serverTest(() => server);

const PASSWORD = 'maple syrup on tuesday mornings';
const TEST_TIMEOUT_MS = 60_000;
const DELAY_SECONDS = 2;
const LOGIN_FORM = 'form[action$="/login"]';
const SIGNUP_FORM = 'form[action$="/signup"]';
const SIGNUP_CODE_FORM = 'form[action$="/signup/verify"]';
const CONSENT_FORM = 'form[action$="/confirm"]';

beforeAll(async () => {
  [smtp, browser, receiver] = await Promise.all([startTestSmtp(), launchBrowser(), startRedirectReceiver()]);
  // A small puzzle (2^10 hashes) and a short wait for browsers without JavaScript.
  server = await startServer({
    env: {
      SMTP_URL: smtp.url,
      PRODUCT_NAME: 'Demo ID',
      BOT_PROTECTION: 'signup,recover',
      BOT_PROTECTION_BITS: '10',
      BOT_PROTECTION_DELAY_SECONDS: String(DELAY_SECONDS),
    },
  });
  const clientId = unique('bot-shop');
  await server.cli([
    'clients', 'create', '--client-id', clientId, '--public', '--client-name', 'Demo Shop',
    '--redirect-uri', `${receiver.origin}/cb`, '--grant-type', 'authorization_code', '--scope', 'openid email',
  ]);
  shop = { clientId, config: await rp(server, { clientId }) };
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await receiver?.close();
  await server?.stop();
  await smtp?.close();
});

async function authorize(page: Page): Promise<void> {
  const url = oidc.buildAuthorizationUrl(shop.config, {
    redirect_uri: `${receiver.origin}/cb`,
    scope: 'openid email',
    code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
    code_challenge_method: 'S256',
    state: oidc.randomState(),
  });
  await page.goto(url.href);
}

/** The bot check fields of every form the page posts, as sent. */
function recordPosts(page: Page): URLSearchParams[] {
  const posts: URLSearchParams[] = [];
  page.on('request', (req) => {
    if (req.method() === 'POST' && req.isNavigationRequest()) posts.push(new URLSearchParams(req.postData() ?? ''));
  });
  return posts;
}

describe('bot protection in Chromium', () => {
  it('signs up with JavaScript: the page solves the puzzle for the address typed, and the mailed code signs the customer in', async () => {
    const page = await newPage(browser);
    const posts = recordPosts(page);
    const email = `${unique('bot-signup')}@example.test`;
    try {
      await authorize(page);
      await page.waitForSelector(LOGIN_FORM);
      await submit(page, 'a:text("Create an account")');
      await page.waitForSelector(SIGNUP_FORM);
      expect(await page.getAttribute(`${SIGNUP_FORM} input[name=bot_challenge]`, 'data-proof-bits')).toBe('10');
      expect(await page.getAttribute(`${SIGNUP_FORM} input[name=bot_challenge]`, 'data-proof-subject')).toBe('email');
      await expectCleanPage(page);
      await atWidths(page, 'signup-bot-check');

      await page.fill('input[name=email]', email);
      await page.fill('input[name=password]', PASSWORD);
      const sentAfter = Date.now();
      await submit(page, `${SIGNUP_FORM} button[type=submit]`);
      await page.waitForSelector(SIGNUP_CODE_FORM);
      // What left the page: the challenge and a nonce the script found (the wait alone would have been too short).
      const sent = posts.find((p) => p.get('email') === email);
      expect(sent?.get('bot_challenge')).toMatch(/^10\./);
      expect(sent?.get('bot_nonce')).toMatch(/^\d+$/);
      await expectCleanPage(page);

      const mail = await smtp.waitFor(email, { after: sentAfter, subject: /confirm/i });
      await page.fill('input[name=code]', codeFrom(mail));
      await submit(page, `${SIGNUP_CODE_FORM} button[type=submit]`);
      await page.waitForSelector(CONSENT_FORM);
      await page.click(`${CONSENT_FORM} button[type=submit]`);
      await page.waitForURL((url) => url.origin === receiver.origin);
      expect(new URL(page.url()).searchParams.get('code')).toBeTruthy();
      expect(allProblems(page)).toEqual([]);
    } finally {
      await page.context().close();
    }
  }, TEST_TIMEOUT_MS);

  it('without JavaScript, says how long to wait, keeps what was typed when sent too soon, and passes after the wait', async () => {
    const page = await newPage(browser, { javaScript: false });
    const email = `${unique('bot-noscript')}@example.test`;
    try {
      await authorize(page);
      await page.waitForSelector(LOGIN_FORM);
      await submit(page, 'a:text("Forgot your password?")');
      const form = 'form[action$="/forgot"]';
      await page.waitForSelector(form);
      expect(await page.textContent(`${form} noscript`)).toContain(`this form can be sent ${DELAY_SECONDS} seconds after the page opened`);

      await page.fill('input[name=email]', email);
      await submit(page, `${form} button[type=submit]`);
      expect(await page.textContent('#form-error')).toMatch(/Please wait \d seconds?, then send the form again/);
      expect(await page.inputValue('input[name=email]')).toBe(email);
      // Photographed only: axe needs the page's scripts (the same page with them is checked by the other tests).
      expect(allProblems(page)).toEqual([]);
      for (const viewport of [PHONE, DESKTOP]) {
        await page.setViewportSize(viewport);
        await screenshot(page, 'forgot-bot-check-early');
      }

      // Waited out here: a page without scripts runs no timers of its own.
      await new Promise((resolve) => setTimeout(resolve, (DELAY_SECONDS + 1) * 1000));
      await submit(page, `${form} button[type=submit]`);
      expect(new URL(page.url()).pathname).toMatch(/\/reset$/);
    } finally {
      await page.context().close();
    }
  }, TEST_TIMEOUT_MS);
});
