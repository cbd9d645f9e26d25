// Rendering account-center pages: the shared frame (navigation, the signed-in account, a one-time "saved"
// notice), plus the one CSP widening these pages need — showing a profile picture or an app's logo from its
// https origin.
import type { Context } from 'koa';
import type { Config } from '../config/index.ts';
import { translator, type Locale, type MessageKey } from '../i18n/index.ts';
import { flashCookie } from '../http/flash.ts';
import { renderPage } from '../http/views.ts';
import type { SignedIn } from './auth.ts';
import { ACCOUNT_CLIENT_ID, accountUrls } from './client.ts';

const FLASH_COOKIE = 'account_flash';

// Only these keys may travel in the flash cookie: it is signed, but a closed list keeps it from carrying anything else.
export const FLASHES = [
  'account.flash.saved',
  'account.flash.addressAdded',
  'account.flash.addressRemoved',
  'account.flash.emailChanged',
  'account.flash.emailConfirmed',
  'account.flash.passwordChanged',
  'account.flash.sessionEnded',
  'account.flash.sessionsEnded',
  'account.flash.appRevoked',
  'account.flash.nothingChanged',
  'account.mfa.flash.added',
  'account.mfa.flash.removed',
  'account.mfa.flash.renamed',
  'consent.flash.changed',
  'federation.account.flash.unlinked',
  'federation.account.flash.linked',
] as const satisfies readonly MessageKey[];
export type Flash = (typeof FLASHES)[number];

const flash = flashCookie<Flash>(FLASH_COOKIE, '/account', FLASHES);

export function setFlash(ctx: Context, value: Flash): void {
  flash.set(ctx, value);
}

export type Section = 'overview' | 'profile' | 'addresses' | 'email' | 'password' | 'security' | 'connections' | 'sessions' | 'apps' | 'preferences' | 'legal' | 'privacy' | 'support' | 'delete';

/** What decides whether an optional section is offered (a feature the operator configured). */
export type NavConfig = Partial<Pick<Config, 'preferences' | 'legal'>>;

export const NAV: readonly { section: Section; href: string; label: MessageKey; shown?: (config: NavConfig) => boolean }[] = [
  { section: 'overview', href: '/account', label: 'account.nav.overview' },
  { section: 'profile', href: '/account/profile', label: 'account.nav.profile' },
  { section: 'addresses', href: '/account/addresses', label: 'account.nav.addresses' },
  { section: 'email', href: '/account/email', label: 'account.nav.email' },
  { section: 'password', href: '/account/password', label: 'account.nav.password' },
  { section: 'security', href: '/account/security', label: 'account.mfa.nav' },
  { section: 'connections', href: '/account/connections', label: 'federation.account.nav' },
  { section: 'sessions', href: '/account/sessions', label: 'account.nav.sessions' },
  { section: 'apps', href: '/account/apps', label: 'account.nav.apps' },
  { section: 'preferences', href: '/account/preferences', label: 'account.preferences.nav', shown: (c) => (c.preferences?.topics.length ?? 0) > 0 },
  { section: 'legal', href: '/account/legal', label: 'legal.account.nav', shown: (c) => (c.legal?.documents.length ?? 0) > 0 },
  { section: 'privacy', href: '/account/privacy', label: 'privacy.nav' },
  { section: 'support', href: '/account/support', label: 'account.support.nav' },
  { section: 'delete', href: '/account/delete', label: 'account.nav.delete' },
];

export function signOutUrl(issuer: string): string {
  const params = new URLSearchParams({ client_id: ACCOUNT_CLIENT_ID, post_logout_redirect_uri: accountUrls(issuer).signedOut });
  return `/session/end?${params}`;
}

export function displayName(user: SignedIn['user']): string {
  const parts = [user.given_name, user.family_name].filter(Boolean).join(' ');
  return user.name || parts || user.nickname || user.email;
}

/** A signed-in page: the frame's data comes along with the page's own. */
export function renderAccountPage(
  ctx: Context,
  config: Pick<Config, 'issuer'> & NavConfig,
  account: SignedIn,
  view: string,
  opts: { section: Section; title: MessageKey; status?: number; data?: Record<string, unknown> },
): void {
  renderPage(ctx, `account/${view}`, {
    locale: account.locale,
    title: opts.title,
    status: opts.status,
    data: {
      csrfToken: ctx.state.csrfToken,
      flash: opts.status && opts.status >= 400 ? null : (flash.take(ctx) ?? null),
      nav: NAV.filter((item) => !item.shown || item.shown(config)),
      section: opts.section,
      title: opts.title,
      account: { email: account.user.email, name: displayName(account.user) },
      signOutUrl: signOutUrl(config.issuer),
      ...opts.data,
    },
  });
}

/** A page for someone who is not (or no longer) signed in. */
export function renderPublicPage(ctx: Context, view: string, opts: { locale: Locale; title: MessageKey; status?: number; data?: Record<string, unknown> }): void {
  renderPage(ctx, `account/${view}`, { locale: opts.locale, title: opts.title, status: opts.status, data: { title: opts.title, ...opts.data } });
}

const CSP_HEADER = 'Content-Security-Policy';

/** Lets the page show images from these https URLs' origins (and nothing else beyond 'self'). */
export function allowImages(ctx: Context, urls: (string | undefined)[]): void {
  const origins = new Set<string>();
  for (const value of urls) {
    const url = value ? URL.parse(value) : null;
    if (url?.protocol === 'https:') origins.add(url.origin);
  }
  const csp = ctx.response.get(CSP_HEADER);
  if (!origins.size || !csp) return;
  const directives = csp.split(';').map((d) => d.trim()).filter(Boolean);
  const index = directives.findIndex((d) => d.split(/\s+/)[0] === 'img-src');
  const current = directives[index];
  if (current === undefined) return;
  const present = new Set(current.split(/\s+/));
  directives[index] = [current, ...[...origins].filter((o) => !present.has(o))].join(' ');
  ctx.response.set(CSP_HEADER, directives.join('; '));
}

// --- dates and counts in the customer's language (and time zone, when the profile names one) ------------------

export { formatDate, formatTime } from '../http/dates.ts';

export { plural, type PluralBase } from '../i18n/index.ts';
