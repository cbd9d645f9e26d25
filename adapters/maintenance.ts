// Reclaiming expired rows. Reads already ignore them, so this is about space, not correctness: a TTL index where
// the server has one (MongoDB), a periodic sweep where it refuses it (FerretDB answers 238 NotImplemented).
import type { Collection } from 'mongodb';
import type { Logger } from '../src/log.ts';

export interface ExpiringRow {
  _id: string;
  expiresAt?: Date;
}

type Expiring = Collection<ExpiringRow>;

function errorCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

async function tryTtlIndex(rows: Expiring): Promise<boolean> {
  try {
    await rows.createIndex({ expiresAt: 1 }, { name: 'expiresAt_ttl', expireAfterSeconds: 0 });
    return true;
  } catch (err) {
    const code = errorCode(err);
    // 238 NotImplemented: FerretDB. 85/86: a plain expiresAt index is already there (made while on FerretDB).
    if (code === 238 || code === 85 || code === 86) return false;
    throw err;
  }
}

/** Creates an expiresAt index on each collection: TTL if the server accepts one, plain otherwise. */
export async function ensureExpiryIndexes(collections: Expiring[]): Promise<{ ttl: boolean }> {
  let ttl = true;
  for (const rows of collections) {
    if (ttl) ttl = await tryTtlIndex(rows);
    if (!ttl) await rows.createIndex({ expiresAt: 1 }, { name: 'expiresAt_1' });
  }
  return { ttl };
}

export async function sweepExpired(collections: Expiring[]): Promise<number> {
  const now = new Date();
  let removed = 0;
  for (const rows of collections) {
    removed += (await rows.deleteMany({ expiresAt: { $lte: now } })).deletedCount;
  }
  return removed;
}

/**
 * Runs `sweep` every `intervalSeconds`, never two at once; `what` names the job in its log lines (default: expired
 * rows). Also the webhook dispatcher's round, which counts deliveries sent.
 */
export function startSweeper(sweep: () => Promise<number>, intervalSeconds: number, logger?: Logger, what = 'expired rows swept'): () => void {
  if (!Number.isFinite(intervalSeconds) || intervalSeconds <= 0) {
    throw new TypeError('sweeper interval must be a positive number of seconds');
  }
  let running = false;
  const timer = setInterval(() => {
    // A slow database must not pile up overlapping sweeps.
    if (running) return;
    running = true;
    sweep()
      .then((removed) => {
        if (removed > 0) logger?.debug({ count: removed }, what);
      })
      .catch((err: unknown) => logger?.warn({ err: (err as Error).message, job: what }, 'periodic job failed; will retry'))
      .finally(() => {
        running = false;
      });
  }, intervalSeconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
