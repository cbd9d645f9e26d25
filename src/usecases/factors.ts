// Adding and removing a second factor, whichever page does it (the sign-in's enrollment step or the account center):
// the factor services store and audit the change, and the account's own address is told of it by the same mail,
// naming the factor the same way (factor-notices.ts). A change someone else made is noticed there.
// Entry points parse the form, call one of these, and render what comes back; none sends the notice itself.
import type { FactorService } from '../auth/factors.ts';
import type { PasskeyService } from '../auth/passkeys.ts';
import type { RecoveryCodes } from '../auth/recovery-codes.ts';
import type { TotpService } from '../auth/totp.ts';
import type { Locale } from '../i18n/index.ts';
import type { AuditLog } from '../services/audit.ts';
import { actorFields, type Actor } from './account-status.ts';
import { announceFactorChange, type FactorMailer, type NamedFactor } from './factor-notices.ts';

/** Whose factors change, and where the notice goes (no address: nothing is mailed). */
export interface FactorOwner {
  accountId: string;
  email: string | undefined;
  locale: Locale;
}

export interface FactorUseCasesDeps {
  factors: Pick<FactorService, 'confirm' | 'remove' | 'list' | 'removeAll'>;
  totp: Pick<TotpService, 'confirm'>;
  passkeys: Pick<PasskeyService, 'register'>;
  recoveryCodes: Pick<RecoveryCodes, 'generate'>;
  mailer: FactorMailer & { queue(msg: { to: string; template: 'factors-reset'; locale: Locale }): void };
  audit: Pick<AuditLog, 'record'>;
}

export type FactorUseCases = ReturnType<typeof createFactorUseCases>;

export function createFactorUseCases(deps: FactorUseCasesDeps) {
  const tell = (owner: FactorOwner, change: 'added' | 'removed', factor: NamedFactor) => {
    if (owner.email) announceFactorChange(deps.mailer, { to: owner.email, locale: owner.locale, change, factor });
  };

  return {
    /** An authenticator app confirmed with its first code (the sealed enrollment `token` from totp.begin). */
    async confirmTotp(owner: FactorOwner, token: string, code: string, name?: string) {
      const result = await deps.totp.confirm(owner.accountId, token, code, name);
      if (result.ok) tell(owner, 'added', { type: 'totp', label: name });
      return result;
    },

    /** A phone or e-mail factor confirmed with the code sent to it. */
    async confirmCode(owner: FactorOwner, codeId: string, code: string) {
      const result = await deps.factors.confirm(owner.accountId, codeId, code);
      if (result.ok) tell(owner, 'added', result.factor);
      return result;
    },

    /** A passkey made by the browser for a registration challenge. */
    async registerPasskey(owner: FactorOwner, challengeId: string, response: unknown, name?: string) {
      const result = await deps.passkeys.register(owner.accountId, challengeId, response, name);
      if (result.ok) tell(owner, 'added', { type: 'passkey', label: result.passkey.name });
      return result;
    },

    /** A new set of recovery codes, replacing the old one; the codes are shown once, by the caller. */
    async generateRecoveryCodes(owner: FactorOwner): Promise<string[]> {
      const codes = await deps.recoveryCodes.generate(owner.accountId);
      tell(owner, 'added', { type: 'recovery', label: '' });
      return codes;
    },

    /** Removes one of the owner's factors; undefined when there is no such factor. */
    async remove(owner: FactorOwner, factorId: string) {
      const removed = await deps.factors.remove(owner.accountId, factorId);
      if (removed) tell(owner, 'removed', removed);
      return removed;
    },

    /**
     * An operator's "reset MFA" for a customer who lost every factor (API, CLI, console): all second factors go
     * (authenticator apps, passkeys, phones, recovery codes, codes under way), audited with the operator as actor,
     * and the customer's address is told. The next sign-in that needs a second factor asks to enrol one.
     * Resolves with how many of each type were removed (nothing: an empty record, no mail).
     */
    async resetAll(owner: FactorOwner, actor: Actor): Promise<Record<string, number>> {
      const before = await deps.factors.list(owner.accountId);
      await deps.factors.removeAll(owner.accountId);
      const removed: Record<string, number> = {};
      for (const f of before) removed[f.type] = (removed[f.type] ?? 0) + 1;
      if (before.length === 0) return removed;
      await deps.audit.record({
        type: 'factors.reset',
        outcome: 'success',
        accountId: owner.accountId,
        ...actorFields(actor),
        details: { removed },
      });
      if (owner.email) deps.mailer.queue({ to: owner.email, template: 'factors-reset', locale: owner.locale });
      return removed;
    },
  };
}
