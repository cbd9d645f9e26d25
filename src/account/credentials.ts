// The account center's sign-in credentials: changing the e-mail address (src/usecases/email-change.ts: the new one
// proves itself with a code mailed to it, the old one is told) and the password (the current one checked as a sign-in attempt is, the new one
// set through the password use case). Both behind a recent sign-in.
import type { Context } from 'koa';
import { z } from 'zod';
import { normaliseEmail } from '../db/models/user.ts';
import { notFound } from '../errors.ts';
import { throttled, THROTTLED_STATUS } from '../http/throttled.ts';
import { translator, type MessageKey } from '../i18n/index.ts';
import { readSixDigitCode } from '../services/code-input.ts';
import type { SignedIn } from './auth.ts';
import type { AccountDeps } from './deps.ts';
import { FORM_ERROR, meta, seeOther, str, type AccountPages } from './pages.ts';
import { BOT_CHECK_STATUS, botChallenge, passBotCheck, type BotCheckView } from '../http/bot-check-form.ts';

const MAX_EMAIL = 254;
const MAX_PASSWORD = 1024;

const emailSchema = z
  .string({ error: 'account.error.invalid' })
  .trim()
  .min(1, { error: 'account.email.error.missing' })
  .max(MAX_EMAIL, { error: 'account.error.tooLong' })
  .pipe(z.email({ error: 'account.email.error.invalid' }));

const issueKey = (error: z.ZodError): MessageKey => (error.issues[0]?.message ?? 'account.error.invalid') as MessageKey;
const MAX_ID = 128;

export function credentialsRoutes(pages: AccountPages, deps: AccountDeps): void {
  const { get, post, render } = pages;
  const ownerOf = (account: SignedIn) => ({ accountId: account.accountId, email: account.user.email, locale: account.locale });

  // --- e-mail -------------------------------------------------------------------------------------------------

  // `botError`: the form's bot check refused it (a problem of the whole form, not of the address typed).
  type EmailForm = { value: string; error?: MessageKey; errorVars?: Record<string, string>; botError?: { key: MessageKey; vars: Record<string, string> }; botCheck?: BotCheckView };
  const renderEmail = (ctx: Context, account: SignedIn, form: EmailForm, status?: number) =>
    render(
      ctx,
      account,
      'email',
      'email',
      'account.email.title',
      {
        current: account.user.email,
        verified: account.user.email_verified,
        value: form.value,
        error: form.error ?? null,
        errorVars: form.errorVars ?? {},
        botError: form.botError ?? null,
        // The code goes to the new address (BOT_PROTECTION codes): the puzzle is solved for the address typed.
        botCheck: form.botCheck ?? botChallenge(deps.botCheck, account.locale, 'codes', account.accountId, 'email'),
      },
      status,
    );

  get('/email', { recent: true }, (ctx, account) => renderEmail(ctx, account, { value: '' }));

  post('/email', { back: '/account/email', recent: true }, async (ctx, account, body) => {
    const echo = str(body.email, MAX_EMAIL * 4) ?? '';
    const parsed = emailSchema.safeParse(body.email);
    if (!parsed.success) return renderEmail(ctx, account, { value: echo, error: issueKey(parsed.error) }, FORM_ERROR);
    const bot = await passBotCheck(ctx, deps.botCheck, account.locale, 'codes', account.accountId, { subjectField: 'email', subject: echo, accountId: account.accountId });
    if (!bot.ok) return renderEmail(ctx, account, { value: echo, botError: bot.error, botCheck: bot.botCheck }, BOT_CHECK_STATUS);
    const requested = await deps.emailChange.request(ownerOf(account), normaliseEmail(parsed.data), meta(ctx));
    if (!requested.ok && requested.reason === 'same') return renderEmail(ctx, account, { value: echo, error: 'account.email.error.same' }, FORM_ERROR);
    if (!requested.ok) {
      const wait = throttled(ctx, requested.retryAfterSeconds);
      return renderEmail(ctx, account, { value: echo, error: wait.key, errorVars: wait.vars }, THROTTLED_STATUS);
    }
    seeOther(ctx, `/account/email/verify?${new URLSearchParams({ id: requested.pending.id })}`);
  });

  // The code's pending change, if it is alive and belongs to this account (a code of someone else is "invalid").
  const pendingChange = (account: SignedIn, id: string | undefined) => deps.emailChange.pending(account.accountId, id);

  const renderVerify = (
    ctx: Context,
    account: SignedIn,
    form: ({ id: string; newEmail: string; code: string } | { dead: true }) & { error?: MessageKey; errorVars?: Record<string, string> },
    status?: number,
  ) =>
    render(
      ctx,
      account,
      'email-verify',
      'email',
      'account.email.verify.title',
      {
        ...('dead' in form
          ? { dead: true, id: '', newEmail: '', code: '', current: false }
          : // The address the account already has (a verification an operator sent): confirmed, not changed.
            { dead: false, id: form.id, newEmail: form.newEmail, code: form.code, current: normaliseEmail(form.newEmail) === normaliseEmail(account.user.email) }),
        error: form.error ?? null,
        errorVars: form.errorVars ?? {},
      },
      status,
    );

  get('/email/verify', {}, async (ctx, account) => {
    const pending = await pendingChange(account, str(ctx.query.id, MAX_ID));
    if (!pending) return renderVerify(ctx, account, { dead: true }, FORM_ERROR);
    const code = str(ctx.query.code, 16);
    renderVerify(ctx, account, { ...pending, code: readSixDigitCode(code).ok ? code! : '' });
  });

  post('/email/verify', { back: '/account/email' }, async (ctx, account, body) => {
    const pending = await pendingChange(account, str(body.id, MAX_ID));
    if (!pending) return renderVerify(ctx, account, { dead: true }, FORM_ERROR);
    const echo = str(body.code, 16) ?? '';
    // Wrong codes count as the sign-in's do, per account and per client address (src/usecases/code-challenge.ts).
    const check = await deps.emailChange.confirm(ownerOf(account), pending, body.code, meta(ctx));
    if (!check.ok && check.reason === 'throttled') {
      const wait = throttled(ctx, check.retryAfterSeconds);
      return renderVerify(ctx, account, { ...pending, code: echo, error: wait.key, errorVars: wait.vars }, THROTTLED_STATUS);
    }
    if (!check.ok && (check.reason === 'missing' || check.reason === 'format')) {
      return renderVerify(ctx, account, { ...pending, code: echo, error: `account.code.error.${check.reason}` }, FORM_ERROR);
    }
    if (!check.ok && check.reason === 'not_found') throw notFound('No such account');
    if (!check.ok && check.reason === 'taken') return renderVerify(ctx, account, { dead: true, error: 'account.email.error.taken' }, FORM_ERROR);
    if (!check.ok) {
      const error: MessageKey = `account.code.error.${check.reason}`;
      // A wrong code may be tried again; an expired or used-up one cannot.
      return check.reason === 'invalid'
        ? renderVerify(ctx, account, { ...pending, code: '', error }, FORM_ERROR)
        : renderVerify(ctx, account, { dead: true, error }, FORM_ERROR);
    }
    seeOther(ctx, '/account', check.changed ? 'account.flash.emailChanged' : 'account.flash.emailConfirmed');
  });

  // --- password -----------------------------------------------------------------------------------------------

  type PasswordField = 'current_password' | 'new_password' | 'confirm_password';
  const renderPassword = (ctx: Context, account: SignedIn, errors: Partial<Record<PasswordField, string>> = {}, status?: number) =>
    render(
      ctx,
      account,
      'password',
      'password',
      'account.password.title',
      { errors, min: String(deps.passwordPolicy.minLength), max: String(deps.passwordPolicy.maxLength) },
      status,
    );

  get('/password', { recent: true }, (ctx, account) => renderPassword(ctx, account));

  post('/password', { back: '/account/password', recent: true }, async (ctx, account, body) => {
    const t = translator(account.locale);
    const vars = { min: String(deps.passwordPolicy.minLength), max: String(deps.passwordPolicy.maxLength) };
    const errors: Partial<Record<PasswordField, string>> = {};
    const read = (field: PasswordField, missing: MessageKey): string | undefined => {
      const value = body[field];
      if (typeof value !== 'string') errors[field] = t(value === undefined ? missing : 'account.error.invalid');
      else if (value === '') errors[field] = t(missing);
      else if (value.length > MAX_PASSWORD) errors[field] = t('password.error.tooLong', vars);
      else return value;
      return undefined;
    };
    const current = read('current_password', 'account.password.error.currentMissing');
    const next = read('new_password', 'account.password.error.newMissing');
    const confirm = read('confirm_password', 'account.password.error.confirmMissing');
    if (next !== undefined && confirm !== undefined && next !== confirm) errors.confirm_password = t('account.password.error.mismatch');
    if (Object.keys(errors).length || current === undefined || next === undefined) return renderPassword(ctx, account, errors, FORM_ERROR);

    const owner = { accountId: account.accountId, email: account.user.email };
    const check = await deps.passwords.confirmPassword(owner, current, { meta: meta(ctx), device: account.uid, failure: { type: 'password.change_failed', reason: 'bad_password' } });
    if (!check.ok) {
      if (check.reason === 'wrong') return renderPassword(ctx, account, { current_password: t('account.password.error.currentWrong') }, FORM_ERROR);
      const wait = throttled(ctx, check.retryAfterSeconds);
      return renderPassword(ctx, account, { current_password: t(wait.key, wait.vars) }, THROTTLED_STATUS);
    }
    const verdict = await deps.passwordPolicy.check(next, { email: account.user.email });
    if (!verdict.ok) {
      return renderPassword(ctx, account, { new_password: t(`password.error.${verdict.problem}` as MessageKey, vars) }, FORM_ERROR);
    }
    await deps.passwords.replacePassword(owner, next, { reason: 'change', locale: account.locale, keepSessionUid: account.uid, meta: meta(ctx) });
    seeOther(ctx, '/account', 'account.flash.passwordChanged');
  });
}
