// Consent records: every decision a customer makes about what an app may know (granted on the consent page, given
// implicitly to a first-party app, narrowed, widened or withdrawn in the account center, changed by an operator),
// kept as history and written to the audit log. The decision in force is the Grant's (services/grants.ts); these rows
// are the evidence of how it came about, which is what GDPR Art. 7(1) asks a controller to be able to show.
import { dateOf, systemClock, type Clock } from '../clock.ts';
import type { Connection } from 'mongoose';
import { consentRecordModel, type ConsentRecordRow } from '../db/models/consent-record.ts';
import type { AuditLog } from './audit.ts';
import type { PerAccountStore } from './per-account-store.ts';

export type ConsentAction = ConsentRecordRow['action'];
export type ConsentSource = ConsentRecordRow['source'];

export interface ConsentGranted {
  scopes: string[];
  claims: string[];
  /** Resource indicator -> scopes. */
  resources: Record<string, string[]>;
}

export interface ConsentWithheld {
  scopes: string[];
  claims: string[];
}

export interface ConsentInput {
  accountId: string;
  clientId: string;
  grantId?: string;
  action: ConsentAction;
  source: ConsentSource;
  granted: ConsentGranted;
  withheld: ConsentWithheld;
  ip?: string;
  userAgent?: string;
}

/** A stored decision: what was recorded, with its id and time. */
export type ConsentRecord = ConsentInput & { id: string; at: Date };

export interface ConsentService extends PerAccountStore {
  /** Stores the decision and audits it as consent.granted | consent.changed | consent.withdrawn. */
  record(input: ConsentInput): Promise<void>;
  /** Newest first; one app's only when clientId is given. */
  history(accountId: string, clientId?: string): Promise<ConsentRecord[]>;
}

export interface ConsentServiceDeps {
  conn: Connection;
  audit: Pick<AuditLog, 'record'>;
  now?: Clock;
}

const MAX_FIELD = 512;
const MAX_ITEMS = 100;
const clip = (v: string | undefined) => (v === undefined ? undefined : v.slice(0, MAX_FIELD));
const list = (values: readonly string[]) => [...new Set(values)].slice(0, MAX_ITEMS).sort();

/** Resources as a list: indicators are URLs, and neither FerretDB nor the audit log's details take "." in keys. */
export function resourceList(resources: Record<string, string[]>): { resource: string; scopes: string[] }[] {
  return Object.entries(resources)
    .filter(([, scopes]) => scopes.length > 0)
    .map(([resource, scopes]) => ({ resource, scopes: list(scopes) }))
    .sort((a, b) => a.resource.localeCompare(b.resource));
}

function toRecord(row: ConsentRecordRow): ConsentRecord {
  return {
    id: row._id.toHexString(),
    accountId: row.accountId,
    clientId: row.clientId,
    ...(row.grantId ? { grantId: row.grantId } : {}),
    action: row.action,
    source: row.source,
    granted: {
      scopes: [...(row.granted?.scopes ?? [])],
      claims: [...(row.granted?.claims ?? [])],
      resources: Object.fromEntries((row.granted?.resources ?? []).map((r) => [r.resource, [...r.scopes]])),
    },
    withheld: { scopes: [...(row.withheld?.scopes ?? [])], claims: [...(row.withheld?.claims ?? [])] },
    ...(row.ip ? { ip: row.ip } : {}),
    ...(row.userAgent ? { userAgent: row.userAgent } : {}),
    at: row.at,
  };
}

export function createConsentService(deps: ConsentServiceDeps): ConsentService {
  const rows = consentRecordModel(deps.conn);
  const clock = deps.now ?? systemClock;
  const now = () => dateOf(clock);

  return {
    async record(input) {
      const granted = {
        scopes: list(input.granted.scopes),
        claims: list(input.granted.claims),
        resources: resourceList(input.granted.resources),
      };
      const withheld = { scopes: list(input.withheld.scopes), claims: list(input.withheld.claims) };
      await rows.create({
        accountId: input.accountId,
        clientId: input.clientId,
        ...(input.grantId ? { grantId: input.grantId } : {}),
        action: input.action,
        source: input.source,
        granted,
        withheld,
        ip: clip(input.ip),
        userAgent: clip(input.userAgent),
        at: now(),
      });
      await deps.audit.record({
        type: `consent.${input.action}`,
        outcome: 'success',
        accountId: input.accountId,
        clientId: input.clientId,
        ip: input.ip,
        userAgent: input.userAgent,
        reason: input.source,
        details: { ...(input.grantId ? { grantId: input.grantId } : {}), granted, withheld },
      });
    },

    async history(accountId, clientId) {
      const query: Record<string, string> = { accountId };
      if (clientId !== undefined) query.clientId = clientId;
      const found = await rows.find(query).sort({ at: -1, _id: -1 }).lean<ConsentRecordRow[]>();
      return found.map(toRecord);
    },

    async exportFor(accountId) {
      const history = await this.history(accountId);
      return history.map(({ accountId: _account, ...rest }) => rest);
    },

    async removeAll(accountId) {
      const { deletedCount } = await rows.deleteMany({ accountId });
      return deletedCount ?? 0;
    },
  };
}
