// Brute-force and abuse throttling for sign-in, sign-up, code verification and recovery, shared by every process
// through the database: counters and blocks live in one collection (throttle-counters.ts), one row per key with
// `_id` = the key, so a second process or a restart does not reset them and every lookup is by `_id` alone.
//
// Counting is exact on MongoDB ($inc is atomic there). On FerretDB it is not: concurrent increments of one key can be
// lost, so updates of one key are serialised inside this process (see `serialised`), which makes counting exact for
// a single process on either database. Across several processes on FerretDB, increments racing each other in the
// same instant can still be lost (measured with rate-limiter-flexible's store, which this replaced: two processes ×
// 10 concurrent failures of one key stored 12–20 of 20), so an attacker spreading a burst over N processes gains at
// most N-fold attempts during that burst; every later attempt is counted.
//
// Rows written by rate-limiter-flexible's store (before the counters were keyed by `_id`) are removed at start:
// counting restarts empty once, which at worst lifts a running lockout early.
//
// Known and unknown accounts are treated identically: the limiter is keyed on what the user typed, never on
// whether it exists. Keys are stored as SHA-256 hashes so that e-mail addresses and IPs are not in the collection.
//
// Sign-in is counted so that nobody can lock a customer out from elsewhere (the model of OWASP's device cookies):
// - failures count per account *and source*: a browser that has signed in to the account before (its signed device
//   cookie, see src/http/device-cookie.ts) has an allowance of its own; any other source counts by its address.
//   Only that pair is blocked when its allowance is spent;
// - beyond a per-account threshold over all unknown sources, and beyond a per-address threshold over all accounts
//   (spraying), an attempt needs a proof of work (src/services/proof-of-work.ts) instead of being refused: a guessing
//   bot pays for every guess, a customer behind the same address or typing on a new phone is slowed by a second;
// - the account owner is told once an hour by mail when a block or the proof threshold starts (onLockout).
import { systemClock, type Clock } from '../clock.ts';
import { createHash } from 'node:crypto';
import { subscriberOf } from './ip-prefixes.ts';
import type { Connection } from 'mongoose';
import type { Logger } from '../log.ts';
import type { AuditLog } from './audit.ts';
import type { ProofChallenge, ProofOfWork } from './proof-of-work.ts';
import { createCounters, type Counters } from './throttle-counters.ts';
import {
  ACTIONS,
  HOUR,
  mergeLimits,
  RESET_ON_SUCCESS,
  SCOPES,
  type ActionLimits,
  type LimitRule,
  type Scope,
  type ThrottleAction,
  type ThrottleLimitOverrides,
  type ThrottleLimits,
} from './throttle-limits.ts';

export { DEFAULT_LIMITS, type ActionLimits, type LimitRule, type ThrottleAction, type ThrottleLimitOverrides, type ThrottleLimits } from './throttle-limits.ts';

export interface ThrottleKeys {
  ip: string;
  /** Normalised e-mail or account id. */
  account?: string;
  /** A device that has signed in to `account` before (login): counted on its own, with its own allowance. */
  device?: string;
  /** A solved proof-of-work challenge sent with this attempt (see ThrottleVerdict.proof). */
  proof?: { challenge: string; nonce: string };
}
export type ThrottleVerdict =
  | { allowed: true }
  /** `proof`: no block applies, and an attempt that brings a solution of this challenge is let through. */
  | { allowed: false; retryAfterSeconds: number; proof?: ProofChallenge };

export const THROTTLE_COLLECTION = 'rate_limits';

export interface Throttle {
  /** Before doing the work; consumes nothing. */
  check(action: ThrottleAction, keys: ThrottleKeys): Promise<ThrottleVerdict>;
  /** Counts a failure (bad password, wrong code) or, for signup/recovery, an attempt. Returns the verdict for the
   *  next attempt; audits 'throttle.lockout' when a block starts. */
  fail(action: ThrottleAction, keys: ThrottleKeys, meta?: ThrottleMeta): Promise<ThrottleVerdict>;
  /** Ends the run of consecutive failures of the account (login, verify). */
  succeed(action: ThrottleAction, keys: ThrottleKeys): Promise<void>;
  /** Erasure: every per-account counter and lockout of these subjects (login name, account id), whatever action;
   *  counters of an account with a source or device run out with their window (their keys hash both together). */
  forget(subjects: readonly string[]): Promise<void>;
  /** A TTL index on the expiry where the server has one (a plain one elsewhere); clears rows of the old store. Also
   *  run lazily before first use. */
  ensureIndexes(): Promise<{ ttl: boolean }>;
  /** Removes expired rows (needed where there is no TTL index); resolves to how many. */
  sweepExpired(): Promise<number>;
}

/** Who failed, for the audit log and the owner's notice (`locale`: the language of the page they were on). */
export interface ThrottleMeta {
  ip?: string;
  userAgent?: string;
  accountId?: string;
  locale?: string;
}

export interface ThrottleDeps {
  conn: Connection;
  audit: Pick<AuditLog, 'record'>;
  logger: Logger;
  enabled: boolean;
  limits?: ThrottleLimitOverrides;
  /** Proofs for rules with `proof`; without it such a rule blocks like the others. */
  proofOfWork?: ProofOfWork;
  /**
   * A block (or the proof threshold) started for an account: at most once an hour per action and account, called
   * without awaiting (it must not change the answer's timing). `account` is what was typed, existing or not.
   */
  onLockout?: (event: { action: ThrottleAction; account: string; retryAfterSeconds: number; meta: ThrottleMeta }) => Promise<void>;
  /** Clock, for tests. */
  now?: Clock;
}

const hashKey = (value: string) => createHash('sha256').update(value).digest('base64url');

function errorCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

// One update of a key at a time within this process: FerretDB's findOneAndUpdate + $inc loses concurrent
// increments (see the header), and the "did this failure start a block?" decision needs the count it produced.
function serialised() {
  const tails = new Map<string, Promise<unknown>>();
  return <T>(key: string, task: () => Promise<T>): Promise<T> => {
    const run = (tails.get(key) ?? Promise.resolve()).then(task);
    const tail = run.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return run;
  };
}

const secondsOf = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

interface Limiter {
  rule: LimitRule;
  /** Row key prefix of the failure counter; `${prefix}:lockouts` counts the blocks for the backoff. */
  prefix: string;
}

/** The rules in force, by `${action}:${scope}`. */
function limitersOf(limits: ThrottleLimits): Map<string, Limiter> {
  const limiters = new Map<string, Limiter>();
  for (const action of ACTIONS) {
    for (const scope of SCOPES) {
      const rule = (limits[action] as ActionLimits)[scope];
      if (rule) limiters.set(`${action}:${scope}`, { rule, prefix: `${action}:${scope}` });
    }
  }
  return limiters;
}

/** Makes the collection's indexes once per process (again after a failure). */
function indexMaker(conn: Connection): () => Promise<{ ttl: boolean }> {
  const rows = () => conn.collection(THROTTLE_COLLECTION);
  let indexes: Promise<{ ttl: boolean }> | undefined;
  async function createIndexes(): Promise<{ ttl: boolean }> {
    // The old store's rows (ObjectId _id, a `key` field, a unique index on it) go: its index would refuse every
    // second row of the new format, which has no `key` field.
    await rows()
      .dropIndex('key_unique')
      .catch((err: unknown) => {
        // 27 IndexNotFound, 26 NamespaceNotFound: nothing to drop.
        if (![26, 27].includes(errorCode(err) ?? 0)) throw err;
      });
    await rows().deleteMany({ key: { $exists: true } });
    try {
      await rows().createIndex({ expire: 1 }, { name: 'expire_ttl', expireAfterSeconds: 0 });
      return { ttl: true };
    } catch (err) {
      // 238 NotImplemented: FerretDB. 85/86: the plain index made while on FerretDB is already there.
      if (![238, 85, 86].includes(errorCode(err) ?? 0)) throw err;
      await rows().createIndex({ expire: 1 }, { name: 'expire_1' });
      return { ttl: false };
    }
  }
  return () => {
    indexes ??= createIndexes().catch((err: unknown) => {
      indexes = undefined;
      throw err;
    });
    return indexes;
  };
}

/** Counter ids found empty a moment ago, for at most 30 s and 10,000 ids. */
function clearMemory(now: Clock) {
  const foundClear = new Map<string, number>();
  const CLEAR_FOR_MS = 30_000;
  return {
    noteClear(id: string, clear: boolean): void {
      if (!clear) {
        foundClear.delete(id);
        return;
      }
      if (foundClear.size >= 10_000) foundClear.clear();
      foundClear.set(id, now() + CLEAR_FOR_MS);
    },
    takeClear(id: string): boolean {
      const until = foundClear.get(id);
      foundClear.delete(id);
      return until !== undefined && until > now();
    },
  };
}

export function createThrottle(deps: ThrottleDeps): Throttle {
  const { conn, audit, logger, enabled, proofOfWork } = deps;
  const limits = mergeLimits(deps.limits);
  const now = deps.now ?? systemClock;
  const counters: Counters = createCounters({ conn, collection: THROTTLE_COLLECTION, now });

  const limiters = limitersOf(limits);
  // Without proofs, a proof rule refuses until its window ends, as any other rule does.
  const needsProof = (rule: LimitRule) => rule.proof === true && proofOfWork !== undefined;
  const counterKey = (limiter: Limiter, key: string) => `${limiter.prefix}:${key}`;
  const lockoutKey = (limiter: Limiter, key: string) => `${limiter.prefix}:lockouts:${key}`;
  const forgetKey = (limiter: Limiter, key: string) =>
    limiter.rule.blockSeconds ? counters.delete(counterKey(limiter, key), lockoutKey(limiter, key)) : counters.delete(counterKey(limiter, key));

  const rows = () => conn.collection(THROTTLE_COLLECTION);
  const ensureIndexes = indexMaker(conn);

  const normalised = (value: string | undefined) => value?.trim().toLowerCase() || undefined;
  // An address counts by its subscriber (IPv6 /64); anything else the proxy passed on counts as itself.
  const addressOf = (ip: string) => subscriberOf(ip) ?? ip.trim().toLowerCase();

  function applicable(action: ThrottleAction, keys: ThrottleKeys) {
    const account = normalised(keys.account);
    const address = addressOf(keys.ip);
    // A known device counts under its own allowance alone; everything else by address, account and the pair.
    const known = account !== undefined && keys.device !== undefined && limiters.has(`${action}:device`);
    const subjects: Record<Scope, string | undefined> = {
      ip: known ? undefined : address,
      account: known && action === 'login' ? undefined : account,
      source: !known && account ? `${account}\0${address}` : undefined,
      device: known ? `${account}\0${keys.device}` : undefined,
    };
    return SCOPES.flatMap((scope) => {
      const limiter = limiters.get(`${action}:${scope}`);
      const subject = subjects[scope];
      return limiter && subject ? [{ scope, limiter, key: hashKey(subject) }] : [];
    });
  }

  /** Blocks win over proofs: a pair blocked is refused even with a proof. */
  function verdictOf(action: ThrottleAction, keys: ThrottleKeys, blocks: number[], proofs: number[]): ThrottleVerdict {
    if (blocks.length) return { allowed: false, retryAfterSeconds: Math.max(...blocks) };
    if (proofs.length && proofOfWork) {
      return { allowed: false, retryAfterSeconds: Math.max(...proofs), proof: proofOfWork.issue(proofBinding(action, keys)) };
    }
    return { allowed: true };
  }
  const proofBinding = (action: ThrottleAction, keys: ThrottleKeys) => `${action}\0${normalised(keys.account) ?? ''}`;

  /** Whether the attempt brought an unspent solution of a challenge issued for it; spends it. */
  async function spendProof(action: ThrottleAction, keys: ThrottleKeys): Promise<boolean> {
    if (!proofOfWork || !keys.proof) return false;
    const solved = proofOfWork.solves(proofBinding(action, keys), keys.proof.challenge, keys.proof.nonce);
    return solved.ok && (await counters.claim(`proof:${solved.id}`, solved.expiresAt));
  }

  const serialise = serialised();

  // Personal counters check() has just found empty (no failures, no backoff memory): the success that usually follows
  // within moments need not send a delete for them. A failure counted by another process in between stays counted
  // until its window ends, as if it had come just after the success.
  const { noteClear, takeClear } = clearMemory(now);
  /** The counters a success of this action resets: for login the pair (a success says nothing of other sources). */
  const resets = (action: ThrottleAction, scope: Scope) =>
    RESET_ON_SUCCESS.has(action) && (action === 'login' ? scope === 'source' || scope === 'device' : scope === 'account');

  /** Tells the owner, once an hour per action and account, off the request's path. */
  function announce(action: ThrottleAction, keys: ThrottleKeys, retryAfterSeconds: number, meta: ThrottleMeta): void {
    const account = normalised(keys.account);
    if (!deps.onLockout || !account) return;
    const notify = deps.onLockout;
    void counters
      .add(`${action}:notified:${hashKey(account)}`, 1, HOUR * 1000)
      .then((res) => (res.points === 1 ? notify({ action, account, retryAfterSeconds, meta }) : undefined))
      .catch((err: unknown) => logger.warn({ err, action }, 'could not tell an account owner of a sign-in block'));
  }

  return {
    async check(action, keys) {
      if (!enabled) return { allowed: true };
      await ensureIndexes();
      const blocks: number[] = [];
      const proofs: number[] = [];
      const wanted = applicable(action, keys).map(({ scope, limiter, key }) => ({
        scope,
        limiter,
        id: counterKey(limiter, key),
        // Read along (same command) so that a success can tell whether there is anything to forget.
        lockouts: resets(action, scope) && limiter.rule.blockSeconds ? lockoutKey(limiter, key) : undefined,
      }));
      const running = await counters.getMany(wanted.flatMap((w) => (w.lockouts ? [w.id, w.lockouts] : [w.id])));
      for (const { scope, limiter, id, lockouts } of wanted) {
        const res = running.get(id);
        if (res && res.points >= limiter.rule.points) (needsProof(limiter.rule) ? proofs : blocks).push(secondsOf(res.msBeforeNext));
        if (resets(action, scope)) noteClear(id, !res && !(lockouts && running.has(lockouts)));
      }
      if (!blocks.length && proofs.length && (await spendProof(action, keys))) return { allowed: true };
      return verdictOf(action, keys, blocks, proofs);
    },

    async fail(action, keys, meta = {}) {
      if (!enabled) return { allowed: true };
      await ensureIndexes();
      const blocks: number[] = [];
      const proofs: number[] = [];
      let started: number | undefined;
      for (const { scope, limiter, key } of applicable(action, keys)) {
        const { rule } = limiter;
        noteClear(counterKey(limiter, key), false);
        const wait = await serialise(`${action}:${scope}:${key}`, async () => {
          const res = await counters.add(counterKey(limiter, key), 1, rule.windowSeconds * 1000);
          if (res.points < rule.points) return undefined;
          // Further failures while blocked (a request that passed check() just before the block) extend nothing.
          if (res.points > rule.points) return secondsOf(res.msBeforeNext);
          let seconds = secondsOf(res.msBeforeNext);
          if (rule.blockSeconds && !needsProof(rule)) {
            const n = (await counters.add(lockoutKey(limiter, key), 1, limits.backoff.memorySeconds * 1000)).points;
            seconds = Math.min(rule.blockSeconds * 2 ** Math.min(n - 1, 30), limits.backoff.maxSeconds);
            // Past the limit for the block's length: check() refuses until then.
            await counters.set(counterKey(limiter, key), rule.points + 1, seconds * 1000);
          }
          await audit.record({
            type: 'throttle.lockout',
            outcome: 'failure',
            reason: `${action}.${scope}`,
            accountId: meta.accountId,
            ip: meta.ip,
            userAgent: meta.userAgent,
            details: { action, retryAfterSeconds: seconds, ...(needsProof(rule) ? { proof: true } : {}) },
          });
          if (scope !== 'ip') started = Math.max(started ?? 0, seconds);
          return seconds;
        });
        if (wait !== undefined) (needsProof(rule) ? proofs : blocks).push(wait);
      }
      if (started !== undefined) announce(action, keys, started, meta);
      return verdictOf(action, keys, blocks, proofs);
    },

    async succeed(action, keys) {
      if (!enabled || !RESET_ON_SUCCESS.has(action)) return;
      await ensureIndexes();
      for (const { scope, limiter, key } of applicable(action, keys)) {
        if (!resets(action, scope) || takeClear(counterKey(limiter, key))) continue;
        await serialise(`${action}:${scope}:${key}`, () => forgetKey(limiter, key));
      }
    },

    async forget(subjects) {
      await ensureIndexes();
      for (const action of ACTIONS) {
        for (const subject of subjects) {
          for (const { scope, limiter, key } of applicable(action, { ip: '', account: subject })) {
            if (scope !== 'account') continue;
            await serialise(`${action}:${scope}:${key}`, () => forgetKey(limiter, key));
          }
        }
      }
    },

    ensureIndexes,

    async sweepExpired() {
      const { deletedCount } = await rows().deleteMany({ expire: { $lte: new Date(now()) } });
      if (deletedCount > 0) logger.debug({ removed: deletedCount }, 'expired rate-limit rows swept');
      return deletedCount;
    },
  };
}
