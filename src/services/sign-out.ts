// Ending every way an account is signed in, as a disabled, locked or erased account needs: its browser sessions
// (each app signed in there told by back-channel logout), the apps holding only a grant told too, every access and
// refresh token revoked, and sign-ins waiting for a second factor dropped. One piece for erasure and for disabling.
import type Provider from 'oidc-provider';
import type { MongoAdapter } from '../../adapters/types.ts';
import type { Logger } from '../log.ts';
import { notifyLogout } from './backchannel-logout.ts';
import type { GrantService } from './grants.ts';
import type { InteractionFlows } from './interaction-flows.ts';
import type { SessionService } from './sessions.ts';

export interface SignOutDeps {
  provider: () => Provider;
  adapter: Pick<MongoAdapter, 'findByAccount'>;
  sessions: Pick<SessionService, 'revokeAll'>;
  grants: Pick<GrantService, 'revokeTokens'>;
  flows: Pick<InteractionFlows, 'removeForAccount'>;
  logger?: Logger;
}

export interface SignOutMeta {
  ip?: string;
  userAgent?: string;
  /** The operator who ended them (console), recorded on each session's audit row. */
  actorId?: string | undefined;
}

export interface SignOut {
  /** Ends every session (apps there told) and tells the other apps holding a grant; resolves with the sessions ended. */
  sessionsEverywhere(accountId: string, reason: string, meta: SignOutMeta): Promise<number>;
  /** sessionsEverywhere, and every token revoked and every sign-in in progress dropped. */
  everything(accountId: string, reason: string, meta: SignOutMeta): Promise<{ sessions: number; tokens: number }>;
}

export function createSignOut(deps: SignOutDeps): SignOut {
  async function sessionsEverywhere(accountId: string, reason: string, meta: SignOutMeta): Promise<number> {
    const told = new Set<string>();
    for (const row of await deps.adapter.findByAccount('Session', accountId)) {
      const authorizations = row.payload.authorizations;
      if (authorizations && typeof authorizations === 'object') Object.keys(authorizations).forEach((c) => told.add(c));
    }
    // An app with only a refresh token has no session to hear about.
    const holders = new Set<string>();
    for (const row of await deps.adapter.findByAccount('Grant', accountId)) {
      if (typeof row.payload.clientId === 'string' && !told.has(row.payload.clientId)) holders.add(row.payload.clientId);
    }
    const ended = await deps.sessions.revokeAll(accountId, { reason, ip: meta.ip, userAgent: meta.userAgent, ...(meta.actorId ? { actorId: meta.actorId } : {}) });
    await Promise.all([...holders].map((clientId) => notifyLogout(deps.provider(), { accountId, clientId }, deps.logger)));
    return ended;
  }
  return {
    sessionsEverywhere,
    async everything(accountId, reason, meta) {
      const sessions = await sessionsEverywhere(accountId, reason, meta);
      const tokens = await deps.grants.revokeTokens(accountId);
      await deps.flows.removeForAccount(accountId);
      return { sessions, tokens };
    },
  };
}
