// Linking a sign-in through another provider to the account that already has its e-mail, proven with a code mailed
// to that account's address (the password and a passkey prove it on the login page itself, interaction/routes.ts).
// The code is bound to the identity being linked and to the account: a code mailed for anything else, or for another
// account, is a wrong code here. Mails are counted like sign-up mails (reloads cannot flood a mailbox), wrong guesses
// like every other code (usecases/code-challenge.ts).
import type { Context } from 'koa';
import type { Connections } from '../services/connections.ts';
import type { InteractionFlows, Flow } from '../services/interaction-flows.ts';
import type { Mailer } from '../services/mailer.ts';
import type { OneTimeCodes } from '../services/one-time-codes.ts';
import type { Throttle } from '../services/throttle.ts';
import type { CodeChallenges } from '../usecases/code-challenge.ts';
import type { FederatedSignIn } from '../usecases/federated-sign-in.ts';
import { interactionPath, type LoadedInteraction } from './context.ts';
import { codeError, echo, maskEmail, requestMeta, THROTTLED_STATUS, throttledError, type FormError } from './forms.ts';
import { renderCodePage } from './code-page.ts';

export interface LinkByCodeDeps {
  flows: Pick<InteractionFlows, 'find' | 'update' | 'remove'>;
  codes: Pick<OneTimeCodes, 'issue' | 'peek'>;
  codeChallenges: CodeChallenges;
  mailer: Pick<Mailer, 'queue'>;
  throttle: Throttle;
  connections: Pick<Connections, 'enabled'>;
  federatedSignIn: Pick<FederatedSignIn, 'link'>;
  config: { codes: { ttlSeconds: number } };
}

export const linkCodePaths = (uid: string) => ({
  send: `${interactionPath(uid)}/federation/link/code`,
  verify: `${interactionPath(uid)}/federation/link/verify`,
  abort: `${interactionPath(uid)}/abort`,
});

type PendingLink = Flow<'link-identity'>;

const connectionName = async (deps: LinkByCodeDeps, pending: PendingLink) => (await deps.connections.enabled(pending.connectionId))?.name ?? pending.connectionId;

function render(ctx: Context, loaded: LoadedInteraction, pending: PendingLink, name: string, form: { ref: string; code?: string; error?: FormError; status?: number; notice?: 'verify.resent' }) {
  const paths = linkCodePaths(loaded.uid);
  renderCodePage(ctx, loaded, {
    ...form,
    title: 'federation.link.code.title',
    lead: { key: 'federation.link.code.lead', vars: { email: maskEmail(pending.email), name } },
    action: paths.verify,
    resend: paths.send,
    back: { href: paths.abort, key: 'federation.link.code.cancel', post: true },
  });
}

/**
 * The account `accountId` was just proven on the login page (its password, a passkey): the identity waiting to be
 * linked to that account is linked. Another account proven instead (its own e-mail typed) links nothing.
 */
export async function linkIfPending(ctx: Context, loaded: LoadedInteraction, deps: Pick<LinkByCodeDeps, 'flows' | 'federatedSignIn'>, accountId: string): Promise<void> {
  const pending = await deps.flows.find(loaded.uid, 'link-identity');
  if (pending?.accountId === accountId) await linkPending(ctx, loaded, deps, pending);
}

/** The waiting identity, linked to the account that was proven (its flow ended). */
async function linkPending(ctx: Context, loaded: LoadedInteraction, deps: Pick<LinkByCodeDeps, 'flows' | 'federatedSignIn'>, pending: PendingLink): Promise<void> {
  await deps.flows.remove(loaded.uid);
  const { connectionId, subject, email } = pending;
  await deps.federatedSignIn.link(pending.accountId, { connectionId, subject, email }, { ...requestMeta(ctx), clientId: loaded.client.id });
}

/**
 * POST …/federation/link/code — "E-mail me a code instead" (and "send a new code"): mails a code to the account's
 * address and shows where to type it. `undefined` when there is nothing to link (the caller shows the current step).
 */
export async function sendLinkCode(ctx: Context, loaded: LoadedInteraction, deps: LinkByCodeDeps): Promise<boolean> {
  const pending = await deps.flows.find(loaded.uid, 'link-identity');
  if (!pending) return false;
  const name = await connectionName(deps, pending);
  const keys = { ip: ctx.ip, account: pending.accountId };
  const gate = await deps.throttle.check('signup', keys);
  if (!gate.allowed) {
    render(ctx, loaded, pending, name, { ref: pending.codeId ?? '', error: throttledError(ctx, gate), status: THROTTLED_STATUS });
    return true;
  }
  await deps.throttle.fail('signup', keys, requestMeta(ctx));
  const issued = await deps.codes.issue({ purpose: 'link-identity', subject: pending.accountId, payload: { connectionId: pending.connectionId, subject: pending.subject } });
  deps.mailer.queue({ to: pending.email, template: 'link-identity', locale: loaded.locale, data: { code: issued.code, name } });
  await deps.flows.update(loaded.uid, 'link-identity', { codeId: issued.id });
  render(ctx, loaded, pending, name, { ref: issued.id, ...(pending.codeId ? { notice: 'verify.resent' as const } : {}) });
  return true;
}

/**
 * POST …/federation/link/verify — the mailed code typed back: the identity is linked and `proven` continues the
 * sign-in as the account. `false` when there is nothing to link.
 */
export async function submitLinkCode(ctx: Context, loaded: LoadedInteraction, deps: LinkByCodeDeps, proven: (accountId: string) => Promise<void>): Promise<boolean> {
  const pending = await deps.flows.find(loaded.uid, 'link-identity');
  if (!pending) return false;
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const ref = typeof body.ref === 'string' ? body.ref.slice(0, 64) : '';
  const meta = requestMeta(ctx);
  const challenge = await deps.codeChallenges.open({ ref, purpose: 'link-identity', subject: pending.accountId, meta });
  // A code mailed for linking another identity (another provider, another tab) is a wrong code for this one.
  const result = challenge.ok
    ? await challenge.verify(body.code, ({ payload }) => payload.connectionId === pending.connectionId && payload.subject === pending.subject)
    : challenge;
  if (!result.ok) {
    const { error, status } = codeError(ctx, result);
    render(ctx, loaded, pending, await connectionName(deps, pending), { ref, code: echo(body.code, 12), error, ...(status ? { status } : {}) });
    return true;
  }
  await linkPending(ctx, loaded, deps, pending);
  await proven(pending.accountId);
  return true;
}
