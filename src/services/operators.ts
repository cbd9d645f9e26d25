// Who may use the operator console, and as what: a small collection `operators` keyed by account id, one role each.
// Kept apart from the customer's profile on purpose: a role is no claim (nothing that reads or exports a profile,
// issues a token or imports accounts can carry it), it is read with one lookup by _id per console request, and the
// list of everyone with power over customers is one short collection to read. Exported and erased with the account.
import { Schema, type Connection, type Model } from 'mongoose';
import { systemClock, type Clock } from '../clock.ts';
import { modelOn } from '../db/models/model-on.ts';
import type { AuditLog } from './audit.ts';
import type { PerAccountStore } from './per-account-store.ts';

/** admin: everything; support: customers, read and act; auditor: customers and the audit log, read only. */
export const OPERATOR_ROLES = ['admin', 'support', 'auditor'] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

export const isOperatorRole = (value: unknown): value is OperatorRole => typeof value === 'string' && (OPERATOR_ROLES as readonly string[]).includes(value);

export interface Operator {
  accountId: string;
  role: OperatorRole;
  createdAt: Date;
  updatedAt: Date;
}

interface OperatorRow {
  _id: string;
  role: OperatorRole;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<OperatorRow>(
  {
    _id: { type: String, required: true },
    role: { type: String, required: true, enum: OPERATOR_ROLES },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { collection: 'operators', versionKey: false },
);

/** Who changed a role: the entry point (the CLI today), and the operator when one did. */
export interface OperatorChangeActor {
  source: 'cli' | 'console' | 'api';
  operatorId?: string;
}

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
}

export function createOperators(deps: { conn: Connection; audit: Pick<AuditLog, 'record'>; now?: Clock }): OperatorStore {
  const model: Model<OperatorRow> = modelOn<OperatorRow>(deps.conn, 'Operator', schema);
  const now = deps.now ?? systemClock;
  const view = (row: OperatorRow): Operator => ({ accountId: row._id, role: row.role, createdAt: row.createdAt, updatedAt: row.updatedAt });
  const who = (actor: OperatorChangeActor) => ({ reason: actor.source, ...(actor.operatorId ? { actorId: actor.operatorId } : {}) });
  const find = (accountId: string) => (typeof accountId === 'string' && accountId ? model.findById(accountId).lean<OperatorRow>() : Promise.resolve(null));

  return {
    async roleOf(accountId) {
      const row = await find(accountId);
      return row && isOperatorRole(row.role) ? row.role : undefined;
    },
    async list() {
      return (await model.find({}).sort({ createdAt: 1, _id: 1 }).lean<OperatorRow[]>()).map(view);
    },
    async setRole(accountId, role, actor) {
      if (!isOperatorRole(role)) throw new TypeError(`unknown operator role ${String(role)}`);
      const at = new Date(now());
      // One write whatever was there: the row as it was before tells what changed (a concurrent change of the same
      // account is one of the two, as with any last write).
      const before = await model.findOneAndUpdate({ _id: accountId }, { $set: { role, updatedAt: at }, $setOnInsert: { createdAt: at } }, { upsert: true }).lean<OperatorRow>();
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
