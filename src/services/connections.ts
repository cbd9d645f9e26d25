// Upstream identity providers ("connections") customers may sign in with: any OpenID Connect provider, found by
// discovery from its issuer. The operator configures them (CLI today, the management API next, both through this
// service); the client secret is sealed at rest with the data encryption key and never leaves this service except to
// the token request (federation.ts).
import { Schema, type Connection as DbConnection, type Model } from 'mongoose';
import { importPKCS8, SignJWT } from 'jose';
import { z } from 'zod';
import { systemClock, type Clock } from '../clock.ts';
import { modelOn } from '../db/models/model-on.ts';
import { CONNECTION_ID } from './connection-id.ts';
import { isDuplicateKey } from '../db/duplicate-key.ts';
import { badRequest, conflict, notFound } from '../errors.ts';
import type { Cipher } from './crypto.ts';
import type { AuditLog } from './audit.ts';
import { actorFields, type Actor } from '../usecases/account-status.ts';
import { PROFILE_FIELDS, type ProfileField } from './profile-input.ts';

/** A connection as the sign-in and the operator see it (no secret). */
export interface IdentityConnection {
  id: string;
  name: string;
  /** An https image shown on its button (the login page's CSP lets that origin in for images only). */
  icon?: string;
  /** The provider's issuer (OpenID Connect: found by discovery; OAuth 2 providers: the namespace of their ids). */
  issuer: string;
  /** 'oidc' (any OpenID provider) or an OAuth 2-only provider whose profile comes from its API ('github', 'facebook'). */
  protocol: 'oidc' | 'github' | 'facebook';
  /** OAuth 2 providers: where their endpoints are (the preset's; overridable for a GitHub Enterprise or a test). */
  endpoints?: { authorization: string; token: string; api: string };
  clientId: string;
  scopes: string[];
  /** A first sign-in through it may create an account (with a verified upstream e-mail, see trustEmail). */
  allowSignup: boolean;
  /** The upstream's email_verified is believed: only then does its e-mail find, create or link an account. */
  trustEmail: boolean;
  /** How the provider answers: in the callback's query, or as a form posted to it (Apple requires form_post). */
  responseMode: 'query' | 'form_post';
  /** The client secret is a JWT signed with the operator's key for each use (Apple): who issues it, with which key. */
  signedSecret?: { issuer: string; keyId: string; audience: string };
  /**
   * A multi-tenant provider (Microsoft's common, organizations, consumers): the tenant ids let in, from each ID token's
   * `tid`; absent: every tenant.
   */
  tenants?: string[];
  /**
   * The upstream's assurance of a multi-factor sign-in that counts as ours: an ID token whose amr holds one of `amr`
   * (RFC 8176, e.g. "mfa") or whose acr is one of `acr`. Absent: a sign-in through it is one factor.
   */
  upstreamMfa?: { amr: string[]; acr: string[] };
  /**
   * Which of the provider's claims (ID token or UserInfo) fill which profile field of a new account, beyond the
   * standard ones taken by their own names (name, given_name, family_name, picture); e.g. { nickname: "preferred_username" }.
   */
  attributes?: Partial<Record<ProfileField, string>>;
  /**
   * Keep the provider's access and refresh tokens of each sign-in with the linked identity (sealed), for the
   * operator's back end to call the provider's APIs on the customer's behalf. Default: nothing is kept.
   */
  keepTokens?: boolean;
  enabled: boolean;
  createdAt: Date;
  /** When its settings last changed (put): what a process's copy of the provider's configuration is checked against. */
  updatedAt?: Date;
}

interface ConnectionRow extends Omit<IdentityConnection, 'id'> {
  _id: string;
  /** Sealed with the data encryption key; absent for a public client (PKCE only) or a signed secret. */
  clientSecret?: string;
  /** The ES256 private key (PKCS#8 PEM) a signed secret is made with, sealed. */
  secretKey?: string;
}

const schema = new Schema<ConnectionRow>(
  {
    _id: { type: String, required: true },
    name: { type: String, required: true },
    icon: String,
    issuer: { type: String, required: true },
    protocol: { type: String, enum: ['oidc', 'github', 'facebook'], default: 'oidc' },
    endpoints: { type: new Schema({ authorization: String, token: String, api: String }, { _id: false }), default: undefined },
    clientId: { type: String, required: true },
    clientSecret: String,
    scopes: { type: [String], required: true },
    allowSignup: { type: Boolean, required: true },
    trustEmail: { type: Boolean, required: true },
    responseMode: { type: String, enum: ['query', 'form_post'], default: 'query' },
    signedSecret: { type: new Schema({ issuer: String, keyId: String, audience: String }, { _id: false }), default: undefined },
    secretKey: String,
    tenants: { type: [String], default: undefined },
    upstreamMfa: { type: new Schema({ amr: [String], acr: [String] }, { _id: false }), default: undefined },
    attributes: { type: Schema.Types.Mixed, default: undefined },
    keepTokens: Boolean,
    enabled: { type: Boolean, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: Date,
  },
  { collection: 'connections', versionKey: false },
);

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** https, or http on this machine only (a provider under development or in the tests). */
export function isAcceptableIssuer(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  if (url.search || url.hash || url.username || url.password) return false;
  return url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
}

const DEFAULT_SCOPES = { oidc: ['openid', 'email', 'profile'], github: ['read:user', 'user:email'], facebook: ['public_profile', 'email'] };

export const connectionInput = z.object({
  id: z
    .string()
    .regex(CONNECTION_ID, { message: 'id: 2 to 40 lowercase letters, digits and dashes, e.g. "google" or "acme-sso"' }),
  name: z.string().trim().min(1).max(60),
  icon: z
    .string()
    .max(500)
    .refine((v) => URL.parse(v)?.protocol === 'https:', { message: 'icon must be an https URL' })
    .optional(),
  issuer: z.string().refine(isAcceptableIssuer, { message: 'issuer must be an https URL without query or fragment (http only on 127.0.0.1 or localhost)' }),
  clientId: z.string().min(1).max(300),
  clientSecret: z.string().min(1).max(2000).optional(),
  protocol: z.enum(['oidc', 'github', 'facebook'], { message: 'protocol is oidc, github or facebook' }).default('oidc'),
  endpoints: z
    .object({
      authorization: z.string().refine(isAcceptableIssuer, { message: 'endpoints must be https URLs (http only on 127.0.0.1 or localhost)' }),
      token: z.string().refine(isAcceptableIssuer, { message: 'endpoints must be https URLs (http only on 127.0.0.1 or localhost)' }),
      api: z.string().refine(isAcceptableIssuer, { message: 'endpoints must be https URLs (http only on 127.0.0.1 or localhost)' }),
    })
    .optional(),
  scopes: z.array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, { message: 'scopes are space-free tokens' })).optional(),
  allowSignup: z.boolean().default(true),
  trustEmail: z.boolean().default(false),
  responseMode: z.enum(['query', 'form_post'], { message: 'responseMode is query or form_post' }).default('query'),
  /** Apple: the client secret is an ES256 JWT (iss: team id, kid: key id, aud) made with this private key. */
  signedSecret: z
    .object({
      issuer: z.string().min(1).max(100),
      keyId: z.string().min(1).max(100),
      audience: z.string().url(),
      privateKey: z.string().includes('BEGIN PRIVATE KEY', { message: 'privateKey must be a PKCS#8 PEM (-----BEGIN PRIVATE KEY-----)' }).max(5000),
    })
    .optional(),
  tenants: z
    .array(z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, { message: 'tenants are Entra tenant ids (GUIDs)' }).transform((t) => t.toLowerCase()))
    .min(1)
    .max(100)
    .optional(),
  upstreamMfa: z
    .object({
      amr: z.array(z.string().min(1).max(40)).max(20).default([]),
      acr: z.array(z.string().min(1).max(200)).max(20).default([]),
    })
    .refine((m) => m.amr.length + m.acr.length > 0, { message: 'upstreamMfa names at least one amr or acr value' })
    .optional(),
  attributes: z
    .record(z.string(), z.string().regex(/^[A-Za-z0-9_:.-]{1,100}$/, { message: 'attributes name claims of the provider (letters, digits, _ : . -)' }))
    .refine((m) => Object.keys(m).every((k) => (PROFILE_FIELDS as readonly string[]).includes(k)), { message: `attributes fill profile fields: ${PROFILE_FIELDS.join(', ')}` })
    .transform((m) => m as Partial<Record<ProfileField, string>>)
    .optional(),
  keepTokens: z.boolean().optional(),
  enabled: z.boolean().default(true),
})
  .refine((c) => !(c.signedSecret && c.clientSecret), { message: 'give either a client secret or a signed secret, not both' })
  .refine((c) => c.protocol !== 'oidc' || !c.scopes || c.scopes.includes('openid'), { message: 'scopes must include openid' })
  .refine((c) => c.protocol === 'oidc' || c.endpoints, { message: 'an OAuth 2 provider needs its endpoints (use its preset)' })
  .transform((c) => ({ ...c, scopes: c.scopes ?? DEFAULT_SCOPES[c.protocol] }));
export type ConnectionInput = z.input<typeof connectionInput>;

/** Who changes a connection (the console, the API): audited as connection.created / connection.updated when given. */
export interface ConnectionChange {
  actor?: Actor;
  /** Keep the stored secret (client secret, or signed secret and its key) when the input gives none: an edit of the
   *  other settings, by someone who never sees the secret. Default: the input replaces everything (PUT). */
  keepSecrets?: boolean;
}

export interface Connections {
  create(input: ConnectionInput, change?: ConnectionChange): Promise<IdentityConnection>;
  list(): Promise<IdentityConnection[]>;
  /**
   * The enabled connections, for the login page's buttons: from an in-process copy at most `cacheSeconds` old
   * (renewed at once in the process that changed a connection), so that rendering the page reads nothing.
   */
  listEnabled(): Promise<IdentityConnection[]>;
  /** An enabled connection, or undefined. */
  enabled(id: string): Promise<IdentityConnection | undefined>;
  /** The client secret for the token request (undefined: a public client). */
  secretOf(id: string): Promise<string | undefined>;
  remove(id: string): Promise<void>;
  /**
   * Creates the connection, or replaces the one with its id (its settings and secrets, in one write; its linked
   * identities stay): what configuration as code applies at every start (connections-file.ts).
   */
  put(input: ConnectionInput, change?: ConnectionChange): Promise<IdentityConnection>;
}

const view = ({ _id, clientSecret: _secret, secretKey: _key, ...rest }: ConnectionRow): IdentityConnection => ({
  id: _id,
  ...rest,
  protocol: rest.protocol ?? 'oidc',
  responseMode: rest.responseMode ?? 'query',
});

/** A client secret that is a short-lived ES256 JWT (Apple's "client secret"), made for one token request. */
async function signedClientSecret(row: ConnectionRow, pem: string, now: number): Promise<string> {
  const { issuer, keyId, audience } = row.signedSecret!;
  const key = await importPKCS8(pem, 'ES256');
  const iat = Math.floor(now / 1000);
  // Longer than the discovered configuration is kept (federation.ts: an hour), far below Apple's six months.
  return new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: keyId }).setIssuer(issuer).setSubject(row.clientId).setAudience(audience).setIssuedAt(iat).setExpirationTime(iat + 7200).sign(key);
}

/** The settings a change touched (secrets by name only: "clientSecret" when one was given). */
function changedSettings(before: ConnectionRow | null, after: ConnectionRow, secretGiven: boolean): string[] {
  const skip = new Set(['_id', 'createdAt', 'updatedAt', 'clientSecret', 'secretKey']);
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after)].filter((k) => !skip.has(k)));
  const changed = [...keys].filter((k) => JSON.stringify((before as Record<string, unknown> | null)?.[k]) !== JSON.stringify((after as unknown as Record<string, unknown>)[k]));
  return [...changed, ...(secretGiven ? ['clientSecret'] : [])].sort();
}

export function createConnections(deps: { conn: DbConnection; cipher: Cipher; cacheSeconds?: number; now?: Clock; audit?: Pick<AuditLog, 'record'> }): Connections {
  const model: Model<ConnectionRow> = modelOn<ConnectionRow>(deps.conn, 'IdentityConnection', schema);
  const now = deps.now ?? systemClock;
  let enabledCopy: { at: number; list: Promise<IdentityConnection[]> } | undefined;
  const find = (id: string) => (typeof id === 'string' ? model.findById(id).lean<ConnectionRow>() : Promise.resolve(null));

  /** The row a connection's input makes (validated, secrets sealed), stamped `at`. */
  async function rowOf(input: ConnectionInput, at: Date): Promise<ConnectionRow> {
    const parsed = connectionInput.safeParse(input);
    if (!parsed.success) throw badRequest(parsed.error.issues.map((i) => i.message).join('; '));
    const { id, clientSecret, signedSecret, ...rest } = parsed.data;
    if (signedSecret) {
      try {
        await importPKCS8(signedSecret.privateKey, 'ES256');
      } catch {
        throw badRequest('privateKey is not an ES256 (P-256) private key');
      }
    }
    return {
      _id: id,
      ...rest,
      ...(clientSecret ? { clientSecret: deps.cipher.encrypt(clientSecret) } : {}),
      ...(signedSecret
        ? { signedSecret: { issuer: signedSecret.issuer, keyId: signedSecret.keyId, audience: signedSecret.audience }, secretKey: deps.cipher.encrypt(signedSecret.privateKey) }
        : {}),
      createdAt: at,
      updatedAt: at,
    };
  }

  return {
    async create(input, change = {}) {
      const row = await rowOf(input, new Date(now()));
      try {
        await model.create(row);
      } catch (err) {
        if (isDuplicateKey(err)) throw conflict(`A connection "${row._id}" already exists`);
        throw err;
      }
      enabledCopy = undefined;
      if (change.actor) await deps.audit?.record({ type: 'connection.created', outcome: 'success', ...actorFields(change.actor), details: { connection: row._id, enabled: row.enabled } });
      return view(row);
    },
    async put(input, change = {}) {
      const at = new Date(now());
      const { _id, createdAt: _new, ...row } = await rowOf(input, at);
      // By _id alone; the first creation's date stays.
      const before = await find(_id);
      const createdAt = before?.createdAt ?? at;
      const secretGiven = Boolean(row.clientSecret || row.secretKey);
      if (change.keepSecrets && before && !secretGiven) {
        if (before.clientSecret) row.clientSecret = before.clientSecret;
        if (before.secretKey && before.signedSecret) Object.assign(row, { secretKey: before.secretKey, signedSecret: before.signedSecret });
      }
      await model.replaceOne({ _id }, { ...row, createdAt }, { upsert: true });
      enabledCopy = undefined;
      const after = { _id, ...row, createdAt };
      if (change.actor) {
        const details = { connection: _id, fields: changedSettings(before, after, secretGiven), enabled: row.enabled };
        await deps.audit?.record({ type: before ? 'connection.updated' : 'connection.created', outcome: 'success', ...actorFields(change.actor), details });
      }
      return view(after);
    },
    listEnabled() {
      const at = now();
      if (!enabledCopy || at - enabledCopy.at >= (deps.cacheSeconds ?? 5) * 1000) {
        const list = model.find({ enabled: true }).sort({ _id: 1 }).lean<ConnectionRow[]>().then((rows) => rows.map(view));
        enabledCopy = { at, list };
        list.catch(() => {
          if (enabledCopy?.list === list) enabledCopy = undefined;
        });
      }
      return enabledCopy.list;
    },
    async list() {
      const rows = await model.find({}).sort({ _id: 1 }).lean<ConnectionRow[]>();
      return rows.map(view);
    },
    async enabled(id) {
      const row = await find(id);
      return row?.enabled ? view(row) : undefined;
    },
    async secretOf(id) {
      const row = await find(id);
      if (row?.signedSecret && row.secretKey) return signedClientSecret(row, deps.cipher.decrypt(row.secretKey), now());
      return row?.clientSecret ? deps.cipher.decrypt(row.clientSecret) : undefined;
    },
    async remove(id) {
      const { deletedCount } = await model.deleteOne({ _id: id });
      enabledCopy = undefined;
      if (deletedCount === 0) throw notFound(`No connection "${id}"`);
    },
  };
}
