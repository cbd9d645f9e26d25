// Signing keys, as versioned "rings": one document holds all of an algorithm's keys (current, next, retired) at
// one version, and a change is the insert of the next version. Readers take the highest version per algorithm, so
// no reader ever sees an algorithm without a current key. The `_id` is "<alg>:<version>", so two processes racing
// to create a version collide on the primary key and exactly one wins: on both MongoDB and FerretDB, whose
// conditional updates are not atomic under concurrency (several "version: n" updates can all match) and which has
// no transactions.
import { Schema, type Connection, type Model } from 'mongoose';
import { modelOn } from './model-on.ts';

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
  _id: string; // `${alg}:${version}`
  alg: string;
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
    alg: { type: String, required: true },
    version: { type: Number, required: true },
    keys: { type: [storedKeySchema], required: true },
  },
  { collection: 'signing_keys', versionKey: false },
);

keyRingSchema.index({ alg: 1, version: -1 }, { unique: true });

export const ringId = (alg: string, version: number) => `${alg}:${version}`;

export type KeyRingModel = Model<KeyRing>;

export function keyRingModel(conn: Connection): KeyRingModel {
  return modelOn<KeyRing>(conn, 'SigningKeyRing', keyRingSchema);
}
