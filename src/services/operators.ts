// Who may use the operator console, and as what: a small collection `operators` keyed by account id, one role each.
// Kept apart from the customer's profile on purpose: a role is no claim (nothing that reads or exports a profile,
// issues a token or imports accounts can carry it), it is read with one lookup by _id per console request, and the
// list of everyone with power over customers is one short collection to read. Exported and erased with the account.
// A support operator may carry an admin's time-limited grant to search every customer (searchGrant, at most
// MAX_SEARCH_GRANT_HOURS, with its reason): read with the role in the same lookup, checked on every console request,
// revocable, dropped when the role changes; granting, revoking and running out are audited (running out when first
// noticed: the agent's next console request or the admin's operators page, with the moment it ran out).
import { Schema, type Connection, type Model } from 'mongoose';
import { systemClock, type Clock } from '../clock.ts';
import { modelOn } from '../db/models/model-on.ts';
import type { AuditLog } from './audit.ts';
import type { PerAccountStore } from './per-account-store.ts';

/** admin: everything; support: customers, read and act; auditor: customers and the audit log, read only. */
export const OPERATOR_ROLES = ['admin', 'support', 'auditor'] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

export const isOperatorRole = (value: unknown): value is OperatorRole => typeof value === 'string' && (OPERATOR_ROLES as readonly string[]).includes(value);

/** The longest a support operator's customer search may be granted for. */
export const MAX_SEARCH_GRANT_HOURS = 8;
const REASON_LENGTH = { min: 3, max: 300 } as const;

/** An admin's grant letting a support operator search every customer until `until`. */
export interface SearchGrant {
  grantedBy: string;
  reason: string;
  from: Date;
  until: Date;
}

export interface Operator {
  accountId: string;
  role: OperatorRole;
  createdAt: Date;
  updatedAt: Date;
  /** A customer search grant that has not run out. */
  searchGrant?: SearchGrant;
}

/** What one console request needs of its operator: the role, and a search grant while it lasts. */
export interface OperatorAccess {
  role: OperatorRole;
  searchGrant?: SearchGrant;
}

interface OperatorRow {
  _id: string;
  role: OperatorRole;
  createdAt: Date;
  updatedAt: Date;
  /** `expiryNoted`: its running out is in the audit log. */
  searchGrant?: SearchGrant & { expiryNoted?: boolean };
}

const schema = new Schema<OperatorRow>(
  {
    _id: { type: String, required: true },
    role: { type: String, required: true, enum: OPERATOR_ROLES },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    searchGrant: {
      type: new Schema({ grantedBy: String, reason: String, from: Date, until: Date, expiryNoted: Boolean }, { _id: false }),
      default: undefined,
    },
  },
  { collection: 'operators', versionKey: false },
);

/** Who changed a role: the entry point (the CLI today), and the operator when one did. */
export interface OperatorChangeActor {
  source: 'cli' | 'console' | 'api';
  operatorId?: string;
  ip?: string;
  userAgent?: string;
}

export type SearchGrantResult = { ok: true; grant: SearchGrant } | { ok: false; reason: 'not_support' | 'hours' | 'reason' };

export type RoleChange = { status: 'added' } | { status: 'changed'; previous: OperatorRole } | { status: 'unchanged' };

export interface OperatorStore extends PerAccountStore {
  /** The account's role; undefined for an account that is no operator. */
  roleOf(accountId: string): Promise<OperatorRole | undefined>;
  /** Every operator, oldest first. */
  list(): Promise<Operator[]>;
  /** Makes the account an operator with this role, or gives it this role; audited unless nothing changed. */
  setRole(accountId: string, role: OperatorRole, actor: OperatorChangeActor): Promise<RoleChange>;
  /** The account stops being an operator; the role it had, undefined when it was none. Audited. */
  remove(accountId: string, actor: OperatorChangeActor): Promise<OperatorRole | undefined>;
  /** The role and a search grant that lasts (one read by _id); a grant found run out is noted in the audit log once. */
  access(accountId: string): Promise<OperatorAccess | undefined>;
  /**
   * Lets a support operator search every customer for `hours` (1 to MAX_SEARCH_GRANT_HOURS), for a reason (3 to 300
   * characters); replaces a grant it has. Audited as operator.search_granted with the admin as actor.
   */
  grantSearch(accountId: string, grant: { hours: number; reason: string }, actor: OperatorChangeActor): Promise<SearchGrantResult>;
  /** Ends a search grant that lasts; false when there was none. Audited as operator.search_revoked. */
  revokeSearch(accountId: string, actor: OperatorChangeActor): Promise<boolean>;
}

export function createOperators(deps: { conn: Connection; audit: Pick<AuditLog, 'record'>; now?: Clock }): OperatorStore {
  const model: Model<OperatorRow> = modelOn<OperatorRow>(deps.conn, 'Operator', schema);
  const now = deps.now ?? systemClock;
  const who = (actor: OperatorChangeActor) => ({
    reason: actor.source,
    ...(actor.operatorId ? { actorId: actor.operatorId } : {}),
    ...(actor.ip ? { ip: actor.ip } : {}),
    ...(actor.userAgent ? { userAgent: actor.userAgent } : {}),
  });
  const lasting = (row: OperatorRow, at: number): SearchGrant | undefined => {
    const g = row.searchGrant;
    return g && row.role === 'support' && g.until.getTime() > at ? { grantedBy: g.grantedBy, reason: g.reason, from: g.from, until: g.until } : undefined;
  };
  const view = (row: OperatorRow, at: number): Operator => {
    const searchGrant = lasting(row, at);
    return { accountId: row._id, role: row.role, createdAt: row.createdAt, updatedAt: row.updatedAt, ...(searchGrant ? { searchGrant } : {}) };
  };

  /** A grant that ran out, noted once (whoever notices first: one atomic update decides). */
  async function noteExpiry(row: OperatorRow, at: number): Promise<void> {
    const g = row.searchGrant;
    if (!g || g.expiryNoted || g.until.getTime() > at) return;
    const noted = await model.updateOne({ _id: row._id, 'searchGrant.until': g.until, 'searchGrant.expiryNoted': { $ne: true } }, { $set: { 'searchGrant.expiryNoted': true } });
    if (noted.modifiedCount !== 1) return;
    await deps.audit.record({ type: 'operator.search_expired', outcome: 'success', accountId: row._id, reason: 'expired', actorId: g.grantedBy, details: { until: g.until, grantedBy: g.grantedBy } });
  }
  const find = (accountId: string) => (typeof accountId === 'string' && accountId ? model.findById(accountId).lean<OperatorRow>() : Promise.resolve(null));

  return {
    async roleOf(accountId) {
      const row = await find(accountId);
      return row && isOperatorRole(row.role) ? row.role : undefined;
    },
    async list() {
      const at = now();
      const rows = await model.find({}).sort({ createdAt: 1, _id: 1 }).lean<OperatorRow[]>();
      for (const row of rows) await noteExpiry(row, at);
      return rows.map((row) => view(row, at));
    },
    async access(accountId) {
      const row = await find(accountId);
      if (!row || !isOperatorRole(row.role)) return undefined;
      const at = now();
      await noteExpiry(row, at);
      const searchGrant = lasting(row, at);
      return { role: row.role, ...(searchGrant ? { searchGrant } : {}) };
    },
    async grantSearch(accountId, grant, actor) {
      const hours = grant.hours;
      if (!Number.isInteger(hours) || hours < 1 || hours > MAX_SEARCH_GRANT_HOURS) return { ok: false, reason: 'hours' };
      const reason = typeof grant.reason === 'string' ? grant.reason.trim() : '';
      if (reason.length < REASON_LENGTH.min || reason.length > REASON_LENGTH.max) return { ok: false, reason: 'reason' };
      const from = new Date(now());
      const given: SearchGrant = { grantedBy: actor.operatorId ?? actor.source, reason, from, until: new Date(from.getTime() + hours * 3600_000) };
      // Only a support operator's row: an admin or an auditor has (or lacks) search by role, never by a grant.
      const written = await model.updateOne({ _id: accountId, role: 'support' }, { $set: { searchGrant: given } });
      if (written.matchedCount !== 1) return { ok: false, reason: 'not_support' };
      await deps.audit.record({ type: 'operator.search_granted', outcome: 'success', accountId, ...who(actor), details: { hours, until: given.until, reason } });
      return { ok: true, grant: given };
    },
    async revokeSearch(accountId, actor) {
      const row = await find(accountId);
      const at = now();
      const grant = row ? lasting(row, at) : undefined;
      if (!row || !grant) return false;
      const removed = await model.updateOne({ _id: accountId, 'searchGrant.until': grant.until }, { $unset: { searchGrant: 1 } });
      if (removed.modifiedCount !== 1) return false;
      await deps.audit.record({ type: 'operator.search_revoked', outcome: 'success', accountId, ...who(actor), details: { until: grant.until, grantedBy: grant.grantedBy } });
      return true;
    },
    async setRole(accountId, role, actor) {
      if (!isOperatorRole(role)) throw new TypeError(`unknown operator role ${String(role)}`);
      const at = new Date(now());
      // One write whatever was there: the row as it was before tells what changed (a concurrent change of the same
      // account is one of the two, as with any last write).
      // A search grant belongs to the support role: another role drops it.
      const update = role === 'support' ? { $set: { role, updatedAt: at }, $setOnInsert: { createdAt: at } } : { $set: { role, updatedAt: at }, $setOnInsert: { createdAt: at }, $unset: { searchGrant: 1 } };
      const before = await model.findOneAndUpdate({ _id: accountId }, update, { upsert: true }).lean<OperatorRow>();
      if (!before) {
        await deps.audit.record({ type: 'operator.added', outcome: 'success', accountId, ...who(actor), details: { role } });
        return { status: 'added' };
      }
      if (before.role === role) return { status: 'unchanged' };
      await deps.audit.record({ type: 'operator.role_changed', outcome: 'success', accountId, ...who(actor), details: { role, previous: before.role } });
      return { status: 'changed', previous: before.role };
    },
    async remove(accountId, actor) {
      const row = await model.findOneAndDelete({ _id: accountId }).lean<OperatorRow>();
      if (!row) return undefined;
      await deps.audit.record({ type: 'operator.removed', outcome: 'success', accountId, ...who(actor), details: { role: row.role } });
      return row.role;
    },
    async exportFor(accountId) {
      const row = await find(accountId);
      return row ? { role: row.role, since: row.createdAt } : null;
    },
    async removeAll(accountId) {
      const { deletedCount } = await model.deleteOne({ _id: accountId });
      return deletedCount;
    },
  };
}
