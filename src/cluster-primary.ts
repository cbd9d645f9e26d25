// WEB_CONCURRENCY > 1: this process starts (or adopts) the embedded database once and runs that many workers, each a
// complete server process sharing the port through node:cluster and connecting to the same database. The first worker
// starts alone, so that creating indexes, signing keys, the account-center client and the demo data never races; the
// others start once it listens and find all of that in place. SIGTERM or SIGINT stops every worker (each drains its
// requests) and then the database. A worker that dies afterwards is replaced, after a pause that doubles while
// replacements keep dying.
import cluster, { type Worker } from 'node:cluster';
import type { Config } from './config/index.ts';
import { startEmbeddedDatabase } from './db/embedded.ts';
import type { Logger } from './log.ts';

/** What a worker sends the primary once it listens. */
export interface WorkerReady {
  ciam: 'ready';
  port: number;
  /** The demo's start URL, from the worker that seeded it. */
  demo?: string;
  /** The demo OpenID provider runs ("Continue with Demo ID"); never in a cluster. */
  demoProvider?: boolean;
}

const FIRST_PAUSE_MS = 1_000;
const MAX_PAUSE_MS = 30_000;
// A worker that served this long before dying was healthy: its replacement starts the pauses over.
const HEALTHY_AFTER_MS = 60_000;
// Each worker drains for at most 10 s (src/main.ts); this leaves it time to close its connections too.
const STOP_GRACE_MS = 15_000;

interface Slot {
  worker?: Worker;
  startedAt: number;
  failures: number;
  restart?: NodeJS.Timeout;
}

const isReady = (message: unknown): message is WorkerReady =>
  typeof message === 'object' && message !== null && (message as WorkerReady).ciam === 'ready';

export async function runPrimary(
  config: Config,
  logger: Logger,
  opts: { workerScript: string; announce: (ready: WorkerReady) => void },
): Promise<void> {
  const db = config.database.uri
    ? undefined
    : await startEmbeddedDatabase({ dir: config.database.embeddedDir, port: config.database.embeddedPort });
  // Workers connect to the primary's database as to any MongoDB: they neither start nor adopt one themselves.
  const env = db ? { MONGODB_URI: db.uri } : {};
  cluster.setupPrimary({ exec: opts.workerScript });

  const slots: Slot[] = Array.from({ length: config.webConcurrency }, () => ({ startedAt: 0, failures: 0 }));
  let started = false;
  let stopping = false;
  let allStopped: (() => void) | undefined;

  const fork = (slot: Slot) =>
    new Promise<WorkerReady>((ready, failed) => {
      const worker = cluster.fork(env);
      slot.worker = worker;
      slot.startedAt = Date.now();
      worker.on('message', (message: unknown) => {
        if (isReady(message)) ready(message);
      });
      worker.once('exit', (code, signal) => {
        slot.worker = undefined;
        failed(new Error(`worker ${worker.process.pid} exited (${signal ?? `code ${code}`}) before it listened`));
        if (stopping) {
          if (slots.every((s) => !s.worker)) allStopped?.();
        } else if (started) {
          replace(slot, worker.process.pid, code, signal);
        }
      });
    });

  const replace = (slot: Slot, pid: number | undefined, code: number | null, signal: string | null) => {
    if (Date.now() - slot.startedAt >= HEALTHY_AFTER_MS) slot.failures = 0;
    const pause = Math.min(MAX_PAUSE_MS, FIRST_PAUSE_MS * 2 ** slot.failures);
    slot.failures++;
    logger.error({ pid, code, signal, restartInMs: pause }, 'worker died; starting another');
    slot.restart = setTimeout(() => {
      slot.restart = undefined;
      fork(slot).then(
        (ready) => logger.info({ pid: slot.worker?.process.pid, port: ready.port }, 'replacement worker listening'),
        // Its exit handler has scheduled the next attempt already.
        () => {},
      );
    }, pause);
  };

  const stop = async (reason: string, exitCode: number) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'shutting down');
    for (const slot of slots) clearTimeout(slot.restart);
    const live = slots.flatMap((s) => (s.worker ? [s.worker] : []));
    if (live.length) {
      const exited = new Promise<void>((done) => (allStopped = done));
      for (const worker of live) worker.process.kill('SIGTERM');
      const force = setTimeout(() => {
        logger.warn('workers did not stop within 15 s; killing them');
        for (const slot of slots) slot.worker?.process.kill('SIGKILL');
      }, STOP_GRACE_MS);
      await exited;
      clearTimeout(force);
    }
    await db?.stop();
    process.exit(exitCode);
  };
  process.on('SIGTERM', () => void stop('SIGTERM', 0));
  process.on('SIGINT', () => void stop('SIGINT', 0));

  try {
    const first = await fork(slots[0]!);
    await Promise.all(slots.slice(1).map(fork));
    started = true;
    logger.info({ port: first.port, workers: slots.length }, 'listening');
    opts.announce(first);
  } catch (err) {
    if (stopping) return;
    logger.error({ err }, 'a worker failed to start');
    await stop('a worker failed to start', 1);
  }
}
