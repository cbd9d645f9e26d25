// A real browser for the hosted pages: Debian's Chromium driven by playwright-core (`npx playwright install` cannot
// download here, and CI installs the distribution's package). What the HTTP-level tiny browser (./http.ts) cannot
// see is checked here: the CSP as Chromium enforces it (form-action on every redirect hop), console errors, layout
// at phone and desktop widths, accessibility with axe-core (WCAG 2.2 A/AA rules), and WebAuthn through Chromium's
// virtual authenticator.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type CDPSession, type Page } from 'playwright-core';

export type { Browser, Page } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SCREENSHOT_DIR = join(root, 'test-artifacts', 'screenshots');

export const PHONE = { width: 390, height: 844 } as const;
export const DESKTOP = { width: 1280, height: 800 } as const;
export type Viewport = { width: number; height: number };

// Bounded everywhere: a page that never answers fails its test instead of hanging the run.
const ACTION_TIMEOUT_MS = 10_000;
const NAVIGATION_TIMEOUT_MS = 15_000;

const ARGS = [
  '--no-sandbox', // CI runs as root in a container, where Chromium's sandbox cannot start
  '--disable-gpu',
  '--disable-background-networking', // no calls home (updates, safe browsing, translate) during tests
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
  '--disable-dev-shm-usage', // containers have a tiny /dev/shm
];

export function chromiumPath(): string {
  return process.env.CHROMIUM_PATH || '/usr/bin/chromium';
}

/** One per test file (launching costs ~0.3 s); give each test its own page (= its own cookie jar) with newPage. */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!existsSync(executablePath)) {
    throw new Error(`Chromium not found at ${executablePath}: install Debian's package (apt-get install chromium) or set CHROMIUM_PATH`);
  }
  return chromium.launch({ executablePath, headless: true, args: ARGS, timeout: 30_000 });
}

export interface PageProblems {
  /** console.error and Chromium's own errors (failed loads, refused by CSP), as text with the page URL. */
  console: string[];
  /** securitypolicyviolation events: directive and blocked URI. */
  csp: string[];
  /** Uncaught exceptions in page scripts. */
  errors: string[];
  /** URLs of the documents the tab loaded (Chromium logs a console error for each one answered with 4xx/5xx). */
  documents: Set<string>;
}

const problemsByPage = new WeakMap<Page, PageProblems>();
const FAILED_LOAD = /^Failed to load resource: the server responded with a status of \d+ .* \((.+)\)$/;

// Runs in every document before its own scripts (injected over CDP, so the page's CSP does not apply to it).
const REPORT_CSP_VIOLATIONS = `
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__reportCspViolation(e.effectiveDirective + ' blocked ' + (e.blockedURI || 'inline') + ' on ' + e.documentURI);
  });
`;

/**
 * A page in a fresh browser context (own cookies, English, the given viewport) that records console errors,
 * CSP violations and uncaught exceptions; read them with problemsOf(page). Close with page.context().close().
 */
export async function newPage(
  browser: Browser,
  opts: { viewport?: Viewport; locale?: string; /** false: the page's own scripts do not run (tests can still evaluate). */ javaScript?: boolean } = {},
): Promise<Page> {
  const context = await browser.newContext({
    viewport: opts.viewport ?? DESKTOP,
    locale: opts.locale ?? 'en-US',
    deviceScaleFactor: 1,
    javaScriptEnabled: opts.javaScript ?? true,
  });
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(NAVIGATION_TIMEOUT_MS);
  const page = await context.newPage();
  const problems: PageProblems = { console: [], csp: [], errors: [], documents: new Set() };
  problemsByPage.set(page, problems);
  page.on('request', (req) => {
    if (req.isNavigationRequest() && req.frame() === page.mainFrame()) problems.documents.add(req.url());
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.console.push(`${msg.text()} (${msg.location().url || page.url()})`);
  });
  page.on('pageerror', (err) => problems.errors.push(`${err.message} (${page.url()})`));
  await page.exposeFunction('__reportCspViolation', (text: string) => problems.csp.push(text));
  await page.addInitScript(REPORT_CSP_VIOLATIONS);
  return page;
}

export function problemsOf(page: Page): PageProblems {
  const problems = problemsByPage.get(page);
  if (!problems) throw new Error('problemsOf: the page was not opened with newPage()');
  return problems;
}

/**
 * Everything problemsOf(page) recorded, as one list (empty when the pages behaved). A page's own 4xx/5xx status
 * is not a problem here (Chromium logs one for every such document; the test asserts the status it expects), a
 * failed subresource is. `ignore` drops known messages — say why next to it.
 */
export function allProblems(page: Page, ignore: RegExp[] = []): string[] {
  const p = problemsOf(page);
  const ownStatus = (m: string) => {
    const url = FAILED_LOAD.exec(m)?.[1];
    return url !== undefined && p.documents.has(url);
  };
  return [
    ...p.console.filter((m) => !ownStatus(m)).map((m) => `console: ${m}`),
    ...p.csp.map((m) => `csp: ${m}`),
    ...p.errors.map((m) => `error: ${m}`),
  ].filter((m) => !ignore.some((re) => re.test(m)));
}

/** The page as every browser test wants it: no accessibility problem (axe), no console error, CSP report or page error. */
export async function expectCleanPage(page: Page): Promise<void> {
  expect(await a11yProblems(page)).toEqual([]);
  expect(allProblems(page)).toEqual([]);
}

/** Clicks `target` (a selector, or an action such as a role-located click) and waits for the document it leads to. */
export async function submit(page: Page, target: string | (() => Promise<unknown>)): Promise<void> {
  await Promise.all([page.waitForNavigation(), typeof target === 'string' ? page.click(target) : target()]);
}

/** Full-page PNG at test-artifacts/screenshots/<name>-<width>.png (gitignored; CI can keep the folder). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const width = page.viewportSize()?.width ?? 0;
  const path = join(SCREENSHOT_DIR, `${name}-${width}.png`);
  await page.screenshot({ path, fullPage: true, animations: 'disabled', caret: 'hide' });
  return path;
}

/** How many CSS pixels the page scrolls sideways at its current width (0 when everything fits). */
export function sidewaysScroll(page: Page): Promise<number> {
  return page.evaluate(() => {
    const doc = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document;
    return doc.documentElement.scrollWidth - doc.documentElement.clientWidth;
  });
}

/**
 * Screenshots of the current page at phone (390x844) and desktop (1280x800) width, each width checked with
 * a11yProblems (what only breaks at one width — reflow, a control pushed off-screen, a target too small — shows
 * there); restores the viewport, then fails with every problem found, naming the width.
 */
export async function atWidths(page: Page, name: string): Promise<string[]> {
  const before = page.viewportSize();
  const paths: string[] = [];
  const problems: string[] = [];
  for (const viewport of [PHONE, DESKTOP]) {
    await page.setViewportSize(viewport);
    paths.push(await screenshot(page, name));
    problems.push(...(await a11yProblems(page)).map((p) => `${viewport.width}px ${p}`));
  }
  if (before) await page.setViewportSize(before);
  if (problems.length) throw new Error(`accessibility problems on ${name} (${page.url()}):\n${problems.join('\n')}`);
  return paths;
}

// axe-core (Deque, MPL-2.0), pinned exactly in package.json: a new version brings new rules, and a rule that starts
// failing should be a reviewed upgrade, not a surprise in an unrelated change. Read once, evaluated into a page over
// CDP when first needed there (a <script> tag would meet the page's CSP; an init script would put 550 KB into every
// document the tests open).
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** WCAG 2.0, 2.1 and 2.2, levels A and AA: the rules a hosted page must pass. */
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] as const;

/**
 * A rule that cannot apply to one element, with the reason: the only way to silence axe here. Each entry names the
 * rule, a CSS selector of the element (as axe prints it as the target) and why; keep the list empty if you can.
 */
export interface A11yException {
  rule: string;
  target: RegExp;
  reason: string;
}
export const A11Y_EXCEPTIONS: readonly A11yException[] = [];

interface AxeNode {
  target: unknown[];
  failureSummary?: string;
}
interface AxeViolation {
  id: string;
  help: string;
  nodes: AxeNode[];
}

// Minimal shapes of the DOM used below (the project compiles without lib.dom).
interface Doc {
  querySelectorAll(selector: string): { length: number };
}

// axe's failure summary lists every check that failed under "Fix any/all of the following:" headings; the first two
// say enough (for contrast: the ratio and both colours).
function reasons(summary: string | undefined): string {
  const lines = (summary ?? '').split('\n').map((l) => l.trim()).filter((l) => l && !/^Fix (any|all) of the following:$/i.test(l));
  return lines.length ? ` (${lines.slice(0, 2).join('; ')}${lines.length > 2 ? '; …' : ''})` : '';
}

/**
 * Accessibility check of the current page; returns what is wrong, one readable line per element (empty when fine):
 * every axe-core rule tagged WCAG 2.0/2.1/2.2 A or AA (labels, names, contrast, ARIA, landmarks' contents, lang,
 * title, target size, …), plus one rule of our own that axe leaves to best practice: exactly one h1 per page.
 * A line reads `rule-id: target — what is wrong (how to fix)`.
 */
export async function a11yProblems(page: Page): Promise<string[]> {
  const h1s = await page.evaluate(() => (globalThis as unknown as { document: Doc }).document.querySelectorAll('h1').length);
  const found: string[] = h1s === 1 ? [] : [`page-has-one-h1: ${h1s} <h1> elements (expected one)`];
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(AXE_SOURCE);
  const run = page.evaluate(async (tags) => {
    const axe = (globalThis as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run((globalThis as unknown as { document: unknown }).document, {
      runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations'],
    });
    // Only what the lines below read: the whole result does not cross the CDP boundary.
    return result.violations.map((v) => ({
      id: v.id,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary ?? '' })),
    }));
  }, [...WCAG_TAGS]);
  // axe works through timers, which do not fire in a page opened with JavaScript off: fail, rather than wait forever.
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('axe did not finish in 20 s (a page opened with javaScript: false cannot be checked)')), 20_000);
  });
  const violations = await Promise.race([run, stalled]).finally(() => clearTimeout(timer));
  for (const violation of violations) {
    for (const node of violation.nodes) {
      const target = node.target.map(String).join(' ');
      if (A11Y_EXCEPTIONS.some((e) => e.rule === violation.id && e.target.test(target))) continue;
      found.push(`${violation.id}: ${target} — ${violation.help}${reasons(node.failureSummary)}`);
    }
  }
  return found;
}

export interface VirtualAuthenticator {
  authenticatorId: string;
  session: CDPSession;
  /** Credentials the authenticator holds (CDP WebAuthn.getCredentials). */
  credentials(): Promise<{ credentialId: string; rpId?: string; isResidentCredential: boolean; userHandle?: string }[]>;
  remove(): Promise<void>;
}

/**
 * A platform passkey authenticator (CTAP2, internal transport, resident keys, user verification that always
 * succeeds) attached to the page's tab, for WebAuthn tests. Chromium refuses IP addresses as relying party ids:
 * open the pages as http://localhost:PORT (a secure context) with rp.id 'localhost', not http://127.0.0.1.
 */
export async function addVirtualAuthenticator(page: Page): Promise<VirtualAuthenticator> {
  const session = await page.context().newCDPSession(page);
  await session.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await session.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    authenticatorId,
    session,
    async credentials() {
      const { credentials } = await session.send('WebAuthn.getCredentials', { authenticatorId });
      return credentials;
    },
    async remove() {
      await session.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
    },
  };
}

/** A credential as CDP's WebAuthn domain gives it out and takes it in (binary fields base64), private key included. */
export interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
  backupEligibility?: boolean;
  backupState?: boolean;
  userName?: string;
  userDisplayName?: string;
}

/**
 * Every credential the authenticator holds, private keys and signature counters included (WebAuthn.getCredentials):
 * to carry a passkey into another browser context, as a synced passkey or the same device in a new window would.
 * Export again after each use: the counter moves, and the relying party refuses a counter that goes back.
 */
export async function exportCredentials(authenticator: VirtualAuthenticator): Promise<VirtualCredential[]> {
  const { credentials } = await authenticator.session.send('WebAuthn.getCredentials', { authenticatorId: authenticator.authenticatorId });
  return credentials as VirtualCredential[];
}

/** Puts credentials exported from another authenticator into this one (WebAuthn.addCredential). */
export async function importCredentials(authenticator: VirtualAuthenticator, credentials: readonly VirtualCredential[]): Promise<void> {
  for (const credential of credentials) {
    await authenticator.session.send('WebAuthn.addCredential', { authenticatorId: authenticator.authenticatorId, credential });
  }
}

export interface RedirectReceiver {
  /** http://127.0.0.1:PORT */
  origin: string;
  port: number;
  /** Every URL the browser was sent to, in order. */
  hits: URL[];
  close(): Promise<void>;
}

/**
 * A relying party's redirect_uri / post_logout_redirect_uri on 127.0.0.1: answers every GET with a minimal valid
 * page (lang, title, one h1, no scripts, no favicon request) and records the URL. The test reads the code from
 * page.url() or hits.
 */
export async function startRedirectReceiver(): Promise<RedirectReceiver> {
  const hits: URL[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    hits.push(url);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Relying party</title>'
      + '<link rel="icon" href="data:,"></head><body><h1>Back at the relying party</h1></body></html>');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
