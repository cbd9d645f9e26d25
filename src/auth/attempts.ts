// Exact attempt budgets ("at most 5 guesses per sign-in"), across processes, on MongoDB and on FerretDB alike.
//
// A counter cannot do this on FerretDB: its conditional updates and $inc are not atomic under concurrency. Here every
// claim is a row inserted with `_id` `<key>:<n>`, n counting up from 0, and the storage engine lets exactly one insert
// of an `_id` win. Claim n may be inserted only once claim n - max has stopped counting (`until` in the past, or the
// row gone): claims are made in order and a later claim never stops counting before an earlier one (its `until` is
// the same or later), so when claim n - max no longer counts, at most max - 1 of the claims before n still do. Two
// callers racing for n insert the same `_id`: one wins, the other moves on to n + 1 and checks again.
//
// Every read is by `_id` (the one filter the embedded database serves from an index): where to start is kept in a
// head row `<key>:head` (the highest n claimed, best effort: it may lag behind, never run ahead, and a lagging head
// only costs a lost insert or two), the check reads row `<key>:<n - max>`.
//
// The one thing that could break this is deleting rows while a lagging head still points below them: a caller could
// then re-use an n. Rows are therefore deleted (sweep, or TTL index on MongoDB) only SWEEP_GRACE_MS after they
// stopped counting, and the head row lives as long as the newest claim.
import { systemClock, type Clock } from '../clock.ts';
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
  now?: Clock;
}

export const SWEEP_GRACE_MS = 10 * 60_000;
const MAX_KEY_LENGTH = 512;
// Each lost race means another caller won a claim: with `max` small, a handful of rounds settles any burst. A caller
// that keeps losing is refused (fails closed) rather than spinning.
const MAX_ROUNDS = 64;

export function createAttemptBudget(deps: AttemptBudgetDeps): AttemptBudget {
  const { conn } = deps;
  const now = deps.now ?? systemClock;
  const rows = attemptModel(conn, deps.collection ?? 'mfa_attempts');

  return {
    async take(key, max, expiresAt) {
      if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) throw new TypeError('attempt key must be a non-empty string');
      if (!Number.isInteger(max) || max < 1) throw new TypeError('attempt budget must be a positive integer');
      if (!(expiresAt instanceof Date) || !(expiresAt.getTime() > now())) throw new TypeError('attempt expiry must be a future date');

      const head = `${key}:head`;
      const start = await rows.findById(head).lean<Pick<AttemptRecord, 'n'>>();
      let n = start ? start.n + 1 : 0;
      for (let round = 0; round < MAX_ROUNDS; round++, n++) {
        if (n >= max) {
          const oldest = await rows.findById(`${key}:${n - max}`).lean<Pick<AttemptRecord, 'until'>>();
          if (oldest && oldest.until.getTime() > now()) return false;
        }
        const row = { key, n, until: expiresAt, expiresAt: new Date(expiresAt.getTime() + SWEEP_GRACE_MS) };
        try {
          await rows.create({ _id: `${key}:${n}`, ...row });
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
          continue;
        }
        // Best effort: a racing caller may set a lower n last (FerretDB's $max is not atomic); the next caller then
        // starts lower and moves up past the rows that exist.
        await rows.updateOne({ _id: head }, { $set: { key, until: expiresAt }, $max: { n, expiresAt: row.expiresAt } }, { upsert: true }).catch((err: unknown) => {
          if (!isDuplicateKey(err)) throw err;
        });
        return true;
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
