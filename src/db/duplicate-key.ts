// "Exactly once" on every MongoDB-compatible server (FerretDB included) is a unique-_id insert: the loser of a race
// gets duplicate key error 11000.
const DUPLICATE_KEY = 11000;

export function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === DUPLICATE_KEY;
}

/** The indexes (in a bulk write) of the writes that failed only on a duplicate key; undefined for any other failure. */
export function duplicateKeyWrites(err: unknown): number[] | undefined {
  const raw = (err as { writeErrors?: unknown } | null)?.writeErrors;
  const list = (Array.isArray(raw) ? raw : raw ? [raw] : []) as { index?: unknown; code?: unknown }[];
  if (!list.length || !list.every((e) => e.code === DUPLICATE_KEY && typeof e.index === 'number')) return undefined;
  return list.map((e) => e.index as number);
}

/**
 * Sends `items` in one bulk write; when some of them lost an insert race to a concurrent writer (11000 on FerretDB,
 * which has no atomic upsert), sends those once more, which then update the winner's rows.
 */
export async function writeRetryingLostInserts<T>(items: readonly T[], write: (batch: readonly T[]) => Promise<unknown>): Promise<void> {
  let pending = items;
  for (let attempt = 0; pending.length; attempt++) {
    try {
      await write(pending);
      return;
    } catch (err) {
      const failed = duplicateKeyWrites(err);
      if (!failed || attempt > 0) throw err;
      pending = failed.map((i) => pending[i]!);
    }
  }
}
