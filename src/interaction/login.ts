// The login prompt: e-mail and password, checked by the users service. A wrong password and an unknown e-mail
// get the very same page (message, status, markup) so the form cannot be used to find out who has an account.
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { z } from 'zod';
import type { MessageKey } from '../i18n/index.ts';
import { allowFormAction } from '../http/security-headers.ts';
import { renderPage } from '../http/views.ts';
import type { UserService } from '../services/users.ts';
import type { LoadedInteraction } from './context.ts';

// The Authentication Context Class of a password sign-in. The provider configuration advertises it in
// acrValues; a session must carry it, or a client asking for it (acr_values) would be sent to log in forever.
export const PASSWORD_ACR = 'urn:ciam:acr:pwd';

export const MAX_EMAIL = 254;
export const MAX_PASSWORD = 1024;
// Form errors and failed logins share one status so that nothing but the text differs between the cases.
const FORM_ERROR_STATUS = 400;

const loginForm = z.object({
  email: z
    .string({ error: 'login.error.emailInvalid' })
    .trim()
    .min(1, { error: 'login.error.emailMissing' })
    .max(MAX_EMAIL, { error: 'login.error.emailTooLong' })
    .regex(/^[^\s@]+@[^\s@]+$/, { error: 'login.error.emailInvalid' }),
  password: z
    .string({ error: 'login.error.passwordMissing' })
    .min(1, { error: 'login.error.passwordMissing' })
    .max(MAX_PASSWORD, { error: 'login.error.passwordTooLong' }),
});

export type LoginInput = z.infer<typeof loginForm>;

export function parseLogin(
  body: unknown,
): { ok: true; value: LoginInput } | { ok: false; error: MessageKey; field: 'email' | 'password' } {
  const parsed = loginForm.safeParse(body ?? {});
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  return {
    ok: false,
    error: (issue?.message ?? 'login.error.emailInvalid') as MessageKey,
    field: issue?.path[0] === 'password' ? 'password' : 'email',
  };
}

// Only a plausible e-mail string is put back into the form; anything else starts empty.
function echoEmail(value: unknown): string {
  return typeof value === 'string' && value.length <= MAX_EMAIL ? value.trim() : '';
}

export function renderLogin(
  ctx: Context,
  loaded: LoadedInteraction,
  form: { email: string; error?: MessageKey; errorField?: 'email' | 'password' | 'credentials' } = { email: '' },
): void {
  const { details } = loaded;
  // A first sign-in has reason no_session; anything else (prompt=login, max_age, ...) asks an existing session again.
  const reauthenticate = !details.prompt.reasons.includes('no_session');
  allowFormAction(ctx, details.params.redirect_uri);
  renderPage(ctx, 'login', {
    locale: loaded.locale,
    status: form.error ? FORM_ERROR_STATUS : 200,
    data: {
      client: loaded.client,
      actions: loaded.actions,
      csrfToken: ctx.state.csrfToken,
      email: form.email,
      error: form.error ?? null,
      errorField: form.errorField ?? null,
      reauthenticate,
    },
  });
}

export function loginHint(loaded: LoadedInteraction): string {
  return echoEmail(loaded.details.params.login_hint);
}

export async function submitLogin(
  ctx: Context,
  loaded: LoadedInteraction,
  deps: { provider: Provider; users: Pick<UserService, 'authenticate'> },
): Promise<void> {
  const body = ctx.request.body as Record<string, unknown> | undefined;
  const parsed = parseLogin(body);
  if (!parsed.ok) {
    renderLogin(ctx, loaded, { email: echoEmail(body?.email), error: parsed.error, errorField: parsed.field });
    return;
  }
  const { email, password } = parsed.value;
  const account = await deps.users.authenticate(email, password, {
    ip: ctx.ip,
    userAgent: ctx.get('user-agent') || undefined,
    clientId: loaded.client.id,
  });
  if (!account) {
    renderLogin(ctx, loaded, { email, error: 'login.error.credentials', errorField: 'credentials' });
    return;
  }
  const returnTo = await deps.provider.interactionResult(
    ctx.req,
    ctx.res,
    { login: { accountId: account.accountId, amr: ['pwd'], acr: PASSWORD_ACR } },
    { mergeWithLastSubmission: false },
  );
  ctx.status = 303;
  ctx.redirect(returnTo);
}
