// The data export (right of access, portability): one JSON document with everything held on a customer — profile,
// per-app metadata, connected apps, consents and their history, legal acceptances, communication preferences, second
// factors (what they are, never their secrets), browser sessions and the customer's audit events. The same document
// for the account center download and the operator CLI.
import { dateOf, systemClock, type Clock } from '../clock.ts';
import type { FactorService } from '../auth/factors.ts';
import { notFound } from '../errors.ts';
import type { AppMetadata } from './app-metadata.ts';
import type { AuditLog } from './audit.ts';
import type { PerAccountStores } from './erasure.ts';
import type { GrantService } from './grants.ts';
import type { SessionService } from './sessions.ts';
import type { UserService } from './users.ts';

export const EXPORT_FORMAT = 'ciam-account-export/1';

export interface AccountExport {
  format: typeof EXPORT_FORMAT;
  exportedAt: string;
  account: Record<string, unknown>;
  appMetadata: unknown[];
  connectedApps: unknown[];
  /** Per-account stores of other features by name (consents, legal, preferences): what their exportFor gives. */
  [store: string]: unknown;
  factors: unknown[];
  sessions: unknown[];
  auditEvents: unknown[];
}

export interface PrivacyExport {
  /** The document for one account; throws not found when there is none. Audits `account.exported`. */
  build(accountId: string, meta: { source: 'account_center' | 'operator'; clientId?: string; actorId?: string; ip?: string; userAgent?: string }): Promise<AccountExport>;
}

export interface PrivacyExportDeps {
  users: Pick<UserService, 'findById'>;
  appMetadata: Pick<AppMetadata, 'listForAccount'>;
  grants: Pick<GrantService, 'listForAccount'>;
  sessions: Pick<SessionService, 'listForAccount'>;
  factors: Pick<FactorService, 'list'>;
  audit: Pick<AuditLog, 'forAccount' | 'record'>;
  stores: () => PerAccountStores;
  now?: Clock;
}

/** Dates as ISO strings, undefined dropped: what JSON.stringify makes of it, and what the tests compare. */
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value ?? null));

export function createPrivacyExport(deps: PrivacyExportDeps): PrivacyExport {
  const clock = deps.now ?? systemClock;
  const now = () => dateOf(clock);
  return {
    async build(accountId, meta) {
      const user = typeof accountId === 'string' && accountId ? await deps.users.findById(accountId) : null;
      if (!user) throw notFound('No such account');
      const [appMetadata, connectedApps, factors, sessions] = await Promise.all([
        deps.appMetadata.listForAccount(accountId),
        deps.grants.listForAccount(accountId),
        deps.factors.list(accountId),
        deps.sessions.listForAccount(accountId),
      ]);
      const stores: Record<string, unknown> = {};
      for (const [name, store] of Object.entries(deps.stores())) {
        if (store) stores[name] = plain(await store.exportFor(accountId));
      }
      // Recorded before the events are read, so the document shows its own export too.
      await deps.audit.record({ type: 'account.exported', outcome: 'success', accountId, reason: meta.source, clientId: meta.clientId, actorId: meta.actorId, ip: meta.ip, userAgent: meta.userAgent });
      const auditEvents = await deps.audit.forAccount(accountId);
      const doc: AccountExport = {
        format: EXPORT_FORMAT,
        exportedAt: now().toISOString(),
        account: plain(user) as Record<string, unknown>,
        appMetadata: plain(appMetadata) as unknown[],
        connectedApps: plain(connectedApps) as unknown[],
        ...stores,
        // Factors: kind, name, masked destination, dates. Seeds, numbers, keys and codes stay sealed or hashed.
        factors: plain(factors.map((f) => ({ type: f.type, label: f.label, createdAt: f.createdAt, lastUsedAt: f.lastUsedAt, remaining: f.remaining }))) as unknown[],
        sessions: plain(sessions.map(({ current: _current, ...s }) => s)) as unknown[],
        auditEvents: plain(auditEvents.map(({ id: _id, ...e }) => e)) as unknown[],
      };
      return doc;
    },
  };
}
