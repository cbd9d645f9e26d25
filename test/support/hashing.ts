// Password hashing is not what most tests are about: they hash with argon2id at its cheapest cost (1 MiB, 1 pass)
// instead of production's 19 MiB × 2 passes. Jest loads this file before every integration, e2e and browser test file
// (jest.config.js setupFiles); servers the tests start get the same through their environment (TEST_HASHING).
// test/unit/services/passwords.test.ts, which tests hashing itself, runs with the production parameters.
import { usePasswordParams } from '../../src/services/passwords.ts';

export const TEST_HASHING: Readonly<Record<string, string>> = { PASSWORD_HASH_MEMORY_KIB: '1024', PASSWORD_HASH_PASSES: '1' };

usePasswordParams({ memoryCost: Number(TEST_HASHING.PASSWORD_HASH_MEMORY_KIB), timeCost: Number(TEST_HASHING.PASSWORD_HASH_PASSES), parallelism: 1 });
