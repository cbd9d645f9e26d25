// Server-rendered pages: one ejs template per page inside one layout, in the page's language. Templates read
// their data from `it` (strict mode), so a missing value is an error in tests rather than "undefined" on screen.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ejs, { type TemplateFunction } from 'ejs';
import { translator, type Locale, type MessageKey, type Translate } from '../i18n/index.ts';
import type { Brand } from '../services/brands.ts';
import { scriptHref, stylesheetHref } from './assets.ts';
import { themeHref } from './branding.ts';
import type { PageState } from './state.ts';

const VIEWS_DIR = fileURLToPath(new URL('../../views/', import.meta.url));

const TITLES = {
  login: 'login.title',
  consent: 'consent.title',
  logout: 'logout.title',
  'logged-out': 'loggedOut.title',
  'device-input': 'device.input.title',
  'device-confirm': 'device.confirm.title',
  'device-success': 'device.success.title',
  error: 'error.title',
  expired: 'expired.title',
  unavailable: 'unavailable.title',
} as const satisfies Record<string, MessageKey>;

/** Core pages have their title here; feature pages (e.g. `account/profile`) pass `title` when rendered. */
export type CoreView = keyof typeof TITLES;
export type ViewName = CoreView | (string & {});
export const VIEW_NAMES = Object.keys(TITLES) as CoreView[];

function titleOf(view: ViewName, title: MessageKey | undefined): MessageKey {
  const key = title ?? (TITLES as Record<string, MessageKey>)[view];
  if (!key) throw new Error(`view "${view}" has no title: pass one when rendering it`);
  return key;
}

const compiled = new Map<string, TemplateFunction>();

export function template(relative: string): TemplateFunction {
  let fn = compiled.get(relative);
  if (!fn) {
    const filename = `${VIEWS_DIR}${relative}.ejs`;
    fn = ejs.compile(readFileSync(filename, 'utf8'), { filename, strict: true, localsName: 'it', async: false });
    compiled.set(relative, fn);
  }
  return fn;
}

export interface Page {
  locale: Locale;
  t: Translate;
}

export function renderView(
  view: ViewName,
  locale: Locale,
  data: Record<string, unknown> = {},
  title?: MessageKey,
  brand?: Brand,
): string {
  const t = translator(locale);
  const heading = t(titleOf(view, title));
  // scriptHref: the few pages that need a script (passkeys) include it by its versioned URL.
  const body = template(`pages/${view}`)({ ...data, t, locale, pageTitle: heading, scriptHref });
  // The brand's header, colours (a stylesheet of our own, after app.css) and support link around every page.
  return template('layout')({
    lang: locale,
    title: heading,
    body,
    stylesheet: stylesheetHref(),
    brand: brand ?? null,
    theme: themeHref(brand) ?? null,
    supportLabel: t('brand.support'),
    // Progressive enhancement of every form (views/assets/forms.js); the page works without it.
    formsScript: scriptHref('forms.js'),
    showPassword: t('form.showPassword'),
  });
}

export interface HtmlTarget {
  status: number;
  type: string;
  body: unknown;
  /** A Koa context's state: the brand the page shows (http/branding.ts). */
  state?: unknown;
}

export function renderPage(
  ctx: HtmlTarget,
  view: ViewName,
  opts: { locale: Locale; status?: number; data?: Record<string, unknown>; title?: MessageKey },
): void {
  const html = renderView(view, opts.locale, opts.data, opts.title, (ctx.state as PageState | undefined)?.brand);
  ctx.status = opts.status ?? 200;
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = html;
}
