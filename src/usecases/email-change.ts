// Changing an account's sign-in e-mail address, written once for every entry point (the account center today, the
// management API and console next): the new address proves itself with a mailed code, the old one is told once the
// change is made. The rules live here:
// - each request mails the new address, so requests are limited as sign-up mails are (per address and per client
//   address): the form cannot flood someone's inbox;
// - whether the new address already has an account is not revealed when the code is sent; the change is refused at
//   confirmation, once the customer has shown the mailbox is theirs;
// - wrong codes count as every mailed code's do (usecases/code-challenge.ts);
// - every outcome is audited (email.change_requested, email.change_failed, and email.changed by the profile service).
// An operator's "resend verification" (the console) is the same code for the account's own, unverified address: the
// account center's confirmation page takes it, and confirmed, the address is marked verified (email.verified).
import type { RequestMeta } from '../http/request-meta.ts';
import type { Locale } from '../i18n/index.ts';
import type { AuditLog } from '../services/audit.ts';
import type { OneTimeCodes } from '../services/one-time-codes.ts';
import type { ProfileService } from '../services/profile.ts';
import type { Throttle } from '../services/throttle.ts';
import type { UserService } from '../services/users.ts';
import { actorFields, type Actor } from './account-status.ts';
import type { CodeChallenges, CodeFailure } from './code-challenge.ts';

export interface EmailChangeDeps {
  /** Where the verification link points: `${issuer}/account/email/verify`. */
  issuer: string;
  throttle: Pick<Throttle, 'check' | 'fail'>;
  codes: Pick<OneTimeCodes, 'issue' | 'peek'>;
  codeChallenges: CodeChallenges;
  profile: Pick<ProfileService, 'changeEmail'>;
  /** Marks the account's own address verified when the code was for that address (a verification, not a change). */
  users: Pick<UserService, 'markEmailVerified'>;
  mailer: { queue(msg: { to: string; template: 'email-change-verify' | 'email-changed' | 'verify-email'; locale: Locale; data: Record<string, string> }): void };
  audit: Pick<AuditLog, 'record'>;
}

/** Whose address changes: the account, its current address and the language its mails are in. */
export interface EmailOwner {
  accountId: string;
  email: string;
  locale: Locale;
}

/** A change waiting for its code: the code's id and the address it was sent to. */
export interface PendingEmailChange {
  id: string;
  newEmail: string;
}

export type EmailChangeRequest =
  | { ok: true; pending: PendingEmailChange }
  | { ok: false; reason: 'same' }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

export type VerificationRequest =
  | { ok: true; pending: PendingEmailChange }
  | { ok: false; reason: 'verified' }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

export type EmailChangeConfirmation =
  | { ok: true; changed: boolean }
  | CodeFailure
  /** The address got an account of its own meanwhile. */
  | { ok: false; reason: 'taken' }
  | { ok: false; reason: 'not_found' };

export type EmailChange = ReturnType<typeof createEmailChange>;

export function createEmailChange(deps: EmailChangeDeps) {
  return {
    /** Mails a code to `newEmail` (already normalised) for the owner's account. */
    async request(owner: EmailOwner, newEmail: string, meta: RequestMeta): Promise<EmailChangeRequest> {
      if (newEmail === owner.email) return { ok: false, reason: 'same' };
      const sends = { ip: meta.ip, account: newEmail };
      const gate = await deps.throttle.check('signup', sends);
      if (!gate.allowed) return { ok: false, reason: 'throttled', retryAfterSeconds: gate.retryAfterSeconds };
      await deps.throttle.fail('signup', sends, { ...meta, accountId: owner.accountId });
      const issued = await deps.codes.issue({ purpose: 'email-change', subject: owner.accountId, payload: { newEmail } });
      const link = `${deps.issuer}/account/email/verify?${new URLSearchParams({ id: issued.id, code: issued.code })}`;
      deps.mailer.queue({ to: newEmail, template: 'email-change-verify', locale: owner.locale, data: { code: issued.code, link } });
      await deps.audit.record({ type: 'email.change_requested', outcome: 'success', accountId: owner.accountId, ...meta });
      return { ok: true, pending: { id: issued.id, newEmail } };
    },

    /**
     * Mails the owner's current address, while it is unverified, a code and a link to confirm it, on an operator's
     * behalf (`actor`: audited as email.verification_sent with the operator). Limited as a change's mails are.
     */
    async requestVerification(owner: EmailOwner & { emailVerified: boolean }, actor: Actor): Promise<VerificationRequest> {
      if (owner.emailVerified) return { ok: false, reason: 'verified' };
      const sends = { ip: actor.ip ?? '', account: owner.email };
      const gate = await deps.throttle.check('signup', sends);
      if (!gate.allowed) return { ok: false, reason: 'throttled', retryAfterSeconds: gate.retryAfterSeconds };
      await deps.throttle.fail('signup', sends, { ip: actor.ip ?? '', ...(actor.userAgent ? { userAgent: actor.userAgent } : {}), accountId: owner.accountId });
      const issued = await deps.codes.issue({ purpose: 'email-change', subject: owner.accountId, payload: { newEmail: owner.email } });
      const link = `${deps.issuer}/account/email/verify?${new URLSearchParams({ id: issued.id, code: issued.code })}`;
      deps.mailer.queue({ to: owner.email, template: 'verify-email', locale: owner.locale, data: { code: issued.code, link } });
      await deps.audit.record({ type: 'email.verification_sent', outcome: 'success', accountId: owner.accountId, ...actorFields(actor) });
      return { ok: true, pending: { id: issued.id, newEmail: owner.email } };
    },

    /** The owner's change waiting for code `id`, if it is alive (another account's code: undefined). */
    async pending(accountId: string, id: string | undefined): Promise<PendingEmailChange | undefined> {
      if (!id) return undefined;
      const pending = await deps.codes.peek(id, 'email-change');
      if (!pending || pending.subject !== accountId) return undefined;
      return { id, newEmail: pending.payload.newEmail };
    },

    /** One guess of the code; on success the address changes and the old address is told. */
    async confirm(owner: EmailOwner, pending: PendingEmailChange, typed: unknown, meta: RequestMeta): Promise<EmailChangeConfirmation> {
      const challenge = await deps.codeChallenges.open({ ref: pending.id, purpose: 'email-change', subject: owner.accountId, meta });
      const check = challenge.ok ? await challenge.verify(typed) : challenge;
      if (!check.ok) {
        if (check.reason !== 'throttled' && check.reason !== 'missing' && check.reason !== 'format') {
          await deps.audit.record({ type: 'email.change_failed', outcome: 'failure', accountId: owner.accountId, reason: `code_${check.reason}`, ...meta });
        }
        return check;
      }
      const newEmail = check.payload.newEmail;
      const result = await deps.profile.changeEmail(owner.accountId, newEmail, meta);
      if (!result.ok) {
        // A verification of the address the account has (requestVerification): proven now.
        if (result.reason === 'same') {
          await deps.users.markEmailVerified(owner.accountId, newEmail);
          return { ok: true, changed: false };
        }
        if (result.reason === 'taken') {
          await deps.audit.record({ type: 'email.change_failed', outcome: 'failure', accountId: owner.accountId, reason: 'address_taken', ...meta });
        }
        return { ok: false, reason: result.reason };
      }
      // The old address hears about it: if this was not the customer, that is where they would notice.
      deps.mailer.queue({ to: result.oldEmail, template: 'email-changed', locale: owner.locale, data: { newEmail } });
      return { ok: true, changed: true };
    },
  };
}
