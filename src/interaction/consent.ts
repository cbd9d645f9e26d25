// The consent prompt: show what the client asks for in plain language, required items as a list and optional ones
// (the client's `optional_scopes` / `optional_claims`) as unticked checkboxes, since silence or a pre-ticked box is
// not consent (GDPR recital 32). On "allow" the decision goes into the Grant oidc-provider issues tokens from —
// granted items added, withheld ones rejected, so they are neither released nor asked again — and into the consent
// records. An existing grant is extended rather than replaced, and only a newly created grant's id is handed back.
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { errors } from 'oidc-provider';
import { translator } from '../i18n/index.ts';
import { allowFormAction } from '../http/security-headers.ts';
import { renderPage } from '../http/views.ts';
import { claimsOfScope } from '../services/claims.ts';
import type { AuditLog } from '../services/audit.ts';
import { applyToGrant, decide, unknownChoices, type Choice, type ConsentItem } from '../services/consent-choices.ts';
import type { ConsentService } from '../services/consents.ts';
import type { UserService } from '../services/users.ts';
import { recordResult, type LoadedInteraction } from './context.ts';
import { consentItems, describeConsent, describeItem, missingFromPrompt } from './describe.ts';
import { FORM_ERROR_STATUS, type FormError } from './forms.ts';
import { requestMeta } from '../http/request-meta.ts';

const MAX_CHOICES = 100;
const MAX_NAME = 100;

/** Who is signed in (the consent page names them): the account the sign-in just read, from the account cache. */
export interface ConsentAccounts {
  users: Pick<UserService, 'accountState'>;
}

/**
 * "Not you?": the same authorization request again with prompt=login, so that another account signs in and this
 * one's session is replaced. Not offered when the request cannot be repeated by URL (a request object, PAR).
 */
function switchAccountUrl(params: Record<string, unknown>): string | undefined {
  if (params.request !== undefined || params.request_uri !== undefined) return undefined;
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (name === 'prompt' || name === 'login_hint' || name === 'id_token_hint' || value === undefined || value === null) continue;
    query.set(name, String(value));
  }
  query.set('prompt', 'login');
  return `/auth?${query}`;
}

export async function renderConsent(
  ctx: Context,
  loaded: LoadedInteraction,
  deps: ConsentAccounts,
  form: { chosen?: Choice; error?: FormError } = {},
): Promise<void> {
  const { details } = loaded;
  const accountId = details.session?.accountId;
  const account = accountId ? await deps.users.accountState(accountId) : undefined;
  const t = translator(loaded.locale);
  const request = describeConsent(t, details.prompt.details);
  const items = consentItems(details.prompt.details, loaded.metadata);
  const views = items.map((item, i) => ({ ...describeItem(t, item, i), optional: item.optional }));
  const chosen = form.chosen ?? { scopes: new Set<string>(), claims: new Set<string>() };
  allowFormAction(ctx, details.params.redirect_uri);
  renderPage(ctx, 'consent', {
    locale: loaded.locale,
    status: form.error ? FORM_ERROR_STATUS : 200,
    data: {
      client: loaded.client,
      actions: loaded.actions,
      csrfToken: ctx.state.csrfToken,
      error: form.error ?? null,
      scopes: views.filter((v) => v.kind === 'scope' && !v.optional).map((v) => v.label),
      claims: views.filter((v) => v.kind === 'claim' && !v.optional).map((v) => v.label),
      optional: views
        .filter((v) => v.optional)
        .map((v) => ({ ...v, checked: (v.kind === 'scope' ? chosen.scopes : chosen.claims).has(v.name) })),
      resources: request.resources,
      signedInAs: account ? { email: account.email, switchUrl: switchAccountUrl(details.params as Record<string, unknown>) ?? null } : null,
    },
  });
}

/** The ticked optional items of a posted form; undefined when the form is malformed (not strings, too many). */
export function readChoice(body: Record<string, unknown>): Choice | undefined {
  const read = (value: unknown): string[] | undefined => {
    if (value === undefined) return [];
    const list = Array.isArray(value) ? value : [value];
    if (list.length > MAX_CHOICES || list.some((v) => typeof v !== 'string' || v.length === 0 || v.length > MAX_NAME)) return undefined;
    return list as string[];
  };
  const scopes = read(body.scope);
  const claims = read(body.claim);
  return scopes && claims ? { scopes: new Set(scopes), claims: new Set(claims) } : undefined;
}

export async function confirmConsent(
  ctx: Context,
  loaded: LoadedInteraction,
  deps: ConsentAccounts & { provider: Provider; audit: Pick<AuditLog, 'record'>; consents?: Pick<ConsentService, 'record'> },
): Promise<void> {
  const { details, client } = loaded;
  const accountId = details.session?.accountId;
  // Consent always follows a login; without an account the interaction is not in a state we can finish.
  if (!accountId) throw new errors.SessionNotFound('consent without a signed-in account');

  const items: ConsentItem[] = consentItems(details.prompt.details, loaded.metadata);
  const choice = readChoice((ctx.request.body ?? {}) as Record<string, unknown>);
  if (!choice || unknownChoices(items, choice).length) {
    const offered = choice ?? { scopes: new Set<string>(), claims: new Set<string>() };
    return renderConsent(ctx, loaded, deps, { chosen: offered, error: { key: 'consent.error.choice' } });
  }

  const missing = missingFromPrompt(details.prompt.details);
  const decision = decide(missing.scope, missing.claims, items, choice, claimsOfScope, missing.resources);
  const existing = details.grantId ? await deps.provider.Grant.find(details.grantId) : undefined;
  // The grant may have expired since the interaction started; a fresh one then takes its place.
  const grant = existing ?? new deps.provider.Grant({ accountId, clientId: client.id });
  applyToGrant(grant as unknown as Parameters<typeof applyToGrant>[0], decision);
  const grantId = await grant.save();

  if (deps.consents) {
    await deps.consents.record({
      accountId,
      clientId: client.id,
      grantId,
      action: 'granted',
      source: 'consent_page',
      granted: decision.granted,
      withheld: decision.withheld,
      ...requestMeta(ctx),
    });
  } else {
    await deps.audit.record({
      type: 'consent.granted',
      outcome: 'success',
      accountId,
      clientId: client.id,
      ...requestMeta(ctx),
      // The same shape the consent records' event has (services/consents.ts).
      details: { granted: decision.granted, withheld: decision.withheld },
    });
  }

  const returnTo = await recordResult(ctx, deps.provider, { consent: existing ? {} : { grantId } });
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
      ...requestMeta(ctx),
      details: { scope: missingFromPrompt(details.prompt.details).scope },
    });
  }
  const returnTo = await recordResult(
    ctx,
    deps.provider,
    { error: 'access_denied', error_description: consent ? 'End-User denied the consent request' : 'End-User cancelled the sign-in' },
    { mergeWithLastSubmission: false },
  );
  ctx.status = 303;
  ctx.redirect(returnTo);
}
