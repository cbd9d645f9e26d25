// The account center's privacy pages: "Your data" (/account/privacy) with the data export, and deleting the account
// (/account/delete). Both the download and the deletion need a recent sign-in: one hands over everything held on the
// customer, the other cannot be undone once its grace period (if any) has passed.
import type { Context } from 'koa';
import type Router from '@koa/router';
import type { MessageKey } from '../i18n/index.ts';
import { pickLocale } from '../i18n/index.ts';
import type { Logger } from '../log.ts';
import type { ErasureService } from '../services/erasure.ts';
import type { PrivacyExport } from '../services/privacy-export.ts';
import type { PasswordUseCases } from '../usecases/password.ts';
import { throttled, THROTTLED_STATUS } from '../http/throttled.ts';
import { clearSessionCookie, type SignedIn } from './auth.ts';
import { FORM_ERROR, meta, seeOther, type AccountPages } from './pages.ts';
import { renderPublicPage } from './view.ts';
import type Provider from 'oidc-provider';

export interface PrivacyDeps {
  provider: () => Provider;
  /** The password typed instead of the word is checked as every current-password check is (throttled, audited). */
  passwords: Pick<PasswordUseCases, 'confirmPassword'>;
  erasure: Pick<ErasureService, 'request' | 'graceDays'>;
  privacyExport: PrivacyExport;
  logger: Logger;
}

const DELETE_WORD = 'DELETE';
const MAX_PASSWORD = 1024;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

export function privacyRoutes(router: Router, pages: AccountPages, deps: PrivacyDeps): void {
  const { get, post, render } = pages;

  get('/privacy', {}, (ctx, account) => render(ctx, account, 'privacy', 'privacy', 'privacy.title', {}));

  // A form post (CSRF) rather than a link: the download is a disclosure of everything, and is audited.
  post('/privacy/export', { back: '/account/privacy', recent: true }, async (ctx, account) => {
    const doc = await deps.privacyExport.build(account.accountId, { source: 'account_center', ...meta(ctx) });
    const day = doc.exportedAt.slice(0, 10);
    ctx.status = 200;
    ctx.type = 'application/json; charset=utf-8';
    ctx.set('Content-Disposition', `attachment; filename="account-data-${day}.json"`);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = `${JSON.stringify(doc, null, 2)}\n`;
  });

  // --- delete account -----------------------------------------------------------------------------------------

  const renderDelete = (ctx: Context, account: SignedIn, form: { value: string; error?: MessageKey; errorVars?: Record<string, string> }, status?: number) =>
    render(
      ctx,
      account,
      'delete',
      'delete',
      'account.delete.title',
      { word: DELETE_WORD, value: form.value, error: form.error ?? null, errorVars: form.errorVars ?? {}, graceDays: deps.erasure.graceDays > 0 ? String(deps.erasure.graceDays) : null },
      status,
    );

  get('/delete', { recent: true }, (ctx, account) => renderDelete(ctx, account, { value: '' }));

  post('/delete', { back: '/account/delete', recent: true }, async (ctx, account, body) => {
    const confirm = body.confirm;
    const password = body.password;
    let confirmed = typeof confirm === 'string' && confirm.trim() === DELETE_WORD;
    // The password is accepted instead of the word (some people find typing it clearer than a magic word).
    const echo = typeof confirm === 'string' && confirm.length <= 64 ? confirm : '';
    if (!confirmed && typeof password === 'string' && password.length > 0 && password.length <= MAX_PASSWORD) {
      const owner = { accountId: account.accountId, email: account.user.email };
      const check = await deps.passwords.confirmPassword(owner, password, { meta: meta(ctx), device: account.uid, failure: { type: 'account.delete_failed', reason: 'bad_password' } });
      if (!check.ok && check.reason === 'throttled') {
        const wait = throttled(ctx, check.retryAfterSeconds);
        return renderDelete(ctx, account, { value: echo, error: wait.key, errorVars: wait.vars }, THROTTLED_STATUS);
      }
      confirmed = check.ok;
    }
    if (!confirmed) return renderDelete(ctx, account, { value: echo, error: 'account.delete.error.confirm' }, FORM_ERROR);
    const outcome = await deps.erasure.request(account.accountId, { source: 'account_center', ...meta(ctx) });
    deps.logger.info({ status: outcome.status }, 'account erasure requested from the account center');
    clearSessionCookie(ctx, deps.provider());
    if (outcome.status === 'scheduled') {
      return seeOther(ctx, `/account/deletion-scheduled?${new URLSearchParams({ on: outcome.dueAt.toISOString().slice(0, 10) })}`);
    }
    seeOther(ctx, '/account/deleted');
  });

  // Public (the session has ended): the date comes from the redirect and is only shown back.
  router.get('/deletion-scheduled', (ctx) => {
    const locale = pickLocale(undefined, ctx.get('accept-language'));
    const on = typeof ctx.query.on === 'string' && ISO_DATE.test(ctx.query.on) ? new Date(`${ctx.query.on}T00:00:00Z`) : undefined;
    const date = on && !Number.isNaN(on.getTime()) ? new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(on) : null;
    renderPublicPage(ctx, 'deletion-scheduled', { locale, title: 'privacy.scheduled.title', data: { date } });
  });
}
