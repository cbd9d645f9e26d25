// Second factors and the rows that make their use countable. No secret is readable from these collections alone:
// TOTP seeds, phone numbers and e-mail addresses are sealed with the data encryption key, recovery codes exist
// only as HMACs.
//
// FerretDB's conditional updates are not atomic under concurrency, so everything that must happen once is a unique
// `_id` insert (the storage engine enforces a unique `_id` on every server) or a delete by `_id` whose
// deletedCount is 1: a TOTP time step used (`<factorId>:<step>`), an attempt slot taken (`<key>:<n>`), a recovery
// code spent (its row deleted).
import { Schema, type Connection, type Model } from 'mongoose';
import { modelOn } from './model-on.ts';

/** Factor kinds stored here; passkeys have their own collection, recovery codes theirs. */
export const STORED_FACTOR_TYPES = ['totp', 'sms', 'email'] as const;
export type StoredFactorType = (typeof STORED_FACTOR_TYPES)[number];

export interface FactorRecord {
  /** totp: random; sms/email: HMAC of (account, type, destination), so one destination is enrolled once per account. */
  _id: string;
  accountId: string;
  type: StoredFactorType;
  /** What the customer sees: the name of an authenticator app, or the masked destination (+49 ••• ••12). */
  label: string;
  /** Cipher-sealed: the base32 TOTP seed, the E.164 phone number or the e-mail address. */
  sealed: string;
  createdAt: Date;
  lastUsedAt?: Date;
  /** totp: the newest time step accepted; older codes are refused even within the window (RFC 6238 §5.2). */
  lastStep?: number;
}

/** A TOTP (factor, time step) that was accepted: inserted once, kept until the step has left the window. */
export interface UsedStepRecord {
  _id: string; // `${factorId}:${step}`
  expiresAt: Date;
}

/** One unused recovery code. Using it deletes the row. */
export interface RecoveryCodeRecord {
  /** HMAC of (accountId, normalised code). */
  _id: string;
  accountId: string;
  /** Codes generated together share a batch; only the newest batch of an account counts. */
  batch: string;
  createdAt: Date;
}

/** One claimed attempt of a budget. */
export interface AttemptRecord {
  _id: string; // `${key}:${n}`, n = 0, 1, 2, … in claim order
  key: string;
  n: number;
  /** When the claim stops counting against the budget. */
  until: Date;
  /** When the row may be deleted: later than `until` (see src/auth/attempts.ts for why). */
  expiresAt: Date;
}

const factorSchema = new Schema<FactorRecord>(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    type: { type: String, required: true, enum: STORED_FACTOR_TYPES },
    label: { type: String, required: true },
    sealed: { type: String, required: true },
    createdAt: { type: Date, required: true },
    lastUsedAt: Date,
    lastStep: Number,
  },
  { collection: 'mfa_factors', versionKey: false },
);
factorSchema.index({ accountId: 1, type: 1 });

// expiresAt indexes (TTL where the server accepts one) are made by the services' ensureIndexes, not here: a plain
// index declared here would block the TTL index of the same key on MongoDB.
const usedStepSchema = new Schema<UsedStepRecord>(
  { _id: { type: String, required: true }, expiresAt: { type: Date, required: true } },
  { collection: 'totp_used_steps', versionKey: false },
);

const recoveryCodeSchema = new Schema<RecoveryCodeRecord>(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    batch: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'recovery_codes', versionKey: false },
);
recoveryCodeSchema.index({ accountId: 1 });

const attemptSchema = new Schema<AttemptRecord>({
  _id: { type: String, required: true },
  key: { type: String, required: true },
  n: { type: Number, required: true },
  until: { type: Date, required: true },
  expiresAt: { type: Date, required: true },
});
attemptSchema.index({ key: 1 });

export type FactorModel = Model<FactorRecord>;
export type UsedStepModel = Model<UsedStepRecord>;
export type RecoveryCodeModel = Model<RecoveryCodeRecord>;
export type AttemptModel = Model<AttemptRecord>;

export function factorModel(conn: Connection): FactorModel {
  return modelOn<FactorRecord>(conn, 'MfaFactor', factorSchema);
}

export function usedStepModel(conn: Connection): UsedStepModel {
  return modelOn<UsedStepRecord>(conn, 'TotpUsedStep', usedStepSchema);
}

export function recoveryCodeModel(conn: Connection): RecoveryCodeModel {
  return modelOn<RecoveryCodeRecord>(conn, 'RecoveryCode', recoveryCodeSchema);
}

/** Attempt budgets may live in several collections (one per use); each gets its own model. */
export function attemptModel(conn: Connection, collection: string): AttemptModel {
  const name = `MfaAttempt_${collection}`;
  return modelOn<AttemptRecord>(conn, name, attemptSchema.clone().set('collection', collection).set('versionKey', false));
}
