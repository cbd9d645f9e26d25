// Starts one embedded database for the whole run unless MONGODB_URI points at a server. Every project that needs a
// database (jest.config.js) names this setup; the first one to run starts it, the others find it running.
// Each test file then works in a database of its own (see test/support/db.ts), so files never see each other's rows.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedDatabase } from '../../src/db/embedded.ts';

export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_MONGODB_URI) return;
  if (process.env.MONGODB_URI) {
    process.env.TEST_MONGODB_URI = process.env.MONGODB_URI;
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'ciam-test-db-'));
  const db = await startEmbeddedDatabase({ dir, port: 0, reuse: false });
  process.env.TEST_MONGODB_URI = db.uri;
  process.env.TEST_EMBEDDED_DB_DIR = dir; // tests of the embedded store's SQL read its SQLite files
  (globalThis as { __CIAM_TEST_DB__?: typeof db }).__CIAM_TEST_DB__ = db;
}
