// A protected form's bot check as its page handles it (src/services/bot-check.ts): read the answer the form sent, ask
// the bot check, and on a refusal say why in the page's language and hand back the challenge the form is shown with
// again (with what was typed, as for any other form error). Pages without a bot check (absent, or the action not
// protected) pass.
import type { Context } from 'koa';
import { pluralKey, type Locale, type MessageKey } from '../i18n/index.ts';
import type { BotChallenge, BotCheck, BotCheckAction, BotRefusal } from '../services/bot-check.ts';
import { requestMeta } from './request-meta.ts';

/** A refusal: the form is shown again with its input, so the status of any other form error. */
export const BOT_CHECK_STATUS = 400;

export interface BotCheckForm {
  /** The form field whose value the puzzle is solved for (e.g. 'email'), and its value as sent. */
  subjectField?: string;
  subject?: string;
  clientId?: string;
  accountId?: string;
}

/** What views/partials/bot-check.ejs renders: the challenge, and what a browser without JavaScript is told. */
export interface BotCheckView extends BotChallenge {
  noscript: { key: MessageKey; vars: Record<string, string> };
}

export type BotGate = { ok: true } | { ok: false; error: { key: MessageKey; vars: Record<string, string> }; botCheck: BotCheckView };

function viewOf(locale: Locale, challenge: BotChallenge): BotCheckView {
  const seconds = challenge.waitSeconds;
  const noscript: BotCheckView['noscript'] =
    seconds === null ? { key: 'botCheck.needsScript', vars: {} } : { key: pluralKey(locale, 'botCheck.noscript', seconds), vars: { seconds: String(seconds) } };
  return { ...challenge, noscript };
}

/** What the page says for a refusal. */
export function botCheckMessage(locale: Locale, refusal: BotRefusal): { key: MessageKey; vars: Record<string, string> } {
  switch (refusal.reason) {
    case 'early': {
      const seconds = refusal.waitSeconds ?? 1;
      return { key: pluralKey(locale, 'botCheck.error.early', seconds), vars: { seconds: String(seconds) } };
    }
    case 'noscript_limit':
      return { key: 'botCheck.error.noscriptLimit', vars: {} };
    case 'missing':
      // Nothing sent: the page's script did not run, and the form has no way without it.
      if (refusal.next.waitSeconds === null) return { key: 'botCheck.needsScript', vars: {} };
      return { key: 'botCheck.error.again', vars: {} };
    default:
      return { key: 'botCheck.error.again', vars: {} };
  }
}

/** The bot check of a form of `action` within `context` (the sign-in's uid, or the account), with the posted body. */
export async function passBotCheck(
  ctx: Context,
  botCheck: BotCheck | undefined,
  locale: Locale,
  action: BotCheckAction,
  context: string,
  form: BotCheckForm = {},
): Promise<BotGate> {
  if (!botCheck?.protects(action)) return { ok: true };
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const verdict = await botCheck.verify(
    action,
    context,
    {
      challenge: body.bot_challenge,
      nonce: body.bot_nonce,
      ...(form.subject !== undefined ? { subject: form.subject } : {}),
      ...(form.subjectField ? { subjectField: form.subjectField } : {}),
    },
    { ...requestMeta(ctx), ...(form.clientId ? { clientId: form.clientId } : {}), ...(form.accountId ? { accountId: form.accountId } : {}) },
  );
  if (verdict.ok) return verdict;
  return { ok: false, error: botCheckMessage(locale, verdict), botCheck: viewOf(locale, verdict.next) };
}

/** The challenge a protected form carries when its page is shown (null: the form is not protected). */
export function botChallenge(botCheck: BotCheck | undefined, locale: Locale, action: BotCheckAction, context: string, subjectField?: string): BotCheckView | null {
  const challenge = botCheck?.challenge(action, context, subjectField);
  return challenge ? viewOf(locale, challenge) : null;
}
