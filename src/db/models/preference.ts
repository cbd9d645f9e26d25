// Communication preferences, kept as their history: one row per change of one (topic, channel) choice. The current
// choice is the newest row of its pair; a pair without rows is "not opted in" (consent to be contacted is given,
// never assumed).
//
// FerretDB's conditional updates are not atomic, so the order of a pair's changes is a unique `_id` insert:
// `<accountId>/<topic>/<channel>/<n>` for the pair's n-th change (n = 0, 1, …). Two saves racing on one pair
// both read n changes; one inserts change n, the other gets a duplicate key, re-reads and decides again — so the
// history never holds two rows saying the same thing in a row.
import { Schema, type Connection, type Model } from 'mongoose';
import { modelOn } from './model-on.ts';

export interface PreferenceChangeRecord {
  /** `${accountId}/${topic}/${channel}/${seq}` */
  _id: string;
  accountId: string;
  topic: string;
  channel: string;
  /** The pair's change number, 0 for its first. */
  seq: number;
  optIn: boolean;
  at: Date;
  source: string;
  clientId?: string;
  ip?: string;
  userAgent?: string;
}

const preferenceChangeSchema = new Schema<PreferenceChangeRecord>(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    topic: { type: String, required: true },
    channel: { type: String, required: true },
    seq: { type: Number, required: true },
    optIn: { type: Boolean, required: true },
    at: { type: Date, required: true },
    source: { type: String, required: true },
    clientId: { type: String },
    ip: { type: String },
    userAgent: { type: String },
  },
  { collection: 'preference_changes', versionKey: false },
);

// Every read is "all of one account's changes" (current choices, history, export, erasure).
preferenceChangeSchema.index({ accountId: 1, at: -1 });

export type PreferenceChangeModel = Model<PreferenceChangeRecord>;

export function preferenceChangeModel(conn: Connection): PreferenceChangeModel {
  return modelOn<PreferenceChangeRecord>(conn, 'PreferenceChange', preferenceChangeSchema);
}
