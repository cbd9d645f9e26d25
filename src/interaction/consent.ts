// The consent prompt: show what the client asks for in plain language; on "allow" record it in the Grant
// oidc-provider will issue tokens from. An existing grant (earlier consent by this user to this client) is
// extended rather than replaced, and only a newly created grant's id is handed back, as oidc-provider expects.
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { errors } from 'oidc-provider';
import { translator } from '../i18n/index.ts';
import { allowFormAction } from '../http/security-headers.ts';
import { renderPage } from '../http/views.ts';
import type { AuditLog } from '../services/audit.ts';
import type { LoadedInteraction } from './context.ts';
import { describeConsent, missingFromPrompt } from './describe.ts';

export function renderConsent(ctx: Context, loaded: LoadedInteraction): void {
  const { details } = loaded;
  const request = describeConsent(translator(loaded.locale), details.prompt.details);
  allowFormAction(ctx, details.params.redirect_uri);
  renderPage(ctx, 'consent', {
    locale: loaded.locale,
    data: { client: loaded.client, actions: loaded.actions, csrfToken: ctx.state.csrfToken, ...request },
  });
}

export function auditMeta(ctx: Context) {
  return { ip: ctx.ip, userAgent: ctx.get('user-agent') || undefined };
}

export async function confirmConsent(
  ctx: Context,
  loaded: LoadedInteraction,
  deps: { provider: Provider; audit: Pick<AuditLog, 'record'> },
): Promise<void> {
  const { details, client } = loaded;
  const accountId = details.session?.accountId;
  // Consent always follows a login; without an account the interaction is not in a state we can finish.
  if (!accountId) throw new errors.SessionNotFound('consent without a signed-in account');

  const existing = details.grantId ? await deps.provider.Grant.find(details.grantId) : undefined;
  // The grant may have expired since the interaction started; a fresh one then takes its place.
  const grant = existing ?? new deps.provider.Grant({ accountId, clientId: client.id });
  const missing = missingFromPrompt(details.prompt.details);
  if (missing.scope.length) grant.addOIDCScope(missing.scope.join(' '));
  if (missing.claims.length) grant.addOIDCClaims(missing.claims);
  for (const [indicator, scopes] of Object.entries(missing.resources)) {
    grant.addResourceScope(indicator, scopes.join(' '));
  }
  const grantId = await grant.save();

  await deps.audit.record({
    type: 'consent.granted',
    outcome: 'success',
    accountId,
    clientId: client.id,
    ...auditMeta(ctx),
    details: { scope: missing.scope, claims: missing.claims, resources: missing.resources },
  });

  const returnTo = await deps.provider.interactionResult(
    ctx.req,
    ctx.res,
    { consent: existing ? {} : { grantId } },
    { mergeWithLastSubmission: true },
  );
  ctx.status = 303;
  ctx.redirect(returnTo);
}

// "Deny" on the consent page and "cancel" on the login page: the client gets access_denied at its redirect_uri.
export async function abortInteraction(
  ctx: Context,
  loaded: LoadedInteraction,
  deps: { provider: Provider; audit: Pick<AuditLog, 'record'> },
): Promise<void> {
  const { details, client } = loaded;
  const consent = details.prompt.name === 'consent';
  if (consent) {
    await deps.audit.record({
      type: 'consent.denied',
      outcome: 'failure',
      accountId: details.session?.accountId,
      clientId: client.id,
      ...auditMeta(ctx),
      details: { scope: missingFromPrompt(details.prompt.details).scope },
    });
  }
  const returnTo = await deps.provider.interactionResult(
    ctx.req,
    ctx.res,
    {
      error: 'access_denied',
      error_description: consent ? 'End-User denied the consent request' : 'End-User cancelled the sign-in',
    },
    { mergeWithLastSubmission: false },
  );
  ctx.status = 303;
  ctx.redirect(returnTo);
}
