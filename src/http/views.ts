// Server-rendered pages: one ejs template per page inside one layout, in the page's language. Templates read
// their data from `it` (strict mode), so a missing value is an error in tests rather than "undefined" on screen.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ejs, { type TemplateFunction } from 'ejs';
import { translator, type Locale, type MessageKey, type Translate } from '../i18n/index.ts';
import { stylesheetHref } from './assets.ts';

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

export type ViewName = keyof typeof TITLES;
export const VIEW_NAMES = Object.keys(TITLES) as ViewName[];

const compiled = new Map<string, TemplateFunction>();

function template(relative: string): TemplateFunction {
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

export function renderView(view: ViewName, locale: Locale, data: Record<string, unknown> = {}): string {
  const t = translator(locale);
  const body = template(`pages/${view}`)({ ...data, t, locale });
  return template('layout')({ lang: locale, title: t(TITLES[view]), body, stylesheet: stylesheetHref() });
}

export interface HtmlTarget {
  status: number;
  type: string;
  body: unknown;
}

export function renderPage(
  ctx: HtmlTarget,
  view: ViewName,
  opts: { locale: Locale; status?: number; data?: Record<string, unknown> },
): void {
  const html = renderView(view, opts.locale, opts.data);
  ctx.status = opts.status ?? 200;
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = html;
}
