// The account center (/account): where customers manage their identity themselves — profile, postal addresses,
// sign-in e-mail, password, browser sessions, connected apps, and deleting the account. Server-rendered, no
// JavaScript; every form has a CSRF token, is validated field by field (errors shown next to the field, input
// kept, status 400, nothing stored), and on success redirects (303) to a page with a one-time "saved" notice.
import Router from '@koa/router';
import type { Context } from 'koa';
import type { PostalAddress } from '../db/models/user.ts';
import { notFound } from '../errors.ts';
import { pageState } from '../http/state.ts';
import { pickLocale, type MessageKey } from '../i18n/index.ts';
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
import { privacyRoutes } from './privacy.ts';
import { legalRoutes } from './legal.ts';
import { preferencesRoutes } from './preferences.ts';
import { securityRoutes } from './security.ts';
import { appsRoutes } from './apps.ts';
import { credentialsRoutes } from './credentials.ts';
import { allowImages, formatTime, plural, renderPublicPage } from './view.ts';
import type { AccountDeps } from './deps.ts';

const MAX_ID = 128;

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

  // --- e-mail and password (credentials.ts) ------------------------------------------------------------------

  credentialsRoutes(pages, deps);

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
