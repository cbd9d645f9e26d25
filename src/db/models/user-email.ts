// Which account signs in with an address: `_id` is the normalised e-mail, so finding the account of a typed address
// is a lookup by `_id` — the one filter the embedded database serves from an index (a filter on users.email decodes
// every account there). The account's own `email` field stays the truth: a row that no longer matches it is ignored
// (src/services/user-emails.ts).
import { Schema, type Connection, type Model } from 'mongoose';
import { modelOn } from './model-on.ts';

export interface UserEmailRecord {
  /** The normalised address (db/models/user.ts normaliseEmail). */
  _id: string;
  userId: string;
  /** When the address was claimed: a claim younger than the grace period may still be in the middle of its write. */
  at: Date;
}

const schema = new Schema<UserEmailRecord>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { collection: 'user_emails', versionKey: false },
);

export type UserEmailModel = Model<UserEmailRecord>;

export function userEmailModel(conn: Connection): UserEmailModel {
  return modelOn<UserEmailRecord>(conn, 'UserEmail', schema);
}
