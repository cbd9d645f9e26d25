// Jest runs our TypeScript as ESM (oidc-provider, openid-client and jose are ESM-only), transformed by SWC.
// Four projects, one command (`npm test` runs them all; `npx jest --selectProjects unit` one of them): unit tests need
// no database; the others share one embedded database, started once by whichever project's setup runs first.
const shared = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2024' }, module: { type: 'es6' } }],
  },
};
const withDatabase = {
  ...shared,
  // Cheap password hashing where hashing is not under test (test/support/hashing.ts).
  setupFiles: ['<rootDir>/test/support/hashing.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
};

export default {
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    { ...withDatabase, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
    { ...withDatabase, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/*.test.ts'] },
    { ...withDatabase, displayName: 'browser', testMatch: ['<rootDir>/test/e2e/browser/**/*.test.ts'] },
  ],
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  // Generous: the suite must pass on a busy 2-core machine.
  testTimeout: 30_000,
  // Two cores: the database is one process, two test workers keep both busy without starving it.
  maxWorkers: 2,
};
