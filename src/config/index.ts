// The only reader of process.env. Everything else receives a frozen, typed Config.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, resolve } from 'node:path';
import type { z } from 'zod';
import type { FactorType } from '../auth/types.ts';
import type { BotCheckAction } from '../services/bot-check.ts';
import { meetsOwaspMinimum, type PasswordParams } from '../services/passwords.ts';
import { brandingOf, defaultProductName, defaultSender, type BrandingConfig } from './branding.ts';
import { SIGNING_ALGS, type SigningAlg } from '../services/key-material.ts';
import {
  DEFAULT_RESPONSE_TYPES,
  legalDocuments,
  schema,
  type ResponseType,
  type LegalDocumentConfig,
  type MfaPolicy,
  type ParsedEnv,
  type ProfileAttribute,
  type TopicConfig,
} from './schema.ts';

export {
  CHANNELS,
  CONFIG_VARIABLES,
  MFA_POLICIES,
  PROFILE_ATTRIBUTES,
  type Channel,
  type Env,
  type LegalDocumentConfig,
  type MfaPolicy,
  type ProfileAttribute,
  type TopicConfig,
} from './schema.ts';

export interface ResourceServer {
  scope: string;
  audience?: string;
  accessTokenTTL?: number;
  accessTokenFormat: 'jwt' | 'opaque';
  introspectors: string[];
}

export interface Config {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  webConcurrency: number;
  issuer: string;
  trustProxy: boolean;
  logLevel: string;
  database: { uri?: string; embeddedDir: string; embeddedPort: number };
  cookieKeys: string[];
  dataEncryptionKey: Buffer;
  demo: { enabled: boolean; clientId: string; userEmail: string; userPassword: string };
  ttl: {
    accessToken: number;
    idToken: number;
    refreshToken: number;
    /** Refresh-token reuse interval (seconds; 0: none). */
    refreshTokenReuse: number;
    session: number;
    interaction: number;
    authorizationCode: number;
    deviceCode: number;
    clientCredentials: number;
  };
  resources: Record<string, ResourceServer>;
  keysRefreshSeconds: number;
  /** Response types the authorization endpoint offers (implicit and hybrid ones only when opted in). */
  responseTypes: readonly ResponseType[];
  /** Algorithms signing keys are kept and published for. */
  signingAlgs: readonly SigningAlg[];
  /** Let the provider's outgoing requests (back-channel logout, client JWKS) reach loopback and private addresses. */
  allowPrivateNetworkRequests: boolean;
  sweepIntervalSeconds: number;
  clientCacheSeconds: number;
  /** Seconds between the webhook dispatcher's rounds; 0: it does not run (src/services/webhooks.ts). */
  webhookPollSeconds: number;
  /** The bearer token of GET /metrics; undefined: no metrics endpoint (src/ops/metrics.ts). */
  metricsToken?: string;
  /** Seconds a just written or read session or grant is served from memory (adapters/fresh-rows.ts). */
  rowCacheSeconds: number;
  /** A JSON file of connections applied at every server start (configuration as code; connections-file.ts). */
  connectionsFile?: string;
  accountCacheSeconds: number;
  clientAssertionMaxLifetime: number;
  productName: string;
  /** The operator's brand besides its name (src/config/branding.ts). */
  branding: BrandingConfig;
  mail: { smtpUrl?: string; from: string };
  signup: { enabled: boolean; requiredAttributes: ProfileAttribute[]; termsUrl?: string; privacyUrl?: string };
  /** Sign-in without a password: a code mailed to the account's address (per app: email_code_signin). */
  signin: { emailCodes: boolean };
  /** hashConcurrency: password hashes (and verifications) computed at once; the others wait their turn. */
  password: { minLength: number; breachApiUrl?: string; hash: PasswordParams; hashConcurrency: number };
  /** Versioned legal documents; TERMS_URL / PRIVACY_URL alone become version "1" of `terms` / `privacy`. */
  legal: { documents: LegalDocumentConfig[] };
  preferences: { topics: TopicConfig[] };
  erasure: { graceDays: number };
  codes: { ttlSeconds: number; maxAttempts: number };
  reauthMaxAgeSeconds: number;
  appMetadataMaxBytes: number;
  rateLimitsEnabled: boolean;
  /** Difficulty of the sign-in's proof of work (src/services/proof-of-work.ts). */
  loginProofBits: number;
  /** The forms that carry a bot check, and its puzzle and fallback without JavaScript (src/services/bot-check.ts). */
  botProtection: { actions: BotCheckAction[]; bits: number; delaySeconds: number; noscriptPerHour: number };
  /** Dynamic client registration without an initial access token (an opt-in for certification runs). */
  openRegistration: boolean;
  /** request_uri by reference on /auth, from the client's registered `request_uris` (src/oidc/request-uri.ts). */
  requestUriByReference: boolean;
  mfa: { policy: MfaPolicy; factors: FactorType[]; trustDays: number };
  risk: { threshold: number; geoip: boolean };
  twilio: { accountSid?: string; authToken?: string; from?: string; messagingServiceSid?: string; apiUrl?: string };
  /** Lazy migration: the old system's password check (src/services/legacy-auth.ts); undefined: off. */
  legacyAuth?: LegacyAuthConfig;
  webauthn: { rpId: string; rpName: string; origin: string };
}

export interface LegacyAuthConfig {
  url: string;
  /** The bearer token the old system expects: a secret, never logged. */
  token: string;
  timeoutMs: number;
}

export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

interface DevSecrets {
  cookieKeys: string[];
  dataEncryptionKey: string;
  demoPassword?: string;
}

// Outside production, secrets that are not configured are generated once and kept in a local file, so that the
// quick start needs no setup and a restart keeps sessions and encrypted keys readable. Production must configure them.
function devSecrets(file: string): Required<DevSecrets> {
  const path = resolve(file);
  const existing: Partial<DevSecrets> = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as DevSecrets) : {};
  const secrets: Required<DevSecrets> = {
    cookieKeys: existing.cookieKeys ?? [randomBytes(32).toString('base64url')],
    dataEncryptionKey: existing.dataEncryptionKey ?? randomBytes(32).toString('base64'),
    demoPassword: existing.demoPassword ?? randomBytes(9).toString('base64url'),
  };
  if (Object.keys(existing).length !== Object.keys(secrets).length) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  return secrets;
}

type Env = z.infer<typeof schema>;

/** Every environment variable the configuration reads (the README's table and .env.example describe each). */
export function loadConfig(source: Record<string, string | undefined> = process.env): Readonly<Config> {
  // Empty strings count as unset, as they do in most .env tooling.
  const input = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    // Name the variable itself (not COOKIE_KEYS.0): that is what the operator has to change.
    throw new ConfigError(parsed.error.issues.map((i) => `${variableOf(i.path)}: ${i.message}`));
  }
  const e = parsed.data;
  const secrets = secretsOf(e);
  const site = siteOf(e);
  const { branding, problems } = brandingOf(e);
  if (problems.length) throw new ConfigError(problems);
  const productName = e.PRODUCT_NAME ?? defaultProductName(site.issuer);
  return Object.freeze({
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    webConcurrency: e.WEB_CONCURRENCY,
    issuer: site.issuer,
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
    database: { uri: e.MONGODB_URI, embeddedDir: e.EMBEDDED_DB_DIR, embeddedPort: e.EMBEDDED_DB_PORT },
    cookieKeys: secrets.cookieKeys,
    dataEncryptionKey: secrets.dataEncryptionKey,
    demo: { enabled: secrets.demoEnabled, clientId: e.DEMO_CLIENT_ID, userEmail: e.DEMO_USER_EMAIL, userPassword: secrets.demoPassword },
    ttl: {
      accessToken: e.ACCESS_TOKEN_TTL,
      idToken: e.ID_TOKEN_TTL,
      refreshToken: e.REFRESH_TOKEN_TTL,
      refreshTokenReuse: e.REFRESH_TOKEN_REUSE_SECONDS,
      session: e.SESSION_TTL,
      interaction: e.INTERACTION_TTL,
      authorizationCode: e.AUTHORIZATION_CODE_TTL,
      deviceCode: e.DEVICE_CODE_TTL,
      clientCredentials: e.CLIENT_CREDENTIALS_TTL,
    },
    resources: e.RESOURCES ?? {},
    keysRefreshSeconds: e.KEYS_REFRESH_SECONDS,
    signingAlgs: e.SIGNING_ALGS ?? SIGNING_ALGS,
    responseTypes: [...new Set([...DEFAULT_RESPONSE_TYPES, ...(e.RESPONSE_TYPES ?? [])])],
    allowPrivateNetworkRequests: e.ALLOW_PRIVATE_NETWORK_REQUESTS,
    sweepIntervalSeconds: e.SWEEP_INTERVAL_SECONDS,
    clientCacheSeconds: e.CLIENT_CACHE_SECONDS,
    rowCacheSeconds: e.ROW_CACHE_SECONDS,
    webhookPollSeconds: e.WEBHOOK_POLL_SECONDS,
    ...(e.METRICS_TOKEN ? { metricsToken: e.METRICS_TOKEN } : {}),
    ...(e.CONNECTIONS_FILE ? { connectionsFile: e.CONNECTIONS_FILE } : {}),
    accountCacheSeconds: e.ACCOUNT_CACHE_SECONDS,
    clientAssertionMaxLifetime: e.CLIENT_ASSERTION_MAX_LIFETIME,
    productName,
    branding,
    mail: { smtpUrl: e.SMTP_URL, from: e.MAIL_FROM ?? defaultSender(productName, site.issuer) },
    ...accountSettings(e),
    ...legacyAuthOf(e),
    webauthn: { rpId: site.rpId, rpName: productName, origin: site.origin },
  });
}

/** Cookie keys, the data-encryption key and the demo password: configured, or (outside production) generated once. */
function secretsOf(e: Env): { cookieKeys: string[]; dataEncryptionKey: Buffer; demoEnabled: boolean; demoPassword: string } {
  const demoEnabled = e.DEMO ?? e.NODE_ENV === 'development';
  let cookie = e.COOKIE_KEYS;
  let dek = e.DATA_ENCRYPTION_KEY;
  let demoPassword = e.DEMO_USER_PASSWORD;
  if (!cookie || !dek || (demoEnabled && !demoPassword)) {
    if (e.NODE_ENV === 'production') {
      const missing = [!cookie && 'COOKIE_KEYS', !dek && 'DATA_ENCRYPTION_KEY', demoEnabled && !demoPassword && 'DEMO_USER_PASSWORD'].filter(Boolean);
      throw new ConfigError(missing.map((m) => `${m}: required when NODE_ENV=production`));
    }
    const dev = devSecrets(e.DEV_SECRETS_FILE);
    cookie ??= dev.cookieKeys;
    dek ??= Buffer.from(dev.dataEncryptionKey, 'base64');
    demoPassword ??= dev.demoPassword;
  }
  return { cookieKeys: cookie, dataEncryptionKey: dek, demoEnabled, demoPassword: demoPassword ?? '' };
}

/** The issuer and the WebAuthn relying party, after the rules that tie several variables together. */
function siteOf(e: Env): { issuer: string; origin: string; rpId: string } {
  if (e.NODE_ENV === 'production' && !meetsOwaspMinimum(e.PASSWORD_HASH_MEMORY_KIB, e.PASSWORD_HASH_PASSES)) {
    throw new ConfigError([
      'PASSWORD_HASH_MEMORY_KIB: with PASSWORD_HASH_PASSES, below OWASP\'s minimum for argon2id when NODE_ENV=production (memory × passes ≥ 35840 KiB, memory ≥ 7168 KiB)',
    ]);
  }
  if (e.NODE_ENV === 'production' && !e.SMTP_URL) {
    throw new ConfigError(['SMTP_URL: required when NODE_ENV=production (verification and recovery mail must be delivered)']);
  }
  const twilioProblems = [
    e.TWILIO_ACCOUNT_SID && !e.TWILIO_AUTH_TOKEN && 'TWILIO_AUTH_TOKEN: required with TWILIO_ACCOUNT_SID',
    e.TWILIO_ACCOUNT_SID && !e.TWILIO_FROM && !e.TWILIO_MESSAGING_SERVICE_SID && 'TWILIO_FROM: required with TWILIO_ACCOUNT_SID (or TWILIO_MESSAGING_SERVICE_SID)',
  ].filter((p): p is string => typeof p === 'string');
  if (twilioProblems.length) throw new ConfigError(twilioProblems);
  const issuer = (e.ISSUER ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  const issuerUrl = new URL(issuer);
  const rpId = e.WEBAUTHN_RP_ID ?? issuerUrl.hostname;
  if (issuerUrl.hostname !== rpId && !issuerUrl.hostname.endsWith(`.${rpId}`)) {
    throw new ConfigError([`WEBAUTHN_RP_ID: must be the issuer's host name (${issuerUrl.hostname}) or a parent domain of it`]);
  }
  return { issuer, origin: issuerUrl.origin, rpId };
}

/** How customers sign up, sign in and keep their account: passwords, codes, throttling, MFA, risk, legal, data. */
function accountSettings(e: Env) {
  return {
    signin: { emailCodes: e.SIGNIN_EMAIL_CODES },
    signup: { enabled: e.SIGNUP_ENABLED, requiredAttributes: e.SIGNUP_REQUIRED_ATTRIBUTES ?? [], termsUrl: e.TERMS_URL, privacyUrl: e.PRIVACY_URL },
    password: {
      minLength: e.PASSWORD_MIN_LENGTH,
      breachApiUrl: e.PASSWORD_BREACH_API_URL,
      hash: { memoryCost: e.PASSWORD_HASH_MEMORY_KIB, timeCost: e.PASSWORD_HASH_PASSES, parallelism: 1 },
      // One core is left to everything else (token requests, pages, the embedded database) during a burst of sign-ins.
      hashConcurrency: e.PASSWORD_HASH_CONCURRENCY ?? Math.max(1, availableParallelism() - 1),
    },
    legal: { documents: legalDocumentsOf(e) },
    preferences: { topics: e.COMMUNICATION_TOPICS ?? [] },
    erasure: { graceDays: e.ERASURE_GRACE_DAYS },
    codes: { ttlSeconds: e.CODE_TTL_SECONDS, maxAttempts: e.CODE_MAX_ATTEMPTS },
    reauthMaxAgeSeconds: e.REAUTH_MAX_AGE_SECONDS,
    appMetadataMaxBytes: e.APP_METADATA_MAX_BYTES,
    rateLimitsEnabled: e.RATE_LIMITS_ENABLED,
    loginProofBits: e.LOGIN_PROOF_BITS,
    botProtection: {
      actions: e.BOT_PROTECTION,
      bits: e.BOT_PROTECTION_BITS,
      delaySeconds: e.BOT_PROTECTION_DELAY_SECONDS,
      noscriptPerHour: e.BOT_PROTECTION_NOSCRIPT_PER_HOUR,
    },
    openRegistration: e.OPEN_REGISTRATION,
    requestUriByReference: e.REQUEST_URI_BY_REFERENCE,
    mfa: { policy: e.MFA_POLICY, factors: e.MFA_FACTORS, trustDays: e.MFA_TRUST_DAYS },
    risk: { threshold: e.RISK_THRESHOLD, geoip: e.RISK_GEOIP ?? e.NODE_ENV !== 'test' },
    twilio: {
      accountSid: e.TWILIO_ACCOUNT_SID,
      authToken: e.TWILIO_AUTH_TOKEN,
      from: e.TWILIO_FROM,
      messagingServiceSid: e.TWILIO_MESSAGING_SERVICE_SID,
      apiUrl: e.TWILIO_API_URL,
    },
  } satisfies Partial<Config>;
}

/** Lazy migration is on with LEGACY_AUTH_URL, which needs its token. */
function legacyAuthOf(e: Env): { legacyAuth?: LegacyAuthConfig } {
  if (!e.LEGACY_AUTH_URL) return {};
  if (!e.LEGACY_AUTH_TOKEN) throw new ConfigError(['LEGACY_AUTH_TOKEN: required with LEGACY_AUTH_URL (the old system must know who asks)']);
  return { legacyAuth: { url: e.LEGACY_AUTH_URL, token: e.LEGACY_AUTH_TOKEN, timeoutMs: e.LEGACY_AUTH_TIMEOUT_MS } };
}

// JSON-valued variables also name the entry and field (LEGAL_DOCUMENTS.0.version); the others the variable alone.
const JSON_VARIABLES = new Set(['LEGAL_DOCUMENTS', 'COMMUNICATION_TOPICS', 'RESOURCES']);
function variableOf(path: readonly PropertyKey[]): string {
  const [name, ...rest] = path.map(String);
  if (name === undefined) return '(environment)';
  return JSON_VARIABLES.has(name) && rest.length ? [name, ...rest].join('.') : name;
}

/** LEGAL_DOCUMENTS, else LEGAL_DOCUMENTS_FILE, else TERMS_URL / PRIVACY_URL as version "1" in force since ever. */
function legalDocumentsOf(e: ParsedEnv): LegalDocumentConfig[] {
  if (e.LEGAL_DOCUMENTS && e.LEGAL_DOCUMENTS_FILE) throw new ConfigError(['LEGAL_DOCUMENTS: give either it or LEGAL_DOCUMENTS_FILE, not both']);
  if (e.LEGAL_DOCUMENTS) return e.LEGAL_DOCUMENTS;
  if (e.LEGAL_DOCUMENTS_FILE) {
    let text: string;
    try {
      text = readFileSync(resolve(e.LEGAL_DOCUMENTS_FILE), 'utf8');
    } catch (err) {
      throw new ConfigError([`LEGAL_DOCUMENTS_FILE: cannot read ${e.LEGAL_DOCUMENTS_FILE} (${(err as Error).message})`]);
    }
    const parsed = legalDocuments.safeParse(text);
    if (!parsed.success) {
      throw new ConfigError(parsed.error.issues.map((i) => `LEGAL_DOCUMENTS_FILE: ${[...i.path].join('.') || '(root)'}: ${i.message}`));
    }
    return parsed.data;
  }
  const since = new Date(0);
  return [
    ...(e.TERMS_URL ? [{ id: 'terms', version: '1', effective: since, url: { en: e.TERMS_URL } }] : []),
    ...(e.PRIVACY_URL ? [{ id: 'privacy', version: '1', effective: since, url: { en: e.PRIVACY_URL } }] : []),
  ];
}
