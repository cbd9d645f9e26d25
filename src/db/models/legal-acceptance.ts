// One row per legal document version a customer accepted (terms of service, privacy policy, a partner's own terms):
// the evidence of consent to a contract — what, which version, when, from where, through which app, at which step.
// The _id is derived from (account, document, version), so a version is accepted once: two tabs accepting at the
// same moment collide on the unique _id instead of leaving two rows (FerretDB has no partial or conditional indexes).
import { createHash } from 'node:crypto';
import { Schema, type Connection, type Model } from 'mongoose';
import { modelOn } from './model-on.ts';

export const ACCEPTANCE_SOURCES = ['signup', 'login'] as const;
export type AcceptanceSource = (typeof ACCEPTANCE_SOURCES)[number];

export interface LegalAcceptanceRecord {
  _id: string;
  accountId: string;
  documentId: string;
  version: string;
  acceptedAt: Date;
  source: AcceptanceSource;
  clientId?: string;
  ip?: string;
  userAgent?: string;
}

const legalAcceptanceSchema = new Schema<LegalAcceptanceRecord>(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    documentId: { type: String, required: true },
    version: { type: String, required: true },
    acceptedAt: { type: Date, required: true },
    source: { type: String, required: true, enum: ACCEPTANCE_SOURCES },
    clientId: String,
    ip: String,
    userAgent: String,
  },
  { collection: 'legal_acceptances', versionKey: false },
);

// Listing an account's acceptances, newest first (pending check, history, export, erasure).
legalAcceptanceSchema.index({ accountId: 1, acceptedAt: -1 });

/** The row id of an acceptance: unambiguous whatever characters the version contains. */
export function acceptanceId(accountId: string, documentId: string, version: string): string {
  return createHash('sha256').update(JSON.stringify([accountId, documentId, version])).digest('base64url');
}

export type LegalAcceptanceModel = Model<LegalAcceptanceRecord>;

export function legalAcceptanceModel(conn: Connection): LegalAcceptanceModel {
  return modelOn<LegalAcceptanceRecord>(conn, 'LegalAcceptance', legalAcceptanceSchema);
}
