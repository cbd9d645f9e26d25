// Exact attempt budgets ("at most 5 guesses per sign-in"), across processes, on MongoDB and on FerretDB alike.
//
// A counter cannot do this on FerretDB: its conditional updates and $inc are not atomic under concurrency. Here every
// claim is a row inserted with `_id` `<key>:<n>`, n counting up from 0, and a caller may only insert n = (highest n
// it saw) + 1, and only while fewer than `max` of the rows it saw are still counting (`until` in the future). Two
// callers that saw the same rows try the same `_id`: the storage engine lets exactly one insert win. A caller that
// saw stale rows tries an `_id` that exists by now and loses too. So every winner saw every row there was, and since
// rows only ever stop counting (never start again), at most `max` claims count at any moment.
//
// The one thing that could break this is deleting the newest row while a caller still holds a view with it: the
// next caller would then re-use its n. Rows are therefore deleted (sweep, or TTL index on MongoDB) only
// SWEEP_GRACE_MS after they stopped counting: a caller would have to stall that long between reading and inserting.
import type { Connection } from 'mongoose';
import { ensureExpiryIndexes, type ExpiringRow } from '../../adapters/maintenance.ts';
import { attemptModel, type AttemptRecord } from '../db/models/factor.ts';
import { isDuplicateKey } from '../db/duplicate-key.ts';

export interface AttemptBudget {
  /** Claims one of `max` slots for `key` (unique-_id inserts `${key}:${n}`); false when all are taken. */
  take(key: string, max: number, expiresAt: Date): Promise<boolean>;
  /** Deletes rows that stopped counting more than SWEEP_GRACE_MS ago; returns how many went. */
  sweepExpired(): Promise<number>;
  /** Erasure: every row of `key` (whose key names an account). Resets the budget, so only for keys no one uses again. */
  forget(key: string): Promise<number>;
  /** The key index and the expiresAt index (TTL where the server accepts one). Run once at start. */
  ensureIndexes(): Promise<{ ttl: boolean }>;
}

export interface AttemptBudgetDeps {
  conn: Connection;
  /** Default 'mfa_attempts'. */
  collection?: string;
  /** Clock, for tests. */
  now?: () => number;
}

export const SWEEP_GRACE_MS = 10 * 60_000;
const MAX_KEY_LENGTH = 512;
// Each lost race means another caller won a claim: with `max` small, a handful of rounds settles any burst. A caller
// that keeps losing is refused (fails closed) rather than spinning.
const MAX_ROUNDS = 64;

export function createAttemptBudget(deps: AttemptBudgetDeps): AttemptBudget {
  const { conn } = deps;
  const now = deps.now ?? Date.now;
  const rows = attemptModel(conn, deps.collection ?? 'mfa_attempts');

  return {
    async take(key, max, expiresAt) {
      if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) throw new TypeError('attempt key must be a non-empty string');
      if (!Number.isInteger(max) || max < 1) throw new TypeError('attempt budget must be a positive integer');
      if (!(expiresAt instanceof Date) || !(expiresAt.getTime() > now())) throw new TypeError('attempt expiry must be a future date');

      for (let round = 0; round < MAX_ROUNDS; round++) {
        const seen = await rows.find({ key }, { n: 1, until: 1 }).lean<Pick<AttemptRecord, 'n' | 'until'>[]>();
        const t = now();
        if (seen.filter((r) => r.until.getTime() > t).length >= max) return false;
        const n = seen.reduce((highest, r) => Math.max(highest, r.n), -1) + 1;
        try {
          await rows.create({ _id: `${key}:${n}`, key, n, until: expiresAt, expiresAt: new Date(expiresAt.getTime() + SWEEP_GRACE_MS) });
          return true;
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
        }
      }
      return false;
    },

    async sweepExpired() {
      const { deletedCount } = await rows.deleteMany({ expiresAt: { $lte: new Date(now()) } });
      return deletedCount;
    },

    async forget(key) {
      const { deletedCount } = await rows.deleteMany({ key });
      return deletedCount;
    },

    async ensureIndexes() {
      await rows.createIndexes();
      const db = conn.db;
      if (!db) throw new Error('database connection is not open');
      return ensureExpiryIndexes([db.collection<ExpiringRow>(rows.collection.collectionName)]);
    },
  };
}
