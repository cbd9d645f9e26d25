// Every store whose rows expire, in one place: each creates its indexes, and the ones the server gave no TTL index
// (FerretDB refuses them) are swept every SWEEP_INTERVAL_SECONDS once the process is up. A new store with expiring rows
// is added here and nowhere else. Reads ignore expired rows in every store, so sweeping is about space only.
import { startSweeper } from '../../adapters/maintenance.ts';
import type { Logger } from '../log.ts';

export interface ExpiringStore {
  /** Creates the store's indexes; ttl: the server expires rows itself (a TTL index). */
  ensureIndexes(): Promise<{ ttl: boolean }>;
  /** Deletes expired rows; resolves with how many. */
  sweepExpired(): Promise<number>;
}

export interface Expiry {
  /** Creates the stores' indexes, and remembers the ones that need sweeping. */
  add(...stores: ExpiringStore[]): Promise<void>;
  /** Starts sweeping the stores without a TTL index (once, after everything is built). */
  start(): void;
  stop(): void;
  /** How many stores are swept (none on MongoDB). */
  readonly swept: number;
}

export function createExpiry(opts: { intervalSeconds: number; logger?: Logger }): Expiry {
  const untimed: ExpiringStore[] = [];
  const stops: (() => void)[] = [];
  return {
    async add(...stores) {
      const results = await Promise.all(stores.map((store) => store.ensureIndexes()));
      stores.forEach((store, i) => {
        if (!results[i]!.ttl) untimed.push(store);
      });
    },
    start() {
      if (stops.length) return;
      for (const store of untimed) stops.push(startSweeper(() => store.sweepExpired(), opts.intervalSeconds, opts.logger));
    },
    stop() {
      for (const stop of stops.splice(0)) stop();
    },
    get swept() {
      return untimed.length;
    },
  };
}
