// Signing keys, one document per algorithm (the "ring" of that algorithm's current, next and retired keys).
// Keeping an algorithm's keys in one document makes each rotation a single atomic, version-checked update: no
// reader ever sees an algorithm without a current key, and no transactions are needed (FerretDB has none).
// `_id` is the algorithm, so two processes racing to create the first keys collide on the primary key.
import { Schema, type Connection, type Model } from 'mongoose';

export type KeyState = 'current' | 'next' | 'retired';

export interface StoredKey {
  kid: string;
  state: KeyState;
  publicJwk: Record<string, unknown>;
  /** The private JWK as JSON, sealed with the data encryption key. */
  privateJwk: string;
  createdAt: Date;
  activatedAt?: Date;
  retiredAt?: Date;
  removeAfter?: Date;
}

export interface KeyRing {
  _id: string; // alg
  version: number;
  keys: StoredKey[];
}

const storedKeySchema = new Schema<StoredKey>(
  {
    kid: { type: String, required: true },
    state: { type: String, required: true, enum: ['current', 'next', 'retired'] },
    publicJwk: { type: Schema.Types.Mixed, required: true },
    privateJwk: { type: String, required: true },
    createdAt: { type: Date, required: true },
    activatedAt: Date,
    retiredAt: Date,
    removeAfter: Date,
  },
  { _id: false },
);

const keyRingSchema = new Schema<KeyRing>(
  {
    _id: { type: String, required: true },
    version: { type: Number, required: true },
    keys: { type: [storedKeySchema], required: true },
  },
  { collection: 'signing_keys', versionKey: false },
);

export type KeyRingModel = Model<KeyRing>;

export function keyRingModel(conn: Connection): KeyRingModel {
  return (conn.models.SigningKeyRing as KeyRingModel | undefined) ?? conn.model<KeyRing>('SigningKeyRing', keyRingSchema);
}
