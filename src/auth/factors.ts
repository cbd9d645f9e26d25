// Second factors of an account, in one place: the SMS and e-mail factors (codes through the one-time-code service,
// sent by the SMS courier or the mailer), one listing over every kind (authenticator apps, passkeys, recovery codes
// too) and removal.
//
// - Phone numbers and addresses are sealed at rest; a factor's id is an HMAC of (account, type, destination), so
//   one destination is enrolled once per account however many confirmations race.
// - Codes are the one-time-code service's: six digits behind a random id, single-use, attempt-limited exactly,
//   compared in constant time, the newest code of an account and purpose the only one that works. A code is
//   checked to belong to the account before it is tried, so a foreign code id spends none of its owner's attempts.
// - Sending costs money (SMS) and can annoy (e-mail): each account may have at most sendLimit.max codes sent per
//   sendLimit.windowSeconds, counted exactly (an AttemptBudget); beyond that, sending answers 'unavailable'. Codes to
//   a new address of one's own (startEmail) are not counted: that needs a recent sign-in and reaches only oneself.
import { systemClock, type Clock } from '../clock.ts';
import type { Connection } from 'mongoose';
import { factorModel, type FactorRecord } from '../db/models/factor.ts';
import { translator, type Locale } from '../i18n/index.ts';
import type { AuditLog } from '../services/audit.ts';
import { createKeyedHash, type Cipher } from '../services/crypto.ts';
import type { Mailer } from '../services/mailer.ts';
import { codeMinutes } from '../i18n/index.ts';
import type { CodePayload, OneTimeCodes } from '../services/one-time-codes.ts';
import { createAttemptBudget } from './attempts.ts';
import type { PasskeyService, PasskeyView } from './passkeys.ts';
import type { RecoveryCodes } from './recovery-codes.ts';
import { maskPhone, normalisePhone, type SmsCourier } from './sms.ts';
import type { FactorView } from './types.ts';
import { isDuplicateKey } from '../db/duplicate-key.ts';
import { maskEmail } from '../services/mask.ts';

type CodeFactor = 'sms' | 'email';
type CodeFailure = { ok: false; reason: 'invalid' | 'expired' | 'exhausted' };

export interface FactorService {
  /** How long a code sent by this factor lives (what pages and messages say of it). */
  codeTtlSeconds(type: CodeFactor): number;
  /** totp, sms, email, passkey (through deps.passkeys.list), recovery (one entry with remaining, when > 0). */
  list(accountId: string): Promise<FactorView[]>;
  /** Removes a totp/sms/email factor or a passkey (by id) or all recovery codes (id 'recovery'); audits factor.removed. */
  remove(accountId: string, id: string): Promise<FactorView | undefined>;
  /** E.164 check (libphonenumber-js), sends a 'factor-enroll' code by SMS. */
  startSms(
    accountId: string,
    phone: string,
    locale: Locale,
  ): Promise<{ ok: true; codeId: string; destination: string } | { ok: false; reason: 'invalid_phone' | 'unavailable' | 'duplicate' }>;
  /** Sends a 'factor-enroll' code to the account's e-mail address (mail template 'mfa-code'). Throws on a malformed address. */
  startEmail(accountId: string, email: string, locale: Locale): Promise<{ ok: true; codeId: string; destination: string }>;
  /** Completes startSms/startEmail: stores the factor; audits factor.added. */
  confirm(accountId: string, codeId: string, code: string): Promise<{ ok: true; factor: FactorView } | CodeFailure>;
  /**
   * Sign-in challenge: sends an 'mfa-code' to an enrolled sms/email factor (factorId), or — factorId 'email' — to
   * `fallbackEmail` (the account's address) when the account has no acceptable enrolled factor. Audits mfa.code_sent.
   */
  sendChallenge(
    accountId: string,
    factorId: string,
    locale: Locale,
    fallbackEmail?: string,
  ): Promise<{ ok: true; codeId: string; destination: string; type: CodeFactor } | { ok: false; reason: 'unknown_factor' | 'unavailable' }>;
  verifyChallenge(accountId: string, codeId: string, code: string): Promise<{ ok: true; type: CodeFactor; factorId: string } | CodeFailure>;
  /** Every factor row, passkeys, recovery codes and pending codes (account deletion). */
  removeAll(accountId: string): Promise<void>;
  /** Indexes of the factor and send-budget collections. Run once at start. */
  ensureIndexes(): Promise<{ ttl: boolean }>;
  /** Expired send-budget rows. Run periodically where no TTL index exists. */
  sweepExpired(): Promise<number>;
}

export interface FactorServiceDeps {
  conn: Connection;
  codes: OneTimeCodes;
  mailer: Pick<Mailer, 'queue'>;
  sms: SmsCourier;
  passkeys: Pick<PasskeyService, 'list' | 'remove' | 'removeAll'>;
  recoveryCodes: Pick<RecoveryCodes, 'status' | 'removeAll'>;
  audit: Pick<AuditLog, 'record'>;
  productName: string;
  /** Seals phone numbers and addresses at rest. */
  cipher: Cipher;
  /** The data encryption key: the factor-id HMAC key is derived from it (HKDF, info "mfa-factors"). */
  key: Buffer;
  /** Codes sent per account (SMS and e-mail together); default 10 per hour. */
  sendLimit?: { max: number; windowSeconds: number };
  /** Code lifetimes; default SMS 5 minutes, e-mail 10 (mail can be slow to arrive). */
  codeTtlSeconds?: Partial<Record<CodeFactor, number>>;
  /** Clock, for tests. */
  now?: Clock;
}

/** The factorId of sign-in codes sent to the account's own address without an enrolled e-mail factor. */
export const ACCOUNT_EMAIL_FACTOR = 'email';
const RECOVERY_ID = 'recovery';
const RECOVERY_LABEL = 'Recovery codes';
const MAX_ID_LENGTH = 256;
const DEFAULT_SEND_LIMIT = { max: 10, windowSeconds: 3600 };
const DEFAULT_TTL: Record<CodeFactor, number> = { sms: 300, email: 600 };

const isId = (id: unknown): id is string => typeof id === 'string' && id.length > 0 && id.length <= MAX_ID_LENGTH;

function isEmail(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 254 && /^[^\s@]+@[^\s@]+$/.test(value);
}

/** enroll: the phone or address as destination; challenge: the factor id (or ACCOUNT_EMAIL_FACTOR). */
type FactorCodePurpose = 'mfa-code' | 'factor-enroll';
type FactorCodePayload = CodePayload<FactorCodePurpose>;

export function createFactorService(deps: FactorServiceDeps): FactorService {
  const { conn, codes, mailer, sms, passkeys, recoveryCodes, audit, productName, cipher } = deps;
  const now = deps.now ?? systemClock;
  const sendLimit = deps.sendLimit ?? DEFAULT_SEND_LIMIT;
  const ttl = { ...DEFAULT_TTL, ...deps.codeTtlSeconds };
  const factors = factorModel(conn);
  const sends = createAttemptBudget({ conn, collection: 'mfa_code_sends', now });
  const sendKey = (accountId: string) => `send:${accountId}`;
  const factorIdOf: (accountId: string, type: CodeFactor, destination: string) => string = createKeyedHash(deps.key, 'mfa-factors');

  const view = (r: FactorRecord): FactorView => ({
    id: r._id,
    type: r.type,
    label: r.label,
    createdAt: r.createdAt,
    ...(r.lastUsedAt ? { lastUsedAt: r.lastUsedAt } : {}),
  });
  const passkeyView = (p: PasskeyView): FactorView => ({
    id: p.id,
    type: 'passkey',
    label: p.name,
    createdAt: p.createdAt,
    ...(p.lastUsedAt ? { lastUsedAt: p.lastUsedAt } : {}),
  });

  /** The account's factor of this id: read by `_id` alone (the filter the embedded database serves from an index). */
  async function ownFactor(accountId: string, id: string): Promise<FactorRecord | undefined> {
    const row = await factors.findById(id).lean<FactorRecord>();
    return row && row.accountId === accountId ? row : undefined;
  }

  /** Issues a code and delivers it; undefined when the send budget is spent or the SMS could not be sent. */
  async function deliver(
    accountId: string,
    purpose: FactorCodePurpose,
    payload: FactorCodePayload,
    to: string,
    locale: Locale,
    counted = true,
  ): Promise<{ id: string } | undefined> {
    const { type } = payload;
    const details = { purpose, factorType: type, ...(payload.factorId ? { factorId: payload.factorId } : {}) };
    if (counted && !(await sends.take(sendKey(accountId), sendLimit.max, new Date(now() + sendLimit.windowSeconds * 1000)))) {
      await audit.record({ type: 'mfa.code_sent', outcome: 'failure', accountId, reason: 'send_limit', details });
      return undefined;
    }
    const issued = await codes.issue({ purpose, subject: accountId, payload, ttlSeconds: ttl[type] });
    const minutes = String(codeMinutes(ttl[type]));
    if (type === 'email') {
      mailer.queue({ to, template: 'mfa-code', locale, data: { code: issued.code, minutes } });
    } else {
      try {
        await sms.send(to, translator(locale)('sms.code', { code: issued.code, productName, minutes }));
      } catch {
        // The courier logged why (without the number). The code was never seen: it expires unused.
        await audit.record({ type: 'mfa.code_sent', outcome: 'failure', accountId, reason: 'delivery_failed', details });
        return undefined;
      }
    }
    await audit.record({ type: 'mfa.code_sent', outcome: 'success', accountId, details });
    return { id: issued.id };
  }

  /** The code's payload when it is a live code of this account (a foreign id costs its owner nothing). */
  async function check(accountId: string, codeId: string, purpose: FactorCodePurpose, code: string): Promise<{ ok: true; payload: FactorCodePayload } | CodeFailure> {
    if (!isId(codeId) || typeof accountId !== 'string') return { ok: false, reason: 'invalid' };
    const result = await codes.verify({ id: codeId, purpose, code, subject: accountId });
    return result.ok ? { ok: true, payload: result.payload } : result;
  }

  return {
    codeTtlSeconds: (type) => ttl[type],

    async list(accountId) {
      const [rows, keys, recovery] = await Promise.all([
        factors.find({ accountId }).sort({ createdAt: 1, _id: 1 }).lean<FactorRecord[]>(),
        passkeys.list(accountId),
        recoveryCodes.status(accountId),
      ]);
      const all = [...rows.map(view), ...keys.map(passkeyView)].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
      if (recovery.remaining > 0) {
        all.push({ id: RECOVERY_ID, type: 'recovery', label: RECOVERY_LABEL, createdAt: recovery.createdAt ?? new Date(now()), remaining: recovery.remaining });
      }
      return all;
    },

    async remove(accountId, id) {
      if (!isId(id) || typeof accountId !== 'string') return undefined;
      let removed: FactorView | undefined;
      if (id === RECOVERY_ID) {
        const { remaining, createdAt } = await recoveryCodes.status(accountId);
        if (remaining === 0) return undefined;
        await recoveryCodes.removeAll(accountId);
        removed = { id, type: 'recovery', label: RECOVERY_LABEL, createdAt: createdAt ?? new Date(now()), remaining };
      } else {
        const row = await ownFactor(accountId, id);
        if (row) {
          const { deletedCount } = await factors.deleteOne({ _id: id });
          if (deletedCount !== 1) return undefined;
          removed = view(row);
        } else {
          const passkey = await passkeys.remove(accountId, id);
          if (!passkey) return undefined;
          removed = passkeyView(passkey);
        }
      }
      await audit.record({ type: 'factor.removed', outcome: 'success', accountId, details: { factorType: removed.type, factorId: removed.id } });
      return removed;
    },

    async startSms(accountId, phone, locale) {
      const e164 = normalisePhone(phone);
      if (!e164) return { ok: false, reason: 'invalid_phone' };
      if (!sms.enabled) return { ok: false, reason: 'unavailable' };
      if (await ownFactor(accountId, factorIdOf(accountId, 'sms', e164))) return { ok: false, reason: 'duplicate' };
      const sent = await deliver(accountId, 'factor-enroll', { type: 'sms', destination: e164 }, e164, locale);
      return sent ? { ok: true, codeId: sent.id, destination: maskPhone(e164) } : { ok: false, reason: 'unavailable' };
    },

    async startEmail(accountId, email, locale) {
      if (!isEmail(email)) throw new TypeError('an e-mail factor needs an e-mail address');
      // Not counted against the send budget: the address is the account's own, reached only from a recent sign-in.
      const sent = await deliver(accountId, 'factor-enroll', { type: 'email', destination: email }, email, locale, false);
      if (!sent) throw new Error('unreachable: an uncounted e-mail is always sent');
      return { ok: true, codeId: sent.id, destination: maskEmail(email) };
    },

    async confirm(accountId, codeId, code) {
      const checked = await check(accountId, codeId, 'factor-enroll', code);
      if (!checked.ok) return checked;
      const { type, destination } = checked.payload;
      if ((type !== 'sms' && type !== 'email') || typeof destination !== 'string') return { ok: false, reason: 'invalid' };
      const record: FactorRecord = {
        _id: factorIdOf(accountId, type, destination),
        accountId,
        type,
        label: type === 'sms' ? maskPhone(destination) : maskEmail(destination),
        sealed: cipher.encrypt(destination),
        createdAt: new Date(now()),
      };
      try {
        await factors.create(record);
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        // Enrolled already (a racing confirmation, or the same address twice): one factor, and not news to audit.
        const existing = await ownFactor(accountId, record._id);
        return existing ? { ok: true, factor: view(existing) } : { ok: false, reason: 'invalid' };
      }
      await audit.record({ type: 'factor.added', outcome: 'success', accountId, details: { factorType: type, factorId: record._id } });
      return { ok: true, factor: view(record) };
    },

    async sendChallenge(accountId, factorId, locale, fallbackEmail) {
      if (!isId(factorId) || typeof accountId !== 'string') return { ok: false, reason: 'unknown_factor' };
      if (factorId === ACCOUNT_EMAIL_FACTOR) {
        if (!isEmail(fallbackEmail)) return { ok: false, reason: 'unknown_factor' };
        const sent = await deliver(accountId, 'mfa-code', { type: 'email', factorId }, fallbackEmail, locale);
        return sent ? { ok: true, codeId: sent.id, destination: maskEmail(fallbackEmail), type: 'email' } : { ok: false, reason: 'unavailable' };
      }
      const row = await ownFactor(accountId, factorId);
      if (!row || (row.type !== 'sms' && row.type !== 'email')) return { ok: false, reason: 'unknown_factor' };
      const type = row.type;
      if (type === 'sms' && !sms.enabled) return { ok: false, reason: 'unavailable' };
      let destination: string;
      try {
        destination = cipher.decrypt(row.sealed);
      } catch {
        return { ok: false, reason: 'unavailable' };
      }
      const sent = await deliver(accountId, 'mfa-code', { type, factorId }, destination, locale);
      return sent ? { ok: true, codeId: sent.id, destination: row.label, type } : { ok: false, reason: 'unavailable' };
    },

    async verifyChallenge(accountId, codeId, code) {
      const checked = await check(accountId, codeId, 'mfa-code', code);
      if (!checked.ok) return checked;
      const { type, factorId } = checked.payload;
      if ((type !== 'sms' && type !== 'email') || typeof factorId !== 'string') return { ok: false, reason: 'invalid' };
      if (factorId !== ACCOUNT_EMAIL_FACTOR) {
        // The factor may have been removed since the code was sent: then the code proves nothing any more. The id came
        // from this account's own code, and sms/email factor ids are HMACs of the account: `_id` alone is enough.
        const { matchedCount } = await factors.updateOne({ _id: factorId }, { $set: { lastUsedAt: new Date(now()) } });
        if (matchedCount !== 1) return { ok: false, reason: 'invalid' };
      }
      return { ok: true, type, factorId };
    },

    async removeAll(accountId) {
      await Promise.all([
        factors.deleteMany({ accountId }),
        passkeys.removeAll(accountId),
        recoveryCodes.removeAll(accountId),
        codes.revokeSubject(accountId),
        // The send budget's rows name the account in their key.
        sends.forget(sendKey(accountId)),
      ]);
    },

    async ensureIndexes() {
      await factors.createIndexes();
      return sends.ensureIndexes();
    },

    sweepExpired: () => sends.sweepExpired(),
  };
}
