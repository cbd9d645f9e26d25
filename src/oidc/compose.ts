// The OIDC provider as this product runs it: oidc-provider (oidc/provider.ts) on our adapter and signing keys, with
// the account's claims (plus each app's own metadata and the customer's preferences), the sign-in policy, consent
// records for first-party apps, and the audit and session listeners. Rebuilt when the signing keys change.
import type Provider from 'oidc-provider';
import type { MongoAdapter } from '../../adapters/types.ts';
import { saveRekeyedSessionsInOneWrite } from './session-rekey.ts';
import type { Config } from '../config/index.ts';
import type { Database } from '../db/connection.ts';
import { requestMeta } from '../http/request-meta.ts';
import type { Logger } from '../log.ts';
import type { AppMetadata } from '../services/app-metadata.ts';
import type { AuditLog } from '../services/audit.ts';
import { APP_METADATA_CLAIM, APP_METADATA_SCOPE } from '../services/claims.ts';
import type { ConsentService } from '../services/consents.ts';
import type { KeyStore } from '../services/keys.ts';
import type { LegalService } from '../services/legal.ts';
import { preferencesClaim, type PreferenceService } from '../services/preferences.ts';
import type { SessionService } from '../services/sessions.ts';
import type { UserService } from '../services/users.ts';
import { attachAuditListeners, attachSessionTracking } from './events.ts';
import { providerPages } from './pages.ts';
import { createProvider } from './provider.ts';
import type { PairwiseSubjects } from '../services/pairwise.ts';

export interface ProviderComposition {
  config: Config;
  logger: Logger;
  adapter: Pick<MongoAdapter, 'Adapter'> & Partial<Pick<MongoAdapter, 'rekeying'>>;
  keys: Pick<KeyStore, 'providerJwks'>;
  users: Pick<UserService, 'findAccount' | 'accountState'>;
  preferences: PreferenceService;
  appMetadata: Pick<AppMetadata, 'get'>;
  legal: Pick<LegalService, 'documents' | 'pending'>;
  consents: Pick<ConsentService, 'record'>;
  audit: AuditLog;
  availability: Database['availability'];
  subjects: Pick<PairwiseSubjects, 'subjectOf'>;
  /** The session service (built after the first provider, which it refers to). */
  sessions: () => SessionService;
}

/** A function that builds the provider afresh (at start, and with new keys). */
export function composeProvider(deps: ProviderComposition): () => Promise<Provider> {
  const { config, logger, adapter, keys, users, preferences, appMetadata, legal, consents, audit, availability, subjects } = deps;
  const pages = providerPages({ config, logger });
  return async () => {
    const provider = createProvider({
      config,
      Adapter: adapter.Adapter,
      jwks: await keys.providerJwks(),
      pairwise: subjects,
      findAccount: async (ctx, sub) => {
        const account = await users.findAccount(ctx, sub);
        const clientId = ctx.oidc?.client?.clientId;
        if (!account || !clientId) return account;
        return {
          ...account,
          // Each app sees only the metadata it stored itself, and only when granted the app_metadata scope.
          claims: async (use, scope, claims, rejected) => {
            const base = { ...(await account.claims(use, scope, claims, rejected)), ...(await preferencesClaim(preferences, sub, scope, rejected)) };
            if (!scope.split(' ').includes(APP_METADATA_SCOPE)) return base;
            const data = await appMetadata.get(sub, clientId);
            return data ? { ...base, [APP_METADATA_CLAIM]: data } : base;
          },
        };
      },
      pages,
      policy: {
        signupEnabled: config.signup.enabled,
        mfa: config.mfa,
        accountState: (id) => users.accountState(id),
        // Without configured documents the `legal` step is left out of the sign-in altogether.
        ...(legal.documents.length ? { legalPending: async (accountId: string, clientId: string) => (await legal.pending(accountId, clientId)).length > 0 } : {}),
      },
      // First-party apps skip the consent page; what they were given is still recorded.
      onFirstPartyConsent: async (ctx, added) => {
        const accountId = ctx.oidc.session?.accountId;
        const clientId = ctx.oidc.client?.clientId;
        if (!accountId || !clientId) return;
        await consents.record({
          accountId,
          clientId,
          grantId: added.grantId,
          action: 'granted',
          source: 'first_party',
          granted: { scopes: added.scope, claims: added.claims, resources: added.resources },
          withheld: { scopes: [], claims: [] },
          ...requestMeta(ctx),
        });
      },
    });
    if (adapter.rekeying) saveRekeyedSessionsInOneWrite(provider, adapter.rekeying);
    attachAuditListeners(provider, { audit, logger });
    // An adapter call that could not reach the database closes the gate at once (src/http/database-gate.ts).
    provider.on('server_error', (_ctx: unknown, err: unknown) => availability.report(err));
    attachSessionTracking(provider, { sessions: deps.sessions(), logger });
    return provider;
  };
}
