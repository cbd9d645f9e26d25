// What the risk engine remembers about sign-ins (src/services/risk.ts). Nothing here names an IP address: networks
// and addresses are stored as HMACs under a key derived from the data encryption key (so the raw collections cannot
// be joined against a list of addresses without it), and places only as coarse geo (lat/lon rounded to 0.1°,
// country, accuracy radius). Every row carries expiresAt: reads ignore expired rows, and the service's
// sweepExpired() (or a TTL index where the server has one) reclaims them. Rows are written with the driver (bulk
// upserts), so these are plain record types, not mongoose models.
import type { Db } from 'mongodb';
import { isDuplicateKey } from '../duplicate-key.ts';

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

/** The kinds of signal rows, each one of the records above. */
export type SignalKind = 'fail' | 'ipl' | 'net' | 'place' | 'dev';

/**
 * All signals share one collection, `_id` = `<kind>:<key>` (the key as each record above describes it), so that an
 * assessment reads every row it needs with one `_id: {$in}` lookup and a sign-in step writes its rows in one bulk
 * command. `accountId` (devices, networks, an account's failures) is indexed for erasure.
 */
export const RISK_SIGNALS_COLLECTION = 'risk_signals';

export interface SignalRow {
  _id: string;
  kind: SignalKind;
  accountId?: string;
  expiresAt: Date;
  [field: string]: unknown;
}

export const signalId = (kind: SignalKind, key: string): string => `${kind}:${key}`;

/** Collections of the layout before one collection held every signal: their rows move over once, at start. */
export const PREVIOUS_RISK_COLLECTIONS: readonly (readonly [string, SignalKind])[] = [
  ['risk_login_failures', 'fail'],
  ['risk_ip_logins', 'ipl'],
  ['risk_networks', 'net'],
  ['risk_places', 'place'],
  ['risk_devices', 'dev'],
];

/** Collections of the layout before rows were keyed by `_id`: dropped at start. */
export const LEGACY_RISK_COLLECTIONS = ['risk_login_attempts', 'risk_sign_ins'] as const;

/**
 * Rows of the earlier layouts: one collection per kind of signal (moved into risk_signals once, then dropped), and
 * before that rows found by secondary fields (dropped: their signals start empty once). Safe when several processes
 * start together: a row already moved is left as it is.
 */
export async function moveEarlierLayouts(db: Db): Promise<void> {
  const dropped = (err: unknown) => {
    if ((err as { code?: unknown }).code !== 26) throw err; // 26 NamespaceNotFound: already gone
  };
  const signals = db.collection<SignalRow>(RISK_SIGNALS_COLLECTION);
  for (const [name, kind] of PREVIOUS_RISK_COLLECTIONS) {
    for await (const row of db.collection<{ _id: string; expiresAt?: Date }>(name).find({})) {
      try {
        await signals.insertOne({ ...row, _id: signalId(kind, String(row._id)), kind, expiresAt: row.expiresAt ?? new Date(0) });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    }
    await db.dropCollection(name).catch(dropped);
  }
  for (const name of LEGACY_RISK_COLLECTIONS) await db.dropCollection(name).catch(dropped);
}
