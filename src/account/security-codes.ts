// The account center's phone (SMS) and e-mail second steps: a code sent to the destination proves it before the
// factor is added.
import type { Context } from 'koa';
import type { MessageKey } from '../i18n/index.ts';
import type { SignedIn } from './auth.ts';
import { FORM_ERROR, seeOther, str, type AccountPages } from './pages.ts';
import { BASE, MAX_ID, ownerOf, PATH, readCode, type FactorRules, type SecurityDeps } from './security-kit.ts';
import { notFound } from '../errors.ts';
import { BOT_CHECK_STATUS, botChallenge, passBotCheck, type BotCheckView } from '../http/bot-check-form.ts';

const MAX_PHONE = 32;
const MAX_DESTINATION = 320;
const CODE_KINDS = ['sms', 'email'] as const;
type CodeKind = (typeof CODE_KINDS)[number];

export function codeFactorRoutes(pages: AccountPages, deps: SecurityDeps, rules: FactorRules): void {
  const { get, post, render } = pages;
  const { requireOffered } = rules;

  // `botError`: the form's bot check refused it (BOT_PROTECTION codes: a text costs money); its puzzle is solved for the
  // number typed.
  type PhoneForm = { phone: string; error?: MessageKey; botError?: { key: MessageKey; vars: Record<string, string> }; botCheck?: BotCheckView };
  const renderPhone = (ctx: Context, account: SignedIn, form: PhoneForm, status?: number) =>
    render(
      ctx,
      account,
      'security-phone',
      'security',
      'account.mfa.phone.title',
      {
        phone: form.phone,
        error: form.error ?? null,
        botError: form.botError ?? null,
        botCheck: form.botCheck ?? botChallenge(deps.botCheck, account.locale, 'codes', account.accountId, 'phone'),
      },
      status,
    );

  interface CodeForm {
    kind: CodeKind;
    id: string;
    destination: string;
    code: string;
    error?: MessageKey;
    /** The code can no longer be used: only "send a new one" is offered. */
    dead?: boolean;
  }

  const renderCode = (ctx: Context, account: SignedIn, form: CodeForm, status?: number) =>
    render(
      ctx,
      account,
      'security-code',
      'security',
      'account.mfa.code.title',
      { ...form, error: form.error ?? null, dead: !!form.dead, restart: form.kind === 'sms' ? `${BASE}/phone` : `${BASE}/email` },
      status,
    );

  get(`${PATH}/phone`, { recent: true }, (ctx, account) => {
    requireOffered('sms');
    renderPhone(ctx, account, { phone: '' });
  });

  post(`${PATH}/phone`, { back: `${BASE}/phone`, recent: true }, async (ctx, account, body) => {
    requireOffered('sms');
    const phone = str(body.phone, MAX_PHONE);
    const echo = str(body.phone, MAX_PHONE * 4) ?? '';
    if (phone === undefined) return renderPhone(ctx, account, { phone: echo, error: 'account.mfa.phone.error.invalid' }, FORM_ERROR);
    if (!phone.trim()) return renderPhone(ctx, account, { phone: echo, error: 'account.mfa.phone.error.missing' }, FORM_ERROR);
    const bot = await passBotCheck(ctx, deps.botCheck, account.locale, 'codes', account.accountId, { subjectField: 'phone', subject: phone, accountId: account.accountId });
    if (!bot.ok) return renderPhone(ctx, account, { phone: echo, botError: bot.error, botCheck: bot.botCheck }, BOT_CHECK_STATUS);
    const started = await deps.factors.startSms(account.accountId, phone, account.locale);
    if (!started.ok) {
      const error: MessageKey =
        started.reason === 'duplicate' ? 'account.mfa.phone.error.duplicate' : started.reason === 'unavailable' ? 'account.mfa.phone.error.unavailable' : 'account.mfa.phone.error.invalid';
      return renderPhone(ctx, account, { phone: echo, error }, FORM_ERROR);
    }
    renderCode(ctx, account, { kind: 'sms', id: started.codeId, destination: started.destination, code: '' });
  });

  const hasEmailFactor = async (account: SignedIn) => (await deps.factors.list(account.accountId)).some((f) => f.type === 'email');

  get(`${PATH}/email`, { recent: true }, async (ctx, account) => {
    requireOffered('email');
    if (await hasEmailFactor(account)) return seeOther(ctx, BASE);
    render(ctx, account, 'security-email', 'security', 'account.mfa.email.title', { email: account.user.email });
  });

  post(`${PATH}/email`, { back: `${BASE}/email`, recent: true }, async (ctx, account) => {
    requireOffered('email');
    if (await hasEmailFactor(account)) return seeOther(ctx, BASE);
    const started = await deps.factors.startEmail(account.accountId, account.user.email, account.locale);
    renderCode(ctx, account, { kind: 'email', id: started.codeId, destination: started.destination, code: '' });
  });

  post(`${PATH}/code`, { back: BASE }, async (ctx, account, body) => {
    const kind = CODE_KINDS.find((k) => k === body.kind);
    const id = str(body.id, MAX_ID);
    if (!kind || !id) throw notFound('No such code');
    requireOffered(kind);
    const destination = str(body.destination, MAX_DESTINATION) ?? '';
    const form = { kind, id, destination, code: str(body.code, 32) ?? '' };
    const code = readCode(body.code);
    if ('error' in code) return renderCode(ctx, account, { ...form, error: code.error }, FORM_ERROR);
    const result = await deps.factorChanges.confirmCode(ownerOf(account), id, code.code);
    if (!result.ok) {
      // A wrong code may be corrected; an expired or used-up one cannot.
      if (result.reason === 'invalid') return renderCode(ctx, account, { ...form, code: '', error: 'account.mfa.code.error.invalid' }, FORM_ERROR);
      const error: MessageKey = result.reason === 'expired' ? 'account.mfa.code.error.expired' : 'account.mfa.code.error.exhausted';
      return renderCode(ctx, account, { ...form, code: '', error, dead: true }, FORM_ERROR);
    }
    seeOther(ctx, BASE, 'account.mfa.flash.added');
  });
}
