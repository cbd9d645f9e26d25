// Deleting an account from the account center: everything that lets anyone act as the customer goes first
// (sessions, grants, tokens, pending codes, second factors, sign-ins waiting for one, trusted devices), then the data apps stored on the profile, then the
// account record.
// Each step is idempotent, so a failure part-way leaves an account that can simply be deleted again.
// (Erasure from every store — audit records pseudonymised, exports — is the GDPR work still to come.)
import type { FactorService } from '../auth/factors.ts';
import type { LoginFlows } from '../interaction/login-flow.ts';
import type { RiskEngine } from './risk.ts';
import type { AuditLog } from './audit.ts';
import type { GrantService } from './grants.ts';
import type { ProfileService } from './profile.ts';
import type { SessionService } from './sessions.ts';

export interface AccountDeletionDeps {
  profile: Pick<ProfileService, 'deleteUser'>;
  sessions: Pick<SessionService, 'revokeAll' | 'forgetAccount'>;
  grants: Pick<GrantService, 'removeAll'>;
  codes: { revokeSubject(subject: string): Promise<void> };
  factors: Pick<FactorService, 'removeAll'>;
  /** Known devices, trusted browsers, sign-in history and attempts. */
  risk: Pick<RiskEngine, 'forgetAccount'>;
  /** Sign-ins waiting for a second factor. */
  flows: Pick<LoginFlows, 'removeForAccount'>;
  removeAppMetadata: (accountId: string) => Promise<void>;
  audit: Pick<AuditLog, 'record'>;
}

export async function deleteAccount(
  deps: AccountDeletionDeps,
  accountId: string,
  meta: { ip?: string; userAgent?: string } = {},
): Promise<boolean> {
  const sessions = await deps.sessions.revokeAll(accountId, { reason: 'account_deleted', ...meta });
  const rows = await deps.grants.removeAll(accountId);
  await deps.sessions.forgetAccount(accountId);
  await deps.codes.revokeSubject(accountId);
  await deps.factors.removeAll(accountId);
  await deps.flows.removeForAccount(accountId);
  await deps.risk.forgetAccount(accountId);
  await deps.removeAppMetadata(accountId);
  const deleted = await deps.profile.deleteUser(accountId);
  if (deleted) {
    await deps.audit.record({
      type: 'account.deleted',
      outcome: 'success',
      accountId,
      ip: meta.ip,
      userAgent: meta.userAgent,
      reason: 'account_center',
      details: { sessions, grantsAndTokens: rows },
    });
  }
  return deleted;
}
