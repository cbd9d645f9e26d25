// The one writer of security events. Append-only by construction: this service records and lists; the one rewrite it
// knows is erasure's (pseudonymise), which replaces who a row names and never what happened.
import { systemClock, type Clock } from '../clock.ts';
import type { AuditDetails, AuditEventType } from './audit-events.ts';
import { createKeyedHash } from './crypto.ts';
import { AsyncLocalStorage } from 'node:async_hooks';
import { Types, type Connection } from 'mongoose';
import { groupCommit } from '../db/group-commit.ts';
import { auditEventModel, type AuditEventRecord } from '../db/models/audit-event.ts';
import type { Logger } from '../log.ts';

type AuditBase = Omit<AuditEventRecord, '_id' | 'at' | 'type' | 'details'>;

/** What callers record: the stored row minus what the store assigns (id and time), of a type in the catalogue, with
 *  that type's details (audit-events.ts). */
export type AuditEvent = { [T in AuditEventType]: AuditBase & { type: T; details?: AuditDetails[T] } }[AuditEventType];

/**
 * An event of type T, for code that records several types through one helper: its details are checked against T's
 * where the helper is called; TypeScript cannot narrow a generic type parameter into the union, hence the one cast.
 */
export function auditEvent<T extends AuditEventType>(e: AuditBase & { type: T; details?: AuditDetails[T] }): AuditEvent {
  return e as AuditEvent;
}

/** A row read back. Its details are left loosely typed: rows written before a shape changed, and rows erasure
 *  pseudonymised (scrubbed values), keep what they were written with. */
export type StoredAuditEvent = AuditBase & { type: AuditEventType; details?: Record<string, unknown>; id: string; at: Date };

export interface AuditFilter {
  type?: AuditEventType;
  accountId?: string;
  clientId?: string;
  /** Events of this operator's doing (actorId). */
  actorId?: string;
  /** Events at or after this time. */
  from?: Date;
  /** Events before this time. */
  to?: Date;
  /** Older than this event (the last of the page before: newest first, so pages go back in time). */
  before?: { at: Date; id: string };
  limit?: number;
}

export interface AuditLog {
  /** Writes the event; inside `held` it is written with the others of that scope when the scope ends. */
  record(e: AuditEvent): Promise<void>;
  /**
   * Runs `fn` (a request) with the events it records held and written together when it ends, as one command
   * instead of one per event, whether it succeeds or fails: a sign-in records its risk assessment and its success.
   * A failed write fails `fn`'s outcome as a failed record would have. Reading the log inside the scope writes what
   * is held first; an event recorded after the scope has ended (work left running) is written at once.
   */
  held<T>(fn: () => Promise<T>): Promise<T>;
  list(filter?: AuditFilter): Promise<StoredAuditEvent[]>;
  /** Every event of one account, oldest first (the customer's data export). */
  forAccount(accountId: string): Promise<StoredAuditEvent[]>;
  /**
   * How many events of each type (and outcome) happened per UTC day from `from` on, for the console's overview:
   * the rows read are only their type, outcome and time.
   */
  dailyCounts(types: readonly AuditEventType[], from: Date): Promise<{ day: string; type: AuditEventType; outcome: string; count: number }[]>;
  /**
   * Erasure: every event of the account keeps its type, time, outcome, client and reason, but names `pseudonym`
   * instead of the account, loses its network address and user agent, and any detail value containing one of
   * `scrub` (e-mail, phone, name) is replaced. Resolves with how many rows were rewritten.
   */
  pseudonymise(accountId: string, opts: { pseudonym: string; scrub: readonly string[] }): Promise<number>;
}

/** What a scrubbed detail value becomes. */
export const SCRUBBED = '[erased]';

/**
 * The pseudonym an erased account's audit rows carry: a keyed HMAC of the account id (HKDF of the data encryption
 * key, info "audit-pseudonym"). Stable, so an operator can still see that rows belonged to one customer; keyed, so
 * nobody can test a known account id against it without the key.
 */
/** What every pseudonym starts with (so an erased customer's id is told from a live one). */
export const PSEUDONYM_PREFIX = 'erased:';

export function auditPseudonym(key: Buffer, accountId: string): string {
  return `${PSEUDONYM_PREFIX}${createKeyedHash(key, 'audit-pseudonym')(accountId).slice(0, 22)}`;
}

/** Replaces, anywhere in a details value, each string that contains one of `needles` (case-insensitive). */
export function scrubDetails(value: unknown, needles: readonly string[]): unknown {
  const lower = needles.filter((n) => n.length >= 3).map((n) => n.toLowerCase());
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return lower.some((n) => v.toLowerCase().includes(n)) ? SCRUBBED : v;
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object' && !(v instanceof Date)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, item]) => [lower.some((n) => k.toLowerCase().includes(n)) ? SCRUBBED : k, walk(item)]));
    }
    return v;
  };
  return walk(value);
}

const MAX_LIST = 1000;
// Client-supplied strings (user agent) are bounded so that one request cannot bloat the log.
const MAX_FIELD = 512;

const clip = (v: string | undefined) => (v === undefined ? undefined : v.slice(0, MAX_FIELD));

function toView(r: AuditEventRecord): StoredAuditEvent {
  // Rows are written through record() only, so their type is in the catalogue.
  const view: StoredAuditEvent = { id: r._id.toHexString(), at: r.at, type: r.type as AuditEventType, outcome: r.outcome };
  for (const k of ['accountId', 'clientId', 'actorId', 'ip', 'userAgent', 'reason'] as const) {
    if (r[k] != null) view[k] = r[k];
  }
  if (r.details != null) view.details = r.details;
  return view;
}

/** Told of every event as it is recorded (the metrics count sign-ins, second factors and blocks from them). */
export type AuditObserver = (e: AuditEvent) => void;

export function createAuditLog(conn: Connection, logger?: Logger, now: Clock = systemClock, observe?: AuditObserver): AuditLog {
  const events = auditEventModel(conn);
  // Events of concurrent requests are written together (one insertMany while another is in flight): a busy sign-in
  // page does not send one command per event. Each record() still resolves only once its own row is written.
  const insert = groupCommit<Partial<AuditEventRecord>, void>(
    async (batch) => {
      await events.insertMany(batch.map((w) => w.item), { ordered: true });
      batch.forEach((w) => w.resolve());
    },
    2,
    100,
  );
  const scopes = new AsyncLocalStorage<{ pending: Partial<AuditEventRecord>[]; open: boolean }>();
  /** Writes what the current scope holds (one command), leaving the scope open. */
  async function writeHeld(): Promise<void> {
    const scope = scopes.getStore();
    if (!scope || scope.pending.length === 0) return;
    const rows = scope.pending.splice(0);
    if (rows.length === 1) await insert(rows[0]!);
    else await events.insertMany(rows, { ordered: true });
  }
  return {
    async held(fn) {
      const scope = { pending: [] as Partial<AuditEventRecord>[], open: true };
      return scopes.run(scope, async () => {
        let result: Awaited<ReturnType<typeof fn>>;
        try {
          result = await fn();
        } catch (err) {
          scope.open = false;
          // The failure's own events (a refused sign-in) are kept; the failure is what the caller sees.
          await writeHeld().catch((writeErr: unknown) => logger?.error({ err: (writeErr as Error).message }, 'audit events could not be written'));
          throw err;
        }
        scope.open = false;
        await writeHeld();
        return result;
      });
    },
    async record(e) {
      const row: Partial<AuditEventRecord> = {
        at: new Date(now()),
        type: e.type,
        outcome: e.outcome,
        accountId: e.accountId,
        clientId: e.clientId,
        ...(e.actorId ? { actorId: e.actorId } : {}),
        ip: clip(e.ip),
        userAgent: clip(e.userAgent),
        reason: e.reason,
        details: e.details,
      };
      const scope = scopes.getStore();
      if (scope?.open) scope.pending.push(row);
      else await insert(row);
      observe?.(e);
      // Only the event's identity goes to the log: details may hold data that belongs in the database alone.
      logger?.info({ audit: { type: e.type, outcome: e.outcome, accountId: e.accountId, clientId: e.clientId, actorId: e.actorId, reason: e.reason } }, 'audit');
    },
    async list(filter = {}) {
      const query: Record<string, unknown>[] = [];
      if (filter.type !== undefined) query.push({ type: filter.type });
      if (filter.accountId !== undefined) query.push({ accountId: filter.accountId });
      if (filter.clientId !== undefined) query.push({ clientId: filter.clientId });
      if (filter.actorId !== undefined) query.push({ actorId: filter.actorId });
      if (filter.from) query.push({ at: { $gte: filter.from } });
      if (filter.to) query.push({ at: { $lt: filter.to } });
      if (filter.before) {
        const id = Types.ObjectId.isValid(filter.before.id) ? new Types.ObjectId(filter.before.id) : undefined;
        if (!id) return [];
        query.push({ $or: [{ at: { $lt: filter.before.at } }, { at: filter.before.at, _id: { $lt: id } }] });
      }
      const limit = Math.min(Math.max(1, filter.limit ?? 100), MAX_LIST);
      await writeHeld();
      const rows = await events.find(query.length ? { $and: query } : {}).sort({ at: -1, _id: -1 }).limit(limit).lean<AuditEventRecord[]>();
      return rows.map(toView);
    },
    async dailyCounts(types, from) {
      await writeHeld();
      const rows = await events.find({ type: { $in: [...types] }, at: { $gte: from } }, { type: 1, outcome: 1, at: 1, _id: 0 }).lean<Pick<AuditEventRecord, 'type' | 'outcome' | 'at'>[]>();
      const counts = new Map<string, { day: string; type: AuditEventType; outcome: string; count: number }>();
      for (const r of rows) {
        const day = r.at.toISOString().slice(0, 10);
        const key = `${day} ${r.type} ${r.outcome}`;
        const entry = counts.get(key) ?? { day, type: r.type as AuditEventType, outcome: String(r.outcome), count: 0 };
        entry.count += 1;
        counts.set(key, entry);
      }
      return [...counts.values()];
    },
    async forAccount(accountId) {
      if (typeof accountId !== 'string' || !accountId) return [];
      await writeHeld();
      const rows = await events.find({ accountId }).sort({ at: 1, _id: 1 }).lean<AuditEventRecord[]>();
      return rows.map(toView);
    },
    async pseudonymise(accountId, { pseudonym, scrub }) {
      if (typeof accountId !== 'string' || !accountId) throw new TypeError('accountId must be a non-empty string');
      await writeHeld();
      // The model refuses updates (append-only for every other caller); erasure writes through the driver, row by row
      // (FerretDB has no pipeline updates), and only ever towards less information.
      const raw = events.collection;
      const needles = [accountId, ...scrub];
      let rewritten = 0;
      for await (const row of raw.find({ accountId })) {
        const set: Record<string, unknown> = { accountId: pseudonym };
        if (row.details != null) set.details = scrubDetails(row.details, needles);
        if (typeof row.reason === 'string') set.reason = scrubDetails(row.reason, needles);
        await raw.updateOne({ _id: row._id }, { $set: set, $unset: { ip: '', userAgent: '' } });
        rewritten += 1;
      }
      // What an erased operator did stays on record, under the same pseudonym.
      for await (const row of raw.find({ actorId: accountId })) {
        await raw.updateOne({ _id: row._id }, { $set: { actorId: pseudonym } });
        rewritten += 1;
      }
      return rewritten;
    },
  };
}
