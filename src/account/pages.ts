// What every account-center route module (routes.ts, security.ts) builds its pages with: GET pages and CSRF-checked
// form posts behind a sign-in (a recent one for sensitive changes), the shared page frame, and Post/Redirect/Get
// with a one-time notice.
import type Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { Config } from '../config/index.ts';
import { csrf } from '../http/csrf.ts';
import { formBody } from '../http/form-body.ts';
import { requireRecent, requireSignIn, signedInAccount } from '../http/first-party-gate.ts';
import type { MessageKey } from '../i18n/index.ts';
import type { ProfileService } from '../services/profile.ts';
import type { SessionService } from '../services/sessions.ts';
import type { SignedIn } from './auth.ts';
import { ACCOUNT_AREA } from './client.ts';
import { renderAccountPage, setFlash, type Flash, type NavConfig, type Section } from './view.ts';
import { requestMeta } from '../http/request-meta.ts';

/** A rejected form: shown again with its input and the problem, nothing stored. */
export const FORM_ERROR = 400;

export type Body = Record<string, unknown>;
const bodyOf = (ctx: Context): Body => (ctx.request.body ?? {}) as Body;

/** Who made a change, for the audit log. */
export const meta = requestMeta;

/** A string form value of at most `max` characters, else undefined (absent, repeated, or oversized). */
export const str = (value: unknown, max: number): string | undefined => (typeof value === 'string' && value.length <= max ? value : undefined);

export function seeOther(ctx: Context, location: string, flash?: Flash): void {
  if (flash) setFlash(ctx, flash);
  ctx.status = 303;
  ctx.redirect(location);
}

export interface AccountPageDeps {
  provider: () => Provider;
  config: Pick<Config, 'issuer' | 'reauthMaxAgeSeconds'> & NavConfig;
  profile: Pick<ProfileService, 'get'>;
  sessions: Pick<SessionService, 'touch'>;
}

export type GetHandler = (ctx: Context, account: SignedIn) => Promise<void> | void;
export type PostHandler = (ctx: Context, account: SignedIn, body: Body) => Promise<void> | void;

export interface AccountPages {
  /** A page for the signed-in account; `recent`: only right after a sign-in (else sign in again, then come back). */
  get(path: string, opts: { recent?: boolean }, handler: GetHandler): void;
  /** A form post (CSRF-checked); without a (recent) sign-in the browser signs in and comes back to `back`. */
  post(path: string, opts: { back: string; recent?: boolean }, handler: PostHandler): void;
  render(ctx: Context, account: SignedIn, view: string, section: Section, title: MessageKey, data?: Record<string, unknown>, status?: number): void;
}

export function accountPages(router: Router, deps: AccountPageDeps): AccountPages {
  const { config } = deps;

  // The shared gates of every first-party area (http/first-party-gate.ts): signed in, and recently for `recent`.
  const gate = { area: ACCOUNT_AREA, ...deps };
  const signedIn = (opts: { back?: string; recent?: boolean }): Middleware[] => [
    requireSignIn(gate, opts),
    ...(opts.recent ? [requireRecent(gate, opts)] : []),
  ];

  const accountOf = signedInAccount;

  return {
    get(path, opts, handler) {
      router.get(path, csrf(), ...signedIn(opts), (ctx) => handler(ctx, accountOf(ctx)));
    },
    post(path, opts, handler) {
      router.post(path, formBody(), csrf(), ...signedIn(opts), (ctx) => handler(ctx, accountOf(ctx), bodyOf(ctx)));
    },
    render(ctx, account, view, section, title, data = {}, status) {
      renderAccountPage(ctx, config, account, view, { section, title, data, status });
    },
  };
}
