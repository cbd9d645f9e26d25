import type { EmbeddedDatabase } from '../../src/db/embedded.ts';

// Every database project names this teardown: the first to run stops the database, the others find it gone.
export default async function globalTeardown(): Promise<void> {
  const holder = globalThis as { __CIAM_TEST_DB__?: EmbeddedDatabase };
  const db = holder.__CIAM_TEST_DB__;
  delete holder.__CIAM_TEST_DB__;
  await db?.stop();
}
