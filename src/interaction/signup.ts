// Sign-up inside the sign-in: e-mail + password (+ the attributes the operator requires), then a code mailed to the
// address, then the customer is signed in and the original authorization request continues.
//
// No account enumeration: submitting an address that already has an account looks exactly like a new one (same
// page, same status, the same work: a password hash, a code row, a queued mail). The owner of that address gets a
// mail saying someone tried to sign up with it, with links to sign in or reset the password; the code page then
// never accepts anything. The account itself is only created once the code proves the address, so nobody can
// "pre-register" somebody else's e-mail.
import type { Context } from 'koa';
import { z } from 'zod';
import type { Config } from '../config/index.ts';
import { normaliseEmail, type UserClaims } from '../db/models/user.ts';
import { notFound } from '../errors.ts';
import { allowFormAction } from '../http/security-headers.ts';
import { renderPage } from '../http/views.ts';
import type { Logger } from '../log.ts';
import type { AuditLog } from '../services/audit.ts';
import type { Mailer } from '../services/mailer.ts';
import { isNewAccount } from '../services/code-payloads.ts';
import type { CodePayload, OneTimeCodes } from '../services/one-time-codes.ts';
import type { PasswordPolicy } from '../services/password-policy.ts';
import { hashPassword } from '../services/passwords.ts';
import type { Throttle } from '../services/throttle.ts';
import type { UserService } from '../services/users.ts';
import type { LoadedInteraction } from './context.ts';
import {
  codeError,
  echo,
  emailField,
  combine,
  FORM_ERROR_STATUS,
  fieldProblems,
  keptSecret,
  maskEmail,
  MAX_PASSWORD,
  requestMeta,
  THROTTLED_STATUS,
  problemsOf,
  throttledError,
  refOf,
  type FormError,
} from './forms.ts';
import { renderCodePage } from './code-page.ts';
import { signInAndContinue } from './login.ts';
import type { RiskEngine } from '../services/risk.ts';
import { attributeFields, parseAttributes, type AttributeValues } from './profile-fields.ts';
import { readSignupPreferences, recordSignupPreferences, signupPreferencesView, type SignupOptIn, type SignupPreferences } from './signup-preferences.ts';
import { readSignupAcceptance, recordSignupAcceptance, signupLegalView, type SignupAcceptance, type SignupLegal } from './legal.ts';
import type Provider from 'oidc-provider';
import type { CodeChallenges } from '../usecases/code-challenge.ts';
import type { BotCheck } from '../services/bot-check.ts';
import { BOT_CHECK_STATUS, botChallenge, passBotCheck, type BotCheckView } from '../http/bot-check-form.ts';

export interface SignupDeps {
  provider: Provider;
  config: Pick<Config, 'issuer' | 'signup' | 'codes'>;
  users: Pick<UserService, 'findByEmail' | 'createFromSignup' | 'noteSignIn'>;
  mailer: Pick<Mailer, 'queue'>;
  codes: Pick<OneTimeCodes, 'issue' | 'verify' | 'peek'>;
  throttle: Throttle;
  /** Typing the mailed code back (src/usecases/code-challenge.ts). */
  codeChallenges: CodeChallenges;
  passwordPolicy: PasswordPolicy;
  audit: Pick<AuditLog, 'record'>;
  /** Remembers the device and network of the sign-in that follows (risk signals of later sign-ins). */
  risk: Pick<RiskEngine, 'recordSignIn'>;
  /** Communication topics offered at sign-up (services/preferences.ts); absent or none marked: nothing is asked. */
  preferences?: SignupPreferences;
  logger: Logger;
  /** Legal documents to accept (services/legal.ts); absent or none configured: the app's own links are shown. */
  legal?: SignupLegal;
  /** The bot check of the sign-up form and of "send a new code" (BOT_PROTECTION signup, codes); absent: none. */
  botCheck?: BotCheck;
}

type SignupPayload = CodePayload<'signup'>;

const passwordField = z
  .string({ error: 'login.error.passwordMissing' })
  .min(1, { error: 'login.error.passwordMissing' })
  .max(MAX_PASSWORD, { error: 'login.error.passwordTooLong' });

const signupForm = z.object({ email: emailField, password: passwordField });

function signupPaths(loaded: LoadedInteraction) {
  const base = `/interaction/${encodeURIComponent(loaded.uid)}`;
  return {
    signup: `${base}/signup`,
    login: `${base}/login`,
    verify: `${base}/signup/verify`,
    resend: `${base}/signup/resend`,
    forgot: `${base}/forgot`,
    abort: `${base}/abort`,
  };
}

export function assertSignupEnabled(config: Pick<Config, 'signup'>): void {
  if (!config.signup.enabled) throw notFound('Sign-up is not available');
}

export function renderSignup(
  ctx: Context,
  loaded: LoadedInteraction,
  deps: Pick<SignupDeps, 'config' | 'passwordPolicy' | 'preferences' | 'legal' | 'botCheck'>,
  form: { email?: string; password?: string; values?: AttributeValues; error?: FormError; status?: number; legalAccepted?: boolean; botCheck?: BotCheckView } = {},
): void {
  const required = deps.config.signup.requiredAttributes;
  const legal = signupLegalView(deps.legal, loaded, form.legalAccepted === true);
  allowFormAction(ctx, loaded.details.params.redirect_uri);
  renderPage(ctx, 'signup', {
    locale: loaded.locale,
    title: 'signup.title',
    status: form.status ?? (form.error ? FORM_ERROR_STATUS : 200),
    data: {
      client: loaded.client,
      csrfToken: ctx.state.csrfToken,
      paths: signupPaths(loaded),
      email: form.email ?? '',
      // Only when the submission failed on another input (submitSignup decides), never on a first load.
      password: form.password ?? '',
      error: form.error ?? null,
      minLength: String(deps.passwordPolicy.minLength),
      fields: attributeFields(required, form.values ?? {}, loaded.locale),
      preferences: signupPreferencesView(deps.preferences, loaded.locale, ctx),
      // Configured documents (TERMS_URL / PRIVACY_URL among them) are accepted with a checkbox; without any, the
      // app's own terms and policy are linked.
      legal,
      terms: legal ? null : (loaded.client.tosUri ?? null),
      privacy: legal ? null : (loaded.client.policyUri ?? null),
      // Solved for the address typed: a solution serves that address only.
      botCheck: form.botCheck ?? botChallenge(deps.botCheck, loaded.locale, 'signup', loaded.uid, 'email'),
    },
  });
}

export async function submitSignup(ctx: Context, loaded: LoadedInteraction, deps: SignupDeps): Promise<void> {
  assertSignupEnabled(deps.config);
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const email = echo(body.email);
  const attributes = parseAttributes(deps.config.signup.requiredAttributes, body);
  const legalAccepted = body.accept_legal === 'yes';
  const again = (error: FormError, status?: number) =>
    renderSignup(ctx, loaded, deps, { email, values: attributes.values, error, legalAccepted, ...(status ? { status } : {}) });

  const meta = requestMeta(ctx);
  const parsed = signupForm.safeParse(body);
  const optIns = readSignupPreferences(deps.preferences, body);
  const legal = readSignupAcceptance(ctx, deps.legal, loaded, body);
  if (!parsed.success || !attributes.ok || !optIns.ok || !legal.ok) {
    // Every problem of the form at once, in the page's order, each at its own input.
    const error = combine([
      ...(parsed.success ? [] : fieldProblems(parsed.error, 'login.error.emailInvalid')),
      ...problemsOf(attributes.ok ? undefined : attributes.error),
      ...(legal.ok ? [] : [legal.error]),
      ...(optIns.ok ? [] : [optIns.error]),
    ]) as FormError;
    // Versions changed under the form: the new ones are shown unticked.
    const changed = !legal.ok && legal.error.key === 'legal.error.changed';
    // The password comes back when these checks failed elsewhere. None of them looks at the address's account (an
    // address that has one is no error at all: it gets the code page like any other), so a kept password tells
    // nothing about who has signed up. The password's own rules run after the throttle, below; a password they
    // refuse is never put back.
    return renderSignup(ctx, loaded, deps, {
      email,
      password: keptSecret(body.password, error),
      values: attributes.values,
      error,
      legalAccepted: legalAccepted && !changed,
    });
  }
  // After the form's own checks (a typo costs no new puzzle), before any work: hashing, a code row, a mail.
  const bot = await passBotCheck(ctx, deps.botCheck, loaded.locale, 'signup', loaded.uid, { subjectField: 'email', subject: email, clientId: loaded.client.id });
  if (!bot.ok) {
    return renderSignup(ctx, loaded, deps, { email, password: keptSecret(body.password, bot.error), values: attributes.values, error: bot.error, legalAccepted, status: BOT_CHECK_STATUS, botCheck: bot.botCheck });
  }
  const address = normaliseEmail(parsed.data.email);
  // Per address as well as per IP: nobody can flood one mailbox; known and unknown addresses count alike.
  const keys = { ip: meta.ip, account: address };
  const gate = await deps.throttle.check('signup', keys);
  if (!gate.allowed) return again(throttledError(ctx, gate), THROTTLED_STATUS);
  const policy = await deps.passwordPolicy.check(parsed.data.password, { email: parsed.data.email });
  if (!policy.ok) {
    return again({
      key: `password.error.${policy.problem}`,
      vars: { min: String(deps.passwordPolicy.minLength), max: String(deps.passwordPolicy.maxLength) },
      field: 'password',
    });
  }

  // Counted per attempt (not per failure): sign-up is where bulk account creation would come from.
  await deps.throttle.fail('signup', keys, meta);
  // Hashed in both branches so that the answer takes the same time whether or not the address is known.
  const passwordHash = await hashPassword(parsed.data.password);
  const existing = await deps.users.findByEmail(address);
  const payload: SignupPayload = existing
    ? { existing: true }
    : {
        passwordHash,
        claims: attributes.claims,
        ...(legal.acceptance ? { legal: legal.acceptance } : {}),
        ...(optIns.optIns.length ? { preferences: optIns.optIns } : {}),
      };
  const issued = await sendSignupCode(loaded, deps, address, payload);

  if (existing) {
    await deps.audit.record({ type: 'signup.existing_address', outcome: 'failure', accountId: existing.id, clientId: loaded.client.id, ...meta });
  } else {
    await deps.audit.record({ type: 'signup.started', outcome: 'success', clientId: loaded.client.id, ...meta });
  }
  ctx.status = 303;
  ctx.redirect(`${signupPaths(loaded).verify}?ref=${encodeURIComponent(issued.id)}`);
}

/**
 * Issues a sign-up code for `address` (revoking any earlier one) and mails it: the code and its link to a new
 * address, or to an address that already has an account a note with links to sign in or reset the password.
 */
async function sendSignupCode(loaded: LoadedInteraction, deps: SignupDeps, address: string, payload: SignupPayload) {
  const issued = await deps.codes.issue({ purpose: 'signup', subject: address, payload });
  const base = `${deps.config.issuer}/interaction/${encodeURIComponent(loaded.uid)}`;
  deps.mailer.queue(
    !isNewAccount(payload)
      ? { to: address, template: 'signup-existing', locale: loaded.locale, data: { signInLink: `${base}/login`, resetLink: `${base}/forgot` } }
      : {
          to: address,
          template: 'verify-email',
          locale: loaded.locale,
          data: { code: issued.code, link: `${base}/signup/verify?ref=${issued.id}&code=${issued.code}` },
        },
  );
  return issued;
}

export async function renderSignupCode(
  ctx: Context,
  loaded: LoadedInteraction,
  deps: Pick<SignupDeps, 'codes' | 'config' | 'botCheck'>,
  form: { ref?: string; code?: string; error?: FormError; notice?: 'verify.resent'; status?: number; botCheck?: BotCheckView } = {},
): Promise<void> {
  const ref = form.ref ?? refOf(ctx.query.ref);
  const pending = ref ? await deps.codes.peek(ref, 'signup') : null;
  const paths = signupPaths(loaded);
  // A dead or unknown reference: the sign-up has to be submitted again (the code expired or was used).
  if (!pending && !form.error) {
    ctx.status = 303;
    ctx.redirect(paths.signup);
    return;
  }
  renderCodePage(ctx, loaded, {
    ...form,
    title: 'verify.title',
    lead: { key: 'verify.lead', vars: { email: pending ? maskEmail(pending.subject) : '' } },
    ref,
    action: paths.verify,
    resend: paths.resend,
    resendBotCheck: form.botCheck ?? botChallenge(deps.botCheck, loaded.locale, 'codes', loaded.uid),
    back: { href: paths.signup, key: 'verify.changeAddress' },
  });
}

export async function submitSignupCode(ctx: Context, loaded: LoadedInteraction, deps: SignupDeps): Promise<void> {
  assertSignupEnabled(deps.config);
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const ref = refOf(body.ref);
  const typed = echo(body.code, 12);
  const again = (error: FormError, status?: number) =>
    renderSignupCode(ctx, loaded, deps, { ref, code: typed, error, ...(status ? { status } : {}) });
  const meta = requestMeta(ctx);

  // Counted per address, so that sending a new code does not buy a fresh set of guesses.
  const challenge = await deps.codeChallenges.open({ ref, purpose: 'signup', meta });
  // A code for an address that already has an account creates nothing: as wrong as a wrong code.
  const result = challenge.ok ? await challenge.verify(body.code, ({ payload }) => isNewAccount(payload)) : challenge;
  if (!result.ok || !isNewAccount(result.payload)) {
    const { error, status } = codeError(ctx, result.ok ? { ok: false, reason: 'invalid' } : result);
    return again(error, status);
  }
  const payload = result.payload;

  let accountId: string;
  try {
    const user = await deps.users.createFromSignup({ email: result.subject, passwordHash: payload.passwordHash, claims: payload.claims ?? {} });
    accountId = user.id;
  } catch (err) {
    // Someone completed a sign-up for this address in the meantime; the customer now owns the address, so telling
    // them that an account exists reveals nothing they could not learn by signing in.
    if ((err as { status?: number }).status === 409) return again({ key: 'signup.error.exists' });
    throw err;
  }
  await recordSignupAcceptance(deps.legal, accountId, loaded.client.id, payload.legal);
  await recordSignupPreferences(deps.preferences, accountId, payload.preferences, { clientId: loaded.client.id, ...meta });
  await deps.audit.record({ type: 'login.success', outcome: 'success', accountId, clientId: loaded.client.id, reason: 'signup', ...meta });
  await deps.users.noteSignIn(accountId);
  await signInAndContinue(ctx, deps, accountId);
}

export async function resendSignupCode(ctx: Context, loaded: LoadedInteraction, deps: SignupDeps): Promise<void> {
  assertSignupEnabled(deps.config);
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const ref = refOf(body.ref);
  const meta = requestMeta(ctx);
  const pending = ref ? await deps.codes.peek(ref, 'signup') : null;
  if (!pending) {
    ctx.status = 303;
    ctx.redirect(signupPaths(loaded).signup);
    return;
  }
  const bot = await passBotCheck(ctx, deps.botCheck, loaded.locale, 'codes', loaded.uid, { clientId: loaded.client.id });
  if (!bot.ok) return renderSignupCode(ctx, loaded, deps, { ref, error: bot.error, status: BOT_CHECK_STATUS, botCheck: bot.botCheck });
  const gate = await deps.throttle.check('signup', { ip: meta.ip, account: pending.subject });
  if (!gate.allowed) return renderSignupCode(ctx, loaded, deps, { ref, error: throttledError(ctx, gate), status: THROTTLED_STATUS });
  await deps.throttle.fail('signup', { ip: meta.ip, account: pending.subject }, meta);

  const issued = await sendSignupCode(loaded, deps, pending.subject, pending.payload);
  await renderSignupCode(ctx, loaded, deps, { ref: issued.id, notice: 'verify.resent' });
}
