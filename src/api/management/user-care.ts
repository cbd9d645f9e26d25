// Support and privacy actions on one customer in the management API: reset the second factors, mail a password
// reset, export everything held on the customer, erase (after the grace period or at once) and cancel an erasure.
// Each calls the use case the CLI (and the account center, for export and erasure) calls; the acting client is
// recorded in the audit log.
import { z } from 'zod';
import { conflict } from '../../errors.ts';
import type { ErasureService } from '../../services/erasure.ts';
import { EXPORT_FORMAT, type PrivacyExport } from '../../services/privacy-export.ts';
import { actorMeta, customerContact } from '../../usecases/account-status.ts';
import type { FactorUseCases } from '../../usecases/factors.ts';
import type { PasswordUseCases } from '../../usecases/password.ts';
import { operation, type Operation } from './operation.ts';
import { found, idParams, type UserOperationsDeps } from './users.ts';

export interface UserCareDeps {
  users: UserOperationsDeps['users'];
  erasure: Pick<ErasureService, 'request' | 'cancel'>;
  privacyExport: Pick<PrivacyExport, 'build'>;
  factorChanges: Pick<FactorUseCases, 'resetAll'>;
  passwords: Pick<PasswordUseCases, 'sendResetLink'>;
}

const flag = (description: string) => z.enum(['true', 'false']).default('false').transform((v) => v === 'true').describe(description);
const erasureOutcome = z.discriminatedUnion('status', [
  z.object({ status: z.literal('scheduled'), due_at: z.string().describe('ISO 8601: when the account is erased unless the erasure is cancelled') }),
  z.object({ status: z.literal('erased'), pseudonym: z.string().describe('What the audit log calls the account from now on'), removed: z.record(z.string(), z.number().int()) }),
]);
const accountExport = z.object({ format: z.literal(EXPORT_FORMAT), exportedAt: z.string(), account: z.object({}).catchall(z.unknown()) }).catchall(z.unknown());

export function userCareOperations(deps: UserCareDeps): Operation[] {
  const { users } = deps;
  return [
    operation({
      method: 'get', path: '/users/{id}/export', operationId: 'exportUser', tag: 'users', scope: 'users:read',
      summary: 'Everything held on a customer, as the account center\'s data export gives it (a subject access request); audited',
      params: idParams, status: 200, response: accountExport,
      handle: ({ params, actor }) => deps.privacyExport.build(params.id, { source: 'operator', ...actorMeta(actor) }),
    }),
    operation({
      method: 'delete', path: '/users/{id}', operationId: 'eraseUser', tag: 'users', scope: 'users:delete',
      summary: 'Erase a customer: disabled at once and erased after the grace period (ERASURE_GRACE_DAYS), or at once with now=true. Audit rows stay, pseudonymised',
      params: idParams, query: z.object({ now: flag('true: erase at once, without the grace period') }), status: 200, response: erasureOutcome,
      async handle({ params, query, actor }) {
        const outcome = await deps.erasure.request(params.id, { source: 'operator', immediate: query.now, ...actorMeta(actor) });
        return outcome.status === 'scheduled'
          ? { status: 'scheduled' as const, due_at: outcome.dueAt.toISOString() }
          : { status: 'erased' as const, pseudonym: outcome.pseudonym, removed: outcome.removed };
      },
    }),
    operation({
      method: 'delete', path: '/users/{id}/erasure', operationId: 'cancelUserErasure', tag: 'users', scope: 'users:delete',
      summary: 'Cancel a scheduled erasure: the account is as it was before (enabled, unless it was disabled)', params: idParams, status: 204,
      async handle({ params, actor }) {
        await found(users, params.id);
        if (!(await deps.erasure.cancel(params.id, { source: 'operator', ...actorMeta(actor) }))) throw conflict('No erasure is scheduled for this account');
      },
    }),
    operation({
      method: 'delete', path: '/users/{id}/factors', operationId: 'resetUserFactors', tag: 'users', scope: 'users:write',
      summary: 'Reset MFA: remove every second factor (apps, passkeys, phones, recovery codes); the customer is told by mail and enrols again when a sign-in needs one',
      params: idParams, status: 200, response: z.object({ removed: z.record(z.string(), z.number().int()).describe('How many of each type') }),
      async handle({ params, actor }) {
        return { removed: await deps.factorChanges.resetAll(customerContact(await found(users, params.id)), actor) };
      },
    }),
    operation({
      method: 'post', path: '/users/{id}/password-reset', operationId: 'sendUserPasswordReset', tag: 'users', scope: 'users:write',
      summary: "Mail the customer a link to set a new password (it asks for a code sent to the same address); the password keeps working until then",
      params: idParams, status: 204,
      async handle({ params, actor }) {
        await deps.passwords.sendResetLink(customerContact(await found(users, params.id)), actor);
      },
    }),
  ];
}
