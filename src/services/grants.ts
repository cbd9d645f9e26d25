// Connected apps: the grants (consents) an account has given to clients, read, changed and revoked through the
// adapter's per-account index. Changing an app's optional items rewrites the granted and rejected parts of its grants
// (services/consent-choices.ts), which oidc-provider reads at every token, id_token and userinfo answer. Revoking an
// app destroys its grants with every token, code and device code issued from them, drops the app from the account's
// browser sessions (so the next sign-in there asks for consent again) and tells the app by back-channel logout.
import type Provider from 'oidc-provider';
import type { AdapterPayload } from 'oidc-provider';
import type { MongoAdapter } from '../../adapters/types.ts';
import { GRANT_BOUND } from '../../adapters/models.ts';
import type { Logger } from '../log.ts';
import { claimsOfScope } from './claims.ts';
import type { AuditLog } from './audit.ts';
import {
  decide,
  encountered,
  itemsFor,
  optionalItems,
  replaceOnGrant,
  unknownChoices,
  type Choice,
  type ConsentItem,
  type Decision,
  type GrantLike,
} from './consent-choices.ts';
import { notifyLogout } from './backchannel-logout.ts';
import type { BrandRegistration } from './brand-input.ts';
import { LOGO_PATH } from './brand-logo-bytes.ts';
import type { PairwiseSubjects } from './pairwise.ts';

export interface ConnectedApp {
  clientId: string;
  name: string;
  uri?: string;
  /** Its brand's logo (a path on our origin), else its registration's https logo_uri. */
  logoUri?: string;
  /** Granted OpenID Connect scopes (openid, profile, email, offline_access, …), rejected ones removed. */
  scopes: string[];
  /** Individually granted claims (from a claims request). */
  claims: string[];
  /** Resource indicator -> granted scopes. */
  resources: Record<string, string[]>;
  grantedAt?: Date;
  /** What the app calls the customer when it was registered with subject_type=pairwise (else the account id). */
  subject?: string;
}

/** One item an app was asked about, as the account center shows it. */
export interface AppItem extends ConsentItem {
  /** True when the app may have it now (false: the customer withheld it). */
  shared: boolean;
}

export interface AppConsent {
  clientId: string;
  name: string;
  items: AppItem[];
  resources: Record<string, string[]>;
  grantIds: string[];
}

export type ChangeResult =
  | { ok: true; changed: boolean; decision: Decision; grantIds: string[] }
  | { ok: false; reason: 'not_found' | 'unknown_choice' };

export interface RevokeMeta {
  reason?: string;
  ip?: string;
  userAgent?: string;
}

export interface GrantService {
  listForAccount(accountId: string): Promise<ConnectedApp[]>;
  /** Destroys every grant of this account with this client and what was issued from them. False when there was none. */
  revoke(accountId: string, clientId: string, meta?: RevokeMeta): Promise<boolean>;
  /** Every access and refresh token (and unredeemed authorization code) of the account; grants are kept. */
  revokeTokens(accountId: string): Promise<number>;
  hasGrant(accountId: string, clientId: string): Promise<boolean>;
  /** What the app was asked for, each item required or optional and shared or withheld; undefined without a grant. */
  consentOf(accountId: string, clientId: string): Promise<AppConsent | undefined>;
  /**
   * Keeps exactly the optional items in `choice` (required ones always) on every grant of the app: narrowing applies
   * to the next token, widening re-allows what was withheld. An item not on offer refuses the whole change.
   */
  changeOptional(accountId: string, clientId: string, choice: Choice): Promise<ChangeResult>;
  /** Account deletion: every grant, token and code of the account, whatever client. Sessions are not touched. */
  removeAll(accountId: string): Promise<number>;
}

export interface GrantServiceDeps {
  provider: () => Provider;
  adapter: Pick<MongoAdapter, 'Adapter' | 'findByAccount' | 'deleteByAccount'>;
  audit: Pick<AuditLog, 'record'>;
  logger?: Logger;
  /** Clients never listed (the account center itself). */
  hiddenClients?: readonly string[];
  /** Pairwise subject identifiers, so that the list (and the data export) says what each pairwise app calls the customer. */
  subjects?: Pick<PairwiseSubjects, 'subjectOf'>;
}

/** Destroys one grant and everything issued from it, model by model (as oidc-provider's own revoke does). */
export async function destroyGrant(adapter: Pick<MongoAdapter, 'Adapter'>, grantId: string): Promise<void> {
  await Promise.all([
    ...[...GRANT_BOUND].map((model) => new adapter.Adapter(model).revokeByGrantId(grantId)),
    new adapter.Adapter('Grant').destroy(grantId),
  ]);
}


const words = (value: unknown): string[] => (typeof value === 'string' ? value.split(' ').filter(Boolean) : []);
const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
const record = (value: unknown): Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/** What one grant payload allows, with what the user rejected taken out (as Grant.getOIDCScope() does). */
export function grantedBy(payload: AdapterPayload): { scopes: string[]; claims: string[]; resources: Record<string, string[]> } {
  const openid = record(payload.openid);
  const rejected = record(payload.rejected);
  const rejectedOpenid = record(rejected.openid);
  const rejectedScopes = new Set(words(rejectedOpenid.scope).filter((s) => s !== 'openid'));
  const rejectedClaims = new Set(strings(rejectedOpenid.claims));
  const rejectedResources = record(rejected.resources);

  const resources: Record<string, string[]> = {};
  for (const [indicator, scope] of Object.entries(record(payload.resources))) {
    const refused = new Set(words(rejectedResources[indicator]));
    const granted = words(scope).filter((s) => !refused.has(s));
    if (granted.length) resources[indicator] = granted;
  }
  return {
    scopes: words(openid.scope).filter((s) => !rejectedScopes.has(s)),
    claims: strings(openid.claims).filter((c) => !rejectedClaims.has(c)),
    resources,
  };
}

// Stable, meaningful order for the standard scopes; anything else follows alphabetically.
const SCOPE_ORDER = ['openid', 'profile', 'email', 'phone', 'address', 'offline_access'];
function sortScopes(scopes: Iterable<string>): string[] {
  const rank = (s: string) => {
    const i = SCOPE_ORDER.indexOf(s);
    return i === -1 ? SCOPE_ORDER.length : i;
  };
  return [...new Set(scopes)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

function httpsUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const url = URL.parse(value);
  return url?.protocol === 'https:' ? url.href : undefined;
}

function webUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const url = URL.parse(value);
  return url && (url.protocol === 'https:' || url.protocol === 'http:') ? url.href : undefined;
}

export function createGrantService(deps: GrantServiceDeps): GrantService {
  const { adapter, audit, logger } = deps;
  const hidden = new Set(deps.hiddenClients ?? []);

  const grantsOf = async (accountId: string) =>
    (await adapter.findByAccount('Grant', accountId)).filter((row) => row.payload.accountId === accountId);

  // Drops the client from every browser session of the account: without it the session would still point at the
  // destroyed grant (harmless: a missing grant means "ask for consent"), and the session list would name the app.
  // Answers the app's session ids there, for the back-channel logout.
  async function forgetInSessions(accountId: string, clientId: string): Promise<string[]> {
    const Session = deps.provider().Session;
    const sids: string[] = [];
    for (const row of await adapter.findByAccount('Session', accountId)) {
      const authorizations = record(row.payload.authorizations);
      if (!Object.hasOwn(authorizations, clientId)) continue;
      const sid = record(authorizations[clientId]).sid;
      if (typeof sid === 'string') sids.push(sid);
      try {
        // Rows are stored under a hash of the session id; the uid finds the session with its id.
        const session = typeof row.payload.uid === 'string' ? await Session.findByUid(row.payload.uid) : undefined;
        if (!session?.authorizations?.[clientId]) continue;
        delete session.authorizations[clientId];
        await session.persist();
      } catch (err) {
        // The grant is gone already, which is what protects the account; the session entry is cosmetic.
        logger?.warn({ err, accountId, clientId }, 'could not drop a revoked app from a session');
      }
    }
    return sids;
  }

  type LoadedGrant = GrantLike & { jti: string; save(): Promise<string> };
  const loadGrants = async (accountId: string, clientId: string): Promise<LoadedGrant[]> => {
    const rows = (await grantsOf(accountId)).filter((row) => row.payload.clientId === clientId);
    const loaded = await Promise.all(rows.map((row) => deps.provider().Grant.find(row.id)));
    return loaded.filter((g): g is NonNullable<typeof g> => Boolean(g)) as unknown as LoadedGrant[];
  };

  const optionalFor = async (clientId: string) => {
    const client = await deps.provider().Client.find(clientId);
    return client ? { client, optional: optionalItems(client.metadata() as Record<string, unknown>) } : undefined;
  };

  const itemsOf = (grant: GrantLike, optional: ReturnType<typeof optionalItems>) => {
    const seen = encountered(grant);
    return { seen, items: itemsFor(seen.scopes, seen.claims, optional, claimsOfScope) };
  };
  const sharedIn = (grant: GrantLike, item: ConsentItem): boolean => {
    const scopes = new Set(words(grant.getOIDCScope()));
    if (item.kind === 'scope') return scopes.has(item.name);
    if (grant.getRejectedOIDCClaims().includes(item.name)) return false;
    return grant.getOIDCClaims().includes(item.name) || [...scopes].some((s) => claimsOfScope(s).includes(item.name));
  };
  const sameDecision = (a: Decision, b: Decision) => {
    const key = (d: Decision) => JSON.stringify([d.granted.scopes, d.granted.claims, d.withheld.scopes, d.withheld.claims].map((l) => [...l].sort()));
    return key(a) === key(b);
  };

  return {
    async listForAccount(accountId) {
      const byClient = new Map<string, { payloads: AdapterPayload[]; iat?: number }>();
      for (const row of await grantsOf(accountId)) {
        const clientId = row.payload.clientId;
        if (typeof clientId !== 'string' || hidden.has(clientId)) continue;
        const entry = byClient.get(clientId) ?? { payloads: [] };
        entry.payloads.push(row.payload);
        const iat = typeof row.payload.iat === 'number' ? row.payload.iat : undefined;
        if (iat !== undefined && (entry.iat === undefined || iat < entry.iat)) entry.iat = iat;
        byClient.set(clientId, entry);
      }

      const apps: ConnectedApp[] = [];
      for (const [clientId, { payloads, iat }] of byClient) {
        const client = await deps.provider().Client.find(clientId);
        // A deleted client cannot use its grants any more; there is nothing to show or revoke.
        if (!client) continue;
        const scopes = new Set<string>();
        const claims = new Set<string>();
        const resources: Record<string, Set<string>> = {};
        for (const payload of payloads) {
          const granted = grantedBy(payload);
          granted.scopes.forEach((s) => scopes.add(s));
          granted.claims.forEach((c) => claims.add(c));
          for (const [indicator, list] of Object.entries(granted.resources)) {
            const set = (resources[indicator] ??= new Set());
            list.forEach((s) => set.add(s));
          }
        }
        // An app's brand names it and gives its logo (served by us) before its registration's client_name and logo_uri.
        const brand = (client.metadata().brand ?? {}) as BrandRegistration;
        const name = brand.display_name ?? (typeof client.clientName === 'string' && client.clientName.trim() ? client.clientName : clientId);
        const uri = webUrl(client.clientUri);
        const logoUri = brand.logo ? `${LOGO_PATH}${brand.logo}` : httpsUrl(client.logoUri);
        const sector = client.subjectType === 'pairwise' ? client.sectorIdentifier : undefined;
        const subject = typeof sector === 'string' ? deps.subjects?.subjectOf(accountId, sector) : undefined;
        apps.push({
          clientId,
          name,
          ...(subject ? { subject } : {}),
          ...(uri ? { uri } : {}),
          ...(logoUri ? { logoUri } : {}),
          scopes: sortScopes(scopes),
          claims: [...claims].sort(),
          resources: Object.fromEntries(Object.entries(resources).map(([k, v]) => [k, [...v].sort()])),
          ...(iat !== undefined ? { grantedAt: new Date(iat * 1000) } : {}),
        });
      }
      return apps.sort((a, b) => a.name.localeCompare(b.name));
    },

    async revoke(accountId, clientId, meta = {}) {
      const grants = (await grantsOf(accountId)).filter((row) => row.payload.clientId === clientId);
      if (grants.length === 0) return false;
      for (const grant of grants) await destroyGrant(adapter, grant.id);
      const sids = await forgetInSessions(accountId, clientId);
      // The app learns at once that the customer's sign-in with it has ended.
      const notified = await notifyLogout(deps.provider(), { accountId, clientId, sids }, logger);
      await audit.record({
        type: 'grant.revoked',
        outcome: 'success',
        accountId,
        clientId,
        reason: meta.reason ?? 'account_center',
        ip: meta.ip,
        userAgent: meta.userAgent,
        details: { grants: grants.length, backchannelLogouts: notified },
      });
      return true;
    },

    async consentOf(accountId, clientId) {
      if (hidden.has(clientId)) return undefined;
      const found = await optionalFor(clientId);
      const grants = await loadGrants(accountId, clientId);
      if (!found || grants.length === 0) return undefined;
      const byKey = new Map<string, AppItem>();
      const resources: Record<string, Set<string>> = {};
      for (const grant of grants) {
        for (const item of itemsOf(grant, found.optional).items) {
          const key = `${item.kind}:${item.name}`;
          const shared = sharedIn(grant, item);
          const known = byKey.get(key);
          byKey.set(key, { ...item, shared: shared || (known?.shared ?? false) });
        }
        for (const [indicator, list] of Object.entries(grantedBy(grant as unknown as AdapterPayload).resources)) {
          const set = (resources[indicator] ??= new Set());
          list.forEach((s) => set.add(s));
        }
      }
      const name = typeof found.client.clientName === 'string' && found.client.clientName.trim() ? found.client.clientName : clientId;
      const scopeRank = (s: string) => (SCOPE_ORDER.includes(s) ? SCOPE_ORDER.indexOf(s) : SCOPE_ORDER.length);
      const items = [...byKey.values()].sort(
        (a, b) => Number(a.kind === 'claim') - Number(b.kind === 'claim') || scopeRank(a.name) - scopeRank(b.name) || a.name.localeCompare(b.name),
      );
      return {
        clientId,
        name,
        items,
        resources: Object.fromEntries(Object.entries(resources).map(([k, v]) => [k, [...v].sort()])),
        grantIds: grants.map((g) => g.jti),
      };
    },

    async changeOptional(accountId, clientId, choice) {
      if (hidden.has(clientId)) return { ok: false, reason: 'not_found' };
      const found = await optionalFor(clientId);
      const grants = await loadGrants(accountId, clientId);
      if (!found || grants.length === 0) return { ok: false, reason: 'not_found' };
      // Every choice must be an optional item of at least one grant; otherwise nothing is changed.
      const offered = grants.flatMap((g) => itemsOf(g, found.optional).items);
      if (unknownChoices(offered, choice).length) return { ok: false, reason: 'unknown_choice' };

      let changed = false;
      let last: Decision | undefined;
      for (const grant of grants) {
        const { seen, items } = itemsOf(grant, found.optional);
        const current: Choice = {
          scopes: new Set(items.filter((i) => i.kind === 'scope' && sharedIn(grant, i)).map((i) => i.name)),
          claims: new Set(items.filter((i) => i.kind === 'claim' && sharedIn(grant, i)).map((i) => i.name)),
        };
        const before = decide(seen.scopes, seen.claims, items, current, claimsOfScope);
        const after = decide(seen.scopes, seen.claims, items, choice, claimsOfScope);
        last = after;
        if (sameDecision(before, after)) continue;
        replaceOnGrant(grant, after);
        await grant.save();
        changed = true;
      }
      return { ok: true, changed, decision: last!, grantIds: grants.map((g) => g.jti) };
    },

    async revokeTokens(accountId) {
      const counts = await Promise.all(
        ['AccessToken', 'RefreshToken', 'AuthorizationCode'].map((model) => adapter.deleteByAccount(model, accountId)),
      );
      return counts.reduce((a, b) => a + b, 0);
    },

    async hasGrant(accountId, clientId) {
      return (await grantsOf(accountId)).some((row) => row.payload.clientId === clientId);
    },

    async removeAll(accountId) {
      const counts = await Promise.all(
        ['Grant', 'AccessToken', 'RefreshToken', 'AuthorizationCode', 'DeviceCode', 'BackchannelAuthenticationRequest'].map(
          (model) => adapter.deleteByAccount(model, accountId),
        ),
      );
      return counts.reduce((a, b) => a + b, 0);
    },
  };
}
