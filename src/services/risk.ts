// Adaptive sign-in: decides, after the password was right, whether this sign-in also needs a second factor.
//
// HOW A SIGN-IN IS SCORED
// Each rule below that matches adds its weight to the score; the customer is asked for a second factor when the
// score reaches the threshold (default 50). All numbers are operator settings (RiskRules); these are the defaults.
//
//   new_device         30  The browser has no device cookie, or one this account has not signed in with during the
//                          last networkMemoryDays (90). The device cookie is a random id the provider sets for 400
//                          days (src/http/device-cookie.ts); clearing cookies or a private window makes a new device.
//   new_network        15  The account has not completed a sign-in from this network (IPv4 /24, IPv6 /48) during the
//                          last networkMemoryDays (90). Mobile and home networks change: on its own this is weak.
//   impossible_travel  60  The distance between the place of the account's last completed sign-in and this one,
//                          divided by the time between them, is above travelKmh (900 km/h, an airliner). Places come
//                          from the offline geo lookup (src/services/geo.ts) and are rough: both places' accuracy
//                          radii are subtracted from the distance first, so a country-level guess cannot make a
//                          drive look like a flight. Off when no geo lookup is configured, and skipped when either
//                          address has no known place (private networks, unknown ranges).
//   recent_failures    30  At least failureCount (3) wrong passwords were tried on this account during the last
//                          failureWindowSeconds (3600), from anywhere: someone may be guessing it. An attempt is on
//                          the account when it was recorded with the account, or typed the login name the account
//                          used in a password attempt during the window. A later successful sign-in does not wipe
//                          them out; they simply age out of the window.
//   ip_velocity        40  At least ipAccounts (5) different login names (typed e-mail addresses, accounts or not)
//                          were tried from this address (IPv4 address, IPv6 /64) during the last ipWindowSeconds
//                          (3600): credential stuffing. Large NATs (offices, mobile carriers) can trip it, which is
//                          why it does not reach the threshold alone.
//   breached_password  50  The password the customer just typed is known from a breach (the caller checks it and
//                          passes the flag). Reaches the threshold alone.
//
// So with the defaults: a first sign-in from a new device on a new network (45) is not asked; a new device after
// three wrong passwords (60), a breached password (50) and impossible travel (60) are; credential stuffing from one
// address (40) is asked together with any other signal.
//
// TRUSTED DEVICES
// After a second factor, the customer may trust the device for a number of days (trustDevice). A trusted device
// skips the second factor whatever the score — the device cookie is then itself the second thing the customer has —
// until the trust expires; the score and its reasons are still computed and audited. "Sign out everywhere" and
// account deletion forget all devices (forgetDevices / forgetAccount), ending every trust.
//
// WHAT IS AUDITED
// Every assessment writes one audit row 'risk.assessed' (reason = the decision) with details
// { score, threshold, reasons, decision, signals }: decision is 'mfa', 'allow' or 'trusted_device'; signals holds the
// counts behind the rules (failures, ipAccounts) and, when places were compared, the travel (km after the accuracy
// allowance, hours, km/h and the two countries). That is how an operator learns why a customer was asked.
// Trusting a device writes 'device.trusted'.
//
// WHAT IS STORED (src/db/models/risk.ts)
// No IP address and no device id in clear: addresses and networks are HMACs under a key derived from the data
// encryption key, places are rounded to 0.1° with the country. Every row is keyed by what it is looked up by (the
// HMAC of a login name, of an address, of an account's network or device; the account for its last place), all in one
// collection (`_id` = `<kind>:<key>`): an assessment is one read by `_id` ($in; a second one only for the login names
// an account's failures list), and each step writes its rows in one bulk command. Failures and
// login names per address are kept for the longer of the two windows after the last attempt (newest ones, capped),
// networks and the last place networkMemoryDays, devices networkMemoryDays after last use (or until their trust
// ends, if later). Expired rows and entries are ignored on read (checked in code) and rows removed by sweepExpired()
// where no TTL index exists. Rows of the layout with one collection per kind move into the one collection at start;
// the collections of the layout before that (one row per attempt and per sign-in, found by secondary fields) are
// dropped.
//
// Call order in a sign-in: recordAttempt (every wrong password) → assess (password right) → second factor if asked
// → recordSignIn (sign-in completed) → trustDevice (if the customer chose to). A right password is recorded with the
// sign-in it completes (recordSignIn's loginName: one write for both), or by recordAttempt when a second factor comes
// first; assess counts the login name being signed in with as if it were recorded already.
import { systemClock, type Clock } from '../clock.ts';
import type { Connection } from 'mongoose';
import { ensureExpiryIndexes, type ExpiringRow } from '../../adapters/maintenance.ts';
import {
  moveEarlierLayouts,
  RISK_SIGNALS_COLLECTION,
  signalId,
  type CoarseGeo,
  type IpLoginsRecord,
  type KnownDeviceRecord,
  type KnownNetworkRecord,
  type LastPlaceRecord,
  type LoginFailuresRecord,
  type LoginMark,
  type SignalKind,
  type SignalRow,
} from '../db/models/risk.ts';
import type { AuditLog } from './audit.ts';
import { normaliseEmail } from '../db/models/user.ts';
import { networkOf, subscriberOf } from './ip-prefixes.ts';
import { distanceKm, resolveRiskRules, RISK_REASONS, type RiskReason, type RiskRules } from './risk-rules.ts';
import { createKeyedHash } from './crypto.ts';
import type { GeoLookup } from './geo.ts';
import { writeRetryingLostInserts } from '../db/duplicate-key.ts';

export interface RiskInput {
  accountId: string;
  ip: string;
  deviceId?: string;
  breachedPassword?: boolean;
  /** The login name this sign-in typed: its failures are read with the account's rows, in the same command. */
  loginName?: string;
  clientId?: string;
  userAgent?: string;
}

export interface RiskAssessment {
  score: number;
  threshold: number;
  reasons: RiskReason[];
  mfa: boolean;
  trustedDevice: boolean;
}

export type RiskDecision = 'mfa' | 'allow' | 'trusted_device';

export interface RiskEngine {
  /** Scores a sign-in whose first factor just succeeded; a trusted device (trustDevice, not expired) ⇒ mfa false with
   *  trustedDevice true. Audits 'risk.assessed' with score, threshold, reasons and the decision. */
  assess(input: RiskInput): Promise<RiskAssessment>;
  /** Every password attempt (success or failure) by login name (typed e-mail, normalised) with its account when known.
   *  A failure recorded without its account still counts for it once the account signs in with that login name. */
  recordAttempt(input: { loginName: string; accountId?: string; ip: string; success: boolean }): Promise<void>;
  /** A completed sign-in: remembers device, network (IPv4 /24, IPv6 /48, stored as HMAC) and geo location (when known). */
  recordSignIn(input: { accountId: string; ip: string; deviceId?: string; /** The right password's login name, recorded in the same write. */ loginName?: string }): Promise<void>;
  /** Lets this device skip the second factor for `days`; audits device.trusted. */
  trustDevice(accountId: string, deviceId: string, days: number): Promise<void>;
  /** Forgets the account's devices, ending every trust ("sign out everywhere"). */
  forgetDevices(accountId: string): Promise<void>;
  /**
   * Forgets everything about the account: devices, sign-ins and its password attempts (account deletion), and the
   * attempts made with `loginNames` that were not tied to it (before it existed, or while it was disabled).
   */
  forgetAccount(accountId: string, loginNames?: readonly string[]): Promise<void>;
  sweepExpired(): Promise<number>;
  ensureIndexes(): Promise<{ ttl: boolean }>;
}

export interface RiskEngineDeps {
  conn: Connection;
  /** The data encryption key: the HMAC key is derived from it (HKDF, info "risk-signals"). */
  key: Buffer;
  /** Without it, impossible_travel is off and no places are stored. */
  geo?: GeoLookup;
  rules?: Partial<RiskRules>;
  audit: Pick<AuditLog, 'record'>;
  /** Clock, for tests. */
  now?: Clock;
}

const DAY_MS = 86_400_000;

/** One row's upsert, as the bulk write sends it. */
interface SignalWrite {
  _id: string;
  update: Record<string, unknown>;
}

// Newest entries kept per row: enough to report counts well past any sensible threshold, bounded against floods.
const MIN_KEPT = 50;

export function createRiskEngine(deps: RiskEngineDeps): RiskEngine {
  const { conn, geo, audit } = deps;
  const now = deps.now ?? systemClock;
  const rules = resolveRiskRules(deps.rules);
  const memoryMs = rules.networkMemoryDays * DAY_MS;
  const attemptTtlMs = Math.max(rules.failureWindowSeconds, rules.ipWindowSeconds) * 1000;

  // Every signal lives in one collection, `_id` = `<kind>:<key>`: an assessment reads all it needs in one lookup by
  // `_id` ($in), and each sign-in step writes its rows in one bulk command.
  const table = () => {
    const db = conn.db;
    if (!db) throw new Error('database connection is not open');
    return db.collection<SignalRow>(RISK_SIGNALS_COLLECTION);
  };
  const failuresKept = Math.max(MIN_KEPT, rules.failureCount);
  const loginsKept = Math.max(MIN_KEPT, rules.ipAccounts * 4);

  // Domain-separated by the first part; \0 cannot occur inside the parts that precede the last one.
  const mac = createKeyedHash(deps.key, 'risk-signals');
  // Login names as typed, normalised as addresses are (a name is an address, or a typo of one).
  const loginKey = (loginName: string) => mac('login', normaliseEmail(loginName));
  const ipKey = (ip: string) => mac('ip', subscriberOf(ip) ?? `?${ip}`);
  const networkKey = (accountId: string, ip: string) => mac('network', accountId, networkOf(ip));
  const deviceKey = (accountId: string, deviceId: string) => mac('device', accountId, deviceId);
  // No HMAC contains ':' (base64url): an account's row cannot collide with a login name's.
  const accountFailuresKey = (accountId: string) => `acct:${accountId}`;

  /** The live rows among these ids (expiry is checked here: the filter is `_id` alone), in one read. */
  async function readRows(ids: readonly string[], at: number): Promise<Map<string, SignalRow>> {
    if (!ids.length) return new Map();
    const list = await table().find({ _id: { $in: [...ids] } }).toArray();
    return new Map(list.filter((row) => row.expiresAt.getTime() > at).map((row) => [row._id, row]));
  }

  function placeOf(ip: string): CoarseGeo | undefined {
    const point = geo?.lookup(ip);
    if (!point) return undefined;
    const place: CoarseGeo = { lat: round1(point.lat), lon: round1(point.lon) };
    if (point.country) place.country = point.country;
    if (point.accuracyKm !== undefined) place.accuracyKm = Math.round(point.accuracyKm);
    return place;
  }

  /** An upsert of one signal row; its kind is set when it is created. */
  const write = (kind: SignalKind, key: string, update: Record<string, unknown>): SignalWrite => ({
    _id: signalId(kind, key),
    update: { ...update, $setOnInsert: { ...((update.$setOnInsert as object | undefined) ?? {}), kind } },
  });

  /** Appends to a capped list of the row (newest last) and keeps the row at least `keepMs` from `at`. */
  const push = (kind: SignalKind, key: string, field: string, value: unknown, kept: number, at: number, keepMs: number, set: Record<string, unknown> = {}) =>
    write(kind, key, {
      $push: { [field]: { $each: [value], $slice: -kept } },
      $max: { expiresAt: new Date(at + keepMs) },
      ...(Object.keys(set).length ? { $set: set } : {}),
    });

  /** The rows one password attempt adds to: the address's login names, and the account's (or the name's) failures. */
  function attemptWrites({ loginName, accountId, ip, success }: { loginName: string; accountId?: string; ip: string; success: boolean }, at: number): SignalWrite[] {
    const when = new Date(at);
    const name = loginKey(loginName);
    const writes = [push('ipl', ipKey(ip), 'logins', { k: name, at: when }, loginsKept, at, attemptTtlMs)];
    if (!success) {
      writes.push(
        accountId
          ? push('fail', accountFailuresKey(accountId), 'failures', when, failuresKept, at, attemptTtlMs, { accountId })
          : push('fail', name, 'failures', when, failuresKept, at, attemptTtlMs),
      );
    } else if (accountId) {
      // This name is the account's now: failures recorded under it (without the account) count for it.
      writes.push(push('fail', accountFailuresKey(accountId), 'names', { k: name, at: when }, failuresKept, at, attemptTtlMs, { accountId }));
    }
    return writes;
  }

  // One command for the rows a step writes. Upserts race on FerretDB (no atomic upsert): a write that lost the insert of
  // a new _id to another request (11000) is sent again, now as an update of the winner's row.
  async function writeAll(writes: readonly (SignalWrite | undefined)[]): Promise<void> {
    await writeRetryingLostInserts(
      writes.filter((w): w is SignalWrite => w !== undefined),
      (batch) => table().bulkWrite(batch.map((w) => ({ updateOne: { filter: { _id: w._id }, update: w.update, upsert: true } })), { ordered: false }),
    );
  }

  function travelFrom(last: LastPlaceRecord | undefined, place: CoarseGeo | undefined, at: number) {
    if (!place || !last || last.at.getTime() <= at - memoryMs) return undefined;
    const km = Math.max(0, distanceKm(last.geo, place) - (last.geo.accuracyKm ?? 0) - (place.accuracyKm ?? 0));
    const hours = Math.max(0, at - last.at.getTime()) / 3_600_000;
    const kmh = hours > 0 ? km / hours : km > 0 ? Infinity : 0;
    return { km: Math.round(km), hours: Math.round(hours * 100) / 100, kmh, from: last.geo.country, to: place.country };
  }

  // A wrong password usually arrives without its account (the sign-in does not look the account up to say "wrong"),
  // so failures count by account and by the login names this account signed in with during the window: the
  // account's row lists those names, each name's row its failures (a second read, only when there are names).
  // `read`: rows already read with the account's (usually the name being typed now), so that the second read is
  // needed only for other names.
  // `read` also holds the row of the name signed in with now, which counts whether or not it is recorded yet.
  async function recentFailures(own: LoginFailuresRecord | undefined, at: number, read: ReadonlyMap<string, SignalRow | undefined>): Promise<number> {
    const since = at - rules.failureWindowSeconds * 1000;
    const within = (d: Date) => d.getTime() > since;
    const ids = [...new Set([...(own?.names ?? []).filter((n) => within(n.at)).map((n) => signalId('fail', n.k)), ...read.keys()])];
    const more = await readRows(ids.filter((id) => !read.has(id)), at);
    const byName = ids.map((id) => (read.has(id) ? read.get(id) : more.get(id))) as unknown as (LoginFailuresRecord | undefined)[];
    return [own, ...byName].reduce((sum, row) => sum + (row?.failures ?? []).filter(within).length, 0);
  }

  /** Distinct login names tried from this address within the IP window, `current` (being signed in with) included. */
  function namesFrom(row: IpLoginsRecord | undefined, at: number, current?: string): number {
    const since = at - rules.ipWindowSeconds * 1000;
    const names = new Set((row?.logins ?? []).filter((l: LoginMark) => l.at.getTime() > since).map((l) => l.k));
    if (current) names.add(current);
    return names.size;
  }

  return {
    async assess(input) {
      const { accountId, ip, deviceId } = input;
      const at = now();
      const since = (ms: number) => new Date(at - ms);

      const place = placeOf(ip);
      const ids = {
        device: deviceId ? signalId('dev', deviceKey(accountId, deviceId)) : undefined,
        network: signalId('net', networkKey(accountId, ip)),
        failures: signalId('fail', accountFailuresKey(accountId)),
        ip: signalId('ipl', ipKey(ip)),
        place: place ? signalId('place', accountId) : undefined,
        name: input.loginName ? signalId('fail', loginKey(input.loginName)) : undefined,
      };
      const found = await readRows(Object.values(ids).filter((id): id is string => id !== undefined), at);
      const row = <T>(id: string | undefined) => (id ? (found.get(id) as unknown as T | undefined) : undefined);
      const device = row<KnownDeviceRecord>(ids.device);
      const network = row<KnownNetworkRecord>(ids.network);
      const failures = await recentFailures(row<LoginFailuresRecord>(ids.failures), at, new Map(ids.name ? [[ids.name, found.get(ids.name)]] : []));
      const names = namesFrom(row<IpLoginsRecord>(ids.ip), at, input.loginName ? loginKey(input.loginName) : undefined);
      const travel = travelFrom(row<LastPlaceRecord>(ids.place), place, at);

      const matched: Record<RiskReason, boolean> = {
        new_device: !device || device.lastSeenAt.getTime() <= at - memoryMs,
        new_network: !network || network.at.getTime() <= since(memoryMs).getTime(),
        impossible_travel: travel !== undefined && travel.kmh > rules.travelKmh,
        recent_failures: failures >= rules.failureCount,
        ip_velocity: names >= rules.ipAccounts,
        breached_password: input.breachedPassword === true,
      };
      const reasons = RISK_REASONS.filter((r) => matched[r]);
      const score = reasons.reduce((sum, r) => sum + rules.weights[r], 0);
      const trustedDevice = (device?.trustedUntil?.getTime() ?? 0) > at;
      const mfa = !trustedDevice && score >= rules.threshold;
      const decision: RiskDecision = trustedDevice ? 'trusted_device' : mfa ? 'mfa' : 'allow';

      const signals: Record<string, unknown> = { failures, ipAccounts: names };
      if (travel) signals.travel = { ...travel, kmh: Number.isFinite(travel.kmh) ? Math.round(travel.kmh) : null };
      await audit.record({
        type: 'risk.assessed',
        outcome: 'success',
        accountId,
        clientId: input.clientId,
        ip,
        userAgent: input.userAgent,
        reason: decision,
        details: { score, threshold: rules.threshold, reasons, decision, signals },
      });
      return { score, threshold: rules.threshold, reasons, mfa, trustedDevice };
    },

    async recordAttempt(input) {
      await writeAll(attemptWrites(input, now()));
    },

    async recordSignIn({ accountId, ip, deviceId, loginName }) {
      const at = now();
      const place = placeOf(ip);
      const expiresAt = new Date(at + memoryMs);
      await writeAll([
        ...(loginName ? attemptWrites({ loginName, accountId, ip, success: true }, at) : []),
        write('net', networkKey(accountId, ip), { $set: { accountId, at: new Date(at), expiresAt } }),
        place ? write('place', accountId, { $set: { geo: place, at: new Date(at), expiresAt } }) : undefined,
        deviceId
          ? write('dev', deviceKey(accountId, deviceId), {
              $set: { accountId, lastSeenAt: new Date(at) },
              $setOnInsert: { firstSeenAt: new Date(at) },
              // A trusted device keeps its row at least until the trust ends.
              $max: { expiresAt: new Date(at + memoryMs) },
            })
          : undefined,
      ]);
    },

    async trustDevice(accountId, deviceId, days) {
      if (!Number.isFinite(days) || days <= 0) throw new TypeError('trust period must be a positive number of days');
      const at = now();
      const trustedUntil = new Date(at + days * DAY_MS);
      await writeAll([
        write('dev', deviceKey(accountId, deviceId), {
          $set: { accountId, lastSeenAt: new Date(at), trustedUntil },
          $setOnInsert: { firstSeenAt: new Date(at) },
          $max: { expiresAt: new Date(Math.max(trustedUntil.getTime(), at + memoryMs)) },
        }),
      ]);
      await audit.record({ type: 'device.trusted', outcome: 'success', accountId, details: { days, trustedUntil } });
    },

    async forgetDevices(accountId) {
      await table().deleteMany({ kind: 'dev', accountId });
    },

    // Erasure, not a sign-in: secondary filters are fine here. The per-address lists keep their HMACs of the
    // account's login names until they age out of the IP window (they name no account).
    async forgetAccount(accountId, loginNames = []) {
      await Promise.all([
        // Devices, networks and the account's own failures row carry the account.
        table().deleteMany({ accountId }),
        table().deleteMany({
          _id: { $in: [signalId('place', accountId), signalId('fail', accountFailuresKey(accountId)), ...loginNames.map((n) => signalId('fail', loginKey(n)))] },
        }),
      ]);
    },

    async sweepExpired() {
      return (await table().deleteMany({ expiresAt: { $lte: new Date(now()) } })).deletedCount;
    },

    async ensureIndexes() {
      const db = conn.db;
      if (!db) throw new Error('database connection is not open');
      await table().createIndex({ accountId: 1 }, { sparse: true });
      await moveEarlierLayouts(db);
      return ensureExpiryIndexes([db.collection<ExpiringRow>(RISK_SIGNALS_COLLECTION)]);
    },
  };
}

const round1 = (n: number) => Math.round(n * 10) / 10;

