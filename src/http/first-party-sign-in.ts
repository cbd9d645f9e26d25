// Who is using one of our own areas (the account center, the operator console): the provider's own browser session
// (single sign-on). Without one, the browser goes through the authorization endpoint as the area's built-in client
// (response_type=none, oidc/first-party-clients.ts) and comes back to <prefix>/callback; the state of that round trip
// is bound to a signed, short-lived cookie together with the page to return to. A sensitive change demands a recent
// sign-in (prompt=login through the same round trip); an area may demand a stronger one (acr_values: step-up).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { ACR_OF_LEVEL } from '../auth/types.ts';
import type { Config } from '../config/index.ts';
import type { User } from '../db/models/user.ts';
import { pickLocale, type Locale } from '../i18n/index.ts';
import { areaUrls, type FirstPartyArea } from '../oidc/first-party-clients.ts';
import { RESET_PASSWORD_SCREEN, SCREEN_HINT } from '../oidc/provider.ts';
import { pageState } from './state.ts';

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
  /** How strongly the session was signed in (auth/types.ts ACR), when the provider recorded it. */
  acr?: string;
  user: User;
  locale: Locale;
}

interface Pending {
  s: string;
  r: string;
  e: number;
}

const stateCookie = (ctx: Context, area: FirstPartyArea) => ({
  signed: true,
  httpOnly: true,
  sameSite: 'lax' as const,
  secure: ctx.secure,
  path: area.prefix,
  overwrite: true,
});

/** A path inside the area (never another origin, never a protocol-relative //host), else undefined. */
export function localPath(area: Pick<FirstPartyArea, 'prefix'>, value: unknown): string | undefined {
  const { prefix } = area;
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_RETURN_PATH) return undefined;
  if (!value.startsWith(prefix) || value.includes('\\') || value.includes('//')) return undefined;
  const rest = value.slice(prefix.length);
  if (rest !== '' && !rest.startsWith('/') && !rest.startsWith('?')) return undefined;
  const url = URL.parse(value, 'http://local.invalid');
  if (!url || url.origin !== 'http://local.invalid' || (url.pathname !== prefix && !url.pathname.startsWith(`${prefix}/`))) return undefined;
  // The callback itself is never a destination (it would loop).
  if (url.pathname === `${prefix}/callback`) return prefix;
  return url.pathname + url.search;
}

function readPending(ctx: Context, area: FirstPartyArea): Pending[] {
  const raw = ctx.cookies.get(area.stateCookie, { signed: true });
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

function writePending(ctx: Context, area: FirstPartyArea, pending: Pending[]): void {
  if (pending.length === 0) ctx.cookies.set(area.stateCookie, null, stateCookie(ctx, area));
  else ctx.cookies.set(area.stateCookie, Buffer.from(JSON.stringify(pending)).toString('base64url'), { ...stateCookie(ctx, area), maxAge: PENDING_TTL_MS });
}

const digest = (v: string) => createHash('sha256').update(v).digest();
const sameState = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

export interface SignInRequest {
  returnTo: string;
  reauthenticate?: boolean;
  locale?: Locale;
  /** The acr level the sign-in must reach (auth/requirement.ts LEVEL): asked for with acr_values. */
  level?: number;
  /** Open the sign-in on its "forgot password" page (screen_hint), with the address filled in when given. */
  resetPassword?: { email?: string };
}

/** Sends the browser to the authorization endpoint as the area's client; it comes back to `returnTo` through the callback. */
export function redirectToSignIn(ctx: Context, area: FirstPartyArea, config: Pick<Config, 'issuer'>, opts: SignInRequest): void {
  const returnTo = localPath(area, opts.returnTo) ?? area.prefix;
  const state = randomBytes(16).toString('base64url');
  const pending = [...readPending(ctx, area), { s: state, r: returnTo, e: Date.now() + PENDING_TTL_MS }].slice(-MAX_PENDING);
  writePending(ctx, area, pending);
  const acr = opts.level ? ACR_OF_LEVEL[opts.level - 1] : undefined;
  const url = new URL(`${config.issuer}/auth`);
  url.search = new URLSearchParams({
    client_id: area.clientId,
    response_type: 'none',
    scope: 'openid',
    redirect_uri: areaUrls(area, config.issuer).callback,
    state,
    ...(opts.reauthenticate ? { prompt: 'login' } : {}),
    ...(acr ? { acr_values: acr } : {}),
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

/** Checks the authorization response against the area's pending sign-ins; the matching one is used up. */
export function completeSignIn(ctx: Context, area: FirstPartyArea, config: Pick<Config, 'issuer'>): CallbackResult {
  const { state, error, iss } = ctx.query;
  const pending = readPending(ctx, area);
  if (typeof state !== 'string' || !state) return { ok: false, reason: 'state' };
  const match = pending.find((p) => sameState(p.s, state));
  if (!match) return { ok: false, reason: 'state' };
  writePending(
    ctx,
    area,
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
  const acr = typeof session.acr === 'string' ? session.acr : undefined;
  return { accountId, uid: session.uid, loginTs: session.loginTs, ...(acr ? { acr } : {}), user, locale };
}

/** True when the last sign-in is recent enough for a sensitive change. */
export function isRecentLogin(account: Pick<SignedIn, 'loginTs'>, maxAgeSeconds: number, now = Date.now()): boolean {
  return now / 1000 - account.loginTs <= maxAgeSeconds;
}

/** Forgets the provider's session cookie in this browser (after the session itself was ended). */
export function clearSessionCookie(ctx: Context, provider: Provider): void {
  ctx.cookies.set(provider.cookieName('session'), null, { signed: true, path: '/', overwrite: true, secure: ctx.secure });
}
