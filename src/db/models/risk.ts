// What the risk engine remembers about sign-ins (src/services/risk.ts). Nothing here names an IP address: networks
// and addresses are stored as HMACs under a key derived from the data encryption key (so the raw collections cannot
// be joined against a list of addresses without it), and places only as coarse geo (lat/lon rounded to 0.1°,
// country, accuracy radius). Every row carries expiresAt: reads ignore expired rows, and the service's
// sweepExpired() (or a TTL index where the server has one) reclaims them.
import { Schema, type Connection, type Model } from 'mongoose';

/** One password attempt, successful or not. Kept for the longer of the failure and IP windows. */
export interface LoginAttemptRecord {
  _id: string;
  /** Set when the login name belonged to an account. */
  accountId?: string;
  /** HMAC of the normalised login name: distinct names per address, without storing the names. */
  loginKey: string;
  /** HMAC of the address (IPv4) or its /64 (IPv6). */
  ipKey: string;
  success: boolean;
  at: Date;
  expiresAt: Date;
}

/** Coarse place of a sign-in: about 11 km of rounding on top of the lookup's own accuracy. */
export interface CoarseGeo {
  lat: number;
  lon: number;
  country?: string;
  /** The lookup's accuracy radius in km, when it gave one: the travel rule gives it the benefit of the doubt. */
  accuracyKm?: number;
}

/** One completed sign-in. Kept networkMemoryDays. */
export interface SignInRecord {
  _id: string;
  accountId: string;
  /** HMAC of (account, network): IPv4 /24 or IPv6 /48. Per account, so rows of two accounts cannot be joined by network. */
  networkKey: string;
  geo?: CoarseGeo;
  at: Date;
  expiresAt: Date;
}

/** A device (the long-lived device cookie) an account has signed in from, and whether the customer trusts it. */
export interface KnownDeviceRecord {
  /** HMAC of (account, device id): the cookie value itself is never stored. */
  _id: string;
  accountId: string;
  firstSeenAt: Date;
  lastSeenAt: Date;
  trustedUntil?: Date;
  /** The later of lastSeenAt + networkMemoryDays and trustedUntil. */
  expiresAt: Date;
}

const coarseGeoSchema = new Schema<CoarseGeo>(
  { lat: { type: Number, required: true }, lon: { type: Number, required: true }, country: String, accuracyKm: Number },
  { _id: false },
);

const loginAttemptSchema = new Schema<LoginAttemptRecord>(
  {
    _id: { type: String, required: true },
    accountId: String,
    loginKey: { type: String, required: true },
    ipKey: { type: String, required: true },
    success: { type: Boolean, required: true },
    at: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'risk_login_attempts', versionKey: false },
);
// expiresAt indexes (TTL where the server accepts one) come from the service's ensureIndexes: a plain index declared
// here would block the TTL index of the same key on MongoDB.
loginAttemptSchema.index({ accountId: 1, at: -1 });
loginAttemptSchema.index({ ipKey: 1, at: -1 });

const signInSchema = new Schema<SignInRecord>(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    networkKey: { type: String, required: true },
    geo: { type: coarseGeoSchema, required: false },
    at: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'risk_sign_ins', versionKey: false },
);
signInSchema.index({ accountId: 1, at: -1 });
signInSchema.index({ accountId: 1, networkKey: 1 });

const knownDeviceSchema = new Schema<KnownDeviceRecord>(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    firstSeenAt: { type: Date, required: true },
    lastSeenAt: { type: Date, required: true },
    trustedUntil: Date,
    expiresAt: { type: Date, required: true },
  },
  { collection: 'risk_devices', versionKey: false },
);
knownDeviceSchema.index({ accountId: 1 });

export type LoginAttemptModel = Model<LoginAttemptRecord>;
export type SignInModel = Model<SignInRecord>;
export type KnownDeviceModel = Model<KnownDeviceRecord>;

export function loginAttemptModel(conn: Connection): LoginAttemptModel {
  return (conn.models.RiskLoginAttempt as LoginAttemptModel | undefined) ?? conn.model<LoginAttemptRecord>('RiskLoginAttempt', loginAttemptSchema);
}

export function signInModel(conn: Connection): SignInModel {
  return (conn.models.RiskSignIn as SignInModel | undefined) ?? conn.model<SignInRecord>('RiskSignIn', signInSchema);
}

export function knownDeviceModel(conn: Connection): KnownDeviceModel {
  return (conn.models.RiskKnownDevice as KnownDeviceModel | undefined) ?? conn.model<KnownDeviceRecord>('RiskKnownDevice', knownDeviceSchema);
}
