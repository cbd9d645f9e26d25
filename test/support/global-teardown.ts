import type { EmbeddedDatabase } from '../../src/db/embedded.ts';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __CIAM_TEST_DB__?: EmbeddedDatabase }).__CIAM_TEST_DB__?.stop();
}
