// Natural batching of the adapter's hottest commands, as databases batch commits: while a collection already has
// `inFlight` inserts (or lookups by _id) on their way, the ones that arrive meanwhile wait and then go together, as
// one insertMany (or one find by `_id: {$in}`). Nothing waits on a timer: with no command in flight a request's
// command leaves at once, so a quiet server answers as fast as before; under load, N concurrent token requests cost
// a few commands instead of N. Each caller gets exactly what its own command would have given: its own rows (a
// copy of its own when two callers asked for the same row), its own error (a duplicate key on its own document
// rejects that caller only), and read-your-writes holds because a lookup is only ever sent after it was asked for.
import { MongoServerError, type Collection } from 'mongodb';
import { groupCommit } from '../src/db/group-commit.ts';
import { cloneRow } from './key-codec.ts';
import type { StoredDocument } from './types.ts';
import { rowOf, wireOf, type WireDocument } from './wire.ts';

export interface BatchedRows {
  insert(doc: StoredDocument): Promise<void>;
  /** The live and expired rows with these ids that exist, in no particular order. */
  findByIds(ids: readonly string[]): Promise<StoredDocument[]>;
}

export interface BatchingOptions {
  /** Commands of one kind a collection may have in flight before the next ones wait and go together. */
  inFlight?: number;
  /** Most items sent in one command. */
  maxBatch?: number;
}

interface WriteError {
  index?: unknown;
  code?: unknown;
  errmsg?: unknown;
}

function writeErrorsOf(err: unknown): WriteError[] | undefined {
  const raw = (err as { writeErrors?: unknown } | null)?.writeErrors;
  if (!raw) return undefined;
  const list = (Array.isArray(raw) ? raw : [raw]) as WriteError[];
  return list.every((e) => typeof e.index === 'number') ? list : undefined;
}

export function createBatchedRows(rows: Collection<WireDocument>, opts: BatchingOptions = {}): BatchedRows {
  const inFlight = opts.inFlight ?? 2;
  const maxBatch = opts.maxBatch ?? 100;

  const insert = groupCommit<StoredDocument, void>(
    async (batch) => {
      try {
        await rows.insertMany(
          batch.map((w) => wireOf(w.item)),
          { ordered: false },
        );
      } catch (err) {
        // Unordered: every document without an error of its own was written.
        const failed = writeErrorsOf(err);
        if (!failed) throw err;
        const byIndex = new Map(failed.map((e) => [e.index as number, e]));
        batch.forEach((w, i) => {
          const e = byIndex.get(i);
          if (!e) return w.resolve();
          const message = typeof e.errmsg === 'string' ? e.errmsg : 'write error';
          w.reject(new MongoServerError({ message, errmsg: message, code: typeof e.code === 'number' ? e.code : undefined }));
        });
        return;
      }
      batch.forEach((w) => w.resolve());
    },
    inFlight,
    maxBatch,
  );

  const find = groupCommit<readonly string[], StoredDocument[]>(
    async (batch) => {
      const ids = [...new Set(batch.flatMap((w) => w.item))];
      // One id alone is looked up by equality, as a lone request always was.
      const found = await rows.find(ids.length === 1 ? { _id: ids[0]! } : { _id: { $in: ids } }).toArray();
      const byId = new Map(found.map((wire) => [wire._id, rowOf(wire)]));
      const handedOut = new Set<string>();
      for (const w of batch) {
        const mine: StoredDocument[] = [];
        for (const id of w.item) {
          const doc = byId.get(id);
          if (!doc) continue;
          // Callers change what they get (a consumed flag set or dropped): a second caller of a row gets a copy.
          mine.push(handedOut.has(id) ? cloneRow(doc) : doc);
          handedOut.add(id);
        }
        w.resolve(mine);
      }
    },
    inFlight,
    maxBatch,
  );

  return { insert, findByIds: (ids) => find(ids) };
}
