// What the account center's second-step pages share: their paths, the parsers of a typed code and of a factor's
// name, and the two rules every enrollment follows (only offered kinds; the account's own address is told).
import { cleanPasskeyName, MAX_PASSKEY_NAME } from '../auth/passkeys.ts';
import type { FactorType } from '../auth/types.ts';
import { notFound } from '../errors.ts';
import type { MessageKey } from '../i18n/index.ts';
import { readSixDigitCode } from '../services/code-input.ts';
import type { FactorOwner } from '../usecases/factors.ts';
import type { SignedIn } from './auth.ts';
import type { AccountDeps } from './deps.ts';

export type SecurityDeps = Pick<AccountDeps, 'factors' | 'totp' | 'passkeys' | 'recoveryCodes' | 'mfaFactors' | 'smsEnabled' | 'factorChanges' | 'botCheck'>;

// Routes are registered under the account router's /account prefix; links and redirects need the full path.
export const PATH = '/security';
export const BASE = `/account${PATH}`;
export const MAX_ID = 128;

/** A six-digit code as typed (spaces and dashes between the digits ignored), or the problem with it. */
export function readCode(value: unknown): { code: string } | { error: MessageKey } {
  const read = readSixDigitCode(value);
  if (read.ok) return { code: read.code };
  return { error: read.problem === 'missing' ? 'account.mfa.code.error.missing' : 'account.mfa.code.error.format' };
}

/** A name the customer gives a factor (trimmed, control characters collapsed, at most 64 characters), or the problem. */
export function readName(value: unknown, opts: { required: boolean }): { name: string } | { error: MessageKey } {
  if (value !== undefined && typeof value !== 'string') return { error: 'account.error.invalid' };
  if (typeof value === 'string' && [...value.trim()].length > MAX_PASSKEY_NAME) return { error: 'account.mfa.passkey.error.nameTooLong' };
  const name = cleanPasskeyName(value);
  if (!name && opts.required) return { error: 'account.mfa.passkey.error.nameMissing' };
  return { name };
}

export interface FactorRules {
  offered(type: FactorType): boolean;
  /** 404 for a kind of factor this server does not offer. */
  requireOffered(type: FactorType): void;
}

/** The signed-in customer as the owner of the factors a page changes (the notice goes to the account's address). */
export const ownerOf = (account: SignedIn): FactorOwner => ({ accountId: account.accountId, email: account.user.email, locale: account.locale });

export function factorRules(deps: SecurityDeps): FactorRules {
  const offered = (type: FactorType) => deps.mfaFactors.includes(type) && (type !== 'sms' || deps.smsEnabled);
  return {
    offered,
    requireOffered(type) {
      if (!offered(type)) throw notFound('This kind of second step is not offered');
    },
  };
}
