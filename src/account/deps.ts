// What the account center is built from (accountRouter and its page modules): the services it calls, by the part of
// each that it uses.
import type { ConnectionsDeps } from './connections.ts';
import type Provider from 'oidc-provider';
import type { Config } from '../config/index.ts';
import type { ProfileService } from '../services/profile.ts';
import type { SessionService } from '../services/sessions.ts';
import type { GrantService } from '../services/grants.ts';
import type { AuditLog } from '../services/audit.ts';
import type { Logger } from '../log.ts';
import type { RiskEngine } from '../services/risk.ts';
import type { InteractionFlows } from '../services/interaction-flows.ts';
import type { FactorService } from '../auth/factors.ts';
import type { TotpService } from '../auth/totp.ts';
import type { PasskeyService } from '../auth/passkeys.ts';
import type { RecoveryCodes } from '../auth/recovery-codes.ts';
import type { FactorType } from '../auth/types.ts';
import type { ErasureService } from '../services/erasure.ts';
import type { PrivacyExport } from '../services/privacy-export.ts';
import type { LegalService } from '../services/legal.ts';
import type { PreferencesDeps } from './preferences.ts';
import type { ConsentService } from '../services/consents.ts';
import type { PasswordUseCases } from '../usecases/password.ts';
import type { Throttle } from '../services/throttle.ts';
import type { BotCheck } from '../services/bot-check.ts';
import type { Locale } from '../i18n/index.ts';
import type { FactorUseCases } from '../usecases/factors.ts';
import type { EmailChange } from '../usecases/email-change.ts';
import type { CodeChallenges } from '../usecases/code-challenge.ts';
import type { SupportCodes } from '../services/support-codes.ts';

// Structural views of the mail, code and password-policy services (src/services/mailer.ts, one-time-codes.ts,
// password-policy.ts): only what the account center uses.
export interface AccountMailer {
  queue(msg: {
    to: string;
    template: 'password-changed' | 'email-change-verify' | 'email-changed' | 'factor-added' | 'factor-removed';
    locale: Locale;
    data?: Record<string, string>;
  }): void;
}

export interface AccountCodes {
  issue(input: { purpose: 'email-change'; subject: string; payload?: Record<string, unknown>; ttlSeconds?: number }): Promise<{
    id: string;
    code: string;
    expiresAt: Date;
  }>;
  verify(input: { id: string; purpose: 'email-change'; code: string }): Promise<
    { ok: true; subject: string; payload: Record<string, unknown> } | { ok: false; reason: 'invalid' | 'expired' | 'exhausted' }
  >;
  peek(id: string, purpose: 'email-change'): Promise<{ subject: string; payload: Record<string, unknown>; expiresAt: Date } | null>;
  revokeSubject(subject: string): Promise<void>;
}

export interface AccountPasswordPolicy {
  check(password: string, ctx?: { email?: string }): Promise<{ ok: true } | { ok: false; problem: string }>;
  minLength: number;
  maxLength: number;
}

export interface AccountDeps extends ConnectionsDeps {
  supportCodes: Pick<SupportCodes, 'issue' | 'current' | 'lookups'>;
  provider: () => Provider;
  config: Pick<Config, 'issuer' | 'reauthMaxAgeSeconds' | 'preferences' | 'legal'>;
  profile: ProfileService;
  sessions: SessionService;
  grants: GrantService;
  mailer: AccountMailer;
  codes: AccountCodes;
  passwordPolicy: AccountPasswordPolicy;
  audit: Pick<AuditLog, 'record'>;
  logger: Logger;
  removeAppMetadata: (accountId: string) => Promise<void>;
  /** Trusted browsers end with "sign out everywhere" and a password change; deletion forgets all risk data. */
  risk: Pick<RiskEngine, 'forgetDevices' | 'forgetAccount'>;
  flows: Pick<InteractionFlows, 'removeForAccount'>;
  // Sign-in security (security.ts).
  factors: FactorService;
  totp: TotpService;
  passkeys: PasskeyService;
  recoveryCodes: RecoveryCodes;
  /** The factor types the operator enabled (config.mfa.factors): only these are offered. */
  mfaFactors: readonly FactorType[];
  /** Whether texts can be sent (SmsCourier.enabled): without, phones are not offered even when 'sms' is enabled. */
  smsEnabled: boolean;
  /** Your data: export and erasure (privacy.ts). */
  erasure: Pick<ErasureService, 'request' | 'graceDays'>;
  privacyExport: PrivacyExport;
  /** Terms and policies: documents in force and the customer's acceptances (legal.ts). */
  legal: LegalService;
  /** Communication preferences: topics × channels and their history (preferences.ts). */
  preferences: PreferencesDeps['preferences'];
  /** Consent records: per-app history and the record of each change made here (apps.ts). */
  consents?: ConsentService;
  /** Checking the current password and setting a new one, as every entry point does (src/usecases/password.ts). */
  passwords: PasswordUseCases;
  /** Typing a mailed code back (src/usecases/code-challenge.ts). */
  codeChallenges: CodeChallenges;
  /** Adding and removing second factors, with the owner's notice (src/usecases/factors.ts). */
  factorChanges: FactorUseCases;
  /** Changing the sign-in e-mail address (src/usecases/email-change.ts). */
  emailChange: EmailChange;
  /** The sign-in's limits, applied to the same acts here: mail sent to an address ('signup'), codes tried ('verify'). */
  throttle: Pick<Throttle, 'check' | 'fail' | 'succeed'>;
  /** The bot check of the forms that send a code (BOT_PROTECTION codes: an e-mail change, a phone factor); absent: none. */
  botCheck?: BotCheck;
}
