// Support codes: a signed-in customer shows a short code in the account center and reads it out to a support agent,
// who types it into the console and so finds that customer — without asking for a name, an address or a birthday,
// and without being able to find anyone else that way. A code is 6 digits, lives SUPPORT_CODE_MINUTES (10), works
// once, and a customer has one at a time (a new one replaces the old). Codes are stored under a keyed hash, never
// as typed. Guessing is what the throttle stops: an agent's wrong codes block that agent (throttle action
// `support`), and a customer may make only a few codes an hour. Both sides are audited — the customer's code
// (`support_code.issued`) and the agent's look-up (`support_code.used`, or `support_code.refused`) — and the
// account center lists when an agent looked the customer up.
import { randomInt } from 'node:crypto';
import type { Collection } from 'mongodb';
import type { Connection } from 'mongoose';
import { systemClock, type Clock } from '../clock.ts';
import { ensureExpiryIndexes, sweepExpired, type ExpiringRow } from '../../adapters/maintenance.ts';
import { isDuplicateKey } from '../db/duplicate-key.ts';
import type { AuditLog } from './audit.ts';
import { createKeyedHash } from './crypto.ts';
import type { ExpiringStore } from './expiry.ts';
import type { PerAccountStore } from './per-account-store.ts';
import type { Throttle } from './throttle.ts';

export const SUPPORT_CODE_COLLECTION = 'support_codes';
export const SUPPORT_CODE_MINUTES = 10;
/** Codes a customer may make per hour (each replaces the one before). */
const ISSUES_PER_HOUR = 6;
const DIGITS = 6;

interface CodeRow extends ExpiringRow {
  accountId: string;
  expiresAt: Date;
}

/** Who looks a code up: the agent's account, and where from. */
export interface SupportAgent {
  accountId: string;
  ip: string;
  userAgent?: string;
}

export type SupportLookup =
  | { ok: true; accountId: string }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

export interface SupportCodes extends ExpiringStore, PerAccountStore {
  /** A new code for the customer (the old one stops working); `throttled` after ISSUES_PER_HOUR in an hour. */
  issue(accountId: string, meta: { ip?: string; userAgent?: string }): Promise<{ ok: true; code: string; expiresAt: Date } | { ok: false; retryAfterSeconds: number }>;
  /** When the customer's current code stops working, if there is one. */
  current(accountId: string): Promise<Date | undefined>;
  /** The agent's look-up: the customer the code names (and the code is spent), or why not. */
  lookup(code: string, agent: SupportAgent): Promise<SupportLookup>;
  /** When agents looked the customer up, newest first. */
  lookups(accountId: string, limit?: number): Promise<Date[]>;
  /** Whether this agent found the customer by a code since `since` (what opens the customer to a support agent). */
  foundBy(accountId: string, agentId: string, since: Date): Promise<boolean>;
}

/** What an agent types, tidied: digits only (spaces and dashes read out with the code are ignored). */
export const normaliseSupportCode = (typed: string) => typed.replace(/[\s-]/g, '');

export function createSupportCodes(deps: {
  conn: Connection;
  key: Buffer;
  throttle: Pick<Throttle, 'check' | 'fail' | 'succeed'>;
  audit: Pick<AuditLog, 'record' | 'list'>;
  now?: Clock;
}): SupportCodes {
  const db = deps.conn.db;
  if (!db) throw new Error('database connection is not open');
  const rows: Collection<CodeRow> = db.collection<CodeRow>(SUPPORT_CODE_COLLECTION);
  const hashOf = createKeyedHash(deps.key, 'support-code');
  const now = () => (deps.now ?? systemClock)();
  const live = () => ({ expiresAt: { $gt: new Date(now()) } });

  async function current(accountId: string): Promise<Date | undefined> {
    const row = await rows.findOne({ accountId, ...live() });
    return row?.expiresAt;
  }

  return {
    async issue(accountId, meta) {
      const since = new Date(now() - 3600_000);
      const recent = await deps.audit.list({ type: 'support_code.issued', accountId, from: since, limit: ISSUES_PER_HOUR });
      if (recent.length >= ISSUES_PER_HOUR) {
        const oldest = recent.at(-1)!.at.getTime();
        return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + 3600_000 - now()) / 1000)) };
      }
      await rows.deleteMany({ accountId });
      const expiresAt = new Date(now() + SUPPORT_CODE_MINUTES * 60_000);
      // Another customer's live code may have the same digits (1 in 10^6 per live code): draw again.
      for (let attempt = 0; ; attempt++) {
        const code = String(randomInt(0, 10 ** DIGITS)).padStart(DIGITS, '0');
        try {
          await rows.insertOne({ _id: hashOf(code), accountId, expiresAt });
        } catch (err) {
          if (isDuplicateKey(err) && attempt < 5) continue;
          throw err;
        }
        await deps.audit.record({ type: 'support_code.issued', outcome: 'success', accountId, ip: meta.ip, userAgent: meta.userAgent, details: { minutes: SUPPORT_CODE_MINUTES } });
        return { ok: true, code, expiresAt };
      }
    },

    current,

    async lookup(typed, agent) {
      const keys = { ip: agent.ip, account: `support:${agent.accountId}` };
      const gate = await deps.throttle.check('support', keys);
      if (!gate.allowed) return { ok: false, reason: 'throttled', retryAfterSeconds: gate.retryAfterSeconds };
      const code = normaliseSupportCode(typed);
      const row = /^\d{6}$/.test(code) ? await rows.findOne({ _id: hashOf(code), ...live() }) : null;
      // Spent on first use: deleted only if it is still this row (a second agent typing it at once finds nothing).
      if (row && (await rows.deleteOne({ _id: row._id, accountId: row.accountId })).deletedCount === 1) {
        await deps.throttle.succeed('support', keys);
        await deps.audit.record({ type: 'support_code.used', outcome: 'success', accountId: row.accountId, ip: agent.ip, userAgent: agent.userAgent, details: { agent: agent.accountId } });
        return { ok: true, accountId: row.accountId };
      }
      await deps.audit.record({ type: 'support_code.refused', outcome: 'failure', ip: agent.ip, userAgent: agent.userAgent, details: { agent: agent.accountId } });
      const verdict = await deps.throttle.fail('support', keys, { ip: agent.ip, ...(agent.userAgent ? { userAgent: agent.userAgent } : {}) });
      return verdict.allowed ? { ok: false, reason: 'invalid' } : { ok: false, reason: 'throttled', retryAfterSeconds: verdict.retryAfterSeconds };
    },

    async foundBy(accountId, agentId, since) {
      const used = await deps.audit.list({ type: 'support_code.used', accountId, from: since, limit: 100 });
      return used.some((e) => (e.details as { agent?: unknown } | undefined)?.agent === agentId);
    },

    async lookups(accountId, limit = 20) {
      return (await deps.audit.list({ type: 'support_code.used', accountId, limit })).map((e) => e.at);
    },

    // The data export shows whether a code is live (never the code: it is kept only as a keyed hash); the look-ups
    // are in the export's audit events.
    async exportFor(accountId) {
      const until = await current(accountId);
      return until ? { activeCodeUntil: until.toISOString() } : {};
    },

    async removeAll(accountId) {
      return (await rows.deleteMany({ accountId })).deletedCount;
    },

    async ensureIndexes() {
      await rows.createIndex({ accountId: 1 });
      return ensureExpiryIndexes([rows as unknown as Collection<ExpiringRow>]);
    },
    sweepExpired: () => sweepExpired([rows as unknown as Collection<ExpiringRow>]),
  };
}
