// The service graph: configuration and an open database → repositories, services, use cases and the provider.
// Built in stages (stores, strong authentication, the provider with sessions and grants, the account's life), each a
// function of what the stages before it made. createServices (app.ts) wraps it; dependencies are passed by hand.
import type Provider from 'oidc-provider';
import { startSweeper } from '../adapters/maintenance.ts';
import { createMongoAdapter } from '../adapters/mongodb.ts';
import { ACCOUNT_CLIENT_ID, accountUrls, ensureAccountClient } from './account/client.ts';
import { CONSOLE_CLIENT_ID, ensureConsoleClient } from './console/client.ts';
import { createOperators, type OperatorStore } from './services/operators.ts';
import { createStrongAuth } from './auth/compose.ts';
import type { Clock } from './clock.ts';
import type { Config } from './config/index.ts';
import type { Database } from './db/connection.ts';
import { ensureModelIndexes } from './db/models/indexes.ts';
import { userModel } from './db/models/user.ts';
import { DEFAULT_LOCALE, isLocale } from './i18n/index.ts';
import type { Logger } from './log.ts';
import { composeProvider } from './oidc/compose.ts';
import { interactionPath } from './oidc/provider.ts';
import { currentCookies } from './http/request-cookies.ts';
import { createAppMetadata, type AppMetadata } from './services/app-metadata.ts';
import { createAuditLog, type AuditLog } from './services/audit.ts';
import { createBrandLogos, type BrandLogos } from './services/brand-logos.ts';
import { createClientService } from './services/clients.ts';
import { createConsentService, type ConsentService } from './services/consents.ts';
import { createCipher } from './services/crypto.ts';
import { createErasure, type ErasureService, type PerAccountStores } from './services/erasure.ts';
import { createExpiry } from './services/expiry.ts';
import { createGrantService, type GrantService } from './services/grants.ts';
import { createKeyStore } from './services/keys.ts';
import { createLegal, type LegalService } from './services/legal.ts';
import type { InteractionFlows } from './services/interaction-flows.ts';
import { createConnections, type Connections } from './services/connections.ts';
import { createFederation, type Federation } from './services/federation.ts';
import { createIdentities, type Identities } from './services/identities.ts';
import { createMailer, type Mailer } from './services/mailer.ts';
import { createOneTimeCodes, type OneTimeCodes } from './services/one-time-codes.ts';
import { createPairwiseSubjects, type PairwiseSubjects } from './services/pairwise.ts';
import { createPasswordPolicy, type PasswordPolicy } from './services/password-policy.ts';
import { createPreferences, type PreferenceService } from './services/preferences.ts';
import { createPrivacyExport, type PrivacyExport } from './services/privacy-export.ts';
import { createProfileService, type ProfileService } from './services/profile.ts';
import { createProofOfWork } from './services/proof-of-work.ts';
import type { RiskEngine } from './services/risk.ts';
import { createSessionService, type SessionService } from './services/sessions.ts';
import { createThrottle, type Throttle } from './services/throttle.ts';
import { composeBotCheck, type BotCheck } from './services/bot-check.ts';
import { createEmailLookup } from './services/user-emails.ts';
import { createUserService } from './services/users.ts';
import { createLegacyAuth } from './services/legacy-auth.ts';
import type { AttemptBudget } from './auth/attempts.ts';
import type { FactorService } from './auth/factors.ts';
import type { PasskeyService } from './auth/passkeys.ts';
import type { RecoveryCodes } from './auth/recovery-codes.ts';
import type { SmsCourier } from './auth/sms.ts';
import type { TotpService } from './auth/totp.ts';
import { createCodeChallenges, type CodeChallenges } from './usecases/code-challenge.ts';
import { createFactorUseCases, type FactorUseCases } from './usecases/factors.ts';
import { createFederatedSignIn, type FederatedSignIn } from './usecases/federated-sign-in.ts';
import { createEmailChange, type EmailChange } from './usecases/email-change.ts';
import { createPasswordUseCases, type PasswordUseCases } from './usecases/password.ts';
import { createAccountStatus, type AccountStatus } from './usecases/account-status.ts';
import { createSignOut, type SignOut } from './services/sign-out.ts';
import { createUserDirectory, type UserDirectory } from './services/user-directory.ts';
import { createMetrics, type Metrics } from './ops/metrics.ts';
import { createWebhooks, type Webhooks } from './services/webhooks.ts';
import { createUserImport, type UserImport } from './services/user-import.ts';
import { createUserExport, type UserExport } from './services/user-export.ts';
import { createSupportCodes, type SupportCodes } from './services/support-codes.ts';

export interface Services {
  config: Config;
  logger: Logger;
  db: Database;
  audit: AuditLog;
  users: ReturnType<typeof createUserService>;
  keys: ReturnType<typeof createKeyStore>;
  adapter: ReturnType<typeof createMongoAdapter>;
  clients: ReturnType<typeof createClientService>;
  /** Brand logos, fetched once and served from our origin (src/services/brand-logos.ts). */
  brandLogos: BrandLogos;
  mailer: Mailer;
  codes: OneTimeCodes;
  throttle: Throttle;
  botCheck: BotCheck;
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
  flows: InteractionFlows;
  /** GDPR erasure (with its grace period) and export. */
  erasure: ErasureService;
  /** Password use cases shared by the sign-in, the account center and the CLI (src/usecases/password.ts). */
  passwords: PasswordUseCases;
  /** Disabling and enabling an account, from the management API and the CLI (src/usecases/account-status.ts). */
  accountStatus: AccountStatus;
  /** Finding customers by e-mail, name and creation time, a page at a time (src/services/user-directory.ts). */
  userDirectory: UserDirectory;
  /** Ending every way an account is signed in (src/services/sign-out.ts). */
  signOut: SignOut;
  /** Customers brought in from another system, with their old password hashes (src/services/user-import.ts). */
  userImport: UserImport;
  userExport: UserExport;
  /** Webhook endpoints and the dispatcher that delivers the audit log's events to them (src/services/webhooks.ts). */
  webhooks: Webhooks;
  /** Codes customers read out to support agents (src/services/support-codes.ts). */
  supportCodes: SupportCodes;
  /** Prometheus metrics, when METRICS_TOKEN lets someone read them (src/ops/metrics.ts). */
  metrics?: Metrics;
  /** A mailed code typed back, on every page that asks for one (src/usecases/code-challenge.ts). */
  codeChallenges: CodeChallenges;
  /** Adding and removing second factors, told to the owner the same way from every page (src/usecases/factors.ts). */
  factorChanges: FactorUseCases;
  /** Changing the sign-in e-mail address: a code to the new one, a notice to the old (src/usecases/email-change.ts). */
  emailChange: EmailChange;
  /** What apps registered with subject_type=pairwise call each customer (src/services/pairwise.ts). */
  subjects: PairwiseSubjects;
  privacyExport: PrivacyExport;
  /** Other providers customers may sign in with (src/services/connections.ts). */
  connections: Connections;
  /** Identities at those providers linked to accounts. */
  identities: Identities;
  /** Who may use the operator console, and as what (src/services/operators.ts). */
  operators: OperatorStore;
  /** Signing in at a connection as its relying party (src/services/federation.ts). */
  federation: Federation;
  /** What a sign-in through a connection leads to: sign in, link after proof, create, refuse. */
  federatedSignIn: FederatedSignIn;
  /** The provider currently serving; replaced when the signing keys change (see reloadKeys). */
  provider(): Provider;
  /** Re-reads the signing keys; rebuilds the provider when they changed. Resolves true when it did. */
  reloadKeys(): Promise<boolean>;
  close(): Promise<void>;
}

type Stores = Awaited<ReturnType<typeof openStores>>;
type StrongAuth = Awaited<ReturnType<typeof createStrongAuth>>;

/** Repositories and the services every later stage uses; expiring stores join `expiry`. */
async function openStores(config: Config, logger: Logger, db: Database, now: Clock) {
  const nativeDb = db.connection.db;
  if (!nativeDb) throw new Error('database connection is not open');
  const conn = db.connection;
  const cipher = createCipher(config.dataEncryptionKey);
  // Measured only when someone may read it (METRICS_TOKEN): otherwise nothing is counted and no monitor runs.
  const metrics = config.metricsToken ? createMetrics() : undefined;
  if (metrics) {
    const client = conn.getClient();
    client.on('commandSucceeded', (e) => metrics.observeCommand(e));
    client.on('commandFailed', (e) => metrics.observeCommand(e));
  }
  const audit = createAuditLog(conn, logger, now, metrics ? (e) => metrics.observeAudit(e) : undefined);
  await ensureModelIndexes(conn);
  const emails = createEmailLookup({ conn, logger, now });
  await emails.backfill();
  // Lazy migration (LEGACY_AUTH_URL): addresses unknown here are checked by the old system at their first sign-in.
  const legacy = config.legacyAuth ? createLegacyAuth(config.legacyAuth) : undefined;
  const users = createUserService({ users: userModel(conn), emails, audit, logger, accountCacheSeconds: config.accountCacheSeconds, now, legacy });
  const keys = createKeyStore({ conn, cipher, audit, algs: config.signingAlgs, now });
  const adapter = createMongoAdapter({
    db: nativeDb,
    cipher,
    key: config.dataEncryptionKey,
    logger,
    clientCacheSeconds: config.clientCacheSeconds,
    rowCacheSeconds: config.rowCacheSeconds,
    refreshReuseSeconds: config.ttl.refreshTokenReuse,
    // A sign-in's interaction rides sealed in the browser's cookie, sent to its pages and its resume URL.
    browserCookies: currentCookies,
    interactionPaths: (uid, payload) => [interactionPath(uid), ...(typeof payload.returnTo === 'string' ? [new URL(payload.returnTo).pathname] : [])],
  });
  // Stores whose rows expire: indexed now, swept (where the server has no TTL index) once everything is built.
  const expiry = createExpiry({ intervalSeconds: config.sweepIntervalSeconds, logger });
  await expiry.add({ ensureIndexes: () => adapter.ensureIndexes(), sweepExpired: () => adapter.sweep() });
  await keys.ensureKeys();
  const mailer = createMailer({ config, logger });
  const codes = createOneTimeCodes({ conn, cipher, key: config.dataEncryptionKey, ttlSeconds: config.codes.ttlSeconds, maxAttempts: config.codes.maxAttempts, now });
  const throttle = createThrottle({
    conn,
    audit,
    logger,
    enabled: config.rateLimitsEnabled,
    now,
    proofOfWork: createProofOfWork({ key: config.dataEncryptionKey, bits: config.loginProofBits, now }),
    // The owner of an address under attack hears of it (at most hourly); an address without an account gets nothing.
    onLockout: async ({ account, meta }) => {
      const user = await users.findByEmail(account);
      if (!user) return;
      const locale = meta.locale && isLocale(meta.locale) ? meta.locale : user.locale && isLocale(user.locale) ? user.locale : DEFAULT_LOCALE;
      mailer.queue({ to: user.email, template: 'sign-in-blocked', locale });
    },
  });
  await expiry.add(codes, throttle);
  const webhooks = createWebhooks({ conn, cipher, key: config.dataEncryptionKey, logger, now });
  await expiry.add(webhooks);
  const supportCodes = createSupportCodes({ conn, key: config.dataEncryptionKey, throttle, audit, now });
  await expiry.add(supportCodes);
  return {
    now,
    nativeDb,
    cipher,
    audit,
    emails,
    users,
    keys,
    adapter,
    expiry,
    mailer,
    metrics,
    codes,
    throttle,
    botCheck: composeBotCheck({ settings: config.botProtection, key: config.dataEncryptionKey, conn, audit, now }),
    appMetadata: createAppMetadata({ conn, maxBytes: config.appMetadataMaxBytes, audit, now }),
    preferences: createPreferences({ conn, topics: config.preferences.topics, audit, now }),
    legal: createLegal({ conn, documents: config.legal.documents, audit, now }),
    consents: createConsentService({ conn, audit, now }),
    connections: createConnections({ conn, cipher, cacheSeconds: config.clientCacheSeconds, now, audit }),
    identities: createIdentities({ conn, cipher, now }),
    webhooks,
    supportCodes,
    passwordPolicy: createPasswordPolicy({ minLength: config.password.minLength, breachApiUrl: config.password.breachApiUrl, logger }),
  };
}

/** The provider (rebuilt when the signing keys change), with the session and grant services that act through it. */
async function startProvider(config: Config, logger: Logger, db: Database, stores: Stores) {
  const { adapter, keys, users, preferences, appMetadata, legal, consents, audit, nativeDb } = stores;
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
  const current = () => provider;
  const sessions = createSessionService({ provider: current, adapter, db: nativeDb, audit, logger, sessionTtlSeconds: config.ttl.session, now: stores.now });
  const grants = createGrantService({ provider: current, adapter, audit, logger, hiddenClients: [ACCOUNT_CLIENT_ID, CONSOLE_CLIENT_ID], subjects });
  let provider = await build();
  let fingerprint = await keys.fingerprint();
  return {
    subjects,
    sessions,
    grants,
    provider: current,
    async reloadKeys(): Promise<boolean> {
      const next = await keys.fingerprint();
      if (next === fingerprint) return false;
      provider = await build();
      fingerprint = next;
      logger.info({ event: 'keys.reloaded' }, 'signing keys changed: provider rebuilt');
      return true;
    },
  };
}

/** An account's life: profile, erasure and export, clients, and the use cases every entry point calls. */
function accountLife(config: Config, logger: Logger, db: Database, stores: Stores, strong: StrongAuth, oidc: Awaited<ReturnType<typeof startProvider>>, outside: OutsideWorld) {
  const { adapter, audit, codes, throttle, emails, appMetadata, preferences, legal, consents, users, mailer, connections, identities } = stores;
  const { sessions, grants, provider } = oidc;
  // Every per-account store of a feature (exportFor/removeAll): exported and erased with the account.
  const operators = createOperators({ conn: db.connection, audit, now: stores.now });
  const perAccountStores = (): PerAccountStores => ({ preferences, legal, consents, linkedIdentities: identities, operators, supportCodes: stores.supportCodes });
  const erasure = createErasure({
    conn: db.connection,
    provider,
    adapter,
    sessions,
    grants,
    codes,
    factors: strong.factors,
    risk: strong.risk,
    flows: strong.flows,
    throttle,
    emails,
    appMetadata: { remove: (accountId) => appMetadata.remove(accountId) },
    stores: perAccountStores,
    audit,
    key: config.dataEncryptionKey,
    graceDays: config.erasure.graceDays,
    logger,
    now: stores.now,
  });
  const brandLogos = createBrandLogos({ conn: db.connection, allowPrivate: config.allowPrivateNetworkRequests, builtIn: config.branding.logo ? [config.branding.logo] : [], now: stores.now });
  const clients = createClientService({
    Adapter: adapter.Adapter,
    collection: adapter.collection,
    forgetClient: adapter.forgetClient,
    now: stores.now,
    validate: async (metadata) => {
      await provider().Client.validate(metadata as Parameters<Provider['Client']['validate']>[0]);
    },
    audit,
    logos: brandLogos,
  });
  const profile = createProfileService({ users: userModel(db.connection), emails, audit, logger });
  const signOut = createSignOut({ provider, adapter, sessions, grants, flows: strong.flows, logger });
  const codeChallenges = createCodeChallenges({ codes, throttle });
  return {
    profile,
    erasure,
    privacyExport: createPrivacyExport({ users, appMetadata, grants, sessions, factors: strong.factors, audit, stores: perAccountStores, now: stores.now }),
    clients,
    brandLogos,
    signOut,
    accountStatus: createAccountStatus({ conn: db.connection, signOut, audit }),
    userDirectory: createUserDirectory({ conn: db.connection, emails }),
    userImport: createUserImport({ conn: db.connection, audit }),
    userExport: createUserExport({ conn: db.connection }),
    passwords: createPasswordUseCases({ users, throttle, sessions, grants, risk: strong.risk, mailer, audit, recoverUrl: accountUrls(config.issuer).recover }),
    codeChallenges,
    emailChange: createEmailChange({ issuer: config.issuer, throttle, codes, codeChallenges, profile, users, mailer, audit }),
    factorChanges: createFactorUseCases({ ...strong, mailer, audit }),
    connections,
    identities,
    operators,
    federation: createFederation({ issuer: config.issuer, key: config.dataEncryptionKey, connections, logger, now: stores.now, ...(outside.upstreamFetch ? { fetch: outside.upstreamFetch } : {}) }),
    federatedSignIn: createFederatedSignIn({ users, identities, audit, connections, mailer, passkeys: strong.passkeys }),
  };
}

/** How the services reach the world outside (tests stand in here); default: as in production. */
export interface OutsideWorld {
  /** Requests to upstream OpenID providers (discovery, token, keys, UserInfo). */
  upstreamFetch?: typeof fetch;
}

export async function composeServices(config: Config, logger: Logger, db: Database, clock: Clock, outside: OutsideWorld = {}): Promise<Services> {
  const stores = await openStores(config, logger, db, clock);
  // Strong authentication: factors, the sign-in flows that wait for them, and the risk engine that decides.
  const strong = await createStrongAuth({ config, conn: db.connection, logger, ...stores });
  const oidc = await startProvider(config, logger, db, stores);
  const life = accountLife(config, logger, db, stores, strong, oidc, outside);
  // The account center signs customers in as a first-party client of this provider (response_type=none).
  await ensureAccountClient({ provider: oidc.provider, Adapter: stores.adapter.Adapter, config, logger });
  await ensureConsoleClient({ provider: oidc.provider, Adapter: stores.adapter.Adapter, config, logger });

  const { expiry, mailer } = stores;
  expiry.start();
  // Erasures whose grace period has ended (none are scheduled without one).
  const stopErasureSweeper = startSweeper(() => life.erasure.sweepDue(), config.sweepIntervalSeconds, logger);
  // Webhook deliveries, outside every request's path.
  const stopDispatcher = config.webhookPollSeconds > 0 ? startSweeper(async () => (await stores.webhooks.tick()).sent, config.webhookPollSeconds, logger, 'webhook deliveries sent') : () => {};
  const { users, keys, adapter, codes, throttle, botCheck, audit, appMetadata, preferences, legal, consents, passwordPolicy, metrics, webhooks, supportCodes } = stores;
  return {
    supportCodes,
    users,
    keys,
    adapter,
    codes,
    throttle,
    botCheck,
    audit,
    webhooks,
    ...(metrics ? { metrics } : {}),
    appMetadata,
    preferences,
    legal,
    consents,
    passwordPolicy,
    mailer,
    ...strong,
    ...oidc,
    ...life,
    config,
    logger,
    db,
    async close() {
      expiry.stop();
      stopErasureSweeper();
      stopDispatcher();
      await mailer.drain();
      mailer.close();
      await db.close();
    },
  };
}
