// The account center inside the real application (test/support/app.ts: real services, real database, mail to an
// in-process SMTP server), driven by the cookie-keeping browser of test/support/http.ts.
import type { AuditEventType } from '../../../src/services/audit-events.ts';
import { createHash, randomBytes } from 'node:crypto';
import { userModel, type User } from '../../../src/db/models/user.ts';
import { createLogger } from '../../../src/log.ts';
import type { AppMetadata } from '../../../src/services/app-metadata.ts';
import type { ProfileService } from '../../../src/services/profile.ts';
import { startTestApp, type TestApp, type TestAppOptions } from '../../support/app.ts';
import { Browser, findForm, forms, textOf, type Page } from '../../support/http.ts';
import { rowOf, wireOf } from '../../../adapters/wire.ts';

export interface AccountApp extends TestApp {
  profile: ProfileService;
  appMetadata: AppMetadata;
  /** The stored user document, as the database has it. */
  user(id: string): Promise<User | null>;
  createUser(email: string, extra?: Record<string, unknown>): Promise<{ id: string; email: string; password: string }>;
  browser(userAgent?: string): Browser;
  audit(type: AuditEventType, accountId?: string): Promise<{ type: string; outcome: string; reason?: string; clientId?: string; details?: Record<string, unknown> }[]>;
}

export const PASSWORD = 'correct horse battery staple';
export const SHOP = { id: 'shop', redirectUri: 'https://shop.example/cb', name: 'Shop <Test>' };
export const FIREFOX = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0';
export const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

export async function startAccountApp(env: Record<string, string> = {}, options: TestAppOptions = {}): Promise<AccountApp> {
  // createApp mounts the account center and createServices ensures its client: the app is used as it runs.
  // The sign-in asks for no second step unless a test says so: these tests sign many accounts in from one address,
  // which adaptive MFA rightly finds suspicious (test/integration/interaction/mfa*.test.ts is where that is tested).
  const app = await startTestApp({ MFA_POLICY: 'off', ...env }, () => [], options);
  const { services } = app;
  const { profile, appMetadata } = services;
  await services.clients.create({
    clientId: SHOP.id,
    public: true,
    clientName: SHOP.name,
    redirectUris: [SHOP.redirectUri],
    grantTypes: ['authorization_code', 'refresh_token'],
    scope: 'openid profile email phone address offline_access',
  });
  const users = userModel(services.db.connection);
  return {
    ...app,
    profile,
    appMetadata,
    user: (id) => users.findById(id).lean<User>(),
    async createUser(email, extra = {}) {
      const view = await services.users.create({ email, password: PASSWORD, emailVerified: true, ...extra });
      return { id: view.id, email: view.email, password: PASSWORD };
    },
    browser: (userAgent = FIREFOX) => new Browser(app.url, userAgent),
    async audit(type, accountId) {
      return services.audit.list({ type, ...(accountId ? { accountId } : {}) });
    },
  };
}

/** Fills in the login form on `page` (and allows the consent page if one follows); the page where it ends. */
export async function submitLogin(b: Browser, page: Page, email: string, password = PASSWORD): Promise<Page> {
  const { form, button } = findForm(page, /\/login$/);
  let result = await b.submit(form, { email, password }, { button });
  // A provider without the first-party consent skip asks once; allow it.
  const consent = forms(result.page).find((f) => /\/confirm$/.test(f.action.pathname));
  if (consent) result = await b.submit(consent);
  if (result.redirect) throw new Error(`sign-in left the provider for ${result.redirect.href}`);
  return result.page;
}

/** Signs in through the account center; resolves with the page it lands on (`start`, 200). */
export async function signIn(app: AccountApp, b: Browser, email: string, start = '/account', password = PASSWORD): Promise<Page> {
  const { page } = await b.navigate(new URL(start, app.url));
  const landed = await submitLogin(b, page, email, password);
  if (landed.status !== 200) throw new Error(`sign-in ended with ${landed.status} at ${landed.url.pathname}: ${textOf(landed.body).slice(0, 400)}`);
  return landed;
}

/** GET a page (following redirects); fails the test unless it is a 200 on that path. */
export async function open(app: AccountApp, b: Browser, path: string): Promise<Page> {
  const { page } = await b.navigate(new URL(path, app.url));
  if (page.status !== 200 || page.url.pathname !== new URL(path, app.url).pathname) {
    throw new Error(`expected ${path} (200), got ${page.status} at ${page.url.pathname}: ${textOf(page.body).slice(0, 400)}`);
  }
  return page;
}

/** Submits the form posting to `action` on `page` with `values`; the response, redirects not followed. */
export async function post(b: Browser, page: Page, action: RegExp, values: Record<string, string> = {}): Promise<Page> {
  const { form, button } = findForm(page, action);
  const data = new URLSearchParams({ ...form.fields, ...values });
  if (button?.name) data.append(button.name, button.value);
  return b.request(form.action, { method: 'POST', body: data });
}

/** A raw form post (any body) with this browser's cookies. */
export async function rawPost(b: Browser, app: AccountApp, path: string, body: string): Promise<Page> {
  return b.request(new URL(path, app.url), { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
}

export function csrfOf(page: Page): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(page.body);
  if (!match?.[1]) throw new Error('page has no CSRF token');
  return match[1];
}

/** The text of the field error shown next to input `name`. */
export function fieldError(page: Page, name: string): string | undefined {
  const match = new RegExp(`<p class="field-error" id="e-${name}">([^<]*)</p>`).exec(page.body);
  return match?.[1] ? textOf(match[1]) : undefined;
}

/** Authorizes `SHOP` (code flow with PKCE, offline_access) in a signed-in browser; the token response. */
export async function connectShop(
  app: AccountApp,
  b: Browser,
  scope = 'openid profile email offline_access',
  client: { id: string; redirectUri: string } = SHOP,
): Promise<{ access_token: string; refresh_token?: string; id_token?: string }> {
  const verifier = randomBytes(32).toString('base64url');
  const params = new URLSearchParams({
    client_id: client.id,
    response_type: 'code',
    scope,
    redirect_uri: client.redirectUri,
    state: 'shop-state',
    prompt: 'consent',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  let result = await b.navigate(new URL(`/auth?${params}`, app.url));
  const consent = forms(result.page).find((f) => /\/confirm$/.test(f.action.pathname));
  if (consent) result = await b.submit(consent);
  const code = result.redirect?.searchParams.get('code');
  if (!code) throw new Error(`no code for the shop: ${result.page.status} ${textOf(result.page.body).slice(0, 400)}`);
  const res = await fetch(new URL('/token', app.url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: client.redirectUri, client_id: client.id, code_verifier: verifier }),
  });
  const tokens = (await res.json()) as { access_token: string; refresh_token?: string };
  if (!res.ok) throw new Error(`token exchange failed: ${JSON.stringify(tokens)}`);
  return tokens;
}

export async function refresh(app: AccountApp, refreshToken: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(new URL('/token', app.url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: SHOP.id }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export async function userinfo(app: AccountApp, accessToken: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(new URL('/me', app.url), { headers: { authorization: `Bearer ${accessToken}` } });
  return { status: res.status, body: res.status === 200 ? ((await res.json()) as Record<string, unknown>) : {} };
}

/** Makes the account's sign-ins look `seconds` old (as if the password was entered that long ago). */
export async function ageLogin(app: AccountApp, accountId: string, seconds: number): Promise<void> {
  const rows = app.services.adapter.collection('Session');
  const sessions = await rows.find({ accountId }).toArray();
  for (const row of sessions) {
    const loginTs = Math.floor(Date.now() / 1000) - seconds;
    const session = rowOf(row);
    await rows.replaceOne({ _id: row._id }, wireOf({ ...session, payload: { ...session.payload, loginTs } }));
  }
  // Changed around the adapter, as another process would: this process's copies go too.
  app.services.adapter.forgetRows('Session');
}
