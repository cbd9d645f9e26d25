// "Exactly once" on every MongoDB-compatible server (FerretDB included) is a unique-_id insert: the loser of a race
// gets duplicate key error 11000.
const DUPLICATE_KEY = 11000;

export function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === DUPLICATE_KEY;
}
