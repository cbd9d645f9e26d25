// Identities at upstream providers linked to accounts: "this account also signs in as <sub> at <connection>". Found by
// `_id` (connection and subject), the one lookup a federated sign-in makes; one account may hold several. Exported and
// erased with the account (a per-account store).
import { Schema, type Connection, type Model } from 'mongoose';
import { systemClock, type Clock } from '../clock.ts';
import { modelOn } from '../db/models/model-on.ts';
import { isDuplicateKey } from '../db/duplicate-key.ts';
import type { PerAccountStore } from './per-account-store.ts';

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
  },
  { collection: 'federated_identities', versionKey: false },
);
schema.index({ accountId: 1 });

// A separator that no connection id contains (they are [a-z0-9-]).
const idOf = (connectionId: string, subject: string) => `${connectionId}|${subject}`;

export interface Identities extends PerAccountStore {
  /** The account this upstream identity signs in to, stamping its use. */
  use(connectionId: string, subject: string): Promise<LinkedIdentity | undefined>;
  /** Links the identity to the account; 'taken' when it is linked to another account already. */
  link(identity: Omit<LinkedIdentity, 'linkedAt' | 'lastUsedAt'>): Promise<'linked' | 'taken'>;
  listForAccount(accountId: string): Promise<LinkedIdentity[]>;
  /** Unlinks one identity of the account; false when it has no such identity. */
  unlink(accountId: string, connectionId: string, subject: string): Promise<boolean>;
}

export function createIdentities(deps: { conn: Connection; now?: Clock }): Identities {
  const model: Model<IdentityRow> = modelOn<IdentityRow>(deps.conn, 'LinkedIdentity', schema);
  const now = deps.now ?? systemClock;
  const view = ({ _id: _ignored, ...rest }: IdentityRow): LinkedIdentity => rest;

  return {
    async use(connectionId, subject) {
      const row = await model.findOneAndUpdate({ _id: idOf(connectionId, subject) }, { $set: { lastUsedAt: new Date(now()) } }, { new: true }).lean<IdentityRow>();
      return row ? view(row) : undefined;
    },
    async link(identity) {
      const at = new Date(now());
      try {
        await model.create({ ...identity, _id: idOf(identity.connectionId, identity.subject), linkedAt: at, lastUsedAt: at });
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
