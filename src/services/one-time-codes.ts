// Six-digit codes sent by e-mail (sign-up, e-mail verification, password reset, e-mail change). A code is found by
// its random id (carried in the link or the page), never by the code itself: six digits are a second factor on top
// of an unguessable id, with a small, exact number of guesses.
//
// Guarantees, on MongoDB and on FerretDB alike (see src/db/models/one-time-code.ts for how):
// - at most maxAttempts guesses are ever compared, however many requests arrive at once: a guess first claims an
//   attempt slot (a unique-key insert), and only a guess holding a slot is compared;
// - a code is used at most once: the winner inserts `<id>:used` and must then delete the code itself, so a code
//   revoked (re-issued) or swept meanwhile is not accepted either;
// - only the newest code of a subject and purpose works (re-issue revokes), checked on every read;
// - expiry is checked on every read; sweepExpired() reclaims the rows where no TTL index can.
import { systemClock, type Clock } from '../clock.ts';
import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { CODE_PATTERN } from './code-input.ts';
import type { Connection } from 'mongoose';
import { ensureExpiryIndexes, type ExpiringRow } from '../../adapters/maintenance.ts';
import {
  CODE_PURPOSES,
  codeAttemptModel,
  oneTimeCodeModel,
  type CodePurpose,
  type OneTimeCodeRecord,
} from '../db/models/one-time-code.ts';
import { readCodePayload, type CodePayload } from './code-payloads.ts';
import { subKey, type Cipher } from './crypto.ts';
import { isDuplicateKey } from '../db/duplicate-key.ts';

export type { CodePayload, CodePurpose };

export type CodeCheck<P extends CodePurpose = CodePurpose> =
  | { ok: true; subject: string; payload: CodePayload<P> }
  | { ok: false; reason: 'invalid' | 'expired' | 'exhausted' };

export interface OneTimeCodes {
  /**
   * 6-digit code; earlier codes of the same purpose+subject stop working. The payload, of the purpose's shape
   * (code-payloads.ts), is encrypted at rest (JSON) and parsed against that shape whenever it is read back.
   */
  issue<P extends CodePurpose>(input: { purpose: P; subject: string; payload: CodePayload<P>; ttlSeconds?: number }): Promise<{
    id: string;
    code: string;
    expiresAt: Date;
  }>;
  /**
   * Success consumes the code exactly once. Each compared guess takes one of maxAttempts slots: a wrong guess that
   * got a slot answers 'invalid', any guess after the slots are gone answers 'exhausted' (the code is dead, even
   * for the right digits). Unknown id, wrong purpose, used or revoked code, or input that is not six digits:
   * 'invalid' (the last uses no slot: it cannot be right). With `subject`, a code of anyone else is 'invalid' too, and
   * uses none of its owner's slots.
   */
  verify<P extends CodePurpose>(input: { id: string; purpose: P; code: string; subject?: string }): Promise<CodeCheck<P>>;
  /** Without consuming anything: subject and payload of a live code (for "we sent a code to j***@example.com"), or null. */
  peek<P extends CodePurpose>(id: string, purpose: P): Promise<{ subject: string; payload: CodePayload<P>; expiresAt: Date } | null>;
  /** Ends every code of this subject, whatever its purpose. */
  revokeSubject(subject: string): Promise<void>;
  /** Deletes expired codes and their attempt rows; returns how many rows went. Run periodically where no TTL index exists. */
  sweepExpired(): Promise<number>;
  /** Creates the lookup indexes and expiresAt indexes (TTL where the server accepts them). Run once at start. */
  ensureIndexes(): Promise<{ ttl: boolean }>;
}

export interface OneTimeCodesDeps {
  conn: Connection;
  cipher: Cipher;
  /** The data encryption key: the HMAC key is derived from it (HKDF, info "one-time-codes"). */
  key: Buffer;
  ttlSeconds: number;
  maxAttempts: number;
  /** Clock, for tests. */
  now?: Clock;
}

const CODE_DIGITS = 6;
// 144 bits: unguessable, and a multiple of 3 bytes so that base64url needs no padding.
const ID_BYTES = 18;
const MAX_ID_LENGTH = 64;

interface Sealed {
  id: string;
  subject: string;
  payload: unknown;
}

export function createOneTimeCodes(deps: OneTimeCodesDeps): OneTimeCodes {
  const { conn, cipher, ttlSeconds, maxAttempts } = deps;
  const now = deps.now ?? systemClock;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new TypeError('maxAttempts must be a positive integer');
  assertTtl(ttlSeconds);
  const macKey = subKey(deps.key, 'one-time-codes');
  const codes = oneTimeCodeModel(conn);
  const attempts = codeAttemptModel(conn);

  // Domain-separated: a subject MAC can never equal a code MAC. Only the last part varies freely (\0 separates).
  const mac = (...parts: string[]) => createHmac('sha256', macKey).update(parts.join('\0')).digest();
  const subjectKey = (subject: string) => mac('subject', subject).toString('base64url');
  const codeMac = (id: string, purpose: CodePurpose, code: string) => mac('code', id, purpose, code);

  function open<P extends CodePurpose>(doc: OneTimeCodeRecord, purpose: P): { subject: string; payload: CodePayload<P> } | null {
    let sealed: Sealed;
    try {
      sealed = JSON.parse(cipher.decrypt(doc.sealed)) as Sealed;
    } catch {
      return null;
    }
    // The id inside the seal stops a row from being given another row's subject and payload.
    if (sealed.id !== doc._id || typeof sealed.subject !== 'string') return null;
    const payload = readCodePayload(purpose, sealed.payload);
    return payload === undefined ? null : { subject: sealed.subject, payload };
  }

  async function find(id: unknown, purpose: CodePurpose): Promise<OneTimeCodeRecord | null> {
    // Ids arrive from forms and URLs: anything but a plausible string (an object would be a query operator) is unknown.
    if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) return null;
    const doc = await codes.findOne({ _id: id }).lean<OneTimeCodeRecord>();
    if (!doc || doc.purpose !== purpose) return null;
    // Re-issue deletes older codes, but two issues racing can each miss the other's row: the newest code of a
    // subject and purpose is the only one that works, whatever the deletes managed to do.
    return (await codes.exists(newerThan(doc))) ? null : doc;
  }

  async function insertMarker(codeId: string, suffix: string, expiresAt: Date): Promise<boolean> {
    try {
      await attempts.create({ _id: `${codeId}:${suffix}`, codeId, expiresAt });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  const usedSlots = (codeId: string) => attempts.countDocuments({ codeId, _id: { $ne: `${codeId}:used` } });

  /** Claims the lowest free attempt slot; false when all are taken. */
  async function claimSlot(doc: OneTimeCodeRecord): Promise<boolean> {
    // The count is only where to start: slots are never freed, so it can lag behind but never overshoot.
    for (let slot = await usedSlots(doc._id); slot < maxAttempts; slot++) {
      if (await insertMarker(doc._id, String(slot), doc.expiresAt)) return true;
    }
    return false;
  }

  return {
    async issue({ purpose, subject, payload, ttlSeconds: ttl = ttlSeconds }) {
      if (!CODE_PURPOSES.includes(purpose)) throw new TypeError(`unknown code purpose: ${String(purpose)}`);
      if (typeof subject !== 'string' || subject.length === 0) throw new TypeError('code subject must be a non-empty string');
      assertTtl(ttl);
      if (readCodePayload(purpose, payload) === undefined) throw new TypeError(`payload does not fit a ${purpose} code`);
      const id = randomBytes(ID_BYTES).toString('base64url');
      const code = String(randomInt(10 ** CODE_DIGITS)).padStart(CODE_DIGITS, '0');
      const createdAt = new Date(now());
      const expiresAt = new Date(createdAt.getTime() + ttl * 1000);
      const key = subjectKey(subject);
      const sealed: Sealed = { id, subject, payload };
      await codes.create({
        _id: id,
        purpose,
        subjectKey: key,
        codeHash: codeMac(id, purpose, code).toString('base64url'),
        sealed: cipher.encrypt(JSON.stringify(sealed)),
        createdAt,
        expiresAt,
      });
      // Insert first, then delete what is older (ties broken by id), so the newest code is never deleted.
      await codes.deleteMany(olderThan({ _id: id, subjectKey: key, purpose, createdAt }));
      return { id, code, expiresAt };
    },

    async verify({ id, purpose, code, subject }) {
      const guess = typeof code === 'string' ? code.replace(/[\s-]/g, '') : '';
      const doc = await find(id, purpose);
      if (!doc || (subject !== undefined && doc.subjectKey !== subjectKey(subject))) return { ok: false, reason: 'invalid' };
      if (doc.expiresAt.getTime() <= now()) return { ok: false, reason: 'expired' };
      if (!CODE_PATTERN.test(guess)) return { ok: false, reason: 'invalid' };
      if (!(await claimSlot(doc))) return { ok: false, reason: 'exhausted' };

      const expected = Buffer.from(doc.codeHash, 'base64url');
      const actual = codeMac(doc._id, purpose, guess);
      const match = expected.length === actual.length && timingSafeEqual(expected, actual);
      const sealed = open(doc, purpose);
      if (!match || !sealed) return { ok: false, reason: 'invalid' };

      // Exactly one winner: the unique insert. Deleting the row as well proves it was not revoked meanwhile.
      if (!(await insertMarker(doc._id, 'used', doc.expiresAt))) return { ok: false, reason: 'invalid' };
      const { deletedCount } = await codes.deleteOne({ _id: doc._id });
      if (deletedCount !== 1) return { ok: false, reason: 'invalid' };
      await codes.deleteMany(olderThan(doc));
      return { ok: true, subject: sealed.subject, payload: sealed.payload };
    },

    async peek(id, purpose) {
      const doc = await find(id, purpose);
      if (!doc || doc.expiresAt.getTime() <= now()) return null;
      const [slots, used] = await Promise.all([usedSlots(doc._id), attempts.exists({ _id: `${doc._id}:used` })]);
      const sealed = open(doc, purpose);
      if (slots >= maxAttempts || used || !sealed) return null;
      return { subject: sealed.subject, payload: sealed.payload, expiresAt: doc.expiresAt };
    },

    async revokeSubject(subject) {
      await codes.deleteMany({ subjectKey: subjectKey(subject) });
    },

    async sweepExpired() {
      const cutoff = new Date(now());
      const [a, b] = await Promise.all([
        codes.deleteMany({ expiresAt: { $lte: cutoff } }),
        attempts.deleteMany({ expiresAt: { $lte: cutoff } }),
      ]);
      return a.deletedCount + b.deletedCount;
    },

    async ensureIndexes() {
      await codes.createIndexes();
      await attempts.createIndexes();
      const db = conn.db;
      if (!db) throw new Error('database connection is not open');
      return ensureExpiryIndexes([codes.collection.collectionName, attempts.collection.collectionName].map((n) => db.collection<ExpiringRow>(n)));
    },
  };
}

type Ordered = Pick<OneTimeCodeRecord, '_id' | 'subjectKey' | 'purpose' | 'createdAt'>;

// Codes of one subject and purpose are ordered by (createdAt, _id): a total order, so exactly one is the newest.
function newerThan(doc: Ordered) {
  const { _id, subjectKey, purpose, createdAt } = doc;
  return { subjectKey, purpose, $or: [{ createdAt: { $gt: createdAt } }, { createdAt, _id: { $gt: _id } }] };
}

function olderThan(doc: Ordered) {
  const { _id, subjectKey, purpose, createdAt } = doc;
  return { subjectKey, purpose, $or: [{ createdAt: { $lt: createdAt } }, { createdAt, _id: { $lt: _id } }] };
}

function assertTtl(seconds: number): void {
  if (!Number.isFinite(seconds) || seconds <= 0) throw new TypeError('code lifetime must be a positive number of seconds');
}
