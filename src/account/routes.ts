// The account center (/account): where customers manage their identity themselves — profile, postal addresses,
// sign-in e-mail, password, browser sessions, connected apps, and deleting the account. Server-rendered, no
// JavaScript; every form has a CSRF token, is validated field by field (errors shown next to the field, input
// kept, status 400, nothing stored), and on success redirects (303) to a page with a one-time "saved" notice.
import Router from '@koa/router';
import { pageState } from '../http/state.ts';
import { pickLocale } from '../i18n/index.ts';
import { appsRoutes } from './apps.ts';
import { completeSignIn } from './auth.ts';
import { connectionsRoutes } from './connections.ts';
import { credentialsRoutes } from './credentials.ts';
import type { AccountDeps } from './deps.ts';
import { legalRoutes } from './legal.ts';
import { accountPages, seeOther } from './pages.ts';
import { preferencesRoutes } from './preferences.ts';
import { privacyRoutes } from './privacy.ts';
import { addressLines, profileRoutes } from './profile.ts';
import { securityRoutes } from './security.ts';
import { sessionsRoutes } from './sessions.ts';
import { supportRoutes } from './support.ts';
import { allowImages, plural, renderPublicPage } from './view.ts';

export function accountRouter(deps: AccountDeps): Router {
  const { config } = deps;
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
      primary: primary ? addressLines(primary, account.locale) : null,
      sessionsLine: plural(account.locale, 'account.overview.sessions', sessions.length),
      appsLine: plural(account.locale, 'account.overview.apps', apps.length),
    });
  });

  // --- profile and postal addresses (profile.ts) -------------------------------------------------------------

  profileRoutes(pages, deps);

  // --- e-mail and password (credentials.ts) ------------------------------------------------------------------

  credentialsRoutes(pages, deps);

  // --- sign-in security: second factors (security.ts) ----------------------------------------------------------

  securityRoutes(pages, deps);
  connectionsRoutes(pages, deps);

  // --- terms and policies (legal.ts) ----------------------------------------------------------------------------

  legalRoutes(pages, deps);

  // --- communication preferences (preferences.ts) ------------------------------------------------------------

  preferencesRoutes(pages, deps);

  // --- browser sessions (sessions.ts) ------------------------------------------------------------------------

  sessionsRoutes(pages, deps);

  // --- connected apps: what each app sees, changing optional items, withdrawing consent (apps.ts) ------------

  appsRoutes(pages, deps);

  // --- your data: export and deleting the account (privacy.ts) -------------------------------------------------

  privacyRoutes(router, pages, deps);

  // --- a support code for a support agent, and when agents looked the account up (support.ts) ---------------------

  supportRoutes(pages, deps);

  return router;
}
