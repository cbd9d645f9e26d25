// Lazy migration: the first password sign-in of an address that has no account here asks the old system
// (legacy-auth.ts). When it vouches for the password, the account is created with the same use case as every other
// (UserService.create: our rules, argon2id of the typed password, the unique address) and the sign-in goes on as
// any right password does; from then on the password is checked here and the old system is never asked about the
// address again. Whatever else happens — refused, unavailable, an answer our rules cannot take — the caller answers
// as for a wrong password, so the sign-in page tells nobody which it was; the operator learns it from the log and
// the audit event user.migrated (failure).
import { AppError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { AuditLog } from './audit.ts';
import type { LegacyAuth } from './legacy-auth.ts';
import { passwordSchema, type CreateUserInput } from './user-input.ts';

export interface MigrationContext {
  ip?: string | undefined;
  userAgent?: string | undefined;
  clientId?: string | undefined;
}

/**
 * `migrated`: the account was created (the sign-in succeeds with it). `taken`: a concurrent sign-in of the same
 * address created it first: the caller checks the password against that account as usual. null: not migrated.
 */
export type MigrationResult = { migrated: { accountId: string } } | { taken: true } | null;

export interface LazyMigration {
  migrate(email: string, password: string, context: MigrationContext): Promise<MigrationResult>;
}

export interface LazyMigrationDeps {
  legacy: LegacyAuth;
  /** The one way accounts are made (UserService.create); it throws a 409 AppError when the address is taken. */
  create(input: CreateUserInput, opts: { source: 'legacy' }): Promise<{ id: string }>;
  audit: Pick<AuditLog, 'record'>;
  logger?: Pick<Logger, 'warn'> | undefined;
}

export function createLazyMigration(deps: LazyMigrationDeps): LazyMigration {
  const { legacy, audit, logger } = deps;
  return {
    async migrate(email, password, context) {
      // A password our rules refuse (shorter than 8 characters) could not become this account's password: the old
      // system is not asked, and the customer signs up or is imported in bulk with the old hash instead.
      if (!passwordSchema.safeParse(password).success) return null;
      const verdict = await legacy.check(email, password);
      if (verdict.outcome === 'refused') return null;
      if (verdict.outcome === 'unavailable') {
        // Neither the address nor the password is logged: the reason says what the operator has to fix.
        logger?.warn({ reason: verdict.reason, status: verdict.status, detail: verdict.detail }, 'lazy migration: the legacy system gave no usable answer; sign-in refused');
        await audit.record({ type: 'user.migrated', outcome: 'failure', reason: verdict.reason, ...context, ...(verdict.status ? { details: { status: verdict.status } } : {}) });
        return null;
      }
      if (verdict.dropped.length) logger?.warn({ dropped: verdict.dropped }, 'lazy migration: claims the legacy system sent do not pass our rules; left out');
      let account: { id: string };
      try {
        account = await deps.create({ ...verdict.claims, email, password, emailVerified: verdict.emailVerified }, { source: 'legacy' });
      } catch (err) {
        if (err instanceof AppError && err.status === 409) return { taken: true };
        if (err instanceof AppError && err.status === 400) {
          // The address itself fails our rules (the sign-in form is more lenient than account creation).
          logger?.warn({ problems: err.details?.problems }, 'lazy migration: the account cannot be created here; sign-in refused');
          return null;
        }
        throw err;
      }
      await audit.record({
        type: 'user.migrated',
        outcome: 'success',
        accountId: account.id,
        ...context,
        details: { emailVerified: verdict.emailVerified, claims: Object.keys(verdict.claims), ...(verdict.dropped.length ? { dropped: verdict.dropped } : {}) },
      });
      return { migrated: { accountId: account.id } };
    },
  };
}
