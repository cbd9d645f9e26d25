// An app's brand in Chromium: its login page with the logo (an SVG served from our origin) and colours (a stylesheet of
// ours) at phone and desktop width, with no CSP violation or console error — the CSP stays img-src/style-src 'self'
// — and another app's login page in the operator's brand. Screenshots in test-artifacts/screenshots/.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { a11yProblems, allProblems, atWidths, DESKTOP, launchBrowser, newPage, PHONE, sidewaysScroll, startRedirectReceiver, type Browser, type Page, type RedirectReceiver } from '../../support/browser.ts';
import { SVG } from '../../support/logos.ts';
import { serverTest, startServer, type TestServer } from '../../support/server.ts';
import { unique } from '../flows.ts';

let server: TestServer;
let browser: Browser;
let receiver: RedirectReceiver;
let dir: string;
const branded = unique('grocer');
const plain = unique('plain');
const it = serverTest(() => server);

beforeAll(async () => {
  [server, browser, receiver] = await Promise.all([startServer({ env: { PRODUCT_NAME: 'Acme ID' } }), launchBrowser(), startRedirectReceiver()]);
  dir = mkdtempSync(join(tmpdir(), 'ciam-brand-e2e-'));
  writeFileSync(join(dir, 'logo.svg'), SVG);
  const app = ['--public', '--redirect-uri', `${receiver.origin}/cb`, '--grant-type', 'authorization_code', '--scope', 'openid email'];
  await server.cli([
    'clients', 'create', '--client-id', branded, ...app, '--brand-name', 'Green Grocer', '--brand-logo-file', join(dir, 'logo.svg'),
    '--brand-primary-color', '#0b5d3b', '--brand-background-color', '#fff8e7', '--brand-support-url', 'https://help.grocer.example/',
  ]);
  await server.cli(['clients', 'create', '--client-id', plain, ...app, '--client-name', 'Plain App']);
}, 60_000);

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await browser?.close();
  await receiver?.close();
  await server?.stop();
});

async function openLogin(page: Page, clientId: string): Promise<void> {
  const params = new URLSearchParams({
    client_id: clientId, response_type: 'code', scope: 'openid email', redirect_uri: `${receiver.origin}/cb`,
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256', state: 'st',
  });
  await page.goto(`${server.issuer}/auth?${params}`);
  await page.waitForSelector('form[action$="/login"]');
}

const style = (page: Page, selector: string, property: string) =>
  page.$eval(selector, (el, p) => (globalThis as unknown as { getComputedStyle(e: unknown): Record<string, string> }).getComputedStyle(el)[p], property);

describe('a branded login page in Chromium', () => {
  for (const [name, viewport] of [['phone', PHONE], ['desktop', DESKTOP]] as const) it(`shows the logo and colours at ${name} width without CSP or console errors`, async () => {
    const page = await newPage(browser, { viewport });
    try {
      await openLogin(page, branded);
      // The logo loaded (from our origin: the CSP lets in nothing else) and has the brand's name as its text.
      const logo = await page.$eval('header.brand img.brand-logo', (img) => {
        const i = img as unknown as { naturalWidth: number; alt: string; src: string };
        return { width: i.naturalWidth, alt: i.alt, src: i.src };
      });
      expect(logo).toEqual({ width: 120, alt: 'Green Grocer', src: expect.stringMatching(new RegExp(`^${server.issuer}/branding/logo/[0-9a-f]{64}\\.svg$`)) });
      expect(await style(page, 'button.primary', 'backgroundColor')).toBe('rgb(11, 93, 59)');
      expect(await style(page, 'button.primary', 'color')).toBe('rgb(255, 255, 255)');
      expect(await style(page, 'body', 'backgroundColor')).toBe('rgb(255, 248, 231)');
      expect(await page.textContent('main')).toContain('to continue to Green Grocer');
      expect(await page.getAttribute('footer.brand-footer a', 'href')).toBe('https://help.grocer.example/');
      // Nothing wider than the screen.
      expect(await sidewaysScroll(page)).toBeLessThanOrEqual(0);
      expect(await a11yProblems(page)).toEqual([]);
      expect(allProblems(page)).toEqual([]);
      await atWidths(page, 'branded-login');
    } finally {
      await page.context().close();
    }
  });

  it("shows another app's login page in the operator's brand", async () => {
    const page = await newPage(browser);
    try {
      await openLogin(page, plain);
      expect(await page.textContent('header.brand')).toBe('Acme ID');
      expect(await page.$('img.brand-logo')).toBeNull();
      expect(await style(page, 'button.primary', 'backgroundColor')).toBe('rgb(31, 95, 191)');
      expect(allProblems(page)).toEqual([]);
      await atWidths(page, 'operator-brand-login');
    } finally {
      await page.context().close();
    }
  });
});
