// Composition root: configuration → database → repositories and services → provider → Koa app.
// Dependencies are passed by hand; the server (main.ts), the operator CLI, the tests and the benchmark all build
// exactly the same graph here.
import type Router from '@koa/router';
import Koa from 'koa';
import mount from 'koa-mount';
import type Provider from 'oidc-provider';
import { startSweeper } from '../adapters/maintenance.ts';
import { usePasswordParams } from './services/passwords.ts';
import { createExpiry } from './services/expiry.ts';
import { createStrongAuth } from './auth/compose.ts';
import { createMongoAdapter } from '../adapters/mongodb.ts';
import type { Config } from './config/index.ts';
import { openDatabase, type Database } from './db/connection.ts';
import { ensureModelIndexes } from './db/models/indexes.ts';
import { userModel } from './db/models/user.ts';
import { createLogger, type Logger } from './log.ts';
import { composeProvider } from './oidc/compose.ts';
import { providerRequestGuards, unservedMethods } from './oidc/request-guards.ts';
import { postAsGet } from './oidc/post-as-get.ts';
import { healthRouter } from './ops/health.ts';
import { requestLogger } from './ops/request-logger.ts';
import { assets } from './http/assets.ts';
import { errorHandler } from './http/errors.ts';
import { databaseGate } from './http/database-gate.ts';
import { issuerScheme } from './http/issuer-scheme.ts';
import { requestId } from './http/request-id.ts';
import { noStore, securityHeaders } from './http/security-headers.ts';
import { interactionRouter } from './interaction/routes.ts';
import { ACCOUNT_CLIENT_ID, accountUrls, ensureAccountClient } from './account/client.ts';
import { recoverRouter } from './account/recover.ts';
import { createPasswordUseCases, type PasswordUseCases } from './usecases/password.ts';
import { accountRouter } from './account/routes.ts';
import { createProfileService, type ProfileService } from './services/profile.ts';
import { createAuditLog, type AuditLog } from './services/audit.ts';
import { createClientService } from './services/clients.ts';
import { createCipher } from './services/crypto.ts';
import { createKeyStore } from './services/keys.ts';
import { createUserService } from './services/users.ts';
import { createEmailLookup } from './services/user-emails.ts';
import { createMailer, type Mailer } from './services/mailer.ts';
import { createOneTimeCodes, type OneTimeCodes } from './services/one-time-codes.ts';
import { createPasswordPolicy, type PasswordPolicy } from './services/password-policy.ts';
import { createThrottle, type Throttle } from './services/throttle.ts';
import { createProofOfWork } from './services/proof-of-work.ts';
import { DEFAULT_LOCALE, isLocale } from './i18n/index.ts';
import { createSessionService, type SessionService } from './services/sessions.ts';
import { createGrantService, type GrantService } from './services/grants.ts';
import { createAppMetadata, type AppMetadata } from './services/app-metadata.ts';
import { createPreferences, type PreferenceService } from './services/preferences.ts';
import { createLegal, type LegalService } from './services/legal.ts';
import { createConsentService, type ConsentService } from './services/consents.ts';
import { legalPublicRouter } from './legal/public.ts';
import { appMetadataRouter } from './api/app-metadata.ts';
import type { AttemptBudget } from './auth/attempts.ts';
import type { FactorService } from './auth/factors.ts';
import type { PasskeyService } from './auth/passkeys.ts';
import type { RecoveryCodes } from './auth/recovery-codes.ts';
import type { SmsCourier } from './auth/sms.ts';
import type { TotpService } from './auth/totp.ts';
import type { LoginFlows } from './services/login-flows.ts';
import type { RiskEngine } from './services/risk.ts';
import { createErasure, type ErasureService, type PerAccountStores } from './services/erasure.ts';
import { createPrivacyExport, type PrivacyExport } from './services/privacy-export.ts';
import { createCodeChallenges, type CodeChallenges } from './usecases/code-challenge.ts';
import { createPairwiseSubjects, type PairwiseSubjects } from './services/pairwise.ts';

export interface Services {
  config: Config;
  logger: Logger;
  db: Database;
  audit: AuditLog;
  users: ReturnType<typeof createUserService>;
  keys: ReturnType<typeof createKeyStore>;
  adapter: ReturnType<typeof createMongoAdapter>;
  clients: ReturnType<typeof createClientService>;
  mailer: Mailer;
  codes: OneTimeCodes;
  throttle: Throttle;
  passwordPolicy: PasswordPolicy;
  sessions: SessionService;
  grants: GrantService;
  appMetadata: AppMetadata;
  preferences: PreferenceService;
  /** Versioned legal documents and the customers' acceptances. */
  legal: LegalService;
  /** Consent records: what each app was granted and what was withheld, with their history. */
  consents: ConsentService;
  profile: ProfileService;
  sms: SmsCourier;
  totp: TotpService;
  passkeys: PasskeyService;
  recoveryCodes: RecoveryCodes;
  factors: FactorService;
  risk: RiskEngine;
  attempts: AttemptBudget;
  flows: LoginFlows;
  /** GDPR erasure (with its grace period) and export. */
  erasure: ErasureService;
  /** Password use cases shared by the sign-in, the account center and the CLI (src/usecases/password.ts). */
  passwords: PasswordUseCases;
  /** A mailed code typed back, on every page that asks for one (src/usecases/code-challenge.ts). */
  codeChallenges: CodeChallenges;
  /** What apps registered with subject_type=pairwise call each customer (src/services/pairwise.ts). */
  subjects: PairwiseSubjects;
  privacyExport: PrivacyExport;
  /** The provider currently serving; replaced when the signing keys change (see reloadKeys). */
  provider(): Provider;
  /** Re-reads the signing keys; rebuilds the provider when they changed. Resolves true when it did. */
  reloadKeys(): Promise<boolean>;
  close(): Promise<void>;
}

export async function createServices(config: Config, opts: { logger?: Logger; db?: Database } = {}): Promise<Services> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  usePasswordParams(config.password.hash);
  const db = opts.db ?? (await openDatabase(config, logger));
  try {
    return await composeServices(config, logger, db);
  } catch (err) {
    // A start that fails half-way (a bad client registration, keys that cannot be read) leaves no connection open
    // behind it: the process can exit, or report and retry.
    if (!opts.db) await db.close().catch(() => {});
    throw err;
  }
}

async function composeServices(config: Config, logger: Logger, db: Database): Promise<Services> {
  const nativeDb = db.connection.db;
  if (!nativeDb) throw new Error('database connection is not open');

  const cipher = createCipher(config.dataEncryptionKey);
  const audit = createAuditLog(db.connection, logger);
  await ensureModelIndexes(db.connection);
  const emails = createEmailLookup({ conn: db.connection, logger });
  await emails.backfill();
  const users = createUserService({ users: userModel(db.connection), emails, audit, logger, accountCacheSeconds: config.accountCacheSeconds });
  const keys = createKeyStore({ conn: db.connection, cipher, audit, algs: config.signingAlgs });
  const adapter = createMongoAdapter({
    db: nativeDb,
    cipher,
    key: config.dataEncryptionKey,
    logger,
    clientCacheSeconds: config.clientCacheSeconds,
    refreshReuseSeconds: config.ttl.refreshTokenReuse,
  });
  // Stores whose rows expire: indexed now, swept (where the server has no TTL index) once everything is built.
  const expiry = createExpiry({ intervalSeconds: config.sweepIntervalSeconds, logger });
  await expiry.add({ ensureIndexes: () => adapter.ensureIndexes(), sweepExpired: () => adapter.sweep() });
  await keys.ensureKeys();
  const mailer = createMailer({ config, logger });
  const codes = createOneTimeCodes({
    conn: db.connection,
    cipher,
    key: config.dataEncryptionKey,
    ttlSeconds: config.codes.ttlSeconds,
    maxAttempts: config.codes.maxAttempts,
  });
  const throttle = createThrottle({
    conn: db.connection,
    audit,
    logger,
    enabled: config.rateLimitsEnabled,
    proofOfWork: createProofOfWork({ key: config.dataEncryptionKey, bits: config.loginProofBits }),
    // The owner of an address under attack hears of it (at most hourly); an address without an account gets nothing.
    onLockout: async ({ account, meta }) => {
      const user = await users.findByEmail(account);
      if (!user) return;
      const locale = meta.locale && isLocale(meta.locale) ? meta.locale : user.locale && isLocale(user.locale) ? user.locale : DEFAULT_LOCALE;
      mailer.queue({ to: user.email, template: 'sign-in-blocked', locale });
    },
  });
  const appMetadata = createAppMetadata({ conn: db.connection, maxBytes: config.appMetadataMaxBytes, audit });
  const preferences = createPreferences({ conn: db.connection, topics: config.preferences.topics, audit });
  const legal = createLegal({ conn: db.connection, documents: config.legal.documents, audit });
  const consents = createConsentService({ conn: db.connection, audit });
  const passwordPolicy = createPasswordPolicy({ minLength: config.password.minLength, breachApiUrl: config.password.breachApiUrl, logger });
  await expiry.add(codes, throttle);

  // Strong authentication: factors, the sign-in flows that wait for them, and the risk engine that decides.
  const { sms, totp, passkeys, recoveryCodes, factors, risk, attempts, flows } = await createStrongAuth({
    config,
    conn: db.connection,
    cipher,
    audit,
    codes,
    mailer,
    logger,
    expiry,
  });

  // What pairwise apps call each customer: one instance for the provider, the grants list and the API.
  const subjects = createPairwiseSubjects(config.dataEncryptionKey);
  const build = composeProvider({
    config,
    logger,
    adapter,
    keys,
    users,
    preferences,
    appMetadata,
    legal,
    consents,
    audit,
    availability: db.availability,
    subjects,
    sessions: () => sessions,
  });
  const currentProvider = () => provider;
  const sessions = createSessionService({ provider: currentProvider, adapter, db: nativeDb, audit, logger, sessionTtlSeconds: config.ttl.session });
  const grants = createGrantService({
    provider: currentProvider,
    adapter,
    audit,
    logger,
    hiddenClients: [ACCOUNT_CLIENT_ID],
    subjects,
  });

  let provider = await build();
  const profile = createProfileService({ users: userModel(db.connection), emails, audit, logger });
  // Every per-account store of a feature (exportFor/removeAll): exported and erased with the account.
  const perAccountStores = (): PerAccountStores => ({ preferences, legal, consents });
  const erasure = createErasure({
    conn: db.connection,
    provider: currentProvider,
    adapter,
    sessions,
    grants,
    codes,
    factors,
    risk,
    flows,
    throttle,
    emails,
    appMetadata: { remove: (accountId) => appMetadata.remove(accountId) },
    stores: perAccountStores,
    audit,
    key: config.dataEncryptionKey,
    graceDays: config.erasure.graceDays,
    logger,
  });
  const privacyExport = createPrivacyExport({ users, appMetadata, grants, sessions, factors, audit, stores: perAccountStores });
  // The account center signs customers in as a first-party client of this provider (response_type=none).
  await ensureAccountClient({ provider: () => provider, Adapter: adapter.Adapter, config, logger });
  let fingerprint = await keys.fingerprint();

  const clients = createClientService({
    Adapter: adapter.Adapter,
    collection: adapter.collection,
    validate: async (metadata) => {
      await provider.Client.validate(metadata as Parameters<Provider['Client']['validate']>[0]);
    },
    audit,
  });

  expiry.start();
  // Erasures whose grace period has ended (none are scheduled without one).
  const stopErasureSweeper = startSweeper(() => erasure.sweepDue(), config.sweepIntervalSeconds, logger);

  const passwords = createPasswordUseCases({ users, throttle, sessions, grants, risk, mailer, audit, recoverUrl: accountUrls(config.issuer).recover });
  const codeChallenges = createCodeChallenges({ codes, throttle });

  return {
    passwords,
    codeChallenges,
    subjects,
    config,
    logger,
    db,
    audit,
    users,
    keys,
    adapter,
    clients,
    mailer,
    codes,
    throttle,
    passwordPolicy,
    sessions,
    grants,
    appMetadata,
    preferences,
    legal,
    consents,
    profile,
    sms,
    totp,
    passkeys,
    recoveryCodes,
    factors,
    risk,
    attempts,
    flows,
    erasure,
    privacyExport,
    provider: currentProvider,
    async reloadKeys() {
      const next = await keys.fingerprint();
      if (next === fingerprint) return false;
      provider = await build();
      fingerprint = next;
      logger.info({ event: 'keys.reloaded' }, 'signing keys changed: provider rebuilt');
      return true;
    },
    async close() {
      expiry.stop();
      stopErasureSweeper();
      await mailer.drain();
      mailer.close();
      await db.close();
    },
  };
}

export function createApp(services: Services, extraRouters: Router[] = []): Koa {
  const { config, logger } = services;
  const app = new Koa();
  app.keys = config.cookieKeys;
  app.proxy = config.trustProxy;
  // Errors are rendered by errorHandler; Koa's default handler would print stack traces to stderr.
  app.silent = true;

  app.use(requestId());
  app.use(issuerScheme(config.issuer));
  app.use(requestLogger(logger));
  app.use(errorHandler({ logger }));
  app.use(unservedMethods());
  app.use(securityHeaders(config));
  app.use(assets());

  const health = healthRouter(services.db);
  app.use(health.routes());
  app.use(databaseGate(services.db.availability));

  const interactions = interactionRouter({
    provider: () => services.provider(),
    users: services.users,
    audit: services.audit,
    config,
    logger,
    mailer: services.mailer,
    codes: services.codes,
    throttle: services.throttle,
    passwordPolicy: services.passwordPolicy,
    flows: services.flows,
    factors: services.factors,
    totp: services.totp,
    passkeys: services.passkeys,
    recoveryCodes: services.recoveryCodes,
    risk: services.risk,
    attempts: services.attempts,
    smsEnabled: services.sms.enabled,
    passwords: services.passwords,
    codeChallenges: services.codeChallenges,
    preferences: services.preferences,
    erasure: services.erasure,
    legal: services.legal,
    consents: services.consents,
  });
  app.use(noStore());
  app.use(interactions.routes());
  app.use(interactions.allowedMethods());
  const api = appMetadataRouter({
    provider: () => services.provider(),
    appMetadata: services.appMetadata,
    hasGrant: (accountId, clientId) => services.grants.hasGrant(accountId, clientId),
    subjects: services.subjects,
    audit: services.audit,
    logger,
  });
  app.use(api.routes());
  app.use(api.allowedMethods());
  const account = accountRouter({
    provider: () => services.provider(),
    config,
    profile: services.profile,
    sessions: services.sessions,
    grants: services.grants,
    mailer: services.mailer,
    codes: services.codes,
    passwordPolicy: services.passwordPolicy,
    audit: services.audit,
    logger,
    removeAppMetadata: (accountId) => services.appMetadata.remove(accountId),
    preferences: services.preferences,
    risk: services.risk,
    flows: services.flows,
    factors: services.factors,
    totp: services.totp,
    passkeys: services.passkeys,
    recoveryCodes: services.recoveryCodes,
    mfaFactors: config.mfa.factors,
    smsEnabled: services.sms.enabled,
    legal: services.legal,
    erasure: services.erasure,
    privacyExport: services.privacyExport,
    consents: services.consents,
    passwords: services.passwords,
    codeChallenges: services.codeChallenges,
    throttle: services.throttle,
  });
  app.use(account.routes());
  app.use(account.allowedMethods());
  const recover = recoverRouter({ config });
  app.use(recover.routes());
  // Legal documents given as text, readable by anyone (before signing up, too).
  const legalPages = legalPublicRouter({ legal: services.legal });
  app.use(legalPages.routes());
  app.use(legalPages.allowedMethods());
  for (const router of extraRouters) app.use(router.routes() as Koa.Middleware);

  // The provider serves everything else (discovery, authorization, token, …). It is looked up per request because
  // a key rotation replaces it; mount() composes its middleware once per provider instance.
  const mounted = new WeakMap<Provider, Koa.Middleware>();
  app.use(providerRequestGuards({ provider: () => services.provider(), sessionTtlSeconds: config.ttl.session }));
  app.use(postAsGet().routes());
  app.use((ctx, next) => {
    const current = services.provider();
    let middleware = mounted.get(current);
    if (!middleware) {
      middleware = mount(current as unknown as Koa) as Koa.Middleware;
      mounted.set(current, middleware);
    }
    return middleware(ctx, next);
  });
  return app;
}
