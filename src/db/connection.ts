// Opens the one mongoose connection the process uses: MONGODB_URI when set, otherwise the embedded database.
import mongoose, { type Connection } from 'mongoose';
import type { Config } from '../config/index.ts';
import type { Logger } from '../log.ts';
import { watchAvailability, type Availability } from './availability.ts';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './embedded.ts';

export interface Database {
  connection: Connection;
  uri: string;
  embedded?: EmbeddedDatabase;
  /** True when the server answers a ping: what /readyz reports. */
  ping(): Promise<boolean>;
  /** What the driver's monitoring says right now: the gate in front of every request reads it. */
  availability: Availability;
  close(): Promise<void>;
}

// While the database is away a request may wait this long for a server before it gives up (then 503). The monitor
// checks the server this often, so an outage is noticed, and the end of one too, within about a second.
const SERVER_SELECTION_TIMEOUT_MS = 900;
const HEARTBEAT_MS = 1_000;
// At start the server may still be coming up (a container starting beside us): keep trying this long.
const CONNECT_DEADLINE_MS = 30_000;

async function connect(uri: string, monitorCommands: boolean): Promise<Connection> {
  const deadline = Date.now() + CONNECT_DEADLINE_MS;
  for (;;) {
    const connection = mongoose.createConnection(uri, {
      serverSelectionTimeoutMS: SERVER_SELECTION_TIMEOUT_MS,
      heartbeatFrequencyMS: HEARTBEAT_MS,
      autoIndex: false,
      // mongoose would queue a model's commands while disconnected (10 s, then fail): fail now, answer 503.
      bufferCommands: false,
      // The driver's command events, for the metrics' database latency (only when metrics are served; otherwise
      // the connection string decides, as the bench's does).
      ...(monitorCommands ? { monitorCommands: true } : {}),
    });
    try {
      await connection.asPromise();
      return connection;
    } catch (err) {
      await connection.close().catch(() => {});
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

export async function openDatabase(config: Pick<Config, 'database' | 'metricsToken'>, logger?: Logger): Promise<Database> {
  let embedded: EmbeddedDatabase | undefined;
  let uri = config.database.uri;
  if (!uri) {
    embedded = await startEmbeddedDatabase({ dir: config.database.embeddedDir, port: config.database.embeddedPort });
    uri = embedded.uri;
  }
  const connection = await connect(uri, Boolean(config.metricsToken));
  const availability = watchAvailability(connection.getClient(), logger);
  return {
    connection,
    uri,
    embedded,
    availability,
    async ping() {
      try {
        const db = connection.db;
        if (!db || connection.readyState !== 1) return false;
        await Promise.race([
          db.command({ ping: 1 }),
          new Promise((_, fail) => setTimeout(() => fail(new Error('ping timeout')), 2_000).unref()),
        ]);
        return true;
      } catch (err) {
        // A ping that cannot reach the server closes the gate at once, as a request's failure does: /readyz and the
        // pages agree even before the driver's monitor notices. (Most pages no longer touch the database before
        // their form is sent: the login page is served from the interaction in the browser's cookie.)
        availability.report(err);
        return false;
      }
    },
    async close() {
      await connection.close();
      await embedded?.stop();
    },
  };
}
