// Turns oidc-provider's events into audit records (security events) and log lines (everything else worth seeing),
// and keeps the account center's device records current.
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from '../log.ts';
import type { AuditEvent, AuditLog } from '../services/audit.ts';
import type { SessionService } from '../services/sessions.ts';
import { requestMeta as requestMetaOf } from '../http/request-meta.ts';
import { currentContext } from './provider.ts';

function requestMeta(ctx: KoaContextWithOIDC | undefined): Pick<AuditEvent, 'ip' | 'userAgent'> {
  if (!ctx) return {};
  return requestMetaOf(ctx);
}

interface TokenLike {
  accountId?: string;
  clientId?: string;
  grantId?: string;
  kind?: string;
}

export function attachAuditListeners(provider: Provider, deps: { audit: AuditLog; logger: Logger }): void {
  const { audit, logger } = deps;
  const record = (event: AuditEvent) => {
    audit.record(event).catch((err: unknown) => logger.error({ err, event: event.type }, 'audit write failed'));
  };

  provider.on('grant.revoked', (ctx: KoaContextWithOIDC, grantId: string) => {
    record({
      type: 'grant.revoked',
      outcome: 'success',
      accountId: ctx.oidc?.session?.accountId ?? ctx.oidc?.entities?.RefreshToken?.accountId,
      clientId: ctx.oidc?.client?.clientId,
      reason: ctx.oidc?.route === 'revocation' ? 'revoked' : 'token_reuse_or_logout',
      details: { grantId, route: ctx.oidc?.route },
      ...requestMeta(ctx),
    });
  });

  // Tokens destroyed by the revocation endpoint are an operator-visible security event; the same event fires for
  // routine clean-up elsewhere, which is not.
  // Model events are emitted by name ("<model>.destroyed") and are missing from the type definitions.
  const emitter = provider as unknown as NodeJS.EventEmitter;
  for (const kind of ['access_token', 'refresh_token', 'client_credentials'] as const) {
    emitter.on(`${kind}.destroyed`, (token: TokenLike) => {
      const ctx = currentContext();
      if (ctx?.oidc?.route !== 'revocation') return;
      record({
        type: 'token.revoked',
        outcome: 'success',
        accountId: token.accountId,
        clientId: token.clientId,
        details: { kind, grantId: token.grantId },
        ...requestMeta(ctx),
      });
    });
  }

  provider.on('end_session.success', (ctx: KoaContextWithOIDC) => {
    record({
      type: 'logout',
      outcome: 'success',
      accountId: ctx.oidc?.session?.accountId,
      clientId: ctx.oidc?.client?.clientId,
      ...requestMeta(ctx),
    });
  });

  provider.on('registration_create.success', (ctx: KoaContextWithOIDC, client: { clientId: string }) => {
    record({ type: 'client.registered', outcome: 'success', clientId: client.clientId, ...requestMeta(ctx) });
  });
  provider.on('registration_delete.success', (ctx: KoaContextWithOIDC, client: { clientId: string }) => {
    record({ type: 'client.deleted', outcome: 'success', clientId: client.clientId, ...requestMeta(ctx) });
  });

  // A failed client authentication at the token endpoint is how a leaked or guessed secret shows itself.
  provider.on('grant.error', (ctx: KoaContextWithOIDC, err: Error & { error?: string }) => {
    if (err.error === 'invalid_client') {
      record({
        type: 'client.authentication_failed',
        outcome: 'failure',
        clientId: ctx.oidc?.params?.client_id as string | undefined,
        reason: err.error,
        ...requestMeta(ctx),
      });
    }
  });

  provider.on('backchannel.error', (ctx: unknown, err: Error, client: { clientId: string }) => {
    logger.warn({ err: err.message, clientId: client.clientId }, 'back-channel logout delivery failed');
  });
}

/**
 * Keeps the device records current: every successful authorization (sign-in, SSO to another app, the account
 * center's own check) notes the session's device and address. Failures are logged, never fail the sign-in.
 */
export function attachSessionTracking(provider: Provider, deps: { sessions: Pick<SessionService, 'touch'>; logger?: Logger }): void {
  const note = (ctx: KoaContextWithOIDC) => {
    const session = ctx.oidc?.session;
    const accountId = session?.accountId;
    if (!session?.uid || !accountId) return;
    deps.sessions
      .touch({ uid: session.uid, accountId, ...requestMetaOf(ctx) })
      .catch((err: unknown) => deps.logger?.warn({ err: (err as Error).message }, 'session tracking failed'));
  };
  provider.on('authorization.success', note);
}
