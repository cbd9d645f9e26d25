// A sign-in that needs more than its first factor carries its own state (oidc-provider's interaction result would
// sign the customer in before the second factor — an abandoned MFA step must leave no session behind). The state is
// keyed by the interaction's uid, which only the browser holding that interaction's cookie can use, and lives no
// longer than the interaction itself.
import { systemClock, type Clock } from '../clock.ts';
import { Schema, type Connection, type Model } from 'mongoose';
import { ensureExpiryIndexes, type ExpiringRow } from '../../adapters/maintenance.ts';
import { modelOn } from '../db/models/model-on.ts';

export interface LoginFlow {
  _id: string; // interaction uid
  accountId: string;
  /** amr values proven so far in this sign-in (['pwd'], or the session's own for a step-up). */
  methods: string[];
  /** Level to reach (auth/requirement.ts LEVEL). */
  level: number;
  /** Why the second factor is asked: 'policy', 'acr', or the risk engine's reasons. */
  reasons: string[];
  /** Offer "trust this browser" (adaptive policy: the risk engine asked). */
  offerTrust: boolean;
  /** A factor the client does not accept was verified: the customer may now enroll one it does. */
  verified: boolean;
  /** The code sent for the current e-mail/SMS challenge or enrollment. */
  challenge?: { codeId: string; factorId: string; type: string; destination: string };
  /** The WebAuthn challenge of the passkey form on the current page. */
  webauthnChallengeId?: string;
  createdAt: Date;
  expiresAt: Date;
}

const schema = new Schema<LoginFlow>(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    methods: { type: [String], default: [] },
    level: { type: Number, required: true },
    reasons: { type: [String], default: [] },
    offerTrust: { type: Boolean, default: false },
    verified: { type: Boolean, default: false },
    challenge: { type: new Schema({ codeId: String, factorId: String, type: String, destination: String }, { _id: false }), default: undefined },
    webauthnChallengeId: String,
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'login_flows', versionKey: false },
);
schema.index({ accountId: 1 });

export interface LoginFlows {
  create(flow: Omit<LoginFlow, 'createdAt' | 'expiresAt' | 'verified'>, ttlSeconds: number): Promise<LoginFlow>;
  find(uid: string): Promise<LoginFlow | undefined>;
  update(uid: string, changes: Partial<Pick<LoginFlow, 'challenge' | 'webauthnChallengeId' | 'verified' | 'methods'>>): Promise<void>;
  remove(uid: string): Promise<void>;
  removeForAccount(accountId: string): Promise<void>;
  sweepExpired(): Promise<number>;
  ensureIndexes(): Promise<{ ttl: boolean }>;
}

export function createLoginFlows(deps: { conn: Connection; now?: Clock }): LoginFlows {
  const model: Model<LoginFlow> = modelOn<LoginFlow>(deps.conn, 'LoginFlow', schema);
  const now = deps.now ?? systemClock;
  return {
    async create(flow, ttlSeconds) {
      const at = now();
      const row: LoginFlow = { ...flow, verified: false, createdAt: new Date(at), expiresAt: new Date(at + ttlSeconds * 1000) };
      // A new first factor in the same interaction (back button, another account) starts over.
      await model.replaceOne({ _id: flow._id }, row, { upsert: true });
      return row;
    },
    async find(uid) {
      const row = await model.findById(uid).lean<LoginFlow>();
      return row && row.expiresAt.getTime() > now() ? row : undefined;
    },
    async update(uid, changes) {
      await model.updateOne({ _id: uid }, { $set: changes });
    },
    async remove(uid) {
      await model.deleteOne({ _id: uid });
    },
    async removeForAccount(accountId) {
      await model.deleteMany({ accountId });
    },
    async sweepExpired() {
      const { deletedCount } = await model.deleteMany({ expiresAt: { $lte: new Date(now()) } });
      return deletedCount;
    },
    ensureIndexes: async () => {
      await model.createIndexes();
      const db = deps.conn.db;
      if (!db) throw new Error('database connection is not open');
      return ensureExpiryIndexes([db.collection<ExpiringRow>(model.collection.collectionName)]);
    },
  };
}
