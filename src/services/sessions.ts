// Browser sessions of an account ("where you're signed in"): oidc-provider's Session rows, found through the
// adapter's per-account index, plus what oidc-provider does not keep — the device (user agent), the network address
// and when the session was last used — in a `session_meta` collection keyed by the session's stable uid.
// Ending a session does what a sign-out does: the session row goes, grants that do not outlive a logout (no
// offline_access) are revoked with their tokens, and apps registered for back-channel logout are told.
import { systemClock, type Clock } from '../clock.ts';
import type { Collection, Db } from 'mongodb';
import type Provider from 'oidc-provider';
import { UAParser } from 'ua-parser-js';
import type { AccountRow, MongoAdapter } from '../../adapters/types.ts';
import type { Logger } from '../log.ts';
import type { AuditLog } from './audit.ts';
import { destroyGrant } from './grants.ts';
import { isDuplicateKey } from '../db/duplicate-key.ts';
import { notifyLogout } from './backchannel-logout.ts';

export interface SessionView {
  uid: string;
  current: boolean;
  loginAt: Date;
  lastSeenAt?: Date;
  ip?: string;
  browser?: string;
  os?: string;
  device?: string;
}

export interface SessionMeta {
  reason?: string;
  ip?: string;
  userAgent?: string;
  /** The operator who ended it (console). */
  actorId?: string;
}

export interface SessionService {
  listForAccount(accountId: string, currentUid?: string): Promise<SessionView[]>;
  /** Ends one session of this account; false when there is no such session (or it belongs to someone else). */
  revoke(accountId: string, uid: string, meta?: SessionMeta): Promise<boolean>;
  /** Ends every session of the account except `exceptUid`; resolves with how many ended. */
  revokeAll(accountId: string, opts?: { exceptUid?: string } & SessionMeta): Promise<number>;
  /** Records that a session was used just now, from where and with which browser. */
  touch(input: { uid: string; accountId: string; ip?: string; userAgent?: string }): Promise<void>;
  /** Account deletion: the device records of every session of the account. */
  forgetAccount(accountId: string): Promise<void>;
}

export interface SessionServiceDeps {
  /** The one clock (src/clock.ts). */
  now?: Clock;
  provider: () => Provider;
  adapter: Pick<MongoAdapter, 'Adapter' | 'findByAccount' | 'destroyStored'>;
  db: Db;
  audit: Pick<AuditLog, 'record'>;
  logger?: Logger;
  /** How long a device record is kept after its last use; the provider's session lifetime. */
  sessionTtlSeconds?: number;
}

interface MetaRow {
  _id: string;
  accountId: string;
  ip?: string;
  userAgent?: string;
  createdAt?: Date;
  lastSeenAt?: Date;
  expiresAt?: Date;
}

export const SESSION_META_COLLECTION = 'session_meta';
// User agents are client-supplied: bounded so one request cannot bloat the collection.
const MAX_USER_AGENT = 512;
const MAX_IP = 64;


interface Authorization {
  grantId?: unknown;
  sid?: unknown;
  persistsLogout?: unknown;
}

export function describeUserAgent(userAgent: string | undefined): Pick<SessionView, 'browser' | 'os' | 'device'> {
  if (!userAgent) return {};
  const ua = UAParser(userAgent);
  const join = (...parts: (string | undefined)[]) => parts.filter(Boolean).join(' ') || undefined;
  const browser = join(ua.browser.name, ua.browser.major ?? ua.browser.version);
  const os = join(ua.os.name, ua.os.version);
  const device = join(ua.device.vendor, ua.device.model);
  return { ...(browser ? { browser } : {}), ...(os ? { os } : {}), ...(device ? { device } : {}) };
}

export function createSessionService(deps: SessionServiceDeps): SessionService {
  const { adapter, audit, logger } = deps;
  const clock = deps.now ?? systemClock;
  const metas: Collection<MetaRow> = deps.db.collection<MetaRow>(SESSION_META_COLLECTION);
  const ttlMs = (deps.sessionTtlSeconds ?? 14 * 24 * 3600) * 1000;
  let indexed: Promise<unknown> | undefined;
  const ensureIndexes = () =>
    (indexed ??= metas.createIndex({ accountId: 1 }).catch((err: unknown) => {
      indexed = undefined;
      throw err;
    }));

  const sessionsOf = async (accountId: string) =>
    (await adapter.findByAccount('Session', accountId)).filter(
      (row) => row.payload.accountId === accountId && typeof row.payload.uid === 'string',
    );

  async function end(row: AccountRow, accountId: string, meta: SessionMeta): Promise<boolean> {
    const uid = String(row.payload.uid);
    const authorizations = (row.payload.authorizations ?? {}) as Record<string, Authorization>;
    // The row goes first: from here on no request can use the session, whatever happens below.
    await adapter.destroyStored('Session', row.id);
    await Promise.all(
      Object.entries(authorizations).map(async ([clientId, auth]) => {
        if (typeof auth?.grantId === 'string' && !auth.persistsLogout) await destroyGrant(adapter, auth.grantId);
        await notifyLogout(deps.provider(), { accountId, clientId, sids: typeof auth?.sid === 'string' ? [auth.sid] : [] }, logger);
      }),
    );
    await metas.deleteOne({ _id: uid });
    await audit.record({
      type: 'session.revoked',
      outcome: 'success',
      accountId,
      reason: meta.reason ?? 'account_center',
      ...(meta.actorId ? { actorId: meta.actorId } : {}),
      ip: meta.ip,
      userAgent: meta.userAgent,
      details: { uid },
    });
    return true;
  }

  return {
    async listForAccount(accountId, currentUid) {
      const rows = await sessionsOf(accountId);
      const uids = rows.map((row) => String(row.payload.uid));
      const found = uids.length ? await metas.find({ _id: { $in: uids } }).toArray() : [];
      const byUid = new Map(found.map((m) => [m._id, m]));
      // Records of sessions that ended (expired, signed out) are of no further use.
      await metas.deleteMany({ accountId, _id: { $nin: uids } });

      const views = rows.map((row): SessionView => {
        const uid = String(row.payload.uid);
        const meta = byUid.get(uid);
        const loginTs = typeof row.payload.loginTs === 'number' ? row.payload.loginTs : undefined;
        const loginAt = loginTs !== undefined ? new Date(loginTs * 1000) : (meta?.createdAt ?? new Date(0));
        return {
          uid,
          current: uid === currentUid,
          loginAt,
          ...(meta?.lastSeenAt ? { lastSeenAt: meta.lastSeenAt } : {}),
          ...(meta?.ip ? { ip: meta.ip } : {}),
          ...describeUserAgent(meta?.userAgent),
        };
      });
      const recent = (v: SessionView) => (v.lastSeenAt ?? v.loginAt).getTime();
      return views.sort((a, b) => Number(b.current) - Number(a.current) || recent(b) - recent(a));
    },

    async revoke(accountId, uid, meta = {}) {
      if (typeof uid !== 'string' || !uid) return false;
      const row = (await sessionsOf(accountId)).find((r) => r.payload.uid === uid);
      return row ? end(row, accountId, meta) : false;
    },

    async revokeAll(accountId, opts = {}) {
      const { exceptUid, ...meta } = opts;
      let ended = 0;
      for (const row of await sessionsOf(accountId)) {
        if (exceptUid !== undefined && row.payload.uid === exceptUid) continue;
        if (await end(row, accountId, meta)) ended += 1;
      }
      return ended;
    },

    async touch({ uid, accountId, ip, userAgent }) {
      await ensureIndexes();
      const now = new Date(clock());
      const set: Partial<MetaRow> = { accountId, lastSeenAt: now, expiresAt: new Date(now.getTime() + ttlMs) };
      if (ip) set.ip = ip.slice(0, MAX_IP);
      if (userAgent) set.userAgent = userAgent.slice(0, MAX_USER_AGENT);
      const update = { $set: set, $setOnInsert: { createdAt: now } };
      try {
        await metas.updateOne({ _id: uid }, update, { upsert: true });
      } catch (err) {
        // Two first requests of one session can both try the insert; the loser's data is as good as an update.
        if (!isDuplicateKey(err)) throw err;
        await metas.updateOne({ _id: uid }, { $set: set });
      }
    },

    async forgetAccount(accountId) {
      await metas.deleteMany({ accountId });
    },
  };
}

