// The login prompt: e-mail and password, checked by the users service. A wrong password and an unknown e-mail
// get the very same page (message, status, markup) so the form cannot be used to find out who has an account.
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { z } from 'zod';
import { CREATE_PROMPT } from '../oidc/policy.ts';
import { outcome } from '../auth/requirement.ts';
import { ensureDeviceId, knownDeviceFor, rememberKnownLogin } from '../http/device-cookie.ts';
import type { RiskEngine } from '../services/risk.ts';
import type { PasswordPolicy } from '../services/password-policy.ts';
import type { ProofChallenge } from '../services/proof-of-work.ts';
import type { Throttle, ThrottleKeys, ThrottleVerdict } from '../services/throttle.ts';
import { allowFormAction, allowImage } from '../http/security-headers.ts';
import { renderPage } from '../http/views.ts';
import type { UserService } from '../services/users.ts';
import type { BotCheck } from '../services/bot-check.ts';
import { BOT_CHECK_STATUS, botChallenge, passBotCheck, type BotCheckView } from '../http/bot-check-form.ts';
import { interactionPath, recordResult, type LoadedInteraction } from './context.ts';
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
import { normaliseEmail } from '../db/models/user.ts';
import { loginFormBotAction } from './email-code-login.ts';

const loginForm = z.object({
  email: emailField,
  password: z
    .string({ error: 'login.error.passwordMissing' })
    .min(1, { error: 'login.error.passwordMissing' })
    .max(MAX_PASSWORD, { error: 'login.error.passwordTooLong' }),
  // The proof of work the throttle asked for (views/assets/proof.js fills it in); checked by the throttle.
  proof_challenge: z.string().max(200).optional().catch(undefined),
  proof_nonce: z.string().max(32).optional().catch(undefined),
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
  /**
   * "Sign in with a passkey": a fresh WebAuthn challenge for this page of interaction `uid` (discoverable
   * credentials), when offered. Signed, not stored: rendering the page writes nothing.
   */
  passkeyOptions?: (uid: string) => Promise<{ challenge: string; options: unknown }>;
  /** "Continue with …": the connections offered (services/connections.ts), read without a database command. */
  connections?: () => Promise<readonly { id: string; name: string; icon?: string }[]>;
  /** "E-mail me a sign-in code" on this app's login page (email-code-login.ts). */
  emailCode?: (loaded: LoadedInteraction) => boolean;
  /**
   * Asked again while signed in (prompt=login, max_age, a sensitive change): "Confirm it's you" with the account's
   * address fixed, offering only what this account has. Undefined when the account is gone (the plain login page).
   */
  confirmIdentity?: (accountId: string) => Promise<ConfirmIdentity | undefined>;
  /** The password proves an existing account so that another provider's identity is linked to it (federation.ts). */
  linking?: { name: string; email: string; action: string; /** "E-mail me a code instead" (federation-link.ts). */ codeAction?: string };
  /** The bot check of every password sign-in (BOT_PROTECTION login); absent or off: only the throttle's puzzle. */
  botCheck?: BotCheck;
}

/** What a signed-in account can confirm itself with. */
export interface ConfirmIdentity {
  email: string;
  password: boolean;
  passkey: boolean;
}

/** "Not you? Use another account": the plain login page of the same sign-in, kept through its own form posts. */
const SWITCH = 'switch';
const switching = (ctx: Context) => ctx.query[SWITCH] === '1' || (ctx.request.body as Record<string, unknown> | undefined)?.[SWITCH] === '1';

export async function renderLogin(
  ctx: Context,
  loaded: LoadedInteraction,
  options: LoginPageOptions,
  form: { email: string; error?: FormError; status?: number; proof?: ProofChallenge; botCheck?: BotCheckView } = { email: '' },
): Promise<void> {
  const { details } = loaded;
  // A first sign-in has reason no_session; anything else (prompt=login, max_age, ...) asks an existing session again.
  const reauthenticate = !details.prompt.reasons.includes('no_session');
  const switched = switching(ctx);
  const sessionAccount = reauthenticate && !options.linking && !switched ? details.session?.accountId : undefined;
  const confirm = sessionAccount && options.confirmIdentity ? await options.confirmIdentity(sessionAccount) : undefined;
  const passkey = options.passkeyOptions && (!confirm || confirm.passkey) ? await options.passkeyOptions(loaded.uid) : undefined;
  const connections = options.connections && !options.linking ? offeredConnections(await options.connections(), loaded) : [];
  const emailCode = !options.linking && options.emailCode?.(loaded) === true;
  allowFormAction(ctx, details.params.redirect_uri);
  for (const c of connections) if (c.icon) allowImage(ctx, c.icon);
  renderPage(ctx, 'login', {
    locale: loaded.locale,
    title: confirm ? 'confirm.title' : 'login.title',
    status: form.status ?? (form.error ? FORM_ERROR_STATUS : 200),
    data: {
      client: loaded.client,
      actions: loaded.actions,
      csrfToken: ctx.state.csrfToken,
      email: confirm ? confirm.email : form.email,
      error: form.error ?? null,
      reauthenticate: reauthenticate && !confirm,
      confirm: confirm ? { password: confirm.password, switchHref: `${interactionPath(loaded.uid)}/login?${SWITCH}=1` } : null,
      switched,
      emailCode: emailCode ? `${interactionPath(loaded.uid)}/email-code` : null,
      // The e-mail field offers the browser's saved passkeys (WebAuthn conditional mediation) where it can.
      passkeyAutofill: passkey !== undefined && !confirm && !options.linking,
      signup: options.signupEnabled ? `${interactionPath(loaded.uid)}/signup` : null,
      forgot: `${interactionPath(loaded.uid)}/forgot${form.email ? `?email=${encodeURIComponent(form.email)}` : ''}`,
      passkey: passkey ? { options: passkey.options, challengeId: passkey.challenge, action: `${interactionPath(loaded.uid)}/passkey` } : null,
      proof: form.proof ?? null,
      // Solved for the address typed, whatever the throttle says (its own puzzle above is separate).
      botCheck: form.botCheck ?? botChallenge(options.botCheck, loaded.locale, loginFormBotAction(options.botCheck, emailCode), loaded.uid, 'email'),
      formAction: options.linking?.action ?? loaded.actions.login,
      linking: options.linking ? { name: options.linking.name, email: options.linking.email, codeAction: options.linking.codeAction ?? null } : null,
      connections: connections.map((c) => ({ name: c.name, icon: c.icon ?? null, href: `${interactionPath(loaded.uid)}/federated/${encodeURIComponent(c.id)}` })),
    },
  });
}

/**
 * A refused attempt: a block waits (429 with Retry-After); beyond a threshold the next attempt needs a proof of work,
 * which the page's script solves and sends with the form (the same status and no Retry-After: nothing to wait for).
 */
function refusal(ctx: Context, verdict: Extract<ThrottleVerdict, { allowed: false }>): { error: FormError; status: number; proof?: ProofChallenge } {
  if (verdict.proof) return { error: { key: 'login.error.proof' }, status: THROTTLED_STATUS, proof: verdict.proof };
  return { error: throttledError(ctx, verdict), status: THROTTLED_STATUS };
}

/** The enabled connections this client offers, in its order (its `connections` metadata), or all of them. */
export function offeredConnections<C extends { id: string }>(enabled: readonly C[], loaded: Pick<LoadedInteraction, 'metadata'>): C[] {
  const chosen = loaded.metadata.connections;
  if (!chosen) return [...enabled];
  return chosen.flatMap((id) => enabled.filter((c) => c.id === id));
}

export function loginHint(loaded: LoadedInteraction): string {
  return echo(loaded.details.params.login_hint);
}

export async function submitLogin(
  ctx: Context,
  loaded: LoadedInteraction,
  deps: {
    users: Pick<UserService, 'authenticate'>;
    throttle: Throttle;
    passwordPolicy: Pick<PasswordPolicy, 'check'>;
    risk: Pick<RiskEngine, 'recordAttempt'>;
    options: LoginPageOptions;
    /** The password was right: decides on a second factor and continues (interaction/mfa.ts afterPassword). */
    next: (signedIn: { accountId: string; breachedPassword: boolean; loginName: string }) => Promise<void>;
    /** The password was right but the account waits for its erasure (interaction/erasure-scheduled.ts). */
    scheduledErasure?: (scheduled: { accountId: string; dueAt: Date }) => Promise<void>;
  },
): Promise<void> {
  const body = ctx.request.body as Record<string, unknown> | undefined;
  const parsed = parseLogin(body);
  if (!parsed.ok) {
    await renderLogin(ctx, loaded, deps.options, { email: echo(body?.email), error: parsed.error });
    return;
  }
  const { email, password, proof_challenge: challenge, proof_nonce: nonce } = parsed.value;
  // Before the throttle counts anything or a password hash is computed: a refused bot costs us a MAC and one insert.
  const bot = await passBotCheck(ctx, deps.options.botCheck, loaded.locale, 'login', loaded.uid, { subjectField: 'email', subject: email, clientId: loaded.client.id });
  if (!bot.ok) {
    await renderLogin(ctx, loaded, deps.options, { email, error: bot.error, status: BOT_CHECK_STATUS, botCheck: bot.botCheck });
    return;
  }
  const meta = requestMeta(ctx);
  // Keyed by the address as typed (normalised), whether or not it has an account: a lockout reveals nothing. A
  // browser this name has signed in on before counts apart (src/http/device-cookie.ts).
  const loginName = normaliseEmail(email);
  const device = knownDeviceFor(ctx, loginName);
  const keys: ThrottleKeys = {
    ip: meta.ip,
    account: loginName,
    ...(device ? { device } : {}),
    ...(challenge && nonce ? { proof: { challenge, nonce } } : {}),
  };
  const gate = await deps.throttle.check('login', keys);
  if (!gate.allowed) {
    await renderLogin(ctx, loaded, deps.options, { email, ...refusal(ctx, gate) });
    return;
  }
  const result = await deps.users.authenticate(email, password, { ...meta, clientId: loaded.client.id });
  if (result && 'scheduledErasure' in result && deps.scheduledErasure) {
    await deps.throttle.succeed('login', keys);
    await deps.scheduledErasure(result.scheduledErasure);
    return;
  }
  const account = result && 'accountId' in result ? result : null;
  if (!account) {
    // A right password is recorded with what it leads to (afterPassword: the sign-in, or the second factor).
    await deps.risk.recordAttempt({ loginName, ip: meta.ip, success: false });
    const verdict = await deps.throttle.fail('login', keys, { ...meta, locale: loaded.locale });
    // Filed under the password (the field to type again); the message names both, revealing neither.
    const error: FormError = { key: 'login.error.credentials', field: 'password' };
    await renderLogin(ctx, loaded, deps.options, { email, ...(verdict.allowed ? { error } : refusal(ctx, verdict)) });
    return;
  }
  await deps.throttle.succeed('login', keys);
  rememberKnownLogin(ctx, loginName);
  // A password on the common or breached lists is a risk signal: whoever knows it may not be its owner.
  const verdict = await deps.passwordPolicy.check(password);
  const breached = !verdict.ok && (verdict.problem === 'common' || verdict.problem === 'breached');
  await deps.next({ accountId: account.accountId, breachedPassword: breached, loginName });
}

/**
 * Ends the login step: `accountId` signed in with `methods` (amr values: ['pwd'] for a password; more after a second
 * factor, see interaction/mfa.ts), remembered by the risk engine as a sign-in from this device and network, and the
 * browser sent on to the rest of the sign-in. `create` is resolved too: a customer sent to sign up (prompt=create)
 * who signs in to an existing account instead has done what was asked.
 */
export async function signInAndContinue(
  ctx: Context,
  deps: { provider: Provider; risk: Pick<RiskEngine, 'recordSignIn'> },
  accountId: string,
  methods: readonly string[] = ['pwd'],
  /** The login name of the right password that led here: recorded with the sign-in, in one write. */
  loginName?: string,
): Promise<void> {
  const { acr, amr } = outcome(methods);
  await deps.risk.recordSignIn({ accountId, ip: ctx.ip, deviceId: ensureDeviceId(ctx), ...(loginName ? { loginName } : {}) });
  const returnTo = await recordResult(ctx, deps.provider, { login: { accountId, amr, acr }, [CREATE_PROMPT]: { accountId } }, { mergeWithLastSubmission: false });
  ctx.status = 303;
  ctx.redirect(returnTo);
}
