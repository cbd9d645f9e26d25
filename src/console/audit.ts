// The audit log in the console, newest first, through the audit service the management API lists with: by type,
// by account (its id, a pseudonym of an erased one, or an e-mail address looked up), by day range, and by operator.
// A page at a time: the cursor names the last row of the page before (as GET /api/v1/audit-events pages).
import type { Context } from 'koa';
import { formatTime } from '../http/dates.ts';
import type { MessageKey } from '../i18n/index.ts';
import { AUDIT_EVENT_TYPES, isAuditEventType } from '../services/audit-events.ts';
import type { AuditFilter, StoredAuditEvent } from '../services/audit.ts';
import { decodeCursor, encodeCursor } from '../services/page-cursor.ts';
import type { ConsoleDeps } from './deps.ts';
import { customerPath } from './lookup.ts';
import type { ConsolePages } from './pages.ts';

const PAGE_SIZE = 50;
const MAX_DETAILS = 300;
const DAY_MS = 24 * 60 * 60 * 1000;

interface AuditForm {
  type: string;
  account: string;
  actor: string;
  from: string;
  to: string;
}

const one = (value: unknown, max: number): string => (typeof value === 'string' ? value.trim().slice(0, max) : '');

/** A calendar day (YYYY-MM-DD, UTC) as its first instant; undefined for anything else. */
function day(value: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const at = new Date(`${value}T00:00:00Z`);
  return Number.isNaN(at.getTime()) || at.toISOString().slice(0, 10) !== value ? undefined : at;
}

type Parsed = { form: AuditForm; errors: Partial<Record<keyof AuditForm, MessageKey>>; filter: AuditFilter; unknownEmail: boolean };

async function parseFilters(query: Context['query'], deps: Pick<ConsoleDeps, 'users'>): Promise<Parsed> {
  const form: AuditForm = { type: one(query.type, 64), account: one(query.account, 254), actor: one(query.actor, 254), from: one(query.from, 10), to: one(query.to, 10) };
  const errors: Parsed['errors'] = {};
  const filter: AuditFilter = {};
  let unknownEmail = false;
  if (form.type) {
    if (isAuditEventType(form.type)) filter.type = form.type;
    else errors.type = 'console.audit.error.type';
  }
  // An e-mail address names the account that has it now (an erased one is found by its pseudonym only).
  const idOf = async (value: string) => {
    if (!value.includes('@')) return value;
    const user = await deps.users.findByEmail(value);
    if (!user) unknownEmail = true;
    return user?.id;
  };
  if (form.account) {
    const id = await idOf(form.account);
    if (id) filter.accountId = id;
  }
  if (form.actor) {
    const id = await idOf(form.actor);
    if (id) filter.actorId = id;
  }
  for (const key of ['from', 'to'] as const) {
    if (!form[key]) continue;
    const at = day(form[key]);
    if (!at) errors[key] = 'console.audit.error.date';
    // "to" is the last day shown: events before the next day's start.
    else filter[key] = key === 'to' ? new Date(at.getTime() + DAY_MS) : at;
  }
  return { form, errors, filter, unknownEmail };
}

const detailsText = (e: StoredAuditEvent) => {
  if (!e.details) return '';
  const text = JSON.stringify(e.details);
  return text.length > MAX_DETAILS ? `${text.slice(0, MAX_DETAILS)}…` : text;
};

export function auditRoutes(pages: ConsolePages, deps: ConsoleDeps): void {
  pages.get('/audit', { permission: 'audit.read' }, async (ctx, op) => {
    const { form, errors, filter, unknownEmail } = await parseFilters(ctx.query, deps);
    const cursor = one(ctx.query.cursor, 200);
    const failed = Object.keys(errors).length > 0;
    const events = failed || unknownEmail ? [] : await deps.audit.list({ ...filter, ...(cursor ? { before: decodeCursor(cursor) } : {}), limit: PAGE_SIZE });
    const filters = new URLSearchParams(Object.entries(form).filter(([, v]) => v));
    const last = events.at(-1);
    const next = events.length === PAGE_SIZE && last ? new URLSearchParams([...filters, ['cursor', encodeCursor(last)]]) : undefined;
    const person = (id: string | undefined) => (id ? { id, href: id.includes(':') ? null : customerPath(id) } : null);
    pages.render(ctx, op, 'audit', {
      section: 'audit',
      title: 'console.audit.title',
      ...(failed ? { status: 400 } : {}),
      data: {
        form,
        errors,
        unknownEmail,
        types: AUDIT_EVENT_TYPES,
        events: events.map((e) => ({
          at: formatTime(e.at, op.account),
          iso: e.at.toISOString(),
          type: e.type,
          failed: e.outcome === 'failure',
          account: person(e.accountId),
          actor: person(e.actorId),
          clientId: e.clientId ?? '',
          reason: e.reason ?? '',
          ip: e.ip ?? '',
          details: detailsText(e),
        })),
        next: next ? `/console/audit?${next}` : null,
        first: cursor ? `/console/audit${filters.size ? `?${filters}` : ''}` : null,
      },
    });
  });
}
