// The four languages added last (French, Spanish, Italian, Dutch) walked as a customer: a sign-in in each, chosen
// once by the app's ui_locales and once by the browser's language alone, with a wrong password on the way, then the
// consent page and back to the app. Every page at both widths: in its language (html lang and the catalogue's text),
// axe-clean, no sideways scrolling on a phone although these languages run longer than English.
import { translator, type Locale } from '../../../src/i18n/index.ts';
import { atWidths, expectCleanPage, launchBrowser, newPage, PHONE, sidewaysScroll, startRedirectReceiver, submit, type Browser, type Page, type RedirectReceiver } from '../../support/browser.ts';
import { serverTest, startServer, type TestServer } from '../../support/server.ts';
import { redeemInBrowser, registerBrowserRp, startCodeFlow, type BrowserRp } from '../browser-rp.ts';
import { createUser, unique, type TestUser } from '../flows.ts';

let server: TestServer;
let browser: Browser;
let receiver: RedirectReceiver;
let shop: BrowserRp;
const it = serverTest(() => server);

beforeAll(async () => {
  [server, browser, receiver] = await Promise.all([startServer(), launchBrowser(), startRedirectReceiver()]);
  shop = await registerBrowserRp(server, receiver, unique('lang-shop'), ['--scope', 'openid profile email']);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await receiver?.close();
  await server?.stop();
});

async function phoneOverflow(page: Page): Promise<number> {
  await page.setViewportSize(PHONE);
  return sidewaysScroll(page);
}

/** The page is in `locale`: its html lang, its heading, and nothing left in English where the catalogue differs. */
async function expectIn(page: Page, locale: Locale, heading: Parameters<ReturnType<typeof translator>>[0]): Promise<void> {
  expect(await page.getAttribute('html', 'lang')).toBe(locale);
  const title = translator(locale)(heading);
  expect(title).not.toBe(translator('en')(heading));
  expect((await page.textContent('h1'))?.trim()).toBe(title);
}

const CASES: readonly { locale: Locale; chosenBy: 'ui_locales' | 'the browser' }[] = [
  { locale: 'fr', chosenBy: 'ui_locales' },
  { locale: 'es', chosenBy: 'the browser' },
  { locale: 'it', chosenBy: 'ui_locales' },
  { locale: 'nl', chosenBy: 'the browser' },
];

describe.each(CASES)('a sign-in in $locale (chosen by $chosenBy)', ({ locale, chosenBy }) => {
  let user: TestUser;
  let page: Page;
  const t = translator(locale);

  beforeAll(async () => {
    user = await createUser(server, 'Ada Lovelace');
    // A browser in another of our languages when ui_locales decides, so the test sees which one won.
    page = await newPage(browser, { locale: chosenBy === 'ui_locales' ? 'de-DE' : `${locale}-${locale.toUpperCase()}` });
  });

  afterAll(async () => {
    await page?.context().close();
  });

  it('speaks the language on every page, at both widths, and signs the customer in', async () => {
    const params: Record<string, string> = { scope: 'openid profile email', prompt: 'consent' };
    if (chosenBy === 'ui_locales') params.ui_locales = `${locale} en`;
    const started = await startCodeFlow(page, shop, receiver, params);

    await page.waitForSelector('form[action$="/login"]');
    await expectIn(page, locale, 'login.title');
    expect(await page.textContent('label[for=email]')).toContain(t('login.email'));
    await atWidths(page, `lang-${locale}-login`);
    expect(await phoneOverflow(page)).toBeLessThanOrEqual(0);

    // A wrong password: the error in the language, the address kept.
    await page.fill('input[name=email]', user.email);
    await page.fill('input[name=password]', `${user.password}-wrong`);
    await submit(page, 'form[action$="/login"] button[type=submit]:not([formaction])');
    expect(await page.textContent('body')).toContain(t('login.error.credentials'));
    expect(await page.inputValue('input[name=email]')).toBe(user.email);
    await atWidths(page, `lang-${locale}-login-error`);
    expect(await phoneOverflow(page)).toBeLessThanOrEqual(0);

    await page.fill('input[name=password]', user.password);
    await submit(page, 'form[action$="/login"] button[type=submit]:not([formaction])');

    await page.waitForSelector('form[action$="/confirm"]');
    await expectIn(page, locale, 'consent.title');
    expect(await page.textContent('body')).toContain(t('consent.allow'));
    await atWidths(page, `lang-${locale}-consent`);
    expect(await phoneOverflow(page)).toBeLessThanOrEqual(0);
    await page.click('form[action$="/confirm"] button.primary');

    const { tokens, claims } = await redeemInBrowser(page, shop, receiver, started);
    expect(claims.sub).toEqual(expect.any(String));
    expect(tokens.access_token).toEqual(expect.any(String));
    await expectCleanPage(page);
  });
});
