// Who is using the account center: the provider's own browser session (single sign-on). Without one, the browser
// goes through the authorization endpoint as the built-in client `ciam-account` (response_type=none) and comes
// back to /account/callback; the state of that round trip is bound to a signed, short-lived cookie together with
// the page to return to. Sensitive changes demand a recent sign-in: prompt=login through the same round trip.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { Config } from '../config/index.ts';
import type { User } from '../db/models/user.ts';
import { pickLocale, type Locale } from '../i18n/index.ts';
import { pageState } from '../http/state.ts';
import { ACCOUNT_CLIENT_ID, accountUrls } from './client.ts';
import { RESET_PASSWORD_SCREEN, SCREEN_HINT } from '../oidc/provider.ts';

export const STATE_COOKIE = 'account_auth';
// A few sign-ins may be under way at once (several tabs); older ones are dropped.
const MAX_PENDING = 3;
const PENDING_TTL_MS = 10 * 60 * 1000;
const MAX_RETURN_PATH = 512;

export interface SignedIn {
  accountId: string;
  /** The session's stable identifier (the same across sign-ins in this browser). */
  uid: string;
  /** Seconds since the epoch of the last sign-in (password entry) of this session. */
  loginTs: number;
  user: User;
  locale: Locale;
}

interface Pending {
  s: string;
  r: string;
  e: number;
}

const stateCookie = (ctx: Context) => ({
  signed: true,
  httpOnly: true,
  sameSite: 'lax' as const,
  secure: ctx.secure,
  path: '/account',
  overwrite: true,
});

/** A path inside the account center (never another origin, never a protocol-relative //host), else undefined. */
export function localAccountPath(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_RETURN_PATH) return undefined;
  if (!value.startsWith('/account') || value.includes('\\') || value.includes('//')) return undefined;
  const rest = value.slice('/account'.length);
  if (rest !== '' && !rest.startsWith('/') && !rest.startsWith('?')) return undefined;
  const url = URL.parse(value, 'http://local.invalid');
  if (!url || url.origin !== 'http://local.invalid' || !url.pathname.startsWith('/account')) return undefined;
  // The callback itself is never a destination (it would loop).
  if (url.pathname === '/account/callback') return '/account';
  return url.pathname + url.search;
}

function readPending(ctx: Context): Pending[] {
  const raw = ctx.cookies.get(STATE_COOKIE, { signed: true });
  if (!raw) return [];
  try {
    // base64url of the JSON (a return path may hold characters a cookie value cannot); plain JSON from before.
    const parsed = JSON.parse(raw.startsWith('[') ? raw : Buffer.from(raw, 'base64url').toString('utf8')) as unknown;
    if (!Array.isArray(parsed)) return [];
    const now = Date.now();
    return parsed.filter(
      (p): p is Pending =>
        typeof p === 'object' && p !== null && typeof p.s === 'string' && typeof p.r === 'string' && typeof p.e === 'number' && p.e > now,
    );
  } catch {
    return [];
  }
}

function writePending(ctx: Context, pending: Pending[]): void {
  if (pending.length === 0) ctx.cookies.set(STATE_COOKIE, null, stateCookie(ctx));
  else ctx.cookies.set(STATE_COOKIE, Buffer.from(JSON.stringify(pending)).toString('base64url'), { ...stateCookie(ctx), maxAge: PENDING_TTL_MS });
}

const digest = (v: string) => createHash('sha256').update(v).digest();
const sameState = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

/** Sends the browser to the authorization endpoint; it comes back to `returnTo` through the callback. */
export function redirectToSignIn(
  ctx: Context,
  config: Pick<Config, 'issuer'>,
  opts: {
    returnTo: string;
    reauthenticate?: boolean;
    locale?: Locale;
    /** Open the sign-in on its "forgot password" page (screen_hint), with the address filled in when given. */
    resetPassword?: { email?: string };
  },
): void {
  const returnTo = localAccountPath(opts.returnTo) ?? '/account';
  const state = randomBytes(16).toString('base64url');
  const pending = [...readPending(ctx), { s: state, r: returnTo, e: Date.now() + PENDING_TTL_MS }].slice(-MAX_PENDING);
  writePending(ctx, pending);
  const url = new URL(`${config.issuer}/auth`);
  url.search = new URLSearchParams({
    client_id: ACCOUNT_CLIENT_ID,
    response_type: 'none',
    scope: 'openid',
    redirect_uri: accountUrls(config.issuer).callback,
    state,
    ...(opts.reauthenticate ? { prompt: 'login' } : {}),
    ...(opts.locale ? { ui_locales: opts.locale } : {}),
    ...(opts.resetPassword ? { [SCREEN_HINT]: RESET_PASSWORD_SCREEN, ...(opts.resetPassword.email ? { login_hint: opts.resetPassword.email } : {}) } : {}),
  }).toString();
  ctx.status = 303;
  ctx.redirect(url.toString());
}

export type CallbackResult =
  | { ok: true; returnTo: string }
  | { ok: false; reason: 'state'; returnTo?: undefined }
  | { ok: false; reason: 'error'; error: string; returnTo: string };

/** Checks the authorization response against the pending sign-ins; the matching one is used up. */
export function completeSignIn(ctx: Context, config: Pick<Config, 'issuer'>): CallbackResult {
  const { state, error, iss } = ctx.query;
  const pending = readPending(ctx);
  if (typeof state !== 'string' || !state) return { ok: false, reason: 'state' };
  const match = pending.find((p) => sameState(p.s, state));
  if (!match) return { ok: false, reason: 'state' };
  writePending(
    ctx,
    pending.filter((p) => p !== match),
  );
  // RFC 9207: a response that names another issuer did not come from us.
  if (iss !== undefined && iss !== config.issuer) return { ok: false, reason: 'state' };
  if (typeof error === 'string' && error) return { ok: false, reason: 'error', error, returnTo: match.r };
  return { ok: true, returnTo: match.r };
}

export interface SessionReaderDeps {
  provider: () => Provider;
  users: { get(accountId: string): Promise<User | null> };
}

/** The signed-in account of this browser, or undefined (no session, ended, or the account is gone or disabled). */
export async function readSession(ctx: Context, deps: SessionReaderDeps): Promise<SignedIn | undefined> {
  const provider = deps.provider();
  // The provider signs its cookies with the same keys as this app (config.cookieKeys).
  const id = ctx.cookies.get(provider.cookieName('session'), { signed: true });
  if (!id) return undefined;
  const session = await provider.Session.find(id);
  const accountId = session?.accountId;
  if (!session || !accountId || typeof session.loginTs !== 'number') return undefined;
  const user = await deps.users.get(accountId);
  if (!user || user.disabled) return undefined;
  const locale = pickLocale(user.locale, ctx.get('accept-language'));
  pageState(ctx).locale = locale;
  return { accountId, uid: session.uid, loginTs: session.loginTs, user, locale };
}

/** True when the last sign-in is recent enough for a sensitive change. */
export function isRecentLogin(account: Pick<SignedIn, 'loginTs'>, maxAgeSeconds: number, now = Date.now()): boolean {
  return now / 1000 - account.loginTs <= maxAgeSeconds;
}

/** Forgets the provider's session cookie in this browser (after the session itself was ended). */
export function clearSessionCookie(ctx: Context, provider: Provider): void {
  ctx.cookies.set(provider.cookieName('session'), null, { signed: true, path: '/', overwrite: true, secure: ctx.secure });
}
