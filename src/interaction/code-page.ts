// The page where a mailed six-digit code is typed back during a sign-in (sign-up, e-mail verification, linking
// another provider): one view (views/pages/code.ejs), one shape of data. A code arriving in the page's link
// (`?code=`) fills the field.
import type { Context } from 'koa';
import type { MessageKey } from '../i18n/index.ts';
import { allowFormAction } from '../http/security-headers.ts';
import { renderPage } from '../http/views.ts';
import type { LoadedInteraction } from './context.ts';
import type { BotCheckView } from '../http/bot-check-form.ts';
import { echo, FORM_ERROR_STATUS, type FormError } from './forms.ts';

export interface CodePage {
  title: MessageKey;
  lead: { key: MessageKey; vars: Record<string, string> };
  /** The code's reference, posted back with it. */
  ref: string;
  /** Where the code is posted, where "send a new code" posts, and the way back. */
  action: string;
  resend: string;
  /** The bot check of "send a new code" (BOT_PROTECTION codes); absent or null: none. */
  resendBotCheck?: BotCheckView | null;
  back: { href: string; key: MessageKey; post?: boolean };
  /** What was typed (a re-shown form); else the link's `?code=`. */
  code?: string;
  error?: FormError;
  notice?: 'verify.resent';
  status?: number;
}

export function renderCodePage(ctx: Context, loaded: LoadedInteraction, page: CodePage): void {
  allowFormAction(ctx, loaded.details.params.redirect_uri);
  renderPage(ctx, 'code', {
    locale: loaded.locale,
    title: page.title,
    status: page.status ?? (page.error ? FORM_ERROR_STATUS : 200),
    data: {
      client: loaded.client,
      csrfToken: ctx.state.csrfToken,
      lead: page.lead,
      ref: page.ref,
      code: page.code ?? (typeof ctx.query.code === 'string' ? echo(ctx.query.code, 12) : ''),
      error: page.error ?? null,
      notice: page.notice ?? null,
      action: page.action,
      resend: page.resend,
      resendBotCheck: page.resendBotCheck ?? null,
      back: page.back,
    },
  });
}
