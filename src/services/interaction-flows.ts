// The state of a sign-in step that spans several requests, one typed, stored flow per interaction (as Ory Kratos keeps
// its flows): keyed by the interaction's uid, which only the browser holding that interaction's cookie can use, owned
// by one account, and living no longer than the interaction itself. A flow is in one step at a time; reading it for
// another step finds nothing. The steps:
// - 'mfa': a sign-in that needs more than its first factor (oidc-provider's interaction result would sign the
//   customer in before the second factor — an abandoned MFA step must leave no session behind);
// - 'keep-account': an account scheduled for erasure proved its password here and may be kept (used once);
// - 'verify-email': the code mailed for this interaction's e-mail verification, so that a reload sends no second mail;
// - 'link-identity': a sign-in through another provider found an existing account by its e-mail; the identity is
//   linked once the account's owner proves the account here;
// - 'federated-signup': an account just made through another provider, shown the sign-up's communication choices.
// What a mailed code carries (sign-up, reset) stays with the code itself (code-payloads.ts): its link must work from
// the mail alone.
import { Schema, type Connection, type Model } from 'mongoose';
import { ensureExpiryIndexes, type ExpiringRow } from '../../adapters/maintenance.ts';
import { systemClock, type Clock } from '../clock.ts';
import { modelOn } from '../db/models/model-on.ts';

export interface MfaState {
  step: 'mfa';
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
  /** The authenticator-app enrollment under way (totp.begin's sealed token): a reload shows the same secret. */
  totpToken?: string;
}

export interface KeepAccountState {
  step: 'keep-account';
}

export interface VerifyEmailState {
  step: 'verify-email';
  /** The one-time code mailed for this interaction. */
  codeId: string;
}

export interface LinkIdentityState {
  step: 'link-identity';
  /** The upstream identity to link once the owner of the account (accountId) proves it. */
  connectionId: string;
  subject: string;
  email: string;
  /** The code mailed to the account's address as the proof, once the customer asked for one. */
  codeId?: string;
}

/** An account just made through another provider, offered the sign-up's communication choices before going on. */
export interface FederatedSignupState {
  step: 'federated-signup';
  /** The provider asserted a multi-factor sign-in (a connection trusted for it): the sign-in goes on with it. */
  secondFactor: boolean;
}

export type FlowState = MfaState | KeepAccountState | VerifyEmailState | LinkIdentityState | FederatedSignupState;
export type FlowStep = FlowState['step'];
type StateOf<S extends FlowStep> = Extract<FlowState, { step: S }>;

export type Flow<S extends FlowStep = FlowStep> = StateOf<S> & {
  _id: string; // interaction uid
  accountId: string;
  createdAt: Date;
  expiresAt: Date;
};

/** A sign-in waiting for its second factor. */
export type LoginFlow = Flow<'mfa'>;

const schema = new Schema(
  {
    _id: { type: String, required: true },
    step: { type: String, required: true, enum: ['mfa', 'keep-account', 'verify-email', 'link-identity', 'federated-signup'] },
    accountId: { type: String, required: true },
    methods: { type: [String], default: undefined },
    level: Number,
    reasons: { type: [String], default: undefined },
    offerTrust: Boolean,
    verified: Boolean,
    challenge: { type: new Schema({ codeId: String, factorId: String, type: String, destination: String }, { _id: false }), default: undefined },
    webauthnChallengeId: String,
    totpToken: String,
    codeId: String,
    connectionId: String,
    subject: String,
    email: String,
    secondFactor: Boolean,
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'interaction_flows', versionKey: false },
);
schema.index({ accountId: 1 });

export interface InteractionFlows {
  /** Starts (or starts over: back button, another account) the interaction's flow in `state`'s step. */
  start<S extends FlowStep>(uid: string, accountId: string, state: StateOf<S>, ttlSeconds: number): Promise<Flow<S>>;
  /** The interaction's live flow when it is in `step`. */
  find<S extends FlowStep>(uid: string, step: S): Promise<Flow<S> | undefined>;
  /** Changes fields of the flow the caller found in `step`. */
  update<S extends FlowStep>(uid: string, step: S, changes: Partial<Omit<StateOf<S>, 'step'>>): Promise<void>;
  /** The live flow in `step`, ended as it is read: of two racing requests, one gets it. */
  take<S extends FlowStep>(uid: string, step: S): Promise<Flow<S> | undefined>;
  remove(uid: string): Promise<void>;
  removeForAccount(accountId: string): Promise<void>;
  sweepExpired(): Promise<number>;
  ensureIndexes(): Promise<{ ttl: boolean }>;
}

const isUid = (uid: unknown): uid is string => typeof uid === 'string' && uid.length > 0 && uid.length <= 128;

export function createInteractionFlows(deps: { conn: Connection; now?: Clock }): InteractionFlows {
  const model = modelOn(deps.conn, 'InteractionFlow', schema) as unknown as Model<Flow>;
  const now = deps.now ?? systemClock;
  const live = <S extends FlowStep>(row: Flow | null, step: S): Flow<S> | undefined =>
    row && row.step === step && row.expiresAt.getTime() > now() ? (row as Flow<S>) : undefined;

  return {
    async start(uid, accountId, state, ttlSeconds) {
      const at = now();
      const row = { ...state, _id: uid, accountId, createdAt: new Date(at), expiresAt: new Date(at + ttlSeconds * 1000) } as Flow<typeof state.step>;
      await model.replaceOne({ _id: uid }, row, { upsert: true });
      return row;
    },
    async find(uid, step) {
      if (!isUid(uid)) return undefined;
      return live(await model.findById(uid).lean<Flow>(), step);
    },
    async update(uid, _step, changes) {
      // By _id alone (the one filter the embedded store serves from an index): the caller read the flow in `step`.
      await model.updateOne({ _id: uid }, { $set: changes });
    },
    async take(uid, step) {
      if (!isUid(uid)) return undefined;
      const row = await model.findById(uid).lean<Flow>();
      if (!row || row.step !== step) return undefined;
      // Deleting by _id is the one winner of two racing submits.
      const { deletedCount } = await model.deleteOne({ _id: uid });
      return deletedCount === 1 ? live(row, step) : undefined;
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
