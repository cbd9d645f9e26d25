// The one writer of security events. Append-only by construction: this service can record and list, nothing else.
import type { Connection } from 'mongoose';
import { auditEventModel, type AuditEventRecord } from '../db/models/audit-event.ts';
import type { Logger } from '../log.ts';

/** What callers record: the stored row minus what the store assigns (id and time). */
export type AuditEvent = Omit<AuditEventRecord, '_id' | 'at'>;

export type StoredAuditEvent = AuditEvent & { id: string; at: Date };

export interface AuditFilter {
  type?: string;
  accountId?: string;
  limit?: number;
}

export interface AuditLog {
  record(e: AuditEvent): Promise<void>;
  list(filter?: AuditFilter): Promise<StoredAuditEvent[]>;
}

const MAX_LIST = 1000;
// Client-supplied strings (user agent) are bounded so that one request cannot bloat the log.
const MAX_FIELD = 512;

const clip = (v: string | undefined) => (v === undefined ? undefined : v.slice(0, MAX_FIELD));

function toView(r: AuditEventRecord): StoredAuditEvent {
  const view: StoredAuditEvent = { id: r._id.toHexString(), at: r.at, type: r.type, outcome: r.outcome };
  for (const k of ['accountId', 'clientId', 'ip', 'userAgent', 'reason'] as const) {
    if (r[k] != null) view[k] = r[k];
  }
  if (r.details != null) view.details = r.details;
  return view;
}

export function createAuditLog(conn: Connection, logger?: Logger): AuditLog {
  const events = auditEventModel(conn);
  return {
    async record(e) {
      await events.create({
        type: e.type,
        outcome: e.outcome,
        accountId: e.accountId,
        clientId: e.clientId,
        ip: clip(e.ip),
        userAgent: clip(e.userAgent),
        reason: e.reason,
        details: e.details,
      });
      // Only the event's identity goes to the log: details may hold data that belongs in the database alone.
      logger?.info({ audit: { type: e.type, outcome: e.outcome, accountId: e.accountId, clientId: e.clientId, reason: e.reason } }, 'audit');
    },
    async list(filter = {}) {
      const query: Record<string, string> = {};
      if (filter.type !== undefined) query.type = filter.type;
      if (filter.accountId !== undefined) query.accountId = filter.accountId;
      const limit = Math.min(Math.max(1, filter.limit ?? 100), MAX_LIST);
      const rows = await events.find(query).sort({ at: -1, _id: -1 }).limit(limit).lean<AuditEventRecord[]>();
      return rows.map(toView);
    },
  };
}
