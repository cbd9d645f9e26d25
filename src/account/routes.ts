// The account center (/account): where customers manage their identity themselves — profile, postal addresses,
// sign-in e-mail, password, browser sessions, connected apps, and deleting the account. Server-rendered, no
// JavaScript; every form has a CSRF token, is validated field by field (errors shown next to the field, input
// kept, status 400, nothing stored), and on success redirects (303) to a page with a one-time "saved" notice.
import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { normaliseEmail, type PostalAddress } from '../db/models/user.ts';
import { notFound } from '../errors.ts';
import { pageState } from '../http/state.ts';
import { pickLocale, translator, type MessageKey } from '../i18n/index.ts';
import {
  ADDRESS_FIELDS,
  MAX_ADDRESSES,
  MAX_LENGTH,
  PROFILE_FIELDS,
  parseAddressForm,
  parseProfileForm,
  regionOf,
  timeZones,
  type AddressField,
  type FieldErrors,
  type FormValues,
} from '../services/profile.ts';
import { clearSessionCookie, completeSignIn, type SignedIn } from './auth.ts';
import { accountPages, FORM_ERROR, meta, seeOther, str } from './pages.ts';
import { throttled, THROTTLED_STATUS } from '../http/throttled.ts';
import { readSixDigitCode } from '../services/code-input.ts';
import { privacyRoutes } from './privacy.ts';
import { legalRoutes } from './legal.ts';
import { preferencesRoutes } from './preferences.ts';
import { securityRoutes } from './security.ts';
import { appsRoutes } from './apps.ts';
import { allowImages, formatTime, plural, renderPublicPage } from './view.ts';
import type { AccountDeps } from './deps.ts';

const MAX_EMAIL = 254;
const MAX_PASSWORD = 1024;
const MAX_ID = 128;

const emailSchema = z
  .string({ error: 'account.error.invalid' })
  .trim()
  .min(1, { error: 'account.email.error.missing' })
  .max(MAX_EMAIL, { error: 'account.error.tooLong' })
  .pipe(z.email({ error: 'account.email.error.invalid' }));

const codeSchema = z.unknown().transform((value, ctx) => {
  const read = readSixDigitCode(value);
  if (read.ok) return read.code;
  ctx.addIssue({ code: 'custom', message: read.problem === 'missing' ? 'account.code.error.missing' : 'account.code.error.format' });
  return z.NEVER;
});

const issueKey = (error: z.ZodError): MessageKey => (error.issues[0]?.message ?? 'account.error.invalid') as MessageKey;

export function accountRouter(deps: AccountDeps): Router {
  const { config, logger } = deps;
  const router = new Router({ prefix: '/account' });

  const pages = accountPages(router, deps);
  const { get, post, render } = pages;

  // --- signing in and out -------------------------------------------------------------------------------------

  router.get('/callback', (ctx) => {
    const result = completeSignIn(ctx, config);
    if (result.ok) return seeOther(ctx, result.returnTo);
    const locale = pickLocale(undefined, ctx.get('accept-language'));
    pageState(ctx).locale = locale;
    renderPublicPage(ctx, 'signin-problem', {
      locale,
      title: 'account.signin.problem.title',
      status: result.reason === 'state' ? 400 : 200,
      data: {
        message: result.reason === 'state' ? 'account.signin.problem.state' : 'account.signin.problem.cancelled',
        retry: result.returnTo ?? '/account',
      },
    });
  });

  router.get('/signed-out', (ctx) => {
    renderPublicPage(ctx, 'signed-out', { locale: pickLocale(undefined, ctx.get('accept-language')), title: 'account.signedOut.title' });
  });

  router.get('/deleted', (ctx) => {
    renderPublicPage(ctx, 'deleted', { locale: pickLocale(undefined, ctx.get('accept-language')), title: 'account.deleted.title' });
  });

  // --- overview -----------------------------------------------------------------------------------------------

  get('/', {}, async (ctx, account) => {
    const [sessions, apps] = await Promise.all([
      deps.sessions.listForAccount(account.accountId, account.uid),
      deps.grants.listForAccount(account.accountId),
    ]);
    const { user } = account;
    const primary = deps.profile.addresses(user)[0] ?? null;
    allowImages(ctx, [user.picture]);
    render(ctx, account, 'overview', 'overview', 'account.overview.title', {
      user: {
        email: user.email,
        emailVerified: user.email_verified,
        name: [user.given_name, user.middle_name, user.family_name].filter(Boolean).join(' ') || user.name || '',
        nickname: user.nickname ?? '',
        picture: user.picture ?? '',
        phone: user.phone_number ?? '',
        phoneVerified: user.phone_number_verified === true,
        birthdate: user.birthdate ?? '',
        locale: user.locale ?? '',
        zoneinfo: user.zoneinfo ?? '',
      },
      primary: primary ? addressLines(primary) : null,
      sessionsLine: plural(account.locale, 'account.overview.sessions', sessions.length),
      appsLine: plural(account.locale, 'account.overview.apps', apps.length),
    });
  });

  // --- profile ------------------------------------------------------------------------------------------------

  const profileValues = (user: SignedIn['user']) =>
    Object.fromEntries(PROFILE_FIELDS.map((f) => [f, typeof user[f] === 'string' ? user[f] : ''])) as FormValues<(typeof PROFILE_FIELDS)[number]>;

  const renderProfile = (ctx: Context, account: SignedIn, values: Record<string, string>, errors: Record<string, MessageKey> = {}, status?: number) => {
    allowImages(ctx, [account.user.picture]);
    render(
      ctx,
      account,
      'profile',
      'profile',
      'account.profile.title',
      { values, errors, max: MAX_LENGTH, zones: [...timeZones()].sort(), picture: account.user.picture ?? '' },
      status,
    );
  };

  get('/profile', {}, (ctx, account) => renderProfile(ctx, account, profileValues(account.user)));

  post('/profile', { back: '/account/profile' }, async (ctx, account, body) => {
    const region = regionOf(typeof body.locale === 'string' ? body.locale.trim() : undefined) ?? regionOf(account.user.locale);
    const parsed = parseProfileForm(body, { region, current: account.user });
    if (!parsed.ok) return renderProfile(ctx, account, parsed.values, parsed.errors as Record<string, MessageKey>, FORM_ERROR);
    const changed = await deps.profile.update(account.accountId, parsed.value, meta(ctx));
    seeOther(ctx, '/account/profile', changed.length ? 'account.flash.saved' : 'account.flash.nothingChanged');
  });

  // --- postal addresses ---------------------------------------------------------------------------------------

  const addressId = (ctx: Context): string => {
    const id = str(ctx.params.id, MAX_ID);
    if (!id) throw notFound('No such address');
    return id;
  };

  const emptyAddress = () => Object.fromEntries(ADDRESS_FIELDS.map((f) => [f, ''])) as FormValues<AddressField>;

  const renderAddressForm = (
    ctx: Context,
    account: SignedIn,
    form: { id?: string; values: FormValues<AddressField>; errors?: FieldErrors<AddressField>; formError?: MessageKey },
    status?: number,
  ) =>
    render(
      ctx,
      account,
      'address-form',
      'addresses',
      form.id ? 'account.addresses.editTitle' : 'account.addresses.addTitle',
      {
        action: form.id ? `/account/addresses/${encodeURIComponent(form.id)}` : '/account/addresses',
        values: form.values,
        errors: form.errors ?? {},
        formError: form.formError ?? null,
        max: MAX_LENGTH,
      },
      status,
    );

  get('/addresses', {}, (ctx, account) => {
    const list = deps.profile.addresses(account.user);
    render(ctx, account, 'addresses', 'addresses', 'account.addresses.title', {
      addresses: list.map((a) => ({ id: a.id, label: a.label ?? '', primary: a.primary, lines: addressLines(a) })),
      canAdd: list.length < MAX_ADDRESSES,
      max: String(MAX_ADDRESSES),
    });
  });

  get('/addresses/new', {}, (ctx, account) => renderAddressForm(ctx, account, { values: emptyAddress() }));

  post('/addresses', { back: '/account/addresses/new' }, async (ctx, account, body) => {
    const parsed = parseAddressForm(body);
    if (!parsed.ok) return renderAddressForm(ctx, account, { values: parsed.values, errors: parsed.errors }, FORM_ERROR);
    const result = await deps.profile.addAddress(account.accountId, parsed.value, meta(ctx));
    if (!result.ok) {
      if (result.reason === 'not_found') throw notFound('No such account');
      return renderAddressForm(ctx, account, { values: parsed.values, formError: 'account.addresses.error.limit' }, FORM_ERROR);
    }
    seeOther(ctx, '/account/addresses', 'account.flash.addressAdded');
  });

  get('/addresses/:id', {}, (ctx, account) => {
    const id = addressId(ctx);
    const address = deps.profile.addresses(account.user).find((a) => a.id === id);
    if (!address) throw notFound('No such address');
    const values = Object.fromEntries(ADDRESS_FIELDS.map((f) => [f, address[f] ?? ''])) as FormValues<AddressField>;
    renderAddressForm(ctx, account, { id, values });
  });

  post('/addresses/:id', { back: '/account/addresses' }, async (ctx, account, body) => {
    const id = addressId(ctx);
    const parsed = parseAddressForm(body);
    if (!parsed.ok) return renderAddressForm(ctx, account, { id, values: parsed.values, errors: parsed.errors }, FORM_ERROR);
    const result = await deps.profile.updateAddress(account.accountId, id, parsed.value, meta(ctx));
    if (!result.ok) throw notFound('No such address');
    seeOther(ctx, '/account/addresses', 'account.flash.saved');
  });

  post('/addresses/:id/remove', { back: '/account/addresses' }, async (ctx, account) => {
    if (!(await deps.profile.removeAddress(account.accountId, addressId(ctx), meta(ctx)))) throw notFound('No such address');
    seeOther(ctx, '/account/addresses', 'account.flash.addressRemoved');
  });

  post('/addresses/:id/primary', { back: '/account/addresses' }, async (ctx, account) => {
    if (!(await deps.profile.setPrimaryAddress(account.accountId, addressId(ctx), meta(ctx)))) throw notFound('No such address');
    seeOther(ctx, '/account/addresses', 'account.flash.saved');
  });

  // --- e-mail -------------------------------------------------------------------------------------------------

  const renderEmail = (ctx: Context, account: SignedIn, form: { value: string; error?: MessageKey; errorVars?: Record<string, string> }, status?: number) =>
    render(
      ctx,
      account,
      'email',
      'email',
      'account.email.title',
      { current: account.user.email, verified: account.user.email_verified, value: form.value, error: form.error ?? null, errorVars: form.errorVars ?? {} },
      status,
    );

  get('/email', { recent: true }, (ctx, account) => renderEmail(ctx, account, { value: '' }));

  post('/email', { back: '/account/email', recent: true }, async (ctx, account, body) => {
    const echo = str(body.email, MAX_EMAIL * 4) ?? '';
    const parsed = emailSchema.safeParse(body.email);
    if (!parsed.success) return renderEmail(ctx, account, { value: echo, error: issueKey(parsed.error) }, FORM_ERROR);
    const newEmail = normaliseEmail(parsed.data);
    if (newEmail === account.user.email) return renderEmail(ctx, account, { value: echo, error: 'account.email.error.same' }, FORM_ERROR);
    // Each request mails the address: limited as a sign-up's mails are, per address and per client address, so the
    // form cannot be used to flood someone's inbox.
    const sends = { ip: meta(ctx).ip, account: newEmail };
    const gate = await deps.throttle.check('signup', sends);
    if (!gate.allowed) {
      const wait = throttled(ctx, gate.retryAfterSeconds);
      return renderEmail(ctx, account, { value: echo, error: wait.key, errorVars: wait.vars }, THROTTLED_STATUS);
    }
    await deps.throttle.fail('signup', sends, { ...meta(ctx), accountId: account.accountId });
    // Whether the address has an account is not revealed here: the code goes out either way, and the change is
    // refused at confirmation, once the customer has shown the mailbox is theirs.
    const issued = await deps.codes.issue({ purpose: 'email-change', subject: account.accountId, payload: { newEmail } });
    const link = `${config.issuer}/account/email/verify?${new URLSearchParams({ id: issued.id, code: issued.code })}`;
    deps.mailer.queue({ to: newEmail, template: 'email-change-verify', locale: account.locale, data: { code: issued.code, link } });
    await deps.audit.record({ type: 'email.change_requested', outcome: 'success', accountId: account.accountId, ...meta(ctx) });
    seeOther(ctx, `/account/email/verify?${new URLSearchParams({ id: issued.id })}`);
  });

  // The code's pending change, if it is alive and belongs to this account (a code of someone else is "invalid").
  const pendingChange = async (account: SignedIn, id: string | undefined) => {
    if (!id) return undefined;
    const pending = await deps.codes.peek(id, 'email-change');
    if (!pending || pending.subject !== account.accountId || typeof pending.payload.newEmail !== 'string') return undefined;
    return { id, newEmail: pending.payload.newEmail };
  };

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
        ...('dead' in form ? { dead: true, id: '', newEmail: '', code: '' } : { dead: false, id: form.id, newEmail: form.newEmail, code: form.code }),
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
    const parsed = codeSchema.safeParse(body.code);
    if (!parsed.success) return renderVerify(ctx, account, { ...pending, code: echo, error: issueKey(parsed.error) }, FORM_ERROR);

    // Wrong codes count as the sign-in's do, per account and per client address.
    const tries = { ip: meta(ctx).ip, account: account.accountId };
    const gate = await deps.throttle.check('verify', tries);
    if (!gate.allowed) {
      const wait = throttled(ctx, gate.retryAfterSeconds);
      return renderVerify(ctx, account, { ...pending, code: echo, error: wait.key, errorVars: wait.vars }, THROTTLED_STATUS);
    }
    const check = await deps.codes.verify({ id: pending.id, purpose: 'email-change', code: parsed.data });
    if (check.ok) await deps.throttle.succeed('verify', tries);
    else await deps.throttle.fail('verify', tries, { ...meta(ctx), accountId: account.accountId });
    if (!check.ok) {
      const error: MessageKey = check.reason === 'invalid' ? 'account.code.error.invalid' : check.reason === 'expired' ? 'account.code.error.expired' : 'account.code.error.exhausted';
      await deps.audit.record({ type: 'email.change_failed', outcome: 'failure', accountId: account.accountId, reason: `code_${check.reason}`, ...meta(ctx) });
      // A wrong code may be tried again; an expired or used-up one cannot.
      return check.reason === 'invalid'
        ? renderVerify(ctx, account, { ...pending, code: '', error }, FORM_ERROR)
        : renderVerify(ctx, account, { dead: true, error }, FORM_ERROR);
    }
    const newEmail = String(check.payload.newEmail ?? pending.newEmail);
    const result = await deps.profile.changeEmail(account.accountId, newEmail, meta(ctx));
    if (!result.ok) {
      if (result.reason === 'same') return seeOther(ctx, '/account', 'account.flash.emailChanged');
      if (result.reason === 'not_found') throw notFound('No such account');
      await deps.audit.record({ type: 'email.change_failed', outcome: 'failure', accountId: account.accountId, reason: 'address_taken', ...meta(ctx) });
      return renderVerify(ctx, account, { dead: true, error: 'account.email.error.taken' }, FORM_ERROR);
    }
    // The old address hears about it: if this was not the customer, that is where they would notice.
    deps.mailer.queue({ to: result.oldEmail, template: 'email-changed', locale: account.locale, data: { newEmail } });
    seeOther(ctx, '/account', 'account.flash.emailChanged');
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
    const check = await deps.passwords.confirmPassword(owner, current, { meta: meta(ctx), failure: { type: 'password.change_failed', reason: 'bad_password' } });
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

  // --- sign-in security: second factors (security.ts) ----------------------------------------------------------

  securityRoutes(pages, deps);

  // --- terms and policies (legal.ts) ----------------------------------------------------------------------------

  legalRoutes(pages, deps);

  // --- communication preferences (preferences.ts) ------------------------------------------------------------

  preferencesRoutes(pages, deps);

  // --- sessions -----------------------------------------------------------------------------------------------

  get('/sessions', {}, async (ctx, account) => {
    const sessions = await deps.sessions.listForAccount(account.accountId, account.uid);
    render(ctx, account, 'sessions', 'sessions', 'account.sessions.title', {
      sessions: sessions.map((s) => ({
        ...s,
        loginAt: formatTime(s.loginAt, account),
        lastSeenAt: s.lastSeenAt ? formatTime(s.lastSeenAt, account) : null,
        ip: s.ip ?? null,
        browser: s.browser ?? null,
        os: s.os ?? null,
        device: s.device ?? null,
      })),
      others: sessions.filter((s) => !s.current).length,
    });
  });

  const signedOutHere = (ctx: Context) => {
    clearSessionCookie(ctx, deps.provider());
    seeOther(ctx, '/account/signed-out');
  };

  post('/sessions/revoke', { back: '/account/sessions' }, async (ctx, account, body) => {
    const uid = str(body.uid, MAX_ID);
    if (!uid || !(await deps.sessions.revoke(account.accountId, uid, meta(ctx)))) throw notFound('No such session');
    if (uid === account.uid) return signedOutHere(ctx);
    seeOther(ctx, '/account/sessions', 'account.flash.sessionEnded');
  });

  post('/sessions/revoke-others', { back: '/account/sessions' }, async (ctx, account) => {
    await deps.sessions.revokeAll(account.accountId, { exceptUid: account.uid, ...meta(ctx) });
    seeOther(ctx, '/account/sessions', 'account.flash.sessionsEnded');
  });

  post('/sessions/revoke-all', { back: '/account/sessions' }, async (ctx, account) => {
    await deps.sessions.revokeAll(account.accountId, meta(ctx));
    await deps.risk.forgetDevices(account.accountId);
    signedOutHere(ctx);
  });

  // --- connected apps: what each app sees, changing optional items, withdrawing consent (apps.ts) ------------

  appsRoutes(pages, deps);

  // --- your data: export and deleting the account (privacy.ts) -------------------------------------------------

  privacyRoutes(router, pages, deps);

  return router;
}

function addressLines(a: PostalAddress): string[] {
  const lines = (a.street_address ?? '').split('\n').filter(Boolean);
  const town = [a.postal_code, a.locality].filter(Boolean).join(' ');
  return [...lines, town, a.region ?? '', a.country ?? ''].filter(Boolean);
}
