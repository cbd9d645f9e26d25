// Identities at upstream providers linked to accounts: "this account also signs in as <sub> at <connection>". Found by
// `_id` (connection and subject), the one lookup a federated sign-in makes; one account may hold several. Exported and
// erased with the account (a per-account store).
import { Schema, type Connection, type Model } from 'mongoose';
import { systemClock, type Clock } from '../clock.ts';
import { modelOn } from '../db/models/model-on.ts';
import { isDuplicateKey } from '../db/duplicate-key.ts';
import type { Cipher } from './crypto.ts';
import type { PerAccountStore } from './per-account-store.ts';

/** What a provider gave at the last sign-in through a connection that keeps them (IdentityConnection.keepTokens). */
export interface UpstreamTokens {
  access_token: string;
  refresh_token?: string;
  /** Seconds since the epoch. */
  expires_at?: number;
  scope?: string;
}

export interface LinkedIdentity {
  connectionId: string;
  /** The upstream's `sub`. */
  subject: string;
  accountId: string;
  /** The upstream e-mail when linked (shown in the account center). */
  email?: string;
  linkedAt: Date;
  lastUsedAt: Date;
}

interface IdentityRow extends LinkedIdentity {
  _id: string;
  /** UpstreamTokens as JSON, sealed with the data encryption key; never listed, never exported. */
  tokens?: string;
}

const schema = new Schema<IdentityRow>(
  {
    _id: { type: String, required: true },
    connectionId: { type: String, required: true },
    subject: { type: String, required: true },
    accountId: { type: String, required: true },
    email: String,
    linkedAt: { type: Date, required: true },
    lastUsedAt: { type: Date, required: true },
    tokens: String,
  },
  { collection: 'federated_identities', versionKey: false },
);
schema.index({ accountId: 1 });

// A separator that no connection id contains (they are [a-z0-9-]).
const idOf = (connectionId: string, subject: string) => `${connectionId}|${subject}`;

export interface Identities extends PerAccountStore {
  /** The account this upstream identity signs in to, stamping its use (and keeping the provider's tokens, if given). */
  use(connectionId: string, subject: string, tokens?: UpstreamTokens): Promise<LinkedIdentity | undefined>;
  /** Links the identity to the account; 'taken' when it is linked to another account already. */
  link(identity: Omit<LinkedIdentity, 'linkedAt' | 'lastUsedAt'> & { tokens?: UpstreamTokens }): Promise<'linked' | 'taken'>;
  /** The provider's tokens kept for the account's identity at a connection (for the operator's back end), if any. */
  tokensOf(accountId: string, connectionId: string): Promise<UpstreamTokens | undefined>;
  listForAccount(accountId: string): Promise<LinkedIdentity[]>;
  /** Unlinks one identity of the account; false when it has no such identity. */
  unlink(accountId: string, connectionId: string, subject: string): Promise<boolean>;
}

export function createIdentities(deps: { conn: Connection; cipher: Cipher; now?: Clock }): Identities {
  const model: Model<IdentityRow> = modelOn<IdentityRow>(deps.conn, 'LinkedIdentity', schema);
  const now = deps.now ?? systemClock;
  const view = ({ _id: _ignored, tokens: _sealed, ...rest }: IdentityRow): LinkedIdentity => rest;
  const seal = (tokens: UpstreamTokens) => deps.cipher.encrypt(JSON.stringify(tokens));

  return {
    async use(connectionId, subject, tokens) {
      const set = { lastUsedAt: new Date(now()), ...(tokens ? { tokens: seal(tokens) } : {}) };
      const row = await model.findOneAndUpdate({ _id: idOf(connectionId, subject) }, { $set: set }, { returnDocument: 'after' }).lean<IdentityRow>();
      return row ? view(row) : undefined;
    },
    async tokensOf(accountId, connectionId) {
      const rows = await model.find({ accountId, connectionId }).sort({ lastUsedAt: -1 }).limit(1).lean<IdentityRow[]>();
      const sealed = rows[0]?.tokens;
      return sealed ? (JSON.parse(deps.cipher.decrypt(sealed)) as UpstreamTokens) : undefined;
    },
    async link({ tokens, ...identity }) {
      const at = new Date(now());
      try {
        await model.create({ ...identity, _id: idOf(identity.connectionId, identity.subject), linkedAt: at, lastUsedAt: at, ...(tokens ? { tokens: seal(tokens) } : {}) });
        return 'linked';
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        const existing = await model.findById(idOf(identity.connectionId, identity.subject)).lean<IdentityRow>();
        return existing?.accountId === identity.accountId ? 'linked' : 'taken';
      }
    },
    async listForAccount(accountId) {
      const rows = await model.find({ accountId }).sort({ linkedAt: 1 }).lean<IdentityRow[]>();
      return rows.map(view);
    },
    async unlink(accountId, connectionId, subject) {
      const row = await model.findById(idOf(connectionId, subject)).lean<IdentityRow>();
      if (!row || row.accountId !== accountId) return false;
      const { deletedCount } = await model.deleteOne({ _id: row._id });
      return deletedCount === 1;
    },
    async exportFor(accountId) {
      const rows = await model.find({ accountId }).sort({ linkedAt: 1 }).lean<IdentityRow[]>();
      return rows.map(({ connectionId, subject, email, linkedAt, lastUsedAt }) => ({ connectionId, subject, email, linkedAt, lastUsedAt }));
    },
    async removeAll(accountId) {
      const { deletedCount } = await model.deleteMany({ accountId });
      return deletedCount;
    },
  };
}
