// Data an application keeps about one of its users (preferences, its own customer number, …): one row per account
// and client, so that an app reads and writes only its own. The object is stored as a JSON string: apps choose
// their keys, and FerretDB refuses field names containing "." or "$".
import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { modelOn } from './model-on.ts';

export interface AppMetadataRecord {
  _id: Types.ObjectId;
  accountId: string;
  clientId: string;
  /** JSON text of an object. */
  data: string;
  updatedAt: Date;
}

const appMetadataSchema = new Schema<AppMetadataRecord>(
  {
    accountId: { type: String, required: true },
    clientId: { type: String, required: true },
    data: { type: String, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'app_metadata', versionKey: false },
);

// One row per account and app; it also serves listing an account's rows (account deletion, export, the claim).
appMetadataSchema.index({ accountId: 1, clientId: 1 }, { unique: true });

export type AppMetadataModel = Model<AppMetadataRecord>;

export function appMetadataModel(conn: Connection): AppMetadataModel {
  return modelOn<AppMetadataRecord>(conn, 'AppMetadata', appMetadataSchema);
}
