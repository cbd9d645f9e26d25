// What an operator may do to a customer from the console, each through the use case the management API and the CLI
// call (audited there, with the operator as actor): disable and enable (usecases/account-status.ts), end every
// session (services/sign-out.ts), reset MFA (usecases/factors.ts), mail a password reset (usecases/password.ts), mail
// a code to confirm an unverified address (usecases/email-change.ts, the account center's confirmation page).
// Each is confirmed on a page of its own (no script needed) that already demands a recent sign-in, so the operator
// signs in again before reading what they confirm, never after sending it; the post demands it again.
import { conflict, forbidden, notFound } from '../errors.ts';
import type { OperatorRole } from '../services/operators.ts';
import type { MessageKey } from '../i18n/index.ts';
import type { UserView } from '../services/users.ts';
import { actorMeta, customerContact, type Actor } from '../usecases/account-status.ts';
import { customerPath, findCustomer } from './lookup.ts';
import type { ConsoleDeps } from './deps.ts';
import { actorOf, seeOther, type ConsolePages, type Flash, type Operator } from './pages.ts';
import { may, type Permission } from './roles.ts';

export const ACTION_NAMES = ['disable', 'enable', 'end-sessions', 'reset-mfa', 'password-reset', 'resend-verification', 'erase', 'cancel-erasure'] as const;
export type ActionName = (typeof ACTION_NAMES)[number];

interface ActionSpec {
  /** The button on the customer's page, and the confirmation page's title. */
  button: MessageKey;
  /** What it does, said on the confirmation page ({email}: the customer). */
  lead: MessageKey;
  confirm: MessageKey;
  danger: boolean;
  done: Flash;
  /** Beyond customers.act (which every action needs). */
  permission?: Permission;
  run(deps: ConsoleDeps, user: UserView, actor: Actor): Promise<unknown>;
}

const erasureMeta = (actor: Actor) => ({ source: 'operator' as const, ...actorMeta(actor) });

export const ACTIONS: Readonly<Record<ActionName, ActionSpec>> = {
  disable: {
    button: 'console.action.disable', lead: 'console.action.disable.lead', confirm: 'console.action.disable.confirm', danger: true, done: 'console.flash.disabled',
    run: (deps, user, actor) => deps.accountStatus.disable(user.id, actor),
  },
  enable: {
    button: 'console.action.enable', lead: 'console.action.enable.lead', confirm: 'console.action.enable.confirm', danger: false, done: 'console.flash.enabled',
    run: (deps, user, actor) => deps.accountStatus.enable(user.id, actor),
  },
  'end-sessions': {
    button: 'console.action.endSessions', lead: 'console.action.endSessions.lead', confirm: 'console.action.endSessions.confirm', danger: true, done: 'console.flash.sessionsEnded',
    run: (deps, user, actor) =>
      deps.signOut.sessionsEverywhere(user.id, actor.source, { ...(actor.ip ? { ip: actor.ip } : {}), ...(actor.userAgent ? { userAgent: actor.userAgent } : {}), actorId: actor.operatorId }),
  },
  'reset-mfa': {
    button: 'console.action.resetMfa', lead: 'console.action.resetMfa.lead', confirm: 'console.action.resetMfa.confirm', danger: true, done: 'console.flash.mfaReset',
    run: (deps, user, actor) => deps.factorChanges.resetAll(customerContact(user), actor),
  },
  'password-reset': {
    button: 'console.action.passwordReset', lead: 'console.action.passwordReset.lead', confirm: 'console.action.passwordReset.confirm', danger: false, done: 'console.flash.resetSent',
    run: (deps, user, actor) => deps.passwords.sendResetLink(customerContact(user), actor),
  },
  'resend-verification': {
    button: 'console.action.resendVerification', lead: 'console.action.resendVerification.lead', confirm: 'console.action.resendVerification.confirm', danger: false, done: 'console.flash.verificationSent',
    run: async (deps, user, actor) => {
      const sent = await deps.emailChange.requestVerification({ ...customerContact(user), emailVerified: user.email_verified === true }, actor);
      if (sent.ok) return;
      if (sent.reason === 'verified') throw conflict('The address is verified already');
      throw conflict(`Too many codes were mailed to this address: try again in ${Math.ceil(sent.retryAfterSeconds / 60)} minutes`);
    },
  },
  // The erasure the account center, the CLI and the API request: disabled at once, erased after ERASURE_GRACE_DAYS.
  erase: {
    button: 'console.action.erase', lead: 'console.action.erase.lead', confirm: 'console.action.erase.confirm', danger: true, done: 'console.flash.erasureScheduled', permission: 'customers.erase',
    run: (deps, user, actor) => deps.erasure.request(user.id, erasureMeta(actor)),
  },
  'cancel-erasure': {
    button: 'console.action.cancelErasure', lead: 'console.action.cancelErasure.lead', confirm: 'console.action.cancelErasure.confirm', danger: false, done: 'console.flash.erasureCancelled', permission: 'customers.erase',
    run: async (deps, user, actor) => {
      if (!(await deps.erasure.cancel(user.id, erasureMeta(actor)))) throw conflict('No erasure is scheduled for this customer');
    },
  },
};

const isAction = (value: unknown): value is ActionName => typeof value === 'string' && (ACTION_NAMES as readonly string[]).includes(value);

/** The actions that make sense for the customer as they are now (the use cases refuse the others, too). */
export function availableActions(user: UserView, state: { factors: number; erasure: boolean }, role: OperatorRole): ActionName[] {
  const status: ActionName[] = user.disabled ? (state.erasure ? [] : ['enable']) : ['disable'];
  const all: ActionName[] = [
    ...status,
    'end-sessions',
    ...(state.factors > 0 ? ['reset-mfa' as const] : []),
    ...(user.disabled ? [] : ['password-reset' as const]),
    ...(user.disabled || user.email_verified ? [] : ['resend-verification' as const]),
    state.erasure ? 'cancel-erasure' : 'erase',
  ];
  return all.filter((a) => may(role, 'customers.act') && (!ACTIONS[a].permission || may(role, ACTIONS[a].permission)));
}

/**
 * An operator's own account is changed in the account center, not here; an operator's account only by an admin (a
 * support agent cannot disable an admin or take over their second factors).
 */
async function mayActOn(deps: Pick<ConsoleDeps, 'operators'>, op: Operator, user: UserView): Promise<void> {
  if (user.id === op.account.accountId) throw forbidden('Your own account is changed in the account center, not in the console');
  if (op.role !== 'admin' && (await deps.operators.roleOf(user.id))) throw forbidden('Only an admin may change an operator\'s account');
}

export function actionRoutes(pages: ConsolePages, deps: ConsoleDeps): void {
  const { get, post, render } = pages;
  const target = async (params: Record<string, string>, op: Operator) => {
    const { action } = params;
    if (!isAction(action)) throw notFound('No such action');
    const user = await findCustomer(deps, params.id, op);
    const extra = ACTIONS[action].permission;
    if (extra && !may(op.role, extra)) throw forbidden('Your role does not allow this change');
    await mayActOn(deps, op, user);
    return { action, spec: ACTIONS[action], user };
  };

  get('/customers/:id/actions/:action', { permission: 'customers.act', recent: true }, async (ctx, op) => {
    const { action, spec, user } = await target(ctx.params, op);
    render(ctx, op, 'confirm', {
      section: 'customers',
      title: spec.button,
      data: {
        customer: { email: user.email, href: customerPath(user.id) },
        lead: spec.lead,
        confirm: spec.confirm,
        danger: spec.danger,
        action: `${customerPath(user.id)}/actions/${action}`,
      },
    });
  });

  // Without a recent sign-in the browser signs in again and comes back to the confirmation page (the same path).
  post('/customers/:id/actions/:action', { permission: 'customers.act', back: (ctx) => ctx.path }, async (ctx, op) => {
    const { spec, user } = await target(ctx.params, op);
    await spec.run(deps, user, actorOf(ctx, op));
    // Erased at once (no grace period configured): there is no customer's page to go back to.
    if (!(await deps.users.findById(user.id))) return seeOther(ctx, '/console', 'console.flash.erased');
    seeOther(ctx, customerPath(user.id), spec.done);
  });
}
