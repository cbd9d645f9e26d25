// Customers in the console: search (exact e-mail, part of the name or address, exact phone number; a page at a time
// with the directory's cursor) and one customer's page — profile, sessions, connected apps, second factors (metadata
// only), linked identities, legal acceptances, communication preferences and the history of consent per app — read
// through the services the management API's user resources and the account center read.
import type { Context } from 'koa';
import { formatTime } from '../http/dates.ts';
import type { MessageKey } from '../i18n/index.ts';
import type { UserQuery } from '../services/user-directory.ts';
import type { UserView } from '../services/users.ts';
import { actorFields, actorMeta } from '../usecases/account-status.ts';
import { ACTIONS, availableActions } from './actions.ts';
import type { ConsoleDeps } from './deps.ts';
import { customerPath, erasureOf, findCustomer } from './lookup.ts';
import { actorOf, type ConsolePages, type Operator } from './pages.ts';
import { localizedText, type PreferenceMatrix } from '../services/preferences.ts';
import { may } from './roles.ts';

const PAGE_SIZE = 25;
const MAX_EMAIL = 254;
const MAX_TEXT = 100;
const MAX_CURSOR = 200;
const E164 = /^\+[1-9]\d{1,14}$/;

const one = (value: unknown, max: number): string => (typeof value === 'string' ? value.trim().slice(0, max) : '');

/** "+49 (151) 123-45" and "0049 151…" as E.164, else undefined; no country is assumed. */
function phoneQuery(input: string): string | undefined {
  const compact = input.replace(/[\s().\-/]/g, '');
  const international = compact.startsWith('00') ? `+${compact.slice(2)}` : compact;
  return E164.test(international) ? international : undefined;
}

interface SearchForm {
  email: string;
  q: string;
  phone: string;
}

/** The search form as typed, the directory query it makes, and the problem of each field that makes none. */
function parseSearch(query: Context['query']): { form: SearchForm; errors: Partial<Record<keyof SearchForm, MessageKey>>; search: Omit<UserQuery, 'limit' | 'cursor'> } {
  const form = { email: one(query.email, MAX_EMAIL), q: one(query.q, MAX_TEXT), phone: one(query.phone, 40) };
  const errors: Partial<Record<keyof SearchForm, MessageKey>> = {};
  const search: Omit<UserQuery, 'limit' | 'cursor'> = {};
  if (form.email) {
    if (/^[^\s@]+@[^\s@]+$/.test(form.email)) search.email = form.email;
    else errors.email = 'console.customers.error.email';
  }
  if (form.q) search.q = form.q;
  if (form.phone) {
    const phone = phoneQuery(form.phone);
    if (phone) search.phoneNumber = phone;
    else errors.phone = 'console.customers.error.phone';
  }
  return { form, errors, search };
}

const displayName = (u: UserView) => u.name || [u.given_name, u.family_name].filter(Boolean).join(' ');

export function customerRoutes(pages: ConsolePages, deps: ConsoleDeps): void {
  const { get, render } = pages;
  exportRoute(pages, deps);

  get('/customers', { permission: 'customers.search' }, async (ctx, op) => {
    const { form, errors, search } = parseSearch(ctx.query);
    const cursor = one(ctx.query.cursor, MAX_CURSOR);
    const failed = Object.keys(errors).length > 0;
    const page = failed ? { users: [] } : await deps.userDirectory.search({ ...search, limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) });
    // A search the role does not hold, made under an admin's grant: each one audited with what was asked and found.
    const granted = !may(op.role, 'customers.search') ? op.searchGrant : undefined;
    if (granted && !failed) {
      await deps.audit.record({ type: 'console.customer_searched', outcome: 'success', ...actorFields(actorOf(ctx, op)), details: { fields: Object.keys(search), found: page.users.length, until: granted.until } });
    }
    const filters = new URLSearchParams(Object.entries(form).filter(([, v]) => v));
    const nextParams = page.next ? new URLSearchParams([...filters, ['cursor', page.next]]) : undefined;
    render(ctx, op, 'customers', {
      section: 'customers',
      title: 'console.customers.title',
      ...(failed ? { status: 400 } : {}),
      data: {
        form,
        errors,
        searched: filters.size > 0,
        grant: granted ? { until: formatTime(granted.until, op.account), reason: granted.reason } : null,
        customers: page.users.map((u) => ({
          href: customerPath(u.id),
          email: u.email,
          emailVerified: u.email_verified,
          name: displayName(u),
          phone: u.phone_number ?? '',
          disabled: u.disabled === true,
          createdAt: formatTime(u.createdAt, op.account),
          lastLoginAt: u.lastLoginAt ? formatTime(u.lastLoginAt, op.account) : '',
        })),
        next: nextParams ? `/console/customers?${nextParams}` : null,
        first: cursor ? `/console/customers${filters.size ? `?${filters}` : ''}` : null,
      },
    });
  });

  get('/customers/:id', { permission: 'customers.read' }, async (ctx, op) => {
    const user = await findCustomer(deps, ctx.params.id, op);
    // Who read whose personal data, and when: the operator is the actor, the customer the subject.
    await deps.audit.record({ type: 'console.customer_viewed', outcome: 'success', accountId: user.id, ...actorFields(actorOf(ctx, op)) });
    const [sessions, apps, factors, identities, records] = await Promise.all([
      deps.sessions.listForAccount(user.id),
      deps.grants.listForAccount(user.id),
      deps.factors.list(user.id),
      deps.identities.listForAccount(user.id),
      customerRecords(deps, user.id, op),
    ]);
    const time = (d: Date | undefined) => (d ? formatTime(d, op.account) : '');
    const erasure = erasureOf(user);
    const actions = availableActions(user, { factors: factors.length, erasure: Boolean(erasure) }, op.role);
    render(ctx, op, 'customer', {
      section: 'customers',
      title: 'console.customer.title',
      data: customerData(user, time, erasure, {
        sessions: sessions.map((s) => ({ loginAt: time(s.loginAt), lastSeenAt: time(s.lastSeenAt), ip: s.ip ?? '', browser: s.browser ?? '', os: s.os ?? '', device: s.device ?? '' })),
        apps: apps.map((a) => ({ clientId: a.clientId, name: a.name, scopes: a.scopes.join(' '), grantedAt: time(a.grantedAt) })),
        factors: factors.map((f) => ({ type: f.type, label: f.label, createdAt: time(f.createdAt), lastUsedAt: time(f.lastUsedAt), remaining: f.remaining ?? null })),
        identities: identities.map((i) => ({ connection: i.connectionId, email: i.email ?? '', linkedAt: time(i.linkedAt), lastUsedAt: time(i.lastUsedAt) })),
        ...records,
        actions: actions.map((a) => ({ href: `${customerPath(user.id)}/actions/${a}`, label: ACTIONS[a].button, danger: ACTIONS[a].danger })),
        auditHref: may(op.role, 'audit.read') ? `/console/audit?${new URLSearchParams({ account: user.id })}` : null,
        exportHref: may(op.role, 'customers.export') ? `${customerPath(user.id)}/export` : null,
      }),
    });
  });
}

const MAX_ROWS = 50;
const SOURCES: Readonly<Record<string, MessageKey>> = {
  signup: 'console.source.signup',
  login: 'console.source.login',
  consent_page: 'console.source.consentPage',
  first_party: 'console.source.firstParty',
  account_center: 'console.source.accountCenter',
  operator: 'console.source.operator',
};
const sourceOf = (source: string): MessageKey | null => SOURCES[source] ?? null;

/**
 * What the customer agreed to and chose: legal acceptances (newest first), communication preferences (the current
 * choice of each topic and channel, and the changes), and consent decisions grouped by app (newest app first). Each
 * list is cut at MAX_ROWS rows, newest kept.
 */
async function customerRecords(deps: Pick<ConsoleDeps, 'legal' | 'preferences' | 'consents' | 'clients'>, accountId: string, op: Operator) {
  const locale = op.account.locale;
  const time = (d: Date) => formatTime(d, op.account);
  const [acceptances, current, changes, consents] = await Promise.all([
    deps.legal.history(accountId),
    deps.preferences.topics.length ? deps.preferences.current(accountId) : Promise.resolve({}),
    deps.preferences.history(accountId),
    deps.consents.history(accountId),
  ]);
  const names = new Map<string, string>();
  for (const clientId of new Set(consents.map((c) => c.clientId))) {
    const app = await deps.clients.get(clientId);
    names.set(clientId, app?.brand?.displayName ?? app?.clientName ?? clientId);
  }
  const latest = new Map<string, (typeof changes)[number]>();
  for (const change of changes) if (!latest.has(`${change.topic}\u0000${change.channel}`)) latest.set(`${change.topic}\u0000${change.channel}`, change);
  const byApp = new Map<string, typeof consents>();
  for (const record of consents) byApp.set(record.clientId, [...(byApp.get(record.clientId) ?? []), record]);
  return {
    acceptances: acceptances.slice(0, MAX_ROWS).map((a) => ({
      document: deps.legal.find(a.documentId, a.version)?.title(locale) ?? a.documentId,
      id: a.documentId,
      version: a.version,
      acceptedAt: time(a.acceptedAt),
      source: sourceOf(a.source),
      clientId: a.clientId ?? '',
    })),
    preferences: deps.preferences.topics.flatMap((topic) =>
      topic.channels.map((channel) => {
        const last = latest.get(`${topic.id}\u0000${channel}`);
        return { topic: localizedText(topic.title, locale) ?? topic.id, topicId: topic.id, channel, optIn: (current as PreferenceMatrix)[topic.id]?.[channel] === true, since: last ? time(last.at) : '', source: last ? sourceOf(last.source) : null };
      }),
    ),
    preferenceChanges: changes.slice(0, MAX_ROWS).map((c) => ({ topicId: c.topic, channel: c.channel, optIn: c.optIn, at: time(c.at), source: sourceOf(c.source), clientId: c.clientId ?? '' })),
    consentHistory: [...byApp].map(([clientId, records]) => ({
      clientId,
      name: names.get(clientId) ?? clientId,
      records: records.slice(0, MAX_ROWS).map((r) => ({
        at: time(r.at),
        action: r.action,
        source: sourceOf(r.source),
        granted: r.granted.scopes.join(' '),
        grantedClaims: r.granted.claims.join(' '),
        withheld: [...r.withheld.scopes, ...r.withheld.claims].join(' '),
      })),
    })),
    cut: MAX_ROWS,
  };
}

/** Everything held on the customer, as the account center's export gives it: a download, audited with the operator. */
function exportRoute(pages: ConsolePages, deps: ConsoleDeps): void {
  pages.get('/customers/:id/export', { permission: 'customers.export' }, async (ctx, op) => {
    const user = await findCustomer(deps, ctx.params.id, op);
    const document = await deps.privacyExport.build(user.id, { source: 'operator', ...actorMeta(actorOf(ctx, op)) });
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Content-Disposition', `attachment; filename="account-${user.id}.json"`);
    ctx.type = 'application/json';
    ctx.body = JSON.stringify(document, null, 2);
  });
}

function customerData(user: UserView, time: (d: Date | undefined) => string, erasure: { dueAt: Date } | undefined, rest: Record<string, unknown>): Record<string, unknown> {
  return {
    customer: {
      id: user.id,
      email: user.email,
      emailVerified: user.email_verified,
      name: displayName(user),
      phone: user.phone_number ?? '',
      phoneVerified: user.phone_number_verified === true,
      locale: user.locale ?? '',
      disabled: user.disabled === true,
      erasureDue: erasure ? time(erasure.dueAt) : '',
      noPassword: user.noPassword === true,
      createdAt: time(user.createdAt),
      lastLoginAt: time(user.lastLoginAt),
    },
    ...rest,
  };
}
