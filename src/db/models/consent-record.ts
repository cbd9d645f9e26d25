// One row per consent decision of a customer for an app: what was granted, what was withheld, where the decision was
// made (consent page, first-party sign-in, account center, operator) and when. Append-only history; the decision in
// force lives on oidc-provider's Grant (granted and rejected scopes/claims). Resource indicators are URLs, and
// FerretDB refuses field names containing ".", so resources are stored as a list rather than keyed by indicator.
import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { modelOn } from './model-on.ts';

export const CONSENT_ACTIONS = ['granted', 'changed', 'withdrawn'] as const;
export const CONSENT_SOURCES = ['consent_page', 'first_party', 'account_center', 'operator'] as const;

export interface ConsentRecordRow {
  _id: Types.ObjectId;
  accountId: string;
  clientId: string;
  grantId?: string;
  action: (typeof CONSENT_ACTIONS)[number];
  source: (typeof CONSENT_SOURCES)[number];
  granted: { scopes: string[]; claims: string[]; resources: { resource: string; scopes: string[] }[] };
  withheld: { scopes: string[]; claims: string[] };
  ip?: string;
  userAgent?: string;
  at: Date;
}

const consentRecordSchema = new Schema<ConsentRecordRow>(
  {
    accountId: { type: String, required: true },
    clientId: { type: String, required: true },
    grantId: { type: String },
    action: { type: String, required: true, enum: CONSENT_ACTIONS },
    source: { type: String, required: true, enum: CONSENT_SOURCES },
    granted: {
      scopes: { type: [String], default: [] },
      claims: { type: [String], default: [] },
      resources: { type: [{ _id: false, resource: String, scopes: [String] }], default: [] },
    },
    withheld: {
      scopes: { type: [String], default: [] },
      claims: { type: [String], default: [] },
    },
    ip: { type: String },
    userAgent: { type: String },
    at: { type: Date, required: true },
  },
  { collection: 'consent_records', versionKey: false },
);

// An account's history (account center, export, erasure), newest first, optionally for one app.
consentRecordSchema.index({ accountId: 1, clientId: 1, at: -1 });

export type ConsentRecordModel = Model<ConsentRecordRow>;

export function consentRecordModel(conn: Connection): ConsentRecordModel {
  return modelOn<ConsentRecordRow>(conn, 'ConsentRecord', consentRecordSchema);
}
