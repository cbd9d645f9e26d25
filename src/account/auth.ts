// Who is using the account center: the provider's own browser session (single sign-on), reached as the built-in
// client `ciam-account` through the round trip every first-party area shares (http/first-party-sign-in.ts). This
// module binds that round trip to the account center's area (/account, its client, its state cookie).
import type { Context } from 'koa';
import type { Config } from '../config/index.ts';
import {
  completeSignIn as completeAreaSignIn,
  localPath,
  redirectToSignIn as redirectToAreaSignIn,
  type CallbackResult,
  type SignInRequest,
} from '../http/first-party-sign-in.ts';
import { ACCOUNT_AREA } from './client.ts';

export { clearSessionCookie, isRecentLogin, readSession, type CallbackResult, type SessionReaderDeps, type SignedIn } from '../http/first-party-sign-in.ts';

export const STATE_COOKIE = ACCOUNT_AREA.stateCookie;

/** A path inside the account center (never another origin, never a protocol-relative //host), else undefined. */
export function localAccountPath(value: unknown): string | undefined {
  return localPath(ACCOUNT_AREA, value);
}

/** Sends the browser to the authorization endpoint; it comes back to `returnTo` through the callback. */
export function redirectToSignIn(ctx: Context, config: Pick<Config, 'issuer'>, opts: Omit<SignInRequest, 'level'>): void {
  redirectToAreaSignIn(ctx, ACCOUNT_AREA, config, opts);
}

/** Checks the authorization response against the pending sign-ins; the matching one is used up. */
export function completeSignIn(ctx: Context, config: Pick<Config, 'issuer'>): CallbackResult {
  return completeAreaSignIn(ctx, ACCOUNT_AREA, config);
}
