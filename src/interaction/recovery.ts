// "Forgot password" inside the sign-in: an address → a code by mail → code + new password → signed in, with every
// other session ended and every token of the account revoked.
//
// No account enumeration: known and unknown addresses get the same page, status and work (a code row and a queued
// mail: the reset code to an account's owner, a "there is no account with this address" note to anyone else).
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { z } from 'zod';
import type { Config } from '../config/index.ts';
import { allowFormAction } from '../http/security-headers.ts';
import { renderPage } from '../http/views.ts';
import type { AuditLog } from '../services/audit.ts';
import type { Mailer } from '../services/mailer.ts';
import type { CodePayload, OneTimeCodes } from '../services/one-time-codes.ts';
import type { PasswordPolicy } from '../services/password-policy.ts';
import type { Throttle } from '../services/throttle.ts';
import type { UserService } from '../services/users.ts';
import type { LoadedInteraction } from './context.ts';
import {
  codeError,
  echo,
  emailField,
  FORM_ERROR_STATUS,
  firstProblem,
  maskEmail,
  MAX_PASSWORD,
  requestMeta,
  THROTTLED_STATUS,
  throttledError,
  refOf,
  type FormError,
} from './forms.ts';
import { signInAndContinue } from './login.ts';
import { readSixDigitCode } from '../services/code-input.ts';
import type { RiskEngine } from '../services/risk.ts';
import type { PasswordUseCases } from '../usecases/password.ts';
import type { CodeChallenges } from '../usecases/code-challenge.ts';
import type { BotCheck } from '../services/bot-check.ts';
import { BOT_CHECK_STATUS, botChallenge, passBotCheck, type BotCheckView } from '../http/bot-check-form.ts';

export interface RecoveryDeps {
  provider: Provider;
  config: Pick<Config, 'issuer' | 'codes' | 'signup'>;
  users: Pick<UserService, 'findByEmail' | 'findById'>;
  mailer: Pick<Mailer, 'queue'>;
  codes: Pick<OneTimeCodes, 'issue' | 'verify' | 'peek'>;
  throttle: Throttle;
  /** Typing the mailed code back (src/usecases/code-challenge.ts). */
  codeChallenges: CodeChallenges;
  passwordPolicy: PasswordPolicy;
  audit: Pick<AuditLog, 'record'>;
  /** Remembers the device and network of the sign-in that follows. */
  risk: Pick<RiskEngine, 'recordSignIn'>;
  /** The new password and what it ends: every session but the one this sign-in belongs to, tokens, trusted browsers. */
  passwords: Pick<PasswordUseCases, 'replacePassword'>;
  /** The bot check of the "forgot password" form (BOT_PROTECTION recover); absent: none. */
  botCheck?: BotCheck;
}

type ResetPayload = CodePayload<'password-reset'>;

function paths(loaded: LoadedInteraction) {
  const base = `/interaction/${encodeURIComponent(loaded.uid)}`;
  return { forgot: `${base}/forgot`, reset: `${base}/reset`, login: `${base}/login`, signup: `${base}/signup` };
}

export function renderForgot(
  ctx: Context,
  loaded: LoadedInteraction,
  deps: Pick<RecoveryDeps, 'botCheck'>,
  form: { email?: string; error?: FormError; status?: number; botCheck?: BotCheckView } = {},
): void {
  allowFormAction(ctx, loaded.details.params.redirect_uri);
  renderPage(ctx, 'forgot', {
    locale: loaded.locale,
    title: 'forgot.title',
    status: form.status ?? (form.error ? FORM_ERROR_STATUS : 200),
    data: {
      client: loaded.client,
      csrfToken: ctx.state.csrfToken,
      paths: paths(loaded),
      email: form.email ?? (typeof ctx.query.email === 'string' ? echo(ctx.query.email) : ''),
      error: form.error ?? null,
      // Solved for the address typed: a solution serves that address only.
      botCheck: form.botCheck ?? botChallenge(deps.botCheck, loaded.locale, 'recover', loaded.uid, 'email'),
    },
  });
}

export async function submitForgot(ctx: Context, loaded: LoadedInteraction, deps: RecoveryDeps): Promise<void> {
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const email = echo(body.email);
  const meta = requestMeta(ctx);
  const parsed = emailField.safeParse(body.email);
  if (!parsed.success) return renderForgot(ctx, loaded, deps, { email, error: { ...firstProblem(parsed.error, 'login.error.emailInvalid'), field: 'email' } });
  const bot = await passBotCheck(ctx, deps.botCheck, loaded.locale, 'recover', loaded.uid, { subjectField: 'email', subject: email, clientId: loaded.client.id });
  if (!bot.ok) return renderForgot(ctx, loaded, deps, { email, error: bot.error, status: BOT_CHECK_STATUS, botCheck: bot.botCheck });
  const address = parsed.data.toLowerCase();

  const keys = { ip: meta.ip, account: address };
  const gate = await deps.throttle.check('recovery', keys);
  if (!gate.allowed) return renderForgot(ctx, loaded, deps, { email, error: throttledError(ctx, gate), status: THROTTLED_STATUS });
  await deps.throttle.fail('recovery', keys, meta);

  const user = await deps.users.findByEmail(address);
  const known = user !== null && !user.disabled;
  const subject = known ? user.id : address;
  const payload: ResetPayload = known ? { email: address } : { email: address, unknown: true };
  const issued = await deps.codes.issue({ purpose: 'password-reset', subject, payload });
  const base = `${deps.config.issuer}${paths(loaded).reset}`;
  if (known) {
    deps.mailer.queue({
      to: address,
      template: 'password-reset',
      locale: loaded.locale,
      data: {
        code: issued.code,
        link: `${base}?ref=${issued.id}&code=${issued.code}`,
      },
    });
  } else {
    deps.mailer.queue({
      to: address,
      template: 'password-reset-unknown',
      locale: loaded.locale,
      data: { signupLink: `${deps.config.issuer}${deps.config.signup.enabled ? paths(loaded).signup : paths(loaded).login}` },
    });
  }
  await deps.audit.record({
    type: 'password.reset_requested',
    outcome: known ? 'success' : 'failure',
    ...(known ? { accountId: user.id } : { reason: 'unknown_account' }),
    clientId: loaded.client.id,
    ...meta,
  });
  ctx.status = 303;
  ctx.redirect(`${paths(loaded).reset}?ref=${encodeURIComponent(issued.id)}`);
}

export async function renderReset(
  ctx: Context,
  loaded: LoadedInteraction,
  deps: Pick<RecoveryDeps, 'codes' | 'passwordPolicy'>,
  form: { ref?: string; code?: string; error?: FormError; status?: number } = {},
): Promise<void> {
  const ref = form.ref ?? refOf(ctx.query.ref);
  const pending = ref ? await deps.codes.peek(ref, 'password-reset') : null;
  if (!pending && !form.error) {
    ctx.status = 303;
    ctx.redirect(paths(loaded).forgot);
    return;
  }
  const email = pending?.payload.email ?? '';
  allowFormAction(ctx, loaded.details.params.redirect_uri);
  renderPage(ctx, 'reset', {
    locale: loaded.locale,
    title: 'reset.title',
    status: form.status ?? (form.error ? FORM_ERROR_STATUS : 200),
    data: {
      client: loaded.client,
      csrfToken: ctx.state.csrfToken,
      paths: paths(loaded),
      masked: email ? maskEmail(email) : '',
      ref,
      code: form.code ?? (typeof ctx.query.code === 'string' ? echo(ctx.query.code, 12) : ''),
      minLength: String(deps.passwordPolicy.minLength),
      error: form.error ?? null,
    },
  });
}

const newPassword = z
  .string({ error: 'reset.error.passwordMissing' })
  .min(1, { error: 'reset.error.passwordMissing' })
  .max(MAX_PASSWORD, { error: 'login.error.passwordTooLong' });

export async function submitReset(ctx: Context, loaded: LoadedInteraction, deps: RecoveryDeps): Promise<void> {
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const ref = refOf(body.ref);
  const typed = echo(body.code, 12);
  const meta = requestMeta(ctx);
  const again = (error: FormError, status?: number) =>
    renderReset(ctx, loaded, deps, { ref, code: typed, error, ...(status ? { status } : {}) });

  // Counted per account (or address), so that asking for a new code does not buy a fresh set of guesses.
  const challenge = await deps.codeChallenges.open({ ref, purpose: 'password-reset', meta });
  if (!challenge.ok) {
    const { error, status } = codeError(ctx, challenge);
    return again(error, status);
  }
  const pending = challenge.pending;
  const typedCode = readSixDigitCode(body.code);
  if (!typedCode.ok) return again({ key: 'verify.error.missing', field: 'code' });
  const password = newPassword.safeParse(body.password);
  if (!password.success) return again({ ...firstProblem(password.error, 'reset.error.passwordMissing'), field: 'password' });
  if (body.confirm !== password.data) return again({ key: 'reset.error.mismatch', field: 'confirm' });

  // The policy is checked before the code is spent, so that a rejected password does not cost the customer the code.
  const email = pending?.payload.email;
  const policy = await deps.passwordPolicy.check(password.data, email ? { email } : {});
  if (!policy.ok) {
    return again({
      key: `password.error.${policy.problem}`,
      vars: { min: String(deps.passwordPolicy.minLength), max: String(deps.passwordPolicy.maxLength) },
      field: 'password',
    });
  }

  // A code sent for an address without an account (so that the page reveals nothing) verifies, but resets nothing.
  const found: { account?: NonNullable<Awaited<ReturnType<RecoveryDeps['users']['findById']>>> } = {};
  const result = await challenge.verify(typedCode.code, async ({ subject, payload }) => {
    const account = payload.unknown ? null : await deps.users.findById(subject);
    if (account && !account.disabled) found.account = account;
    return found.account !== undefined;
  });
  const { account } = found;
  if (!result.ok || !account) {
    const { error, status } = codeError(ctx, result.ok ? { ok: false, reason: 'invalid' } : result);
    return again(error, status);
  }

  const keepSessionUid = loaded.details.session?.uid;
  await deps.passwords.replacePassword({ accountId: account.id, email: account.email }, password.data, {
    reason: 'reset',
    locale: loaded.locale,
    clientId: loaded.client.id,
    meta,
    ...(keepSessionUid ? { keepSessionUid } : {}),
  });

  // The customer proved the mailbox and chose the password: sign them in and carry on with the app's request.
  await signInAndContinue(ctx, deps, account.id);
}
