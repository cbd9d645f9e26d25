// One-time codes (e-mail verification, password reset, e-mail change, MFA codes by SMS and e-mail) and the rows
// that make their use countable. Nothing here is readable on its own: the code is stored as an HMAC, the subject as
// an HMAC (so the raw collection names no e-mail address), and the subject and payload are sealed with the data
// encryption key.
//
// FerretDB's conditional updates are not atomic under concurrency, so "at most N failed guesses" and "used once"
// are not counters: each attempt inserts a row whose `_id` is `<codeId>:<slot>` (slots 0..maxAttempts-1), and the
// one successful use inserts `<codeId>:used`. The storage engine enforces a unique `_id` on every server, so
// exactly one insert per slot wins.
import { Schema, type Connection, type Model } from 'mongoose';
import { modelOn } from './model-on.ts';

// 'mfa-code': a sign-in challenge sent by SMS or e-mail; 'factor-enroll': proves a new phone or address reaches the customer.
export const CODE_PURPOSES = ['signup', 'verify-email', 'password-reset', 'email-change', 'mfa-code', 'factor-enroll', 'link-identity', 'email-signin'] as const;
export type CodePurpose = (typeof CODE_PURPOSES)[number];

export interface OneTimeCodeRecord {
  _id: string;
  purpose: CodePurpose;
  /** HMAC of the subject: lets revocation find a subject's codes without storing it in clear. */
  subjectKey: string;
  /** HMAC of (id, purpose, code). */
  codeHash: string;
  /** Cipher-sealed JSON { id, subject, payload }. */
  sealed: string;
  createdAt: Date;
  expiresAt: Date;
}

export interface CodeAttemptRecord {
  _id: string; // `${codeId}:${slot}` or `${codeId}:used`
  codeId: string;
  /** The code's own expiry: the row is worthless once the code is, and is swept with it. */
  expiresAt: Date;
}

const oneTimeCodeSchema = new Schema<OneTimeCodeRecord>(
  {
    _id: { type: String, required: true },
    purpose: { type: String, required: true, enum: CODE_PURPOSES },
    subjectKey: { type: String, required: true },
    codeHash: { type: String, required: true },
    sealed: { type: String, required: true },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'one_time_codes', versionKey: false },
);
// expiresAt indexes (TTL where the server accepts one) are made by the service's ensureIndexes, not here: a plain
// index declared here would block the TTL index of the same key on MongoDB.
oneTimeCodeSchema.index({ subjectKey: 1, purpose: 1 });

const codeAttemptSchema = new Schema<CodeAttemptRecord>(
  {
    _id: { type: String, required: true },
    codeId: { type: String, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'one_time_code_attempts', versionKey: false },
);
codeAttemptSchema.index({ codeId: 1 });

export type OneTimeCodeModel = Model<OneTimeCodeRecord>;
export type CodeAttemptModel = Model<CodeAttemptRecord>;

export function oneTimeCodeModel(conn: Connection): OneTimeCodeModel {
  return modelOn<OneTimeCodeRecord>(conn, 'OneTimeCode', oneTimeCodeSchema);
}

export function codeAttemptModel(conn: Connection): CodeAttemptModel {
  return modelOn<CodeAttemptRecord>(conn, 'OneTimeCodeAttempt', codeAttemptSchema);
}
