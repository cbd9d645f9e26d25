// The throttle's counters: one row per key, `_id` = the key, so every read and write is keyed by `_id` alone (the one
// filter the embedded database serves from an index; rate-limiter-flexible's store filters on a `key` field and the
// expiry, which it decodes every row to answer).
//
// A counter counts within a window that starts with its first point; a row whose window has ended counts as absent
// on read and starts over on the next point (expiry is checked here, in code, not in the filter). $inc is atomic on
// MongoDB and not on FerretDB; src/services/throttle.ts serialises updates of one key within a process.
import { systemClock, type Clock } from '../clock.ts';
import type { Connection } from 'mongoose';
import { isDuplicateKey } from '../db/duplicate-key.ts';

export interface CounterRow {
  _id: string;
  points: number;
  expire: Date;
}

export interface CounterState {
  points: number;
  msBeforeNext: number;
}

export interface Counters {
  /**
   * The counters of running windows among these keys, in one read (`_id: {$in}`); a key never counted, or whose
   * window ended, is absent.
   */
  getMany(keys: readonly string[]): Promise<Map<string, CounterState>>;
  /** Adds points, starting a window of `windowMs` when none runs. */
  add(key: string, points: number, windowMs: number): Promise<CounterState>;
  /** Sets the counter to `points` for `ms` from now, whatever it was (a block). */
  set(key: string, points: number, ms: number): Promise<void>;
  /** Deletes the counters of these keys, in one command. */
  delete(...keys: string[]): Promise<void>;
  /** True for the one caller (in any process) that first claims `key`; the claim is kept until `expire`. */
  claim(key: string, expire: Date): Promise<boolean>;
}

export function createCounters(deps: { conn: Connection; collection: string; now?: Clock }): Counters {
  const rows = () => deps.conn.collection<CounterRow>(deps.collection);
  const now = deps.now ?? systemClock;
  const state = (row: CounterRow, at: number): CounterState => ({ points: row.points, msBeforeNext: Math.max(row.expire.getTime() - at, 0) });

  async function upsert(key: string, update: Record<string, unknown>): Promise<CounterRow> {
    // Two first points of one key race to insert it; the loser finds the row there and updates it.
    for (let attempt = 0; ; attempt++) {
      try {
        const row = await rows().findOneAndUpdate({ _id: key }, update, { upsert: true, returnDocument: 'after' });
        if (!row) throw new Error('upsert returned no row');
        return row;
      } catch (err) {
        if (!isDuplicateKey(err) || attempt > 0) throw err;
      }
    }
  }

  return {
    async getMany(keys) {
      const found = new Map<string, CounterState>();
      if (keys.length === 0) return found;
      const list = await rows().find({ _id: { $in: [...keys] } }).toArray();
      const at = now();
      for (const row of list) if (row.expire.getTime() > at) found.set(row._id, state(row, at));
      return found;
    },

    async add(key, points, windowMs) {
      const at = now();
      const row = await upsert(key, { $inc: { points }, $setOnInsert: { expire: new Date(at + windowMs) } });
      if (row.expire.getTime() > at) return state(row, at);
      // The row's window had ended: this point starts a new one.
      return state(await upsert(key, { $set: { points, expire: new Date(at + windowMs) } }), at);
    },

    async set(key, points, ms) {
      await upsert(key, { $set: { points, expire: new Date(now() + ms) } });
    },

    async claim(key, expire) {
      // A unique _id is the one exactly-once primitive both servers enforce (src/db/duplicate-key.ts).
      try {
        await rows().insertOne({ _id: key, points: 1, expire });
        return true;
      } catch (err) {
        if (isDuplicateKey(err)) return false;
        throw err;
      }
    },

    async delete(...keys) {
      if (keys.length === 1) await rows().deleteOne({ _id: keys[0]! });
      else if (keys.length > 1) await rows().deleteMany({ _id: { $in: keys } });
    },
  };
}
