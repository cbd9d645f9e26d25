// A customer's password, written once for every entry point: the sign-in's reset step, the account center (change
// password, confirming a sensitive change), and the CLI and API to come. Each entry point parses, calls one of these
// and renders; the throttle, the audit events, the mail and the effect on sessions and tokens are decided here.
//
// What a new password ends, whether the customer changed it or reset it: every other session of the account
// (back-channel logout to the apps), every access and refresh token and unused authorization code (apps must sign
// the customer in again), and every browser trusted to skip the second factor. Whoever knew the old password may
// have used it anywhere; the new one should be the only way in. The session the change was made in stays.
import type { AuditEventType } from '../services/audit-events.ts';
import type { Locale } from '../i18n/index.ts';
import type { RequestMeta } from '../http/request-meta.ts';
import { auditEvent, type AuditLog } from '../services/audit.ts';
import type { GrantService } from '../services/grants.ts';
import type { RiskEngine } from '../services/risk.ts';
import type { SessionService } from '../services/sessions.ts';
import type { Throttle } from '../services/throttle.ts';
import type { UserService } from '../services/users.ts';
import { normaliseEmail } from '../db/models/user.ts';
import { conflict } from '../errors.ts';
import { actorFields, type Actor, type CustomerContact } from './account-status.ts';

export interface PasswordUseCaseDeps {
  users: Pick<UserService, 'checkPassword' | 'setPassword'>;
  throttle: Pick<Throttle, 'check' | 'fail' | 'succeed'>;
  sessions: Pick<SessionService, 'revokeAll'>;
  grants: Pick<GrantService, 'revokeTokens'>;
  risk: Pick<RiskEngine, 'forgetDevices'>;
  mailer: { queue(msg: { to: string; template: 'password-changed' | 'password-reset-link'; locale: Locale; data: Record<string, string> }): void };
  audit: Pick<AuditLog, 'record'>;
  /** Where the "password changed" notice sends a customer who did not do it: the public reset entry. */
  recoverUrl: string;
}

export type PasswordCheck = { ok: true } | { ok: false; reason: 'wrong' } | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

export interface PasswordAccount {
  accountId: string;
  /** The account's e-mail, normalised: the key the sign-in throttles password attempts by. */
  email: string;
}

export interface PasswordUseCases {
  /**
   * Checks the current password of a signed-in customer (before a change, a deletion). Counted as the sign-in's
   * password attempts of a known device (`device`: the signed-in session), so a borrowed session cannot be used to
   * guess the password, and an attack on the account from elsewhere does not stop its owner here.
   */
  confirmPassword(
    account: PasswordAccount,
    password: string,
    opts: {
      meta: RequestMeta;
      device: string;
      /** The audit event a wrong password writes (e.g. password.change_failed). */
      failure: { type: AuditEventType; reason: string };
    },
  ): Promise<PasswordCheck>;
  /** Sets a new password (already checked against the policy) and ends what the old one opened (see above). */
  replacePassword(
    account: PasswordAccount,
    password: string,
    opts: { reason: 'change' | 'reset'; locale: Locale; keepSessionUid?: string; clientId?: string; meta: RequestMeta },
  ): Promise<void>;
  /**
   * An operator's "send a password reset" (API, CLI, console): mails the customer a link to the public reset entry
   * with the address filled in. Nothing changes until the customer follows it and proves the address with the
   * usual code, so the password keeps working meanwhile and a mistaken request costs nothing.
   */
  sendResetLink(account: CustomerContact, actor: Actor): Promise<void>;
}

export function createPasswordUseCases(deps: PasswordUseCaseDeps): PasswordUseCases {
  return {
    async confirmPassword(account, password, { meta, device, failure }) {
      const keys = { ip: meta.ip, account: normaliseEmail(account.email), device };
      const gate = await deps.throttle.check('login', keys);
      if (!gate.allowed) return { ok: false, reason: 'throttled', retryAfterSeconds: gate.retryAfterSeconds };
      if (await deps.users.checkPassword(account.accountId, password)) {
        await deps.throttle.succeed('login', keys);
        return { ok: true };
      }
      await deps.audit.record(auditEvent({ type: failure.type, outcome: 'failure', accountId: account.accountId, reason: failure.reason, ...meta }));
      const verdict = await deps.throttle.fail('login', keys, { ...meta, accountId: account.accountId });
      return verdict.allowed ? { ok: false, reason: 'wrong' } : { ok: false, reason: 'throttled', retryAfterSeconds: verdict.retryAfterSeconds };
    },

    async replacePassword(account, password, opts) {
      const { accountId } = account;
      const { meta } = opts;
      await deps.users.setPassword(accountId, password, { ...meta, ...(opts.clientId ? { clientId: opts.clientId } : {}), reason: opts.reason });
      await deps.sessions.revokeAll(accountId, {
        ...(opts.keepSessionUid ? { exceptUid: opts.keepSessionUid } : {}),
        reason: opts.reason === 'reset' ? 'password_reset' : 'password_changed',
        ...meta,
      });
      await deps.grants.revokeTokens(accountId);
      await deps.risk.forgetDevices(accountId);
      deps.mailer.queue({ to: account.email, template: 'password-changed', locale: opts.locale, data: { resetLink: deps.recoverUrl } });
      if (opts.reason === 'reset') {
        await deps.audit.record({ type: 'password.reset', outcome: 'success', accountId, ...(opts.clientId ? { clientId: opts.clientId } : {}), ...meta });
      }
    },

    async sendResetLink(account, actor) {
      // A disabled account could not sign in with the new password: the operator enables it first.
      if (account.disabled) throw conflict('The account is disabled: enable it first');
      const link = new URL(deps.recoverUrl);
      link.searchParams.set('email', account.email);
      deps.mailer.queue({ to: account.email, template: 'password-reset-link', locale: account.locale, data: { resetLink: link.href } });
      await deps.audit.record({
        type: 'password.reset_link_sent',
        outcome: 'success',
        accountId: account.accountId,
        ...actorFields(actor),
      });
    },
  };
}
