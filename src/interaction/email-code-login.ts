// "E-mail me a sign-in code": a way in without a password. The login page's address → a six-digit code by mail
// (and a link that fills it in, working only in the browser holding this interaction) → signed in with amr ['email']
// and its own acr (auth/types.ts ACR.emailCode), then a second factor other than the mailbox when the app needs one.
//
// Like the forgotten password (recovery.ts), it tells nobody who has an account: every address gets the same page,
// status and work (a code row and a queued mail) — the code to an account's owner; to an address without an account
// a note saying so, with a sign-up offer when sign-up is open; nothing to a disabled account. Mails count like
// sign-up mails (per address and per client address), wrong codes like every other code (usecases/code-challenge.ts).
// Offered per app (`email_code_signin`), else as the operator's SIGNIN_EMAIL_CODES says.
import type { Context } from 'koa';
import { EMAIL_CODE_AMR } from '../auth/types.ts';
import type { Config } from '../config/index.ts';
import { BOT_CHECK_STATUS, botChallenge, passBotCheck, type BotCheckView } from '../http/bot-check-form.ts';
import type { AuditLog } from '../services/audit.ts';
import type { BotCheck, BotCheckAction } from '../services/bot-check.ts';
import type { Mailer } from '../services/mailer.ts';
import type { OneTimeCodes } from '../services/one-time-codes.ts';
import type { Throttle } from '../services/throttle.ts';
import type { UserService } from '../services/users.ts';
import type { CodeChallenges } from '../usecases/code-challenge.ts';
import { renderCodePage } from './code-page.ts';
import { interactionPath, type LoadedInteraction } from './context.ts';
import { codeError, echo, emailField, firstProblem, maskEmail, refOf, requestMeta, THROTTLED_STATUS, throttledError, type FormError } from './forms.ts';

export interface EmailCodeDeps {
  config: Pick<Config, 'issuer' | 'signup' | 'signin'>;
  users: Pick<UserService, 'findByEmail' | 'findById' | 'markEmailVerified' | 'noteSignIn'>;
  codes: Pick<OneTimeCodes, 'issue' | 'peek'>;
  codeChallenges: CodeChallenges;
  mailer: Pick<Mailer, 'queue'>;
  throttle: Throttle;
  audit: Pick<AuditLog, 'record'>;
  /** The bot check of forms that send codes (BOT_PROTECTION codes), or of the login form when it is protected. */
  botCheck?: BotCheck;
}

/**
 * The bot check the login form carries for its two buttons: its own when password sign-ins are protected, else the
 * one of code requests (then the password button carries an answer nobody checks, which costs the customer nothing).
 */
export function loginFormBotAction(botCheck: BotCheck | undefined, emailCode: boolean): BotCheckAction {
  return !botCheck?.protects('login') && emailCode && botCheck?.protects('codes') ? 'codes' : 'login';
}

export const emailCodePaths = (uid: string) => ({
  request: `${interactionPath(uid)}/email-code`,
  verify: `${interactionPath(uid)}/email-code/verify`,
  resend: `${interactionPath(uid)}/email-code/resend`,
  login: `${interactionPath(uid)}/login`,
  signup: `${interactionPath(uid)}/signup`,
});

/** Whether this app's login page offers a mailed sign-in code. */
export function emailCodeOffered(loaded: Pick<LoadedInteraction, 'metadata'>, config: Pick<Config, 'signin'>): boolean {
  return loaded.metadata.email_code_signin ?? config.signin.emailCodes;
}

/** Shows the login page again with a problem of the address (the caller's page, with its own options). */
export type LoginAgain = (form: { email: string; error: FormError; status?: number; botCheck?: BotCheckView }) => Promise<void>;

type CodeForm = { ref: string; code?: string; error?: FormError; status?: number; notice?: 'verify.resent'; botCheck?: BotCheckView };

function renderCode(ctx: Context, loaded: LoadedInteraction, deps: Pick<EmailCodeDeps, 'botCheck'>, email: string, { botCheck, ...form }: CodeForm) {
  const paths = emailCodePaths(loaded.uid);
  renderCodePage(ctx, loaded, {
    ...form,
    resendBotCheck: botCheck ?? botChallenge(deps.botCheck, loaded.locale, 'codes', loaded.uid),
    title: 'emailCode.title',
    lead: { key: 'emailCode.lead', vars: { email: maskEmail(email) } },
    action: paths.verify,
    resend: paths.resend,
    back: { href: `${paths.login}?${new URLSearchParams({ email })}`, key: 'emailCode.usePassword' },
  });
}

async function send(ctx: Context, loaded: LoadedInteraction, deps: EmailCodeDeps, address: string, again: LoginAgain, resent: boolean): Promise<void> {
  const meta = requestMeta(ctx);
  const keys = { ip: meta.ip, account: address };
  const gate = await deps.throttle.check('signup', keys);
  if (!gate.allowed) return again({ email: address, error: throttledError(ctx, gate), status: THROTTLED_STATUS });
  await deps.throttle.fail('signup', keys, meta);

  const user = await deps.users.findByEmail(address);
  const known = user !== null && !user.disabled;
  const issued = await deps.codes.issue({ purpose: 'email-signin', subject: known ? user.id : address, payload: known ? { email: address } : { email: address, unknown: true } });
  const paths = emailCodePaths(loaded.uid);
  if (known) {
    const link = `${deps.config.issuer}${paths.request}?${new URLSearchParams({ ref: issued.id, code: issued.code })}`;
    deps.mailer.queue({ to: address, template: 'signin-code', locale: loaded.locale, data: { code: issued.code, link } });
  } else if (user === null) {
    const data: Record<string, string> = deps.config.signup.enabled ? { signupLink: `${deps.config.issuer}${paths.signup}` } : {};
    deps.mailer.queue({ to: address, template: 'signin-code-unknown', locale: loaded.locale, data });
  }
  await deps.audit.record({
    type: 'login.code_requested',
    outcome: known ? 'success' : 'failure',
    ...(known ? { accountId: user.id } : user ? { accountId: user.id, reason: 'disabled' } : { reason: 'unknown_account' }),
    clientId: loaded.client.id,
    ...meta,
  });
  ctx.status = 303;
  ctx.redirect(`${paths.request}?${new URLSearchParams({ ref: issued.id, ...(resent ? { resent: '1' } : {}) })}`);
}

/** POST …/email-code — the login page's address: a code is mailed (or the page says what is wrong with the address). */
export async function requestEmailCode(ctx: Context, loaded: LoadedInteraction, deps: EmailCodeDeps, again: LoginAgain): Promise<void> {
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const parsed = emailField.safeParse(body.email);
  if (!parsed.success) return again({ email: echo(body.email), error: { ...firstProblem(parsed.error, 'login.error.emailInvalid'), field: 'email' } });
  const action = loginFormBotAction(deps.botCheck, true);
  const bot = await passBotCheck(ctx, deps.botCheck, loaded.locale, action, loaded.uid, { subjectField: 'email', subject: parsed.data, clientId: loaded.client.id });
  if (!bot.ok) return again({ email: parsed.data, error: bot.error, status: BOT_CHECK_STATUS, botCheck: bot.botCheck });
  return send(ctx, loaded, deps, parsed.data.toLowerCase(), again, false);
}

/** POST …/email-code/resend — "Send a new code" for the address the page's code was sent to. */
export async function resendEmailCode(ctx: Context, loaded: LoadedInteraction, deps: EmailCodeDeps, again: LoginAgain): Promise<void> {
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const pending = await deps.codes.peek(refOf(body.ref), 'email-signin');
  // An unknown, spent or expired reference: start from the login page (nothing to resend to).
  if (!pending) return seeOther(ctx, emailCodePaths(loaded.uid).login);
  const bot = await passBotCheck(ctx, deps.botCheck, loaded.locale, 'codes', loaded.uid, { clientId: loaded.client.id });
  if (!bot.ok) return renderCode(ctx, loaded, deps, pending.payload.email, { ref: refOf(body.ref), error: bot.error, status: BOT_CHECK_STATUS, botCheck: bot.botCheck });
  return send(ctx, loaded, deps, pending.payload.email, again, true);
}

/** GET …/email-code?ref= — where the mailed code is typed (or arrives filled in from the mail's link). */
export async function renderEmailCode(ctx: Context, loaded: LoadedInteraction, deps: Pick<EmailCodeDeps, 'codes' | 'botCheck'>): Promise<void> {
  const ref = refOf(ctx.query.ref);
  const pending = ref ? await deps.codes.peek(ref, 'email-signin') : null;
  if (!pending) return seeOther(ctx, emailCodePaths(loaded.uid).login);
  renderCode(ctx, loaded, deps, pending.payload.email, { ref, ...(ctx.query.resent === '1' ? { notice: 'verify.resent' as const } : {}) });
}

/**
 * POST …/email-code/verify — the code typed back. Right: `signedIn` continues as after a right password (a second
 * factor when the app needs one). Wrong, expired, or a code for an address without a (usable) account: the same
 * page again with the same message.
 */
export async function verifyEmailCode(
  ctx: Context,
  loaded: LoadedInteraction,
  deps: EmailCodeDeps,
  signedIn: (account: { accountId: string; loginName: string; methods: string[] }) => Promise<void>,
): Promise<void> {
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const ref = refOf(body.ref);
  const meta = requestMeta(ctx);
  const challenge = await deps.codeChallenges.open({ ref, purpose: 'email-signin', meta });
  // The address the code went to, for the page (throttled: read apart, since the challenge was not opened).
  const email = challenge.ok ? challenge.pending?.payload.email : (await deps.codes.peek(ref, 'email-signin'))?.payload.email;
  const again = (error: FormError, status?: number) => {
    if (!email) return seeOther(ctx, emailCodePaths(loaded.uid).login);
    renderCode(ctx, loaded, deps, email, { ref, code: echo(body.code, 12), error, ...(status ? { status } : {}) });
  };
  if (!challenge.ok) {
    const { error, status } = codeError(ctx, challenge);
    return again(error, status);
  }
  const found: { account?: NonNullable<Awaited<ReturnType<EmailCodeDeps['users']['findById']>>> } = {};
  const result = await challenge.verify(body.code, async ({ subject, payload }) => {
    const account = payload.unknown ? null : await deps.users.findById(subject);
    // The address must still be the account's: a code mailed before an e-mail change signs nobody in.
    if (account && !account.disabled && account.email === payload.email) found.account = account;
    return found.account !== undefined;
  });
  const { account } = found;
  if (!result.ok || !account) {
    if (result.ok || result.reason === 'invalid' || result.reason === 'expired' || result.reason === 'exhausted') {
      const pending = challenge.pending;
      await deps.audit.record({
        type: 'login.failure',
        outcome: 'failure',
        ...(pending && !pending.payload.unknown ? { accountId: pending.subject } : {}),
        clientId: loaded.client.id,
        ...meta,
        reason: result.ok ? 'account_unavailable' : result.reason,
        details: { method: 'email_code' },
      });
    }
    const { error, status } = codeError(ctx, result.ok ? { ok: false, reason: 'invalid' } : result);
    return again(error, status);
  }
  await deps.audit.record({ type: 'login.success', outcome: 'success', accountId: account.id, clientId: loaded.client.id, ...meta, details: { method: 'email_code' } });
  // The code proved the mailbox: an unverified address is verified now.
  if (!account.email_verified) await deps.users.markEmailVerified(account.id, account.email);
  await deps.users.noteSignIn(account.id, account.lastLoginAt);
  await signedIn({ accountId: account.id, loginName: account.email, methods: [EMAIL_CODE_AMR] });
}

function seeOther(ctx: Context, location: string): void {
  ctx.status = 303;
  ctx.redirect(location);
}
