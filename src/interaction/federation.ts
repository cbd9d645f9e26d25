// Signing in through another provider (a connection), as one step of the sign-in: "Continue with …" on the login page
// sends the browser to the upstream; its answer comes back to the one fixed callback, which hands it to the
// interaction it belongs to (the state says which; only the browser holding that interaction's cookie gets further);
// there the upstream identity is resolved (usecases/federated-sign-in.ts) and the sign-in continues exactly as after a
// password: risk engine, second factor, legal documents, missing attributes, consent. An existing account found by a
// verified upstream e-mail is linked only after its owner proves it here: its password, a passkey, or a code mailed
// to its address (federation-link.ts).
import Router from '@koa/router';
import type { Context } from 'koa';
import type { AuditLog } from '../services/audit.ts';
import type { Connections } from '../services/connections.ts';
import { FederationFailure, type Federation, type FederationFailureReason, type UpstreamIdentity } from '../services/federation.ts';
import { ACCOUNT_LINK_RETURN_PATH, FEDERATION_CALLBACK_PATH } from '../services/federation.ts';
import type { MessageKey } from '../i18n/index.ts';
import { AppError, notFound } from '../errors.ts';
import { formBody } from '../http/form-body.ts';
import type { FederatedRefusal, FederatedSignIn } from '../usecases/federated-sign-in.ts';
import { interactionPath, type LoadedInteraction } from './context.ts';
import { requestMeta, type FormError } from './forms.ts';
import { offeredConnections, renderLogin, type LoginPageOptions } from './login.ts';
import { seeOther } from './mfa-decide.ts';

export interface FederationDeps {
  federation: Federation;
  connections: Pick<Connections, 'enabled' | 'listEnabled'>;
  federatedSignIn: FederatedSignIn;
}

/** Where the upstream's answer continues inside the interaction (the fixed callback redirects here). */
export const federationReturnPath = (uid: string) => `${interactionPath(uid)}/federation/return`;
/** The password form that proves an existing account before linking. */
export const federationLinkPath = (uid: string) => `${interactionPath(uid)}/federation/link`;

const FAILURE_KEYS: Record<FederationFailureReason | FederatedRefusal, MessageKey> = {
  denied: 'federation.error.denied',
  upstream_error: 'federation.error.failed',
  invalid_response: 'federation.error.failed',
  unavailable: 'federation.error.unavailable',
  expired: 'federation.error.expired',
  not_allowed: 'federation.error.notAllowed',
  email_unverified: 'federation.error.emailUnverified',
  signup_closed: 'federation.error.signupClosed',
  disabled: 'federation.error.disabled',
};

export function federationError(reason: FederationFailureReason | FederatedRefusal, name: string): FormError {
  return { key: FAILURE_KEYS[reason], vars: { name } };
}

/** GET /interaction/:uid/federated/:connection — off to the upstream. */
export async function startFederated(ctx: Context, loaded: LoadedInteraction, deps: FederationDeps, options: LoginPageOptions): Promise<void> {
  const id = String(ctx.params.connection ?? '');
  // Only what this app's login page offers (a connection of another app is no way in here).
  const connection = offeredConnections(await deps.connections.listEnabled(), loaded).find((c) => c.id === id);
  if (!connection) throw notFound('No such way to sign in');
  try {
    const url = await deps.federation.begin(connection.id, loaded.uid);
    if (!url) throw notFound('No such way to sign in');
    seeOther(ctx, url.href);
  } catch (err) {
    if (!(err instanceof FederationFailure)) throw err;
    await renderLogin(ctx, loaded, options, { email: '', error: federationError(err.reason, connection.name), status: 502 });
  }
}

/**
 * The upstream's answer, inside the interaction. `onIdentity` resolves it (sign in, link or refuse); a failure at the
 * upstream or in its answer shows the login page with a sentence saying what happened, and nothing is created.
 */
export async function returnFromUpstream(
  ctx: Context,
  loaded: LoadedInteraction,
  deps: FederationDeps & { audit: Pick<AuditLog, 'record'> },
  options: LoginPageOptions,
  onIdentity: (identity: UpstreamIdentity) => Promise<void>,
): Promise<void> {
  let identity: UpstreamIdentity;
  try {
    identity = await deps.federation.finish(loaded.uid, new URLSearchParams(ctx.querystring));
  } catch (err) {
    if (!(err instanceof FederationFailure)) throw err;
    const { ip, userAgent } = requestMeta(ctx);
    await deps.audit.record({
      type: 'federation.failure',
      outcome: 'failure',
      reason: err.reason,
      clientId: loaded.client.id,
      ip,
      userAgent,
      details: { connection: err.connection?.id ?? 'unknown' },
    });
    await renderLogin(ctx, loaded, options, { email: '', error: federationError(err.reason, err.connection?.name ?? '—') });
    return;
  }
  await onIdentity(identity);
}

/** The fixed redirect URI every upstream answers at: hands the answer to the interaction named in its state. */
export function federationCallbackRouter(deps: Pick<FederationDeps, 'federation'>): Router {
  const router = new Router();
  const handOn = (ctx: Context, answer: URLSearchParams) => {
    const state = answer.get('state');
    // Linking from the account center: its page checks that the same signed-in session started it.
    if (deps.federation.forAccount(state)) {
      ctx.status = 303;
      ctx.redirect(`${ACCOUNT_LINK_RETURN_PATH}?${answer}`);
      return;
    }
    const uid = deps.federation.interactionOf(state);
    if (!uid) throw new AppError(400, 'invalid_request', 'This sign-in answer is not one we asked for. Start the sign-in again from the app.');
    // A GET navigation (303), so that the interaction's SameSite=Lax cookie comes along even after a cross-site POST.
    ctx.status = 303;
    ctx.redirect(`${federationReturnPath(uid)}?${answer}`);
  };
  router.get(FEDERATION_CALLBACK_PATH, (ctx) => handOn(ctx, new URLSearchParams(ctx.querystring)));
  // response_mode=form_post: the answer arrives as a form; no CSRF token (the upstream posts it), the sealed state
  // and the interaction's own cookie are what bind it to this browser's sign-in.
  router.post(FEDERATION_CALLBACK_PATH, formBody(), (ctx) => {
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const answer = new URLSearchParams();
    for (const key of ['code', 'state', 'iss', 'error', 'error_description', 'user']) {
      if (typeof body[key] === 'string' && body[key].length <= 2000) answer.set(key, body[key]);
    }
    handOn(ctx, answer);
  });
  return router;
}
