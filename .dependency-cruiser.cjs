// The layers of src/ (README, Architecture) as rules, checked by test/unit/architecture.test.ts in `npm test`.
// services hold domain logic without HTTP, pages or protocol: they never reach up into the entry points; the
// sign-in pages never import the account center; and no module depends on itself through others.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'services-stay-below-the-entry-points',
      comment: 'src/services must not import interaction, account, oidc or http: put the shared piece in services (or a use case) instead',
      severity: 'error',
      from: { path: '^src/services/' },
      to: { path: '^src/(interaction|account|oidc|http)/' },
    },
    {
      name: 'sign-in-pages-without-the-account-center',
      comment: 'src/interaction must not import src/account: share through services, usecases or http',
      severity: 'error',
      from: { path: '^src/interaction/' },
      to: { path: '^src/account/' },
    },
    {
      name: 'console-without-the-account-center',
      comment: 'src/console must not import src/account (nor the other way round): what both need (the first-party sign-in, its gates, flash notices) lives in http or oidc',
      severity: 'error',
      from: { path: '^src/console/' },
      to: { path: '^src/account/' },
    },
    {
      name: 'account-center-without-the-console',
      comment: 'src/account must not import src/console: share through http, oidc, services or usecases',
      severity: 'error',
      from: { path: '^src/account/' },
      to: { path: '^src/console/' },
    },
    {
      name: 'no-cycles',
      comment: 'a module must not depend on itself through others (type-only imports included)',
      severity: 'error',
      from: { path: '^(src|adapters)/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
