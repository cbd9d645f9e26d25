// An account just made through another provider is offered what the sign-up form offers besides the password: the
// communication choices (topics the operator marked for sign-up, each unticked). One page between the provider's
// answer and the rest of the sign-in, shown only when there is something to choose; its choices are stored as a
// sign-up's are (source 'signup'). Legal documents and missing attributes follow as after any sign-in (their steps).
import type { Context } from 'koa';
import { allowFormAction } from '../http/security-headers.ts';
import { renderPage } from '../http/views.ts';
import type { InteractionFlows } from '../services/interaction-flows.ts';
import { interactionPath, type LoadedInteraction } from './context.ts';
import { FORM_ERROR_STATUS, requestMeta, type FormError } from './forms.ts';
import { readSignupPreferences, recordSignupPreferences, signupPreferencesView, type SignupPreferences } from './signup-preferences.ts';

export interface FederatedWelcomeDeps {
  flows: Pick<InteractionFlows, 'start' | 'find' | 'remove'>;
  preferences?: SignupPreferences;
  config: { ttl: { interaction: number } };
}

export const federatedWelcomePath = (uid: string) => `${interactionPath(uid)}/federation/welcome`;

function render(ctx: Context, loaded: LoadedInteraction, deps: FederatedWelcomeDeps, error?: FormError) {
  allowFormAction(ctx, loaded.details.params.redirect_uri);
  renderPage(ctx, 'federation-welcome', {
    locale: loaded.locale,
    title: 'federation.welcome.title',
    status: error ? FORM_ERROR_STATUS : 200,
    data: {
      client: loaded.client,
      csrfToken: ctx.state.csrfToken,
      action: federatedWelcomePath(loaded.uid),
      preferences: signupPreferencesView(deps.preferences, loaded.locale, ctx),
      error: error ?? null,
    },
  });
}

/**
 * A new account through a connection: shows the choices and returns true, or false when nothing is offered at
 * sign-up (the sign-in simply goes on).
 */
export async function offerWelcome(ctx: Context, loaded: LoadedInteraction, deps: FederatedWelcomeDeps, accountId: string, secondFactor: boolean): Promise<boolean> {
  if (!signupPreferencesView(deps.preferences, loaded.locale, ctx)) return false;
  await deps.flows.start(loaded.uid, accountId, { step: 'federated-signup', secondFactor }, deps.config.ttl.interaction);
  render(ctx, loaded, deps);
  return true;
}

/**
 * POST …/federation/welcome: stores what was ticked and goes on with `next`; false when no new account waits here
 * (a reload after it went on, another tab).
 */
export async function submitWelcome(
  ctx: Context,
  loaded: LoadedInteraction,
  deps: FederatedWelcomeDeps,
  next: (accountId: string, secondFactor: boolean) => Promise<void>,
): Promise<boolean> {
  const pending = await deps.flows.find(loaded.uid, 'federated-signup');
  if (!pending) return false;
  const read = readSignupPreferences(deps.preferences, (ctx.request.body ?? {}) as Record<string, unknown>);
  if (!read.ok) {
    render(ctx, loaded, deps, read.error);
    return true;
  }
  await recordSignupPreferences(deps.preferences, pending.accountId, read.optIns, { clientId: loaded.client.id, ...requestMeta(ctx) });
  await deps.flows.remove(loaded.uid);
  await next(pending.accountId, pending.secondFactor);
  return true;
}
