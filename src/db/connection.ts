// Opens the one mongoose connection the process uses: MONGODB_URI when set, otherwise the embedded database.
import mongoose, { type Connection } from 'mongoose';
import type { Config } from '../config/index.ts';
import { startEmbeddedDatabase, type EmbeddedDatabase } from './embedded.ts';

export interface Database {
  connection: Connection;
  uri: string;
  embedded?: EmbeddedDatabase;
  /** True when the server answers a ping: what /readyz reports. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export async function openDatabase(config: Pick<Config, 'database'>): Promise<Database> {
  let embedded: EmbeddedDatabase | undefined;
  let uri = config.database.uri;
  if (!uri) {
    embedded = await startEmbeddedDatabase({ dir: config.database.embeddedDir, port: config.database.embeddedPort });
    uri = embedded.uri;
  }
  const connection = mongoose.createConnection(uri, {
    // Fail requests quickly while the database is away instead of queueing them for 30 s.
    serverSelectionTimeoutMS: 5_000,
    autoIndex: false,
  });
  await connection.asPromise();
  return {
    connection,
    uri,
    embedded,
    async ping() {
      try {
        const db = connection.db;
        if (!db || connection.readyState !== 1) return false;
        await Promise.race([
          db.command({ ping: 1 }),
          new Promise((_, fail) => setTimeout(() => fail(new Error('ping timeout')), 2_000).unref()),
        ]);
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await connection.close();
      await embedded?.stop();
    },
  };
}
