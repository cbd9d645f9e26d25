// Operator management of registered clients, stored through the oidc-provider adapter (so secrets are sealed the
// same way whether a client came from here or from dynamic registration).
import { systemClock, type Clock } from '../clock.ts';
import { randomBytes } from 'node:crypto';
import type { Collection } from 'mongodb';
import type { Adapter, AdapterPayload, ClientMetadata } from 'oidc-provider';
import { badRequest, conflict } from '../errors.ts';
import type { AuditLog } from './audit.ts';
import { parseClientInput, type ClientInput } from './client-input.ts';
import { isDuplicateKey } from '../db/duplicate-key.ts';

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
  /** Only in the answer to create, and only for a confidential client: it is never shown again. */
  clientSecret?: string;
}

export interface ClientService {
  create(input: ClientInput): Promise<ClientView>;
  /** What create would refuse, refused without writing anything (a batch checked before any of it is replaced). */
  check(input: ClientInput): Promise<void>;
  list(): Promise<ClientView[]>;
  get(id: string): Promise<ClientView | null>;
  delete(id: string): Promise<boolean>;
}

export interface ClientServiceDeps {
  /** The one clock (src/clock.ts). */
  now?: Clock;
  Adapter: new (model: string) => Adapter;
  collection: (model: string) => Collection<{ _id: string; payload: AdapterPayload; expiresAt?: Date }>;
  /** oidc-provider's own metadata validation (provider.Client.validate), so errors read as the provider's. */
  validate: (metadata: ClientMetadata) => Promise<void>;
  audit: AuditLog;
}

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
  };
}

export function createClientService(deps: ClientServiceDeps): ClientService {
  const { audit } = deps;
  const now = deps.now ?? systemClock;
  const rows = () => deps.collection('Client');
  const live = () => ({ $or: [{ expiresAt: { $exists: false } }, { expiresAt: { $gt: new Date(now()) } }] });

  /** The registration the input makes, as oidc-provider checks it; a 400 saying why otherwise. */
  async function checked(input: ClientInput) {
    const { metadata } = parseClientInput(input, () => randomBytes(32).toString('base64url'));
    try {
      await deps.validate(metadata);
    } catch (err) {
      const e = err as { error_description?: unknown; message?: unknown };
      const reason = typeof e.error_description === 'string' ? e.error_description : String(e.message ?? err);
      throw badRequest(`Invalid client: ${reason}`);
    }
    return metadata;
  }

  return {
    async check(input) {
      await checked(input);
    },
    async create(input) {
      const metadata = await checked(input);
      const id = metadata.client_id;
      // Claim the id with an insert (atomic on MongoDB and FerretDB) before writing through the adapter, so two
      // creations of one id cannot both succeed. The placeholder is born expired: every reader skips it.
      try {
        await rows().insertOne({ _id: id, payload: {}, expiresAt: new Date(0) });
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
      await audit.record({ type: 'client.created', outcome: 'success', clientId: id, details: { grantTypes: metadata.grant_types } });
      const view = toView(metadata as AdapterPayload);
      return metadata.client_secret === undefined ? view : { ...view, clientSecret: metadata.client_secret };
    },

    async list() {
      const docs = await rows().find(live()).sort({ _id: 1 }).toArray();
      return docs.map((d) => toView(d.payload));
    },

    async get(id) {
      const payload = await new deps.Adapter('Client').find(id);
      return payload ? toView(payload) : null;
    },

    async delete(id) {
      const { deletedCount } = await rows().deleteOne({ _id: id, ...live() });
      // Through the adapter too, so that this process stops serving the client from its cache at once.
      await new deps.Adapter('Client').destroy(id);
      if (deletedCount === 1) await audit.record({ type: 'client.deleted', outcome: 'success', clientId: id });
      return deletedCount === 1;
    },
  };
}
