// The gates in front of a first-party area's pages (the account center, the operator console), as middleware an area
// strings together with its own: a signed-in browser (else sign in, then come back), the area's acr level (else a
// step-up), and for sensitive changes a recent sign-in (else sign in again, then come back). A form post cannot
// survive the round trip: it comes back to `back`, the page the form is on.
import type { Context, Middleware, Next } from 'koa';
import type Provider from 'oidc-provider';
import { acrLevel } from '../auth/types.ts';
import type { Config } from '../config/index.ts';
import { pickLocale } from '../i18n/index.ts';
import type { FirstPartyArea } from '../oidc/first-party-clients.ts';
import type { ProfileService } from '../services/profile.ts';
import type { SessionService } from '../services/sessions.ts';
import { isRecentLogin, readSession, redirectToSignIn, type SignedIn } from './first-party-sign-in.ts';
import { requestMeta } from './request-meta.ts';
import { pageState } from './state.ts';

export interface GateDeps {
  area: FirstPartyArea;
  provider: () => Provider;
  config: Pick<Config, 'issuer' | 'reauthMaxAgeSeconds'>;
  profile: Pick<ProfileService, 'get'>;
  sessions: Pick<SessionService, 'touch'>;
}

/** Where the browser comes back to after a sign-in: `back` for a form post (or the page it is on), else the page asked for. */
export interface GateOptions {
  back?: string | ((ctx: Context) => string);
}

const returnTo = (ctx: Context, opts: GateOptions): string => (typeof opts.back === 'function' ? opts.back(ctx) : (opts.back ?? ctx.originalUrl));

/** The account the gates let in (requireSignIn put it there). */
export const signedInAccount = (ctx: Context): SignedIn => ctx.state.account as SignedIn;

/** Pages for a signed-in account only; records the session's use (device, network, time). */
export function requireSignIn(deps: GateDeps, opts: GateOptions = {}): Middleware {
  return async (ctx: Context, next: Next) => {
    pageState(ctx).retryUrl = opts.back === undefined ? ctx.path : returnTo(ctx, opts);
    const account = await readSession(ctx, { provider: deps.provider, users: deps.profile });
    if (!account) {
      return redirectToSignIn(ctx, deps.area, deps.config, { returnTo: returnTo(ctx, opts), locale: pickLocale(undefined, ctx.get('accept-language')) });
    }
    ctx.state.account = account;
    await deps.sessions.touch({ uid: account.uid, accountId: account.accountId, ...requestMeta(ctx) });
    await next();
  };
}

/** The area's acr level (FirstPartyArea.level): a weaker session is stepped up (the missing factor only). */
export function requireLevel(deps: GateDeps, opts: GateOptions = {}): Middleware {
  return async (ctx: Context, next: Next) => {
    const account = signedInAccount(ctx);
    const level = deps.area.level;
    if (level && acrLevel(account.acr) < level) {
      return redirectToSignIn(ctx, deps.area, deps.config, { returnTo: returnTo(ctx, opts), level, locale: account.locale });
    }
    await next();
  };
}

/** A sign-in younger than reauthMaxAgeSeconds (and at the area's level): else sign in again, then come back. */
export function requireRecent(deps: GateDeps, opts: GateOptions = {}): Middleware {
  return async (ctx: Context, next: Next) => {
    const account = signedInAccount(ctx);
    if (!isRecentLogin(account, deps.config.reauthMaxAgeSeconds)) {
      const { level } = deps.area;
      return redirectToSignIn(ctx, deps.area, deps.config, {
        returnTo: returnTo(ctx, opts),
        reauthenticate: true,
        locale: account.locale,
        ...(level ? { level } : {}),
      });
    }
    await next();
  };
}
