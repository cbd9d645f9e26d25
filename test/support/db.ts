// A database of the test file's own on the run's server: integration tests use the real server, never mocks.
import { randomBytes } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';

export function testDatabaseUri(name = `t_${randomBytes(6).toString('hex')}`): string {
  const base = process.env.TEST_MONGODB_URI;
  if (!base) throw new Error('TEST_MONGODB_URI is unset: run the tests through jest (global setup starts the database)');
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

// monitorCommands: tests may count the commands a service sends (nothing listens otherwise).
export async function openTestConnection(name?: string): Promise<Connection> {
  const conn = mongoose.createConnection(testDatabaseUri(name), { serverSelectionTimeoutMS: 5_000, autoIndex: false, monitorCommands: true });
  await conn.asPromise();
  return conn;
}

export async function dropAndClose(conn: Connection): Promise<void> {
  await conn.dropDatabase().catch(() => {});
  await conn.close();
}
