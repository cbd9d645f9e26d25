// Whether the database can be reached, as the driver's own server monitoring sees it. While it cannot, requests are
// answered at once with 503 (src/http/database-gate.ts) instead of each one waiting for server selection to time out,
// and the cause is logged once per outage, not once per request. Recovery needs nothing: the monitor keeps checking
// and the first successful check opens the gate again.
import type { MongoClient, TopologyDescriptionChangedEvent } from 'mongodb';
import type { Logger } from '../log.ts';
import { isDatabaseUnavailable } from '../http/db-errors.ts';

export interface Availability {
  /** False from the moment the driver loses every server (or a request failed to reach it) until it is back. */
  available(): boolean;
  /** Called with any error a request met: an "unreachable" error closes the gate before the monitor notices. */
  report(err: unknown): void;
}

export function watchAvailability(client: MongoClient, logger?: Logger): Availability {
  let up = true;
  let cause: string | undefined;

  const set = (next: boolean, why?: string) => {
    if (next === up) return;
    up = next;
    if (up) {
      logger?.info({ event: 'database.available' }, 'database reachable again');
      cause = undefined;
    } else {
      cause = why;
      logger?.warn({ event: 'database.unavailable', cause }, 'database unreachable: answering 503 until it is back');
    }
  };

  client.on('topologyDescriptionChanged', (event: TopologyDescriptionChangedEvent) => {
    const known = event.newDescription.hasKnownServers;
    set(known, known ? undefined : (event.newDescription.error?.message ?? 'no server answers'));
  });
  client.on('serverHeartbeatSucceeded', () => set(true));

  return {
    available: () => up,
    report(err) {
      if (isDatabaseUnavailable(err)) set(false, (err as Error).message);
    },
  };
}
