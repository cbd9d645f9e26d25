// The device cookie: a random id that lets the risk engine (src/services/risk.ts) recognise a browser it has seen
// before, and lets a customer trust that browser for a while.
// - 128 random bits, signed with the app's keys (app.keys = config.cookieKeys): an id an attacker invents fails.
// - httpOnly and SameSite=Lax; 400 days, the longest lifetime browsers keep; re-set at every sign-in so an active
//   browser keeps its id.
// - Over TLS it is named __Host-ciam_device: the browser then refuses it unless this exact host set it with Secure and
//   Path=/, so a sibling sub-domain cannot plant an id it knows ("cookie tossing") and later ride on the trust the
//   customer gives that browser.
import { createHash, randomBytes } from 'node:crypto';
import type { Context } from 'koa';

const ID_PATTERN = /^[A-Za-z0-9_-]{22}$/; // 16 bytes, base64url
const MAX_AGE_MS = 400 * 86_400_000;

export function deviceCookieName(secure: boolean): string {
  return secure ? '__Host-ciam_device' : 'ciam_device';
}

/** How both cookies are set: signed, script-free, for the longest life browsers keep. */
const longCookie = (ctx: Context) => ({
  signed: true,
  httpOnly: true,
  sameSite: 'lax' as const,
  secure: ctx.secure,
  path: '/',
  maxAge: MAX_AGE_MS,
  overwrite: true,
});

/** The browser's device id, if it sent a valid signed one. Never sets anything. */
export function deviceIdOf(ctx: Context): string | undefined {
  const value = ctx.cookies.get(deviceCookieName(ctx.secure), { signed: true });
  return value && ID_PATTERN.test(value) ? value : undefined;
}

/** The browser's device id; a new one when it has none. Either way the cookie is (re-)set for another 400 days. */
export function ensureDeviceId(ctx: Context): string {
  // Asked more than once per request (risk assessment, then the completed sign-in): a browser that came without a
  // cookie must get one id, not a new one per call.
  const state = ctx.state as { deviceId?: string };
  if (state.deviceId) return state.deviceId;
  const id = deviceIdOf(ctx) ?? randomBytes(16).toString('base64url');
  state.deviceId = id;
  ctx.cookies.set(deviceCookieName(ctx.secure), id, longCookie(ctx));
  return id;
}

// Which login names have signed in (with their password) on this browser: a second signed cookie holding, for the
// last few of them, a hash of the device id and the name (not the address itself). The throttle counts a known
// name's failures on this device apart, with an allowance of its own (src/services/throttle.ts), so that nobody
// elsewhere can lock the owner out of the browser they always use.
const KNOWN_MAX = 5;
const KNOWN_ENTRY = /^[A-Za-z0-9_-]{22}$/;

export function knownLoginsCookieName(secure: boolean): string {
  return secure ? '__Host-ciam_known' : 'ciam_known';
}

const knownEntry = (deviceId: string, loginName: string) => createHash('sha256').update(`${deviceId}\0${loginName}`).digest().subarray(0, 16).toString('base64url');

function knownEntries(ctx: Context): string[] {
  const value = ctx.cookies.get(knownLoginsCookieName(ctx.secure), { signed: true });
  return value ? value.split('.').filter((e) => KNOWN_ENTRY.test(e)).slice(0, KNOWN_MAX) : [];
}

/** This browser's device id when `loginName` has signed in on it before; undefined otherwise. Never sets anything. */
export function knownDeviceFor(ctx: Context, loginName: string): string | undefined {
  const deviceId = deviceIdOf(ctx);
  return deviceId && knownEntries(ctx).includes(knownEntry(deviceId, loginName)) ? deviceId : undefined;
}

/** Records that `loginName` signed in on this browser (most recent first, the last five names kept). */
export function rememberKnownLogin(ctx: Context, loginName: string): void {
  const entry = knownEntry(ensureDeviceId(ctx), loginName);
  const entries = [entry, ...knownEntries(ctx).filter((e) => e !== entry)].slice(0, KNOWN_MAX);
  ctx.cookies.set(knownLoginsCookieName(ctx.secure), entries.join('.'), longCookie(ctx));
}
