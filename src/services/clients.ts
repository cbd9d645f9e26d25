// Operator management of registered clients, stored through the oidc-provider adapter (so secrets are sealed the
// same way whether a client came from here or from dynamic registration).
import { systemClock, type Clock } from '../clock.ts';
import { randomBytes } from 'node:crypto';
import type { Collection } from 'mongodb';
import type { Adapter, AdapterPayload, ClientMetadata } from 'oidc-provider';
import { badRequest, conflict, notFound } from '../errors.ts';
import type { Actor } from '../usecases/account-status.ts';
import type { AuditLog } from './audit.ts';
import { brandOfRegistration, type BrandInput, type BrandRegistration } from './brand-input.ts';
import { LOGO_NAME, LOGO_PATH } from './brand-logo-bytes.ts';
import type { BrandLogos } from './brand-logos.ts';
import { parseClientInput, type ClientInput } from './client-input.ts';
import { inputOfRegistration, mergeClientPatch, parseClientPatch, type ClientPatch } from './client-patch.ts';
import { isDuplicateKey } from '../db/duplicate-key.ts';
import { rowOf, wireOf, type WireDocument } from '../../adapters/wire.ts';

export interface ClientView {
  clientId: string;
  public: boolean;
  tokenEndpointAuthMethod: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  grantTypes: string[];
  responseTypes: string[];
  scope?: string;
  clientName?: string;
  /** Connections its login page offers, in order (absent: every enabled one). */
  connections?: string[];
  firstParty?: boolean;
  requireVerifiedEmail?: boolean;
  /** "E-mail me a sign-in code" on its login page (absent: the operator's setting). */
  emailCodeSignin?: boolean;
  requiredProfileAttributes?: string[];
  mfaPolicy?: string;
  mfaFactors?: string[];
  optionalScopes?: string[];
  optionalClaims?: string[];
  /** Its look on the hosted pages and in mails (brand-input.ts); the logo as the path it is served at. */
  brand?: BrandInput;
  /** Its other registration metadata (backchannel_logout_uri, logo_uri, …), in registration names. */
  metadata?: Record<string, unknown>;
  /** Only in the answer to create (or to an update that made a public client confidential), and only for a
   *  confidential client: it is never shown again. */
  clientSecret?: string;
}

export interface ClientService {
  create(input: ClientInput, actor?: Actor): Promise<ClientView>;
  /** What create would refuse, refused without writing a registration (a batch checked before any of it is replaced; a
   *  brand's logo is fetched and kept to be checked, which is harmless: logos are stored once, by their hash). */
  check(input: ClientInput): Promise<void>;
  list(): Promise<ClientView[]>;
  get(id: string): Promise<ClientView | null>;
  /**
   * Changes a client (JSON merge patch over create's options, client-patch.ts); the result is checked as create
   * checks a new one, and a refused change changes nothing. The secret stays. A 404 for an unknown client.
   */
  update(id: string, patch: ClientPatch, actor?: Actor): Promise<ClientView>;
  /** A new generated secret, shown in this answer only; the old one stops working (other processes: within
   *  CLIENT_CACHE_SECONDS). A conflict for a client that authenticates without a secret. */
  rotateSecret(id: string, actor?: Actor): Promise<{ clientId: string; clientSecret: string }>;
  delete(id: string, actor?: Actor): Promise<boolean>;
}

export interface ClientServiceDeps {
  /** The one clock (src/clock.ts). */
  now?: Clock;
  Adapter: new (model: string) => Adapter;
  collection: (model: string) => Collection<WireDocument>;
  /** oidc-provider's own metadata validation (provider.Client.validate), so errors read as the provider's. */
  validate: (metadata: ClientMetadata) => Promise<void>;
  /** Drops this process's cached copy of a client, so that a change starts from what is stored. */
  forgetClient?: (clientId: string) => void;
  audit: AuditLog;
  /** Where brand logos are fetched and kept; without it a brand may only keep a logo it already has. */
  logos?: Pick<BrandLogos, 'store'>;
}

/** Token endpoint authentication methods that use the client's secret. */
const SECRET_METHODS = new Set(['client_secret_basic', 'client_secret_post', 'client_secret_jwt']);
const newSecret = () => randomBytes(32).toString('base64url');

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function toView(p: AdapterPayload): ClientView {
  const method = typeof p.token_endpoint_auth_method === 'string' ? p.token_endpoint_auth_method : 'client_secret_basic';
  return {
    clientId: String(p.client_id),
    public: method === 'none',
    tokenEndpointAuthMethod: method,
    redirectUris: strings(p.redirect_uris),
    postLogoutRedirectUris: strings(p.post_logout_redirect_uris),
    grantTypes: strings(p.grant_types),
    responseTypes: strings(p.response_types),
    ...(typeof p.scope === 'string' && { scope: p.scope }),
    ...(typeof p.client_name === 'string' && { clientName: p.client_name }),
    ...(Array.isArray(p.connections) && { connections: strings(p.connections) }),
    ...productSettings(p),
  };
}

/** The settings this product adds (client-input.ts PRODUCT_CLIENT_METADATA) and the other metadata, as stored. */
function productSettings(p: AdapterPayload): Partial<ClientView> {
  const lists = { requiredProfileAttributes: p.required_profile_attributes, mfaFactors: p.mfa_factors, optionalScopes: p.optional_scopes, optionalClaims: p.optional_claims };
  const metadata = Object.entries((inputOfRegistration(p).metadata ?? {}) as Record<string, unknown>);
  const brand = brandOfRegistration(p.brand);
  return {
    ...(typeof p.first_party === 'boolean' && { firstParty: p.first_party }),
    ...(typeof p.require_verified_email === 'boolean' && { requireVerifiedEmail: p.require_verified_email }),
    ...(typeof p.email_code_signin === 'boolean' && { emailCodeSignin: p.email_code_signin }),
    ...(typeof p.mfa_policy === 'string' && { mfaPolicy: p.mfa_policy }),
    ...Object.fromEntries(Object.entries(lists).filter(([, v]) => Array.isArray(v)).map(([k, v]) => [k, strings(v)])),
    ...(metadata.length > 0 && { metadata: Object.fromEntries(metadata) }),
    ...(brand && { brand }),
  };
}

/** The registration fields a change touched (a secret by name only). */
function changedFields(before: AdapterPayload, after: AdapterPayload): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k])).sort();
}

/** Who made a change, as the audit log records it: the entry point, and the API client that acted. */
const actedBy = (actor: Actor | undefined) => (actor ? { reason: actor.source, ip: actor.ip, userAgent: actor.userAgent, ...(actor.operatorId ? { actorId: actor.operatorId } : {}) } : {});
const actorClient = (actor: Actor | undefined) => (actor?.clientId ? { actorClientId: actor.clientId } : {});

export function createClientService(deps: ClientServiceDeps): ClientService {
  const { audit } = deps;
  const now = deps.now ?? systemClock;
  const rows = () => deps.collection('Client');
  const live = () => ({ $or: [{ expiresAt: { $exists: false } }, { expiresAt: { $gt: new Date(now()) } }] });

  /** The registration the input makes, as oidc-provider checks it; a 400 saying why otherwise. */
  async function checked(input: unknown, secret: () => string = newSecret) {
    const { metadata } = parseClientInput(input, secret);
    await storeLogo(metadata.brand as BrandRegistration | undefined);
    try {
      await deps.validate(metadata);
    } catch (err) {
      const e = err as { error_description?: unknown; message?: unknown };
      const reason = typeof e.error_description === 'string' ? e.error_description : String(e.message ?? err);
      throw badRequest(`Invalid client: ${reason}`);
    }
    return metadata;
  }

  /** A brand's logo as given (an https URL, an upload, the path of a stored one) made the name of a stored logo. */
  async function storeLogo(brand: BrandRegistration | undefined) {
    if (!brand?.logo) return;
    if (deps.logos) brand.logo = await deps.logos.store(brand.logo);
    else if (brand.logo.startsWith(LOGO_PATH) && LOGO_NAME.test(brand.logo.slice(LOGO_PATH.length))) brand.logo = brand.logo.slice(LOGO_PATH.length);
    else throw badRequest('Invalid client: brand.logo: logos cannot be stored here');
  }

  /** The stored row's payload as written (sealed), to notice a change another writer made meanwhile. */
  const version = async (id: string) => {
    const row = await rows().findOne({ _id: id, ...live() });
    return JSON.stringify(row ? rowOf(row).payload : null);
  };

  /** The registration as stored now (not as this process may have cached it); a 404 when there is none. */
  async function stored(id: string) {
    deps.forgetClient?.(id);
    const payload = await new deps.Adapter('Client').find(id);
    if (!payload) throw notFound(`No client with id "${id}"`);
    return payload;
  }

  /** Writes a changed registration unless another writer changed it since `seen` (a rotated secret is never undone). */
  async function replace(id: string, seen: string, payload: AdapterPayload) {
    if ((await version(id)) !== seen) throw conflict('The client was changed meanwhile: read it again and retry');
    await new deps.Adapter('Client').upsert(id, payload);
  }

  return {
    async check(input) {
      await checked(input);
    },
    async create(input, actor) {
      const metadata = await checked(input);
      const id = metadata.client_id;
      // Claim the id with an insert (atomic on MongoDB and FerretDB) before writing through the adapter, so two
      // creations of one id cannot both succeed. The placeholder is born expired: every reader skips it.
      try {
        await rows().insertOne(wireOf({ _id: id, payload: {}, expiresAt: new Date(0) }));
      } catch (err) {
        if (isDuplicateKey(err)) throw conflict(`A client with id "${id}" already exists`);
        throw err;
      }
      try {
        await new deps.Adapter('Client').upsert(id, { ...metadata });
      } catch (err) {
        await rows().deleteOne({ _id: id, expiresAt: new Date(0) });
        throw err;
      }
      await audit.record({ type: 'client.created', outcome: 'success', clientId: id, ...actedBy(actor), details: { grantTypes: metadata.grant_types, ...actorClient(actor) } });
      const view = toView(metadata as AdapterPayload);
      return metadata.client_secret === undefined ? view : { ...view, clientSecret: metadata.client_secret };
    },

    async list() {
      const docs = await rows().find(live()).sort({ _id: 1 }).toArray();
      return docs.map((d) => toView(rowOf(d).payload));
    },

    async get(id) {
      const payload = await new deps.Adapter('Client').find(id);
      return payload ? toView(payload) : null;
    },

    async update(id, patch, actor) {
      const change = parseClientPatch(patch);
      const seen = await version(id);
      const before = await stored(id);
      const kept = typeof before.client_secret === 'string' ? before.client_secret : undefined;
      // A public client made confidential needs a secret: generated, and shown in this answer only.
      let generated: string | undefined;
      const after = (await checked(mergeClientPatch(before, change), () => kept ?? (generated = newSecret()))) as AdapterPayload;
      const fields = changedFields(before, after);
      if (fields.length === 0) return toView(before);
      await replace(id, seen, after);
      await audit.record({ type: 'client.updated', outcome: 'success', clientId: id, ...actedBy(actor), details: { fields, ...actorClient(actor) } });
      const view = toView(after);
      return generated !== undefined && after.client_secret === generated ? { ...view, clientSecret: generated } : view;
    },

    async rotateSecret(id, actor) {
      const seen = await version(id);
      const before = await stored(id);
      const method = toView(before).tokenEndpointAuthMethod;
      if (!SECRET_METHODS.has(method)) throw conflict(`The client authenticates with ${method}: it has no secret to rotate`);
      const clientSecret = newSecret();
      // Through the adapter, as create writes it: sealed at rest, and this process's cached copy dropped at once.
      await replace(id, seen, { ...before, client_secret: clientSecret });
      await audit.record({ type: 'client.secret_rotated', outcome: 'success', clientId: id, ...actedBy(actor), ...(actor?.clientId && { details: actorClient(actor) }) });
      return { clientId: id, clientSecret };
    },

    async delete(id, actor) {
      const { deletedCount } = await rows().deleteOne({ _id: id, ...live() });
      // Through the adapter too, so that this process stops serving the client from its cache at once.
      await new deps.Adapter('Client').destroy(id);
      if (deletedCount === 1) await audit.record({ type: 'client.deleted', outcome: 'success', clientId: id, ...actedBy(actor), ...(actor?.clientId && { details: actorClient(actor) }) });
      return deletedCount === 1;
    },
  };
}
