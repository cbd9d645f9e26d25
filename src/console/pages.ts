// What every console route module builds its pages with. In front of each page, in this order: a signed-in browser
// (the gates every first-party area shares, http/first-party-gate.ts), an operator whose role holds the page's
// permission (roles.ts; else a 403 page, audited), the MFA level (a weaker session is stepped up), and for a change
// a CSRF-checked form and a recent sign-in (else sign in again, then back to the page the form is on). Then the
// shared frame: navigation by role, the operator, a one-time notice after Post/Redirect/Get.
import type Router from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import { csrf } from '../http/csrf.ts';
import { requireLevel, requireRecent, requireSignIn, signedInAccount, type GateDeps } from '../http/first-party-gate.ts';
import type { SignedIn } from '../http/first-party-sign-in.ts';
import { flashCookie } from '../http/flash.ts';
import { formBody } from '../http/form-body.ts';
import { formOrUploadBody } from './form-data.ts';
import { requestMeta } from '../http/request-meta.ts';
import { renderPage } from '../http/views.ts';
import type { MessageKey } from '../i18n/index.ts';
import type { OperatorRole, SearchGrant } from '../services/operators.ts';
import type { Actor } from '../usecases/account-status.ts';
import { CONSOLE_AREA, CONSOLE_CLIENT_ID, consoleUrls } from './client.ts';
import type { ConsoleDeps } from './deps.ts';
import { allows, type Permission } from './roles.ts';

/** The signed-in operator of a console page. */
export interface Operator {
  account: SignedIn;
  role: OperatorRole;
  /** A support operator's customer search grant, while it lasts (roles.ts GRANTABLE). */
  searchGrant?: SearchGrant;
}

export type Body = Record<string, unknown>;

export const FLASHES = [
  'console.flash.disabled',
  'console.flash.enabled',
  'console.flash.sessionsEnded',
  'console.flash.mfaReset',
  'console.flash.resetSent',
  'console.flash.verificationSent',
  'console.flash.erasureScheduled',
  'console.flash.erasureCancelled',
  'console.flash.erased',
  'console.flash.appSaved',
  'console.flash.appUnchanged',
  'console.flash.keysRotated',
  'console.flash.replayed',
  'console.flash.connectionCreated',
  'console.flash.connectionSaved',
  'console.flash.connectionEnabled',
  'console.flash.connectionDisabled',
  'console.flash.searchGranted',
  'console.flash.searchRevoked',
  'console.flash.searchNotActive',
] as const satisfies readonly MessageKey[];
export type Flash = (typeof FLASHES)[number];
const flash = flashCookie<Flash>('console_flash', CONSOLE_AREA.prefix, FLASHES);

export type Section = 'overview' | 'customers' | 'code' | 'apps' | 'setup' | 'keys' | 'webhooks' | 'operators' | 'audit';

const NAV: readonly { section: Section; href: string; label: MessageKey; permission: Permission }[] = [
  { section: 'overview', href: '/console/overview', label: 'console.nav.overview', permission: 'overview.read' },
  { section: 'customers', href: '/console/customers', label: 'console.nav.customers', permission: 'customers.search' },
  { section: 'code', href: '/console/code', label: 'console.nav.code', permission: 'customers.code' },
  { section: 'apps', href: '/console/apps', label: 'console.nav.apps', permission: 'apps.read' },
  { section: 'setup', href: '/console/setup', label: 'console.nav.setup', permission: 'setup.read' },
  { section: 'keys', href: '/console/keys', label: 'console.nav.keys', permission: 'keys.read' },
  { section: 'webhooks', href: '/console/webhooks', label: 'console.nav.webhooks', permission: 'webhooks.read' },
  { section: 'operators', href: '/console/operators', label: 'console.nav.operators', permission: 'operators.grant' },
  { section: 'audit', href: '/console/audit', label: 'console.nav.audit', permission: 'audit.read' },
];

export function seeOther(ctx: Context, location: string, notice?: Flash): void {
  if (notice) flash.set(ctx, notice);
  ctx.status = 303;
  ctx.redirect(location);
}

/** The operator as the audit log records an action: the console, its client, the operator's account, from where. */
export function actorOf(ctx: Context, op: Operator): Actor {
  return { source: 'console', clientId: CONSOLE_CLIENT_ID, operatorId: op.account.accountId, ...requestMeta(ctx) };
}

export function signOutUrl(issuer: string): string {
  const params = new URLSearchParams({ client_id: CONSOLE_CLIENT_ID, post_logout_redirect_uri: consoleUrls(issuer).signedOut });
  return `/session/end?${params}`;
}

const who = (account: SignedIn) => ({ email: account.user.email, name: account.user.name || [account.user.given_name, account.user.family_name].filter(Boolean).join(' ') || account.user.email });

export type Handler = (ctx: Context, op: Operator) => Promise<void> | void;
export type PostHandler = (ctx: Context, op: Operator, body: Body) => Promise<void> | void;

export interface ConsolePages {
  /** A page for operators whose role holds `permission`. */
  get(path: string, opts: { permission: Permission; recent?: boolean }, handler: Handler): void;
  /**
   * A change: CSRF-checked, `permission`, a recent sign-in; without one the browser signs in again and comes back to
   * `back`. `uploads`: the form may also come as multipart/form-data with a file (form-data.ts).
   */
  post(path: string, opts: { permission: Permission; back: (ctx: Context) => string; uploads?: boolean }, handler: PostHandler): void;
  render(ctx: Context, op: Operator, view: string, opts: { section: Section; title: MessageKey; status?: number; data?: Record<string, unknown> }): void;
}

export function consolePages(router: Router, deps: ConsoleDeps): ConsolePages {
  const gate: GateDeps = { area: CONSOLE_AREA, ...deps };

  /** A signed-in account that is an operator whose role holds `permission`; else the refusal, audited. */
  const operatorWith =
    (permission: Permission): Middleware =>
    async (ctx: Context, next: Next) => {
      const account = signedInAccount(ctx);
      const access = await deps.operators.access(account.accountId);
      const role = access?.role;
      if (!access || !role || !allows(access, permission)) {
        await deps.audit.record({
          type: 'console.denied',
          outcome: 'failure',
          accountId: account.accountId,
          clientId: CONSOLE_CLIENT_ID,
          ...requestMeta(ctx),
          details: { permission, ...(role ? { role } : {}) },
        });
        return renderForbidden(ctx, account, role);
      }
      ctx.state.operator = { account, role, ...(access.searchGrant ? { searchGrant: access.searchGrant } : {}) } satisfies Operator;
      await next();
    };

  function renderForbidden(ctx: Context, account: SignedIn, role: OperatorRole | undefined): void {
    renderPage(ctx, 'console/forbidden', {
      locale: account.locale,
      title: 'console.forbidden.title',
      status: 403,
      data: {
        title: 'console.forbidden.title',
        message: role ? 'console.forbidden.role' : 'console.forbidden.notOperator',
        role: role ?? '',
        account: who(account),
        home: role ? '/console' : null,
        signOutUrl: signOutUrl(deps.config.issuer),
      },
    });
  }

  const operatorOf = (ctx: Context): Operator => ctx.state.operator as Operator;

  return {
    get(path, opts, handler) {
      const recent = opts.recent ? [requireRecent(gate)] : [];
      router.get(path, csrf(), requireSignIn(gate), operatorWith(opts.permission), requireLevel(gate), ...recent, (ctx) => handler(ctx, operatorOf(ctx)));
    },
    post(path, opts, handler) {
      const back = { back: opts.back };
      router.post(path, opts.uploads ? formOrUploadBody() : formBody(), csrf(), requireSignIn(gate, back), operatorWith(opts.permission), requireLevel(gate, back), requireRecent(gate, back), (ctx) =>
        handler(ctx, operatorOf(ctx), (ctx.request.body ?? {}) as Body),
      );
    },
    render(ctx, op, view, opts) {
      renderPage(ctx, `console/${view}`, {
        locale: op.account.locale,
        title: opts.title,
        ...(opts.status ? { status: opts.status } : {}),
        data: {
          csrfToken: ctx.state.csrfToken,
          flash: opts.status && opts.status >= 400 ? null : (flash.take(ctx) ?? null),
          nav: NAV.filter((item) => allows(op, item.permission)),
          section: opts.section,
          title: opts.title,
          operator: { ...who(op.account), role: op.role },
          signOutUrl: signOutUrl(deps.config.issuer),
          ...opts.data,
        },
      });
    },
  };
}
