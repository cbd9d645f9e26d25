// The audit log and the signing keys in the management API: what the CLI does with the keys (list, rotate) through
// the same services, and the audit log with the filters a support desk needs. (Apps: clients.ts.)
import { z } from 'zod';
import { AUDIT_EVENT_TYPES } from '../../services/audit-events.ts';
import type { AuditLog, StoredAuditEvent } from '../../services/audit.ts';
import { rotateSigningKeys } from '../../usecases/signing-keys.ts';
import type { KeyStore } from '../../services/keys.ts';
import type { Config } from '../../config/index.ts';
import { decodeCursor, encodeCursor } from '../../services/page-cursor.ts';
import { operation, type Operation } from './operation.ts';

export interface OperatorOperationsDeps {
  audit: Pick<AuditLog, 'list'>;
  keys: Pick<KeyStore, 'list' | 'rotate'>;
  config: Pick<Config, 'ttl' | 'resources'>;
  /** Serve the rotated keys at once in this process (others pick them up within KEYS_REFRESH_SECONDS). */
  reloadKeys?: () => Promise<boolean>;
}

const iso = z.iso.datetime({ offset: true }).transform((s) => new Date(s));
const auditQuery = z.object({
  account_id: z.string().max(200).optional(),
  client_id: z.string().max(200).optional(),
  type: z.enum(AUDIT_EVENT_TYPES as [string, ...string[]]).optional(),
  from: iso.optional(),
  to: iso.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(200).optional().describe('next_cursor of the page before (pages go back in time)'),
});
const auditEvent = z.object({
  id: z.string(),
  at: z.string(),
  type: z.string(),
  outcome: z.string(),
  accountId: z.string().optional(),
  clientId: z.string().optional(),
  actorId: z.string().optional().describe('The operator (account id) who acted in the console'),
  ip: z.string().optional(),
  userAgent: z.string().optional(),
  reason: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
const eventOut = (e: StoredAuditEvent) => ({ ...e, at: e.at.toISOString(), ...(e.details ? { details: JSON.parse(JSON.stringify(e.details)) as Record<string, unknown> } : {}) });
const date = (d: Date | undefined) => (d ? d.toISOString() : undefined);
const keySchema = z.object({
  kid: z.string(),
  alg: z.string(),
  state: z.enum(['current', 'next', 'retired']),
  createdAt: z.string(),
  activatedAt: z.string().optional(),
  retiredAt: z.string().optional(),
  removeAfter: z.string().optional(),
});

export function operatorOperations(deps: OperatorOperationsDeps): Operation[] {
  return [
    operation({
      method: 'get', path: '/audit-events', operationId: 'listAuditEvents', tag: 'audit', scope: 'audit:read',
      summary: 'Read the audit log, newest first: by customer, app, type and time',
      query: auditQuery, status: 200, response: z.object({ events: z.array(auditEvent), next_cursor: z.string().optional() }),
      async handle({ query }) {
        const events = await deps.audit.list({
          ...(query.account_id ? { accountId: query.account_id } : {}),
          ...(query.client_id ? { clientId: query.client_id } : {}),
          ...(query.type ? { type: query.type as StoredAuditEvent['type'] } : {}),
          ...(query.from ? { from: query.from } : {}),
          ...(query.to ? { to: query.to } : {}),
          ...(query.cursor ? { before: decodeCursor(query.cursor) } : {}),
          limit: query.limit,
        });
        const last = events.at(-1);
        return { events: events.map(eventOut), ...(events.length === query.limit && last ? { next_cursor: encodeCursor(last) } : {}) };
      },
    }),
    operation({
      method: 'get', path: '/keys', operationId: 'listKeys', tag: 'keys', scope: 'keys:read',
      summary: 'List the signing keys and their states', status: 200, response: z.object({ keys: z.array(keySchema) }),
      handle: async () => ({
        keys: (await deps.keys.list()).map((k) => ({ ...k, createdAt: k.createdAt.toISOString(), activatedAt: date(k.activatedAt), retiredAt: date(k.retiredAt), removeAfter: date(k.removeAfter) })),
      }),
    }),
    operation({
      method: 'post', path: '/keys/rotate', operationId: 'rotateKeys', tag: 'keys', scope: 'keys:write',
      summary: 'Rotate the signing keys (the old key stays published for the longest signed-token lifetime)',
      status: 200, response: z.object({ activated: z.array(z.string()), retired: z.array(z.string()), created: z.array(z.string()), removed: z.array(z.string()) }),
      handle: () => rotateSigningKeys(deps),
    }),
  ];
}
