// What the risk engine remembers about sign-ins (src/services/risk.ts). Nothing here names an IP address: networks
// and addresses are stored as HMACs under a key derived from the data encryption key (so the raw collections cannot
// be joined against a list of addresses without it), and places only as coarse geo (lat/lon rounded to 0.1°,
// country, accuracy radius). Every row carries expiresAt: reads ignore expired rows, and the service's
// sweepExpired() (or a TTL index where the server has one) reclaims them.
import { Schema, type Connection, type Model } from 'mongoose';
import { modelOn } from './model-on.ts';

/** Coarse place of a sign-in: about 11 km of rounding on top of the lookup's own accuracy. */
export interface CoarseGeo {
  lat: number;
  lon: number;
  country?: string;
  /** The lookup's accuracy radius in km, when it gave one: the travel rule gives it the benefit of the doubt. */
  accuracyKm?: number;
}

/** A login name tried (HMAC) and when. */
export interface LoginMark {
  k: string;
  at: Date;
}

/**
 * Wrong passwords of one subject: `_id` is the HMAC of a login name (failures recorded without their account), or
 * `acct:<accountId>` (failures recorded with it, plus the login names the account signed in with, which link the
 * former to it). Newest last, capped. Kept for the longer of the failure and IP windows after the last write.
 */
export interface LoginFailuresRecord {
  _id: string;
  accountId?: string;
  failures: Date[];
  names?: LoginMark[];
  expiresAt: Date;
}

/** The login names tried from one address (IPv4, or IPv6 /64): `_id` is the address's HMAC. Newest last, capped. */
export interface IpLoginsRecord {
  _id: string;
  logins: LoginMark[];
  expiresAt: Date;
}

/** A network (IPv4 /24, IPv6 /48) an account completed a sign-in from: `_id` is the HMAC of (account, network). */
export interface KnownNetworkRecord {
  _id: string;
  accountId: string;
  /** The latest sign-in from there. */
  at: Date;
  expiresAt: Date;
}

/** Where the account last completed a sign-in whose place was known: `_id` is the account id. */
export interface LastPlaceRecord {
  _id: string;
  geo: CoarseGeo;
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

const markSchema = new Schema<LoginMark>({ k: { type: String, required: true }, at: { type: Date, required: true } }, { _id: false });

// Every row is found by its `_id` alone (the one filter the embedded database serves from an index). expiresAt
// indexes (TTL where the server accepts one) come from the service's ensureIndexes: a plain index declared here
// would block the TTL index of the same key on MongoDB.
const loginFailuresSchema = new Schema<LoginFailuresRecord>(
  {
    _id: { type: String, required: true },
    accountId: String,
    failures: { type: [Date], default: [] },
    names: { type: [markSchema], default: undefined },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'risk_login_failures', versionKey: false },
);
// Erasure only.
loginFailuresSchema.index({ accountId: 1 }, { sparse: true });

const ipLoginsSchema = new Schema<IpLoginsRecord>(
  {
    _id: { type: String, required: true },
    logins: { type: [markSchema], default: [] },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'risk_ip_logins', versionKey: false },
);

const knownNetworkSchema = new Schema<KnownNetworkRecord>(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    at: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'risk_networks', versionKey: false },
);
// Erasure only.
knownNetworkSchema.index({ accountId: 1 });

const lastPlaceSchema = new Schema<LastPlaceRecord>(
  {
    _id: { type: String, required: true },
    geo: { type: coarseGeoSchema, required: true },
    at: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'risk_places', versionKey: false },
);

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

export type LoginFailuresModel = Model<LoginFailuresRecord>;
export type IpLoginsModel = Model<IpLoginsRecord>;
export type KnownNetworkModel = Model<KnownNetworkRecord>;
export type LastPlaceModel = Model<LastPlaceRecord>;
export type KnownDeviceModel = Model<KnownDeviceRecord>;

/** Collections of the risk engine before its rows were keyed by `_id`: dropped at start (risk_sign_ins, risk_login_attempts). */
export const LEGACY_RISK_COLLECTIONS = ['risk_login_attempts', 'risk_sign_ins'] as const;

export function loginFailuresModel(conn: Connection): LoginFailuresModel {
  return modelOn<LoginFailuresRecord>(conn, 'RiskLoginFailures', loginFailuresSchema);
}

export function ipLoginsModel(conn: Connection): IpLoginsModel {
  return modelOn<IpLoginsRecord>(conn, 'RiskIpLogins', ipLoginsSchema);
}

export function knownNetworkModel(conn: Connection): KnownNetworkModel {
  return modelOn<KnownNetworkRecord>(conn, 'RiskKnownNetwork', knownNetworkSchema);
}

export function lastPlaceModel(conn: Connection): LastPlaceModel {
  return modelOn<LastPlaceRecord>(conn, 'RiskLastPlace', lastPlaceSchema);
}

export function knownDeviceModel(conn: Connection): KnownDeviceModel {
  return modelOn<KnownDeviceRecord>(conn, 'RiskKnownDevice', knownDeviceSchema);
}
