// The environment variables, each described where it is defined: types, defaults, limits and why. The README's
// configuration table and .env.example are checked against this list (test/unit/config-docs.test.ts).
import { z } from 'zod';
import { FACTOR_TYPES } from '../auth/types.ts';
import { SIGNING_ALGS } from '../services/key-material.ts';
import { BOT_CHECK_ACTIONS } from '../services/bot-check.ts';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const seconds = z.coerce.number().int().positive();

const cookieKeys = z
  .string()
  .transform((v) => v.split(',').map((k) => k.trim()).filter(Boolean))
  .pipe(
    z
      .array(z.string().min(32, { message: 'each key must be at least 32 characters' }))
      .min(1, { message: 'needs at least one key' }),
  );

const encryptionKey = z
  .string()
  .transform((v) => Buffer.from(v, 'base64'))
  .refine((b) => b.length === 32, { message: 'must be 32 bytes, base64-encoded (openssl rand -base64 32)' });

const resourceServer = z.object({
  scope: z.string().default(''),
  audience: z.string().optional(),
  accessTokenTTL: seconds.optional(),
  accessTokenFormat: z.enum(['jwt', 'opaque']).default('jwt'),
  // Client ids (the API's own confidential client) allowed to introspect tokens issued for this resource.
  introspectors: z.array(z.string().min(1)).default([]),
});

const resources = z
  .string()
  .transform((v, ctx) => {
    try {
      return JSON.parse(v) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON object' });
      return z.NEVER;
    }
  })
  .pipe(
    z.record(
      z.url({ message: 'each key must be an absolute URL (the resource indicator)' }),
      resourceServer,
    ),
  );

function jsonValue(what: string) {
  return z.string().transform((v, ctx) => {
    try {
      return JSON.parse(v) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: `must be ${what}` });
      return z.NEVER;
    }
  });
}

const slug = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, { message: 'must be a short lower-case slug (a-z, 0-9, _ and -)' });
// Per-locale values: { "en": "...", "de": "..." }. Pages pick the customer's locale, then English, then the first.
const LOCALE_KEY = /^[a-z]{2}(-[A-Z]{2})?$/;
const localized = <T extends z.ZodType>(inner: T) =>
  z
    .record(z.string(), inner)
    .refine((v) => Object.keys(v).length > 0, { message: 'needs at least one locale' })
    .refine((v) => Object.keys(v).every((k) => LOCALE_KEY.test(k)), { message: 'keys must be locales such as en or de' });

// Versioned legal documents (terms of service, privacy policy, …). Several entries may share an id with different
// versions: the one in force is the latest whose `effective` time has passed, so a new version can be announced ahead.
const legalDocument = z
  .object({
    id: slug,
    version: z.string().min(1).max(40),
    effective: z.coerce.date({ message: 'must be a date or date-time (ISO 8601)' }),
    title: localized(z.string().min(1).max(120)).optional(),
    url: localized(z.url()).optional(),
    text: localized(z.string().min(1).max(200_000)).optional(),
    // What changed since the previous version, shown (or linked) when customers are asked to accept this one.
    changes: localized(z.string().min(1).max(4000)).optional(),
    changesUrl: localized(z.url()).optional(),
    // Applies only to sign-ins to these clients (e.g. a partner's own terms); absent: to every client.
    clients: z.array(z.string().min(1)).min(1).optional(),
  })
  .refine((d) => d.url !== undefined || d.text !== undefined, { message: 'each document needs a url or a text' });
export type LegalDocumentConfig = z.output<typeof legalDocument>;

export const legalDocuments = jsonValue('a JSON array of documents')
  .pipe(z.array(legalDocument))
  .refine((docs) => new Set(docs.map((d) => `${d.id}@${d.version}`)).size === docs.length, {
    message: 'each (id, version) may appear once',
  });

// Communication preferences: topics (newsletter, offers, …), each over the channels the operator can reach people on.
export const CHANNELS = ['email', 'sms', 'push', 'post', 'phone'] as const;
export type Channel = (typeof CHANNELS)[number];
const topic = z.object({
  id: slug,
  title: localized(z.string().min(1).max(120)),
  description: localized(z.string().min(1).max(1000)).optional(),
  channels: z.array(z.enum(CHANNELS, { message: `each channel must be one of ${CHANNELS.join(', ')}` })).min(1),
  // Offered (unticked) on the sign-up page as well as in the account center.
  signup: z.boolean().default(false),
});
export type TopicConfig = z.output<typeof topic>;
const topics = jsonValue('a JSON array of topics')
  .pipe(z.array(topic))
  .refine((list) => new Set(list.map((t) => t.id)).size === list.length, { message: 'each topic id may appear once' });

// Profile attributes an operator may require at sign-up or a client may ask for with progressive profiling.
export const PROFILE_ATTRIBUTES = [
  'given_name',
  'family_name',
  'middle_name',
  'nickname',
  'preferred_username',
  'name',
  'picture',
  'website',
  'gender',
  'birthdate',
  'zoneinfo',
  'locale',
  'phone_number',
  'address',
] as const;
export type ProfileAttribute = (typeof PROFILE_ATTRIBUTES)[number];

const attributeList = z
  .string()
  .transform((v) => [...new Set(v.split(',').map((a) => a.trim()).filter(Boolean))])
  .pipe(z.array(z.enum(PROFILE_ATTRIBUTES, { message: `each attribute must be one of ${PROFILE_ATTRIBUTES.join(', ')}` })));

// What RESPONSE_TYPES may list, each written with its words in alphabetical order (as oidc-provider compares them).
export const RESPONSE_TYPES = ['code', 'none', 'id_token', 'id_token token', 'code id_token', 'code token', 'code id_token token'] as const;
export type ResponseType = (typeof RESPONSE_TYPES)[number];
export const DEFAULT_RESPONSE_TYPES: readonly ResponseType[] = ['code', 'none'];

export const MFA_POLICIES = ['off', 'adaptive', 'required'] as const;
export type MfaPolicy = (typeof MFA_POLICIES)[number];

// https, or plain http to this machine only (a stand-in during development and in the tests); no credentials in it.
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
const outgoingUrl = z
  .url({ message: 'must be an absolute URL such as https://legacy.example.com/auth/check' })
  .refine((v) => {
    const url = new URL(v);
    return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
  }, { message: 'must be an https URL (plain http only to 127.0.0.1 or localhost)' })
  .refine((v) => !new URL(v).username && !new URL(v).password && !new URL(v).hash, { message: 'must carry no credentials or fragment' });

const botCheckList = z
  .string()
  .transform((v) => [...new Set(v.split(',').map((a) => a.trim()).filter(Boolean))])
  .pipe(z.array(z.enum(BOT_CHECK_ACTIONS, { message: `each form must be one of ${BOT_CHECK_ACTIONS.join(', ')}` })));

const factorList = z
  .string()
  .transform((v) => [...new Set(v.split(',').map((a) => a.trim()).filter(Boolean))])
  .pipe(z.array(z.enum(FACTOR_TYPES, { message: `each factor must be one of ${FACTOR_TYPES.join(', ')}` })).min(1));

export const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  // Server processes on this machine (node:cluster), sharing the port and the database.
  WEB_CONCURRENCY: z.coerce.number({ message: 'must be a whole number of processes, 1 to 64' }).int().min(1).max(64).default(1),
  ISSUER: z.url({ message: 'must be an absolute URL such as https://id.example.com' }).optional(),
  TRUST_PROXY: bool.default(false),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, { message: 'must start with mongodb:// or mongodb+srv://' }).optional(),
  EMBEDDED_DB_DIR: z.string().min(1).default('.data/ferretdb'),
  EMBEDDED_DB_PORT: z.coerce.number().int().min(0).max(65535).default(27018),

  COOKIE_KEYS: cookieKeys.optional(),
  DATA_ENCRYPTION_KEY: encryptionKey.optional(),
  DEV_SECRETS_FILE: z.string().min(1).default('.data/dev-secrets.json'),

  DEMO: bool.optional(),
  DEMO_CLIENT_ID: z.string().regex(/^[A-Za-z0-9_-]+$/).default('demo-app'),
  DEMO_USER_EMAIL: z.email().default('demo@example.com'),
  DEMO_USER_PASSWORD: z.string().min(8).max(256).optional(),

  ACCESS_TOKEN_TTL: seconds.default(3600),
  ID_TOKEN_TTL: seconds.default(3600),
  REFRESH_TOKEN_TTL: seconds.default(14 * 24 * 3600),
  // Seconds after a refresh token's rotation during which the same token may be presented again (a network retry, two
  // tabs) and is exchanged for a fresh pair; later, a reuse is a replay and revokes the whole grant. 0: never.
  REFRESH_TOKEN_REUSE_SECONDS: z.coerce.number().int().min(0).max(60).default(5),
  SESSION_TTL: seconds.default(14 * 24 * 3600),
  INTERACTION_TTL: seconds.default(3600),
  AUTHORIZATION_CODE_TTL: seconds.default(60),
  DEVICE_CODE_TTL: seconds.default(600),
  CLIENT_CREDENTIALS_TTL: seconds.default(600),

  RESOURCES: resources.optional(),
  KEYS_REFRESH_SECONDS: seconds.default(60),
  // Response types the authorization endpoint offers besides code and none, which are always on (the account center
  // signs in with none), comma-separated. Only the authorization code flow by default:
  // implicit and hybrid flows (id_token, "id_token token", "code id_token", …) put tokens in the browser's URL
  // fragment, where browser history, extensions and referrers can see them, and need the implicit grant. Opt in only
  // for legacy apps or a certification run (the OpenID Foundation's Dynamic OP profile requires id_token and
  // "id_token token").
  RESPONSE_TYPES: z
    .string()
    .transform((v) => [...new Set(v.split(',').map((a) => a.trim().split(/\s+/).sort().join(' ')).filter(Boolean))])
    .pipe(z.array(z.enum(RESPONSE_TYPES, { message: `each response type must be one of ${RESPONSE_TYPES.join(', ')}` })).min(1))
    .optional(),
  // The signing algorithms keys are kept and published for (comma-separated). RS256 is required (OIDC's default
  // id_token algorithm); leaving out EdDSA suits relying parties and test suites that cannot read Ed25519 keys.
  SIGNING_ALGS: z
    .string()
    .transform((v) => [...new Set(v.split(',').map((a) => a.trim()).filter(Boolean))])
    .pipe(
      z
        .array(z.enum(SIGNING_ALGS, { message: `each algorithm must be one of ${SIGNING_ALGS.join(', ')}` }))
        .refine((list) => list.includes('RS256'), { message: 'must include RS256 (the default id_token algorithm)' }),
    )
    .optional(),
  ALLOW_PRIVATE_NETWORK_REQUESTS: bool.default(false),
  SWEEP_INTERVAL_SECONDS: seconds.default(300),
  // How long a process may serve a client's registration from memory before reading it again (0: never cached). A
  // deleted client or a rotated secret stops working in every process within this bound; at once in the one that
  // made the change.
  CLIENT_CACHE_SECONDS: z.coerce.number().int().min(0).max(60).default(5),
  // How long a process may serve a session or grant it has just written or read from memory (0: never). A sign-in's
  // pages and resume, and introspection, userinfo and refresh of a busy grant, then skip a read. The process's own
  // changes apply at once; a session ended or a grant changed by another process shows there within this bound
  // (revoking a grant deletes its tokens as well, which no process keeps).
  // How often the webhook dispatcher looks for events to deliver and deliveries that are due (0: never; tests run
  // it by hand).
  WEBHOOK_POLL_SECONDS: z.coerce.number().int().min(0).max(3600).default(5),
  // A bearer token for GET /metrics (Prometheus); unset: there is no /metrics and nothing is measured for it.
  METRICS_TOKEN: z.string().min(16, { message: 'must be at least 16 characters (e.g. openssl rand -base64 24)' }).optional(),
  ROW_CACHE_SECONDS: z.coerce.number().int().min(0).max(10).default(2),
  CONNECTIONS_FILE: z.string().min(1).optional(),
  // How long a process may answer findAccount (token claims, userinfo) and the sign-in policy from an account read it
  // made (0: never cached). Any account write in the process drops it at once; another process's change shows within
  // this bound. Disabling an account revokes its grants and sessions, so a stale read issues nothing.
  ACCOUNT_CACHE_SECONDS: z.coerce.number().int().min(0).max(60).default(5),
  // The longest a client_assertion JWT (private_key_jwt, client_secret_jwt) may be valid for: its replay-detection
  // row has to outlive it, so longer-lived assertions are refused.
  CLIENT_ASSERTION_MAX_LIFETIME: z.coerce.number().int().min(10).max(86_400).default(600),

  // Outgoing mail: an SMTP URL (smtp://user:pass@host:587, smtps://… for implicit TLS). Unset outside production:
  // messages are written to the log instead of being sent.
  SMTP_URL: z.string().regex(/^smtps?:\/\//, { message: 'must start with smtp:// or smtps://' }).optional(),
  // The sender of every mail; unset: the product name at no-reply@ the issuer's host name.
  MAIL_FROM: z.string().min(3).optional(),
  // The operator's brand (README "Branding"): shown where no app is known (the account center, its mails) and behind
  // every app's own brand. PRODUCT_NAME unset: the issuer's host name without id./login./auth./www. (example.com).
  PRODUCT_NAME: z.string().trim().min(1).max(80).optional(),
  // A PNG, JPEG, WebP or SVG file (at most 256 KiB), read at start and served from our origin.
  BRAND_LOGO_FILE: z.string().min(1).optional(),
  // #rrggbb; each must let text on it reach WCAG AA (4.5:1) with white or dark text (checked at start).
  BRAND_PRIMARY_COLOR: z.string().regex(/^#[0-9a-fA-F]{6}$/, { message: 'must be a colour written #rrggbb' }).optional(),
  BRAND_BACKGROUND_COLOR: z.string().regex(/^#[0-9a-fA-F]{6}$/, { message: 'must be a colour written #rrggbb' }).optional(),
  // Where customers get help, linked from the hosted pages and mails.
  BRAND_SUPPORT_URL: z.url({ protocol: /^https$/, message: 'must be an https URL' }).optional(),

  SIGNUP_ENABLED: bool.default(true),
  // "E-mail me a sign-in code" on the login page (passwordless; an app may turn it off or on for itself with its
  // email_code_signin setting).
  SIGNIN_EMAIL_CODES: bool.default(true),
  SIGNUP_REQUIRED_ATTRIBUTES: attributeList.optional(),
  TERMS_URL: z.url().optional(),
  PRIVACY_URL: z.url().optional(),
  // Versioned legal documents as JSON, inline or in a file (see README "Consent, preferences and privacy").
  LEGAL_DOCUMENTS: legalDocuments.optional(),
  LEGAL_DOCUMENTS_FILE: z.string().min(1).optional(),
  COMMUNICATION_TOPICS: topics.optional(),
  // Days an erased account stays disabled (and the erasure cancellable) before everything is removed; 0: at once.
  ERASURE_GRACE_DAYS: z.coerce.number().int().min(0).max(365).default(0),

  PASSWORD_MIN_LENGTH: z.coerce.number().int().min(8, { message: 'must be at least 8 (NIST SP 800-63B)' }).max(64).default(8),
  // Optional k-anonymity breach check (the Pwned Passwords range API shape: GET <url><first 5 hex of SHA-1>).
  PASSWORD_BREACH_API_URL: z.url().optional(),
  // argon2id cost of new password hashes: OWASP's parameters by default (19 MiB, 2 passes). Production refuses less
  // than OWASP's weakest equivalent (memory × passes ≥ 35,840 KiB and memory ≥ 7,168 KiB); lower values are for tests
  // and small development machines. A hash keeps the parameters it was made with and is redone with these at its
  // owner's next sign-in.
  PASSWORD_HASH_MEMORY_KIB: z.coerce.number().int().min(1024).max(4_194_304).default(19_456),
  PASSWORD_HASH_PASSES: z.coerce.number().int().min(1).max(20).default(2),
  PASSWORD_HASH_CONCURRENCY: z.coerce.number().int().min(1).max(256).optional(),

  // Lazy migration (README "The management API", migration in): a password sign-in of an address with no account here
  // is checked by the old system, POST {email, password} to this URL with LEGACY_AUTH_TOKEN as a bearer token; a 200
  // creates the account with that password. Unset: off. Switch it off once the old system is retired.
  LEGACY_AUTH_URL: outgoingUrl.optional(),
  // The shared secret sent as `Authorization: Bearer …`; required with LEGACY_AUTH_URL. Never logged.
  LEGACY_AUTH_TOKEN: z.string().min(16, { message: 'must be at least 16 characters (e.g. openssl rand -base64 24)' }).optional(),
  // How long a sign-in waits for the old system before it answers "wrong e-mail or password" (and logs a warning).
  LEGACY_AUTH_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(3000),

  CODE_TTL_SECONDS: seconds.default(600),
  CODE_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  // Sensitive account-center changes demand a sign-in no older than this.
  REAUTH_MAX_AGE_SECONDS: seconds.default(300),
  APP_METADATA_MAX_BYTES: z.coerce.number().int().min(64).max(65536).default(4096),
  RATE_LIMITS_ENABLED: bool.default(true),
  // Dynamic registration without an initial access token: an opt-in for the OIDF Dynamic OP plan (anyone can then
  // register clients).
  OPEN_REGISTRATION: bool.default(false),
  // Request objects by reference (request_uri on /auth, OIDC Core 6.2): an opt-in for the OIDF Dynamic OP plan. The
  // provider then fetches from URIs clients pre-registered in `request_uris` (https, public addresses only).
  REQUEST_URI_BY_REFERENCE: bool.default(false),
  // Leading zero bits of the sign-in's proof of work (2^bits SHA-256 hashes on average; 18 ≈ 1–2 s in a browser).
  LOGIN_PROOF_BITS: z.coerce.number().int().min(1).max(28).default(18),
  // Bot protection per form, with no third party (src/services/bot-check.ts): a comma list of signup, recover (the
  // forgotten-password request), codes (requests that make us send an e-mail or SMS code: a new verification code,
  // a second factor's code, an e-mail change, a phone or e-mail factor being added) and login (every password
  // sign-in, not only beyond the throttle's threshold). A protected form carries a proof-of-work puzzle its page
  // solves in the background. Empty (the default): off.
  BOT_PROTECTION: botCheckList.default([]),
  // Leading zero bits of the bot check's puzzle (2^bits SHA-256 hashes on average; 18 ≈ 1–2 s in a browser).
  BOT_PROTECTION_BITS: z.coerce.number().int().min(1).max(28).default(18),
  // Without JavaScript, a protected form is accepted this many seconds after its page was shown, not before.
  BOT_PROTECTION_DELAY_SECONDS: z.coerce.number().int().min(1).max(300).default(5),
  // How many submissions without JavaScript (the delay instead of the puzzle) are accepted per client address (IPv6:
  // its /64) and hour, over all protected forms; beyond that the address needs the puzzle. 0: no fallback, protected
  // forms need JavaScript.
  BOT_PROTECTION_NOSCRIPT_PER_HOUR: z.coerce.number().int().min(0).max(10_000).default(10),

  // Second factors. MFA_POLICY is the default for every client (a client's `mfa_policy` overrides it).
  MFA_POLICY: z.enum(MFA_POLICIES).default('adaptive'),
  MFA_FACTORS: factorList.default([...FACTOR_TYPES]),
  MFA_TRUST_DAYS: z.coerce.number().int().min(0).max(365).default(30),
  RISK_THRESHOLD: z.coerce.number().int().min(1).max(1000).default(50),
  // Impossible-travel checks load geoip-lite's ~100 MB database; off by default in tests (NODE_ENV=test).
  RISK_GEOIP: bool.optional(),
  // SMS through Twilio's Messages API. Without an account SID the SMS factor is not offered (outside production the
  // text is written to the log instead, so that development works without Twilio).
  TWILIO_ACCOUNT_SID: z.string().regex(/^AC[0-9a-fA-F]{32}$/, { message: 'must look like AC followed by 32 hex digits' }).optional(),
  TWILIO_AUTH_TOKEN: z.string().min(8).optional(),
  TWILIO_FROM: z.string().min(3).optional(),
  TWILIO_MESSAGING_SERVICE_SID: z.string().regex(/^MG[0-9a-fA-F]{32}$/).optional(),
  TWILIO_API_URL: z.url().optional(),
  // WebAuthn relying party: the ID is the issuer's host name unless set (a parent domain lets sibling hosts share passkeys).
  WEBAUTHN_RP_ID: z.string().regex(/^[a-z0-9.-]+$/, { message: 'must be a host name' }).optional(),
});

export type Env = z.input<typeof schema>;

export type ParsedEnv = z.output<typeof schema>;

/** Every variable the configuration reads. */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(schema.shape);
