// Public pages of legal documents the operator gave as text (LEGAL_DOCUMENTS `text`): GET /legal/:id/:version shows
// one version (announced, in force or superseded, each said so), GET /legal/:id the version in force now. A document
// given as a URL is only linked; its page here redirects there. No sign-in needed: terms are read before signing up.
// The text is the operator's plain text: paragraphs at blank lines, a paragraph starting with "# " or "## " a heading;
// everything is escaped, nothing the operator writes becomes markup.
import { dateOf, systemClock, type Clock } from '../clock.ts';
import Router from '@koa/router';
import type { Context } from 'koa';
import { notFound } from '../errors.ts';
import { stylesheetHref } from '../http/assets.ts';
import { pageState } from '../http/state.ts';
import { template } from '../http/views.ts';
import { pickLocale, translator, type Locale } from '../i18n/index.ts';
import { formatDay, paragraphs } from '../interaction/legal.ts';
import type { LegalDocument, LegalService } from '../services/legal.ts';

export interface LegalPublicDeps {
  legal: Pick<LegalService, 'documents' | 'find'>;
  now?: Clock;
}

const MAX_PARAM = 64;

type Block = { kind: 'h2' | 'h3' | 'p'; lines: string[] };

/** The operator's plain text as headings and paragraphs. */
export function textBlocks(text: string): Block[] {
  return paragraphs(text).map((lines): Block => {
    const [first = ''] = lines;
    if (lines.length === 1 && /^##\s+/.test(first)) return { kind: 'h3', lines: [first.replace(/^##\s+/, '')] };
    if (lines.length === 1 && /^#\s+/.test(first)) return { kind: 'h2', lines: [first.replace(/^#\s+/, '')] };
    return { kind: 'p', lines };
  });
}

function localeOf(ctx: Context): Locale {
  const locale = pickLocale(ctx.query.lang ?? ctx.query.ui_locales, ctx.get('accept-language'));
  pageState(ctx).locale = locale;
  return locale;
}

function param(ctx: Context, name: string): string {
  const value = ctx.params[name];
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_PARAM) throw notFound('No such document');
  return value;
}

export function legalPublicRouter(deps: LegalPublicDeps): Router {
  const clock = deps.now ?? systemClock;
  const now = () => dateOf(clock);
  const router = new Router({ prefix: '/legal' });

  // The version of `id` in force now, whichever apps it applies to.
  const current = (id: string, at: Date): LegalDocument | undefined =>
    deps.legal.documents
      .filter((d) => d.id === id && d.effective <= at)
      .reduce<LegalDocument | undefined>((best, d) => (!best || d.effective >= best.effective ? d : best), undefined);

  router.get('/:id', (ctx) => {
    const doc = current(param(ctx, 'id'), now());
    if (!doc) throw notFound('No such document');
    const lang = typeof ctx.query.lang === 'string' ? `?${new URLSearchParams({ lang: ctx.query.lang })}` : '';
    ctx.status = 303;
    ctx.redirect(`/legal/${encodeURIComponent(doc.id)}/${encodeURIComponent(doc.version)}${lang}`);
  });

  router.get('/:id/:version', (ctx) => {
    const locale = localeOf(ctx);
    const doc = deps.legal.find(param(ctx, 'id'), param(ctx, 'version'));
    if (!doc) throw notFound('No such document');
    const text = doc.text(locale);
    if (!text) {
      // Given as a URL: that is where it lives.
      ctx.status = 302;
      ctx.redirect(doc.url(locale));
      return;
    }
    const at = now();
    const inForce = current(doc.id, at);
    const t = translator(locale);
    const title = doc.title(locale);
    const changes = doc.changes(locale);
    const body = template('pages/legal-document')({
      t,
      locale,
      title,
      version: t('legal.version', { version: doc.version, date: formatDay(doc.effective, locale) }),
      status: doc.effective > at ? t('legal.public.upcoming', { date: formatDay(doc.effective, locale) }) : inForce !== doc ? t('legal.public.superseded') : null,
      current: inForce && inForce !== doc ? { href: `/legal/${encodeURIComponent(inForce.id)}/${encodeURIComponent(inForce.version)}`, version: inForce.version } : null,
      text: { lang: text.lang, blocks: textBlocks(text.value) },
      changes: changes ? { lang: changes.lang, blocks: textBlocks(changes.value) } : null,
    });
    ctx.status = 200;
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = template('layout')({ lang: locale, title, body, stylesheet: stylesheetHref() });
  });

  return router;
}
