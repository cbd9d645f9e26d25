// Recovery codes: ten single-use codes such as "7kq4-m2xd-9p", shown once, for when every other factor is lost.
//
// - Ten characters from a 31-letter alphabet without look-alikes (no 0/o, 1/l/i): about 49.5 bits each, typed
//   case-, space- and dash-insensitively.
// - Stored as HMACs only (`_id` = HMAC(accountId, normalised code), key derived from the data encryption key):
//   a copy of the database shows no code, and a code of one account is nothing for another.
// - Using a code deletes its row; only the request whose delete removed it (deletedCount 1) succeeds, so a code
//   works once however many requests race.
// - Generating a set replaces the previous one; until the old rows are gone, a row of an older set is refused
//   anyway (the newest set of an account is the only one that counts, checked on every use).
// Guess limits are the caller's (an AttemptBudget per sign-in).
import { systemClock, type Clock } from '../clock.ts';
import { randomBytes, randomInt } from 'node:crypto';
import type { Connection } from 'mongoose';
import { recoveryCodeModel, type RecoveryCodeRecord } from '../db/models/factor.ts';
import type { AuditLog } from '../services/audit.ts';
import { createKeyedHash } from '../services/crypto.ts';

export interface RecoveryCodes {
  /** Replaces any old set; audits recovery_codes.generated. Returns the codes, formatted "xxxx-xxxx-xx". */
  generate(accountId: string): Promise<string[]>;
  remaining(accountId: string): Promise<number>;
  /** Unused codes left and when the set was generated (createdAt undefined when none are left). */
  status(accountId: string): Promise<{ remaining: number; createdAt?: Date }>;
  /** Audits recovery_code.used (with the count remaining); a wrong code is not audited here (the caller counts guesses). */
  use(accountId: string, code: string): Promise<{ ok: true; remaining: number } | { ok: false }>;
  removeAll(accountId: string): Promise<void>;
  /** The accountId index. Run once at start. */
  ensureIndexes(): Promise<void>;
}

export interface RecoveryCodesDeps {
  conn: Connection;
  /** The data encryption key: the HMAC key is derived from it (HKDF, info "recovery-codes"). */
  key: Buffer;
  audit: Pick<AuditLog, 'record'>;
  /** Clock, for tests. */
  now?: Clock;
}

export const RECOVERY_CODE_COUNT = 10;
export const RECOVERY_CODE_ALPHABET = '23456789abcdefghjkmnpqrstuvwxyz';
const CODE_LENGTH = 10;
const CODE_PATTERN = new RegExp(`^[${RECOVERY_CODE_ALPHABET}]{${CODE_LENGTH}}$`);

/** Lowercase, without spaces and dashes; undefined when it cannot be a recovery code. */
export function normaliseRecoveryCode(input: unknown): string | undefined {
  if (typeof input !== 'string' || input.length > 64) return undefined;
  const code = input.replace(/[\s-]/g, '').toLowerCase();
  return CODE_PATTERN.test(code) ? code : undefined;
}

/** "7kq4m2xd9p" → "7kq4-m2xd-9p": groups are easier to read aloud and copy. */
export function formatRecoveryCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`;
}

function randomCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += RECOVERY_CODE_ALPHABET[randomInt(RECOVERY_CODE_ALPHABET.length)];
  return code;
}

type Ordered = Pick<RecoveryCodeRecord, 'accountId' | 'batch' | 'createdAt'>;

// Sets of one account are ordered by (createdAt, batch): a total order, so exactly one set is the newest.
const newerThan = ({ accountId, batch, createdAt }: Ordered) => ({
  accountId,
  $or: [{ createdAt: { $gt: createdAt } }, { createdAt, batch: { $gt: batch } }],
});
const olderThan = ({ accountId, batch, createdAt }: Ordered) => ({
  accountId,
  $or: [{ createdAt: { $lt: createdAt } }, { createdAt, batch: { $lt: batch } }],
});

export function createRecoveryCodes(deps: RecoveryCodesDeps): RecoveryCodes {
  const { conn, audit } = deps;
  const now = deps.now ?? systemClock;
  const rows = recoveryCodeModel(conn);
  const idOf = createKeyedHash(deps.key, 'recovery-codes');

  async function status(accountId: string) {
    const newest = await rows.findOne({ accountId }).sort({ createdAt: -1, batch: -1 }).lean<RecoveryCodeRecord>();
    if (!newest) return { remaining: 0 };
    const remaining = await rows.countDocuments({ accountId, batch: newest.batch });
    return { remaining, createdAt: newest.createdAt };
  }

  return {
    async generate(accountId) {
      if (typeof accountId !== 'string' || accountId.length === 0) throw new TypeError('accountId must be a non-empty string');
      const codes = new Set<string>();
      while (codes.size < RECOVERY_CODE_COUNT) codes.add(randomCode());
      const set: Ordered = { accountId, batch: randomBytes(12).toString('base64url'), createdAt: new Date(now()) };
      await rows.insertMany([...codes].map((code) => ({ _id: idOf(accountId, code), ...set })));
      // Insert first, then delete what is older, so that the newest set is never deleted, even by a racing generate.
      await rows.deleteMany(olderThan(set));
      await audit.record({ type: 'recovery_codes.generated', outcome: 'success', accountId, details: { count: RECOVERY_CODE_COUNT } });
      return [...codes].map(formatRecoveryCode);
    },

    async remaining(accountId) {
      return (await status(accountId)).remaining;
    },

    status,

    async use(accountId, code) {
      const normalised = normaliseRecoveryCode(code);
      if (normalised === undefined || typeof accountId !== 'string') return { ok: false };
      const row = await rows.findOne({ _id: idOf(accountId, normalised) }).lean<RecoveryCodeRecord>();
      // The HMAC binds the code to the account; checking accountId as well costs nothing.
      if (!row || row.accountId !== accountId) return { ok: false };
      if (await rows.exists(newerThan(row))) return { ok: false };
      const { deletedCount } = await rows.deleteOne({ _id: row._id });
      if (deletedCount !== 1) return { ok: false };
      const remaining = await rows.countDocuments({ accountId, batch: row.batch });
      await audit.record({ type: 'recovery_code.used', outcome: 'success', accountId, details: { remaining } });
      return { ok: true, remaining };
    },

    async removeAll(accountId) {
      await rows.deleteMany({ accountId });
    },

    async ensureIndexes() {
      await rows.createIndexes();
    },
  };
}
