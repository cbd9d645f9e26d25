// The login prompt: e-mail and password, checked by the users service. A wrong password and an unknown e-mail
// get the very same page (message, status, markup) so the form cannot be used to find out who has an account.
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { z } from 'zod';
import { CREATE_PROMPT } from '../oidc/policy.ts';
import type { Throttle } from '../services/throttle.ts';
import { allowFormAction } from '../http/security-headers.ts';
import { renderPage } from '../http/views.ts';
import type { UserService } from '../services/users.ts';
import { interactionPath, type LoadedInteraction } from './context.ts';
import {
  echo,
  emailField,
  FORM_ERROR_STATUS,
  firstProblem,
  MAX_PASSWORD,
  requestMeta,
  THROTTLED_STATUS,
  throttledError,
  type FormError,
} from './forms.ts';

// The Authentication Context Class of a password sign-in. The provider configuration advertises it in
// acrValues; a session must carry it, or a client asking for it (acr_values) would be sent to log in forever.
export const PASSWORD_ACR = 'urn:ciam:acr:pwd';

const loginForm = z.object({
  email: emailField,
  password: z
    .string({ error: 'login.error.passwordMissing' })
    .min(1, { error: 'login.error.passwordMissing' })
    .max(MAX_PASSWORD, { error: 'login.error.passwordTooLong' }),
});

export type LoginInput = z.infer<typeof loginForm>;

export { MAX_EMAIL, MAX_PASSWORD } from './forms.ts';

export function parseLogin(body: unknown): { ok: true; value: LoginInput } | { ok: false; error: FormError } {
  const parsed = loginForm.safeParse(body ?? {});
  if (parsed.success) return { ok: true, value: parsed.data };
  const problem = firstProblem(parsed.error, 'login.error.emailInvalid');
  return { ok: false, error: { ...problem, field: problem.field === 'password' ? 'password' : 'email' } };
}

export interface LoginPageOptions {
  signupEnabled: boolean;
}

export function renderLogin(
  ctx: Context,
  loaded: LoadedInteraction,
  options: LoginPageOptions,
  form: { email: string; error?: FormError; status?: number } = { email: '' },
): void {
  const { details } = loaded;
  // A first sign-in has reason no_session; anything else (prompt=login, max_age, ...) asks an existing session again.
  const reauthenticate = !details.prompt.reasons.includes('no_session');
  allowFormAction(ctx, details.params.redirect_uri);
  renderPage(ctx, 'login', {
    locale: loaded.locale,
    status: form.status ?? (form.error ? FORM_ERROR_STATUS : 200),
    data: {
      client: loaded.client,
      actions: loaded.actions,
      csrfToken: ctx.state.csrfToken,
      email: form.email,
      error: form.error ?? null,
      reauthenticate,
      signup: options.signupEnabled ? `${interactionPath(loaded.uid)}/signup` : null,
      forgot: `${interactionPath(loaded.uid)}/forgot${form.email ? `?email=${encodeURIComponent(form.email)}` : ''}`,
    },
  });
}

export function loginHint(loaded: LoadedInteraction): string {
  return echo(loaded.details.params.login_hint);
}

export async function submitLogin(
  ctx: Context,
  loaded: LoadedInteraction,
  deps: { provider: Provider; users: Pick<UserService, 'authenticate'>; throttle: Throttle; options: LoginPageOptions },
): Promise<void> {
  const body = ctx.request.body as Record<string, unknown> | undefined;
  const parsed = parseLogin(body);
  if (!parsed.ok) {
    renderLogin(ctx, loaded, deps.options, { email: echo(body?.email), error: parsed.error });
    return;
  }
  const { email, password } = parsed.value;
  const meta = requestMeta(ctx);
  // Keyed by the address as typed (normalised), whether or not it has an account: a lockout reveals nothing.
  const keys = { ip: meta.ip, account: email.toLowerCase() };
  const gate = await deps.throttle.check('login', keys);
  if (!gate.allowed) {
    renderLogin(ctx, loaded, deps.options, { email, error: throttledError(ctx, gate), status: THROTTLED_STATUS });
    return;
  }
  const account = await deps.users.authenticate(email, password, { ...meta, clientId: loaded.client.id });
  if (!account) {
    const verdict = await deps.throttle.fail('login', keys, meta);
    const error: FormError = verdict.allowed ? { key: 'login.error.credentials', field: 'credentials' } : throttledError(ctx, verdict);
    renderLogin(ctx, loaded, deps.options, { email, error, ...(verdict.allowed ? {} : { status: THROTTLED_STATUS }) });
    return;
  }
  await deps.throttle.succeed('login', keys);
  await signInAndContinue(ctx, deps.provider, account.accountId);
}

/**
 * Ends the login step with a password sign-in of `accountId` and sends the browser on to the rest of the sign-in.
 * Used by the login form, a completed sign-up and a password reset. `create` is resolved too: a customer sent to sign
 * up (prompt=create) who signs in to an existing account instead has done what was asked.
 */
export async function signInAndContinue(ctx: Context, provider: Provider, accountId: string): Promise<void> {
  const returnTo = await provider.interactionResult(
    ctx.req,
    ctx.res,
    { login: { accountId, amr: ['pwd'], acr: PASSWORD_ACR }, [CREATE_PROMPT]: { accountId } },
    { mergeWithLastSubmission: false },
  );
  ctx.status = 303;
  ctx.redirect(returnTo);
}
