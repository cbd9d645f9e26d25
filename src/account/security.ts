// The account center's "Sign-in security" (/account/security): the customer's second factors — authenticator apps
// (TOTP), phones (SMS codes), e-mail codes, passkeys and recovery codes — listed, added, renamed and removed.
// - Only what the operator enabled is offered (MFA_FACTORS), and SMS only when texts can be sent.
// - Starting a change — opening an enrollment, removing, renaming, generating recovery codes — demands a recent
//   sign-in. Finishing an enrollment needs the state that start minted for this account (the sealed TOTP token, the
//   code id, the WebAuthn challenge), like the e-mail change's code: someone scanning a QR code slowly is not sent
//   to sign in again halfway.
// - The factor services audit every change; this module tells the customer by mail, so that a factor added or
//   removed by someone else does not go unnoticed.
// - A rejected form is shown again with its input and the problem (400), and nothing is stored.
import type { Context } from 'koa';
import { cleanPasskeyName, MAX_PASSKEY_NAME } from '../auth/passkeys.ts';
import type { TotpEnrollment } from '../auth/totp.ts';
import type { FactorType } from '../auth/types.ts';
import { notFound } from '../errors.ts';
import { translator, type MessageKey } from '../i18n/index.ts';
import { describeUserAgent } from '../services/sessions.ts';
import type { SignedIn } from './auth.ts';
import { FORM_ERROR, seeOther, str, type AccountPages } from './pages.ts';
import type { AccountDeps } from './deps.ts';
import { formatDate, formatTime, plural } from './view.ts';
import { announceFactorChange, factorName, type NamedFactor } from '../usecases/factor-notices.ts';
import { readSixDigitCode } from '../services/code-input.ts';

export type SecurityDeps = Pick<AccountDeps, 'factors' | 'totp' | 'passkeys' | 'recoveryCodes' | 'mfaFactors' | 'smsEnabled' | 'mailer'>;

// Routes are registered under the account router's /account prefix; links and redirects need the full path.
const PATH = '/security';
const BASE = `/account${PATH}`;
const MAX_ID = 128;
const MAX_TOKEN = 1024;
const MAX_PHONE = 32;
const MAX_DESTINATION = 320;
// A registration response with attestation 'none' is well under this (the form body limit is 16 kB anyway).
const MAX_RESPONSE = 15_000;
const CODE_KINDS = ['sms', 'email'] as const;
type CodeKind = (typeof CODE_KINDS)[number];

/** A six-digit code as typed (spaces and dashes between the digits ignored), or the problem with it. */
function readCode(value: unknown): { code: string } | { error: MessageKey } {
  const read = readSixDigitCode(value);
  if (read.ok) return { code: read.code };
  return { error: read.problem === 'missing' ? 'account.mfa.code.error.missing' : 'account.mfa.code.error.format' };
}

/** A name the customer gives a factor (trimmed, control characters collapsed, at most 64 characters), or the problem. */
function readName(value: unknown, opts: { required: boolean }): { name: string } | { error: MessageKey } {
  if (value !== undefined && typeof value !== 'string') return { error: 'account.error.invalid' };
  if (typeof value === 'string' && [...value.trim()].length > MAX_PASSKEY_NAME) return { error: 'account.mfa.passkey.error.nameTooLong' };
  const name = cleanPasskeyName(value);
  if (!name && opts.required) return { error: 'account.mfa.passkey.error.nameMissing' };
  return { name };
}

/** "JBSWY3DPEHPK3PXP" → "JBSW Y3DP EHPK 3PXP": a key typed by hand is easier to check in groups. */
const groupsOfFour = (secret: string) => secret.replace(/(.{4})(?=.)/g, '$1 ');

export function securityRoutes(pages: AccountPages, deps: SecurityDeps): void {
  const { get, post, render } = pages;

  const offered = (type: FactorType) => deps.mfaFactors.includes(type) && (type !== 'sms' || deps.smsEnabled);
  const requireOffered = (type: FactorType) => {
    if (!offered(type)) throw notFound('This kind of second step is not offered');
  };

  /** Tells the account's own address: a change someone else made is noticed there. */
  const announce = (account: SignedIn, template: 'factor-added' | 'factor-removed', factor: NamedFactor) =>
    announceFactorChange(deps.mailer, { to: account.user.email, locale: account.locale, change: template === 'factor-added' ? 'added' : 'removed', factor });

  // --- the list -----------------------------------------------------------------------------------------------

  type RenameProblem = { id: string; value: string; error: MessageKey };

  const renderList = async (ctx: Context, account: SignedIn, rename?: RenameProblem) => {
    const t = translator(account.locale);
    const [factors, passkeys] = await Promise.all([deps.factors.list(account.accountId), deps.passkeys.list(account.accountId)]);
    const synced = new Set(passkeys.filter((p) => p.backedUp).map((p) => p.id));
    const items = factors.map((f) => ({
      id: f.id,
      type: f.type,
      typeName: t(`account.mfa.type.${f.type}`),
      label: f.type === 'recovery' ? plural(account.locale, 'account.mfa.recovery.left', f.remaining ?? 0) : f.label,
      name: factorName(t, f),
      addedAt: formatDate(f.createdAt, account),
      lastUsedAt: f.lastUsedAt ? formatTime(f.lastUsedAt, account) : null,
      synced: synced.has(f.id),
      rename: f.type === 'passkey' ? { value: rename?.id === f.id ? rename.value : f.label, error: rename?.id === f.id ? rename.error : null } : null,
    }));
    const hasEmail = factors.some((f) => f.type === 'email');
    const offers: { type: Exclude<FactorType, 'recovery'>; href: string; hint: string }[] = [
      { type: 'passkey', href: `${BASE}/passkeys/new`, hint: t('account.mfa.add.passkeyHint') },
      { type: 'totp', href: `${BASE}/totp`, hint: t('account.mfa.add.totpHint') },
      { type: 'sms', href: `${BASE}/phone`, hint: t('account.mfa.add.smsHint') },
      ...(hasEmail ? [] : [{ type: 'email' as const, href: `${BASE}/email`, hint: t('account.mfa.add.emailHint', { email: account.user.email }) }]),
    ];
    render(
      ctx,
      account,
      'security',
      'security',
      'account.mfa.title',
      {
        items,
        offers: offers.filter((o) => offered(o.type)).map((o) => ({ ...o, name: t(`account.mfa.add.${o.type}`) })),
        recovery: offered('recovery') ? { has: factors.some((f) => f.type === 'recovery'), href: `${BASE}/recovery` } : null,
        rename: rename ?? null,
      },
      rename ? FORM_ERROR : undefined,
    );
  };

  get(PATH, {}, (ctx, account) => renderList(ctx, account));

  post(`${PATH}/factors/:id/remove`, { back: BASE, recent: true }, async (ctx, account) => {
    const id = str(ctx.params.id, MAX_ID);
    const removed = id ? await deps.factors.remove(account.accountId, id) : undefined;
    if (!removed) throw notFound('No such second step');
    announce(account, 'factor-removed', removed);
    seeOther(ctx, BASE, 'account.mfa.flash.removed');
  });

  // --- authenticator app --------------------------------------------------------------------------------------

  interface TotpForm {
    token: string;
    qrSvg: string;
    key: string;
    name: string;
    errors?: { code?: MessageKey; name?: MessageKey };
    expired?: boolean;
  }

  const renderTotp = (ctx: Context, account: SignedIn, form: TotpForm, status?: number) =>
    render(ctx, account, 'security-totp', 'security', 'account.mfa.totp.title', { ...form, errors: form.errors ?? {}, expired: !!form.expired }, status);

  const view = (e: TotpEnrollment) => ({ token: e.token, qrSvg: e.qrSvg, key: groupsOfFour(e.secret) });
  const beginTotp = async (account: SignedIn) => view(await deps.totp.begin({ accountId: account.accountId, email: account.user.email }));

  get(`${PATH}/totp`, { recent: true }, async (ctx, account) => {
    requireOffered('totp');
    renderTotp(ctx, account, { ...(await beginTotp(account)), name: '' });
  });

  post(`${PATH}/totp`, { back: `${BASE}/totp` }, async (ctx, account, body) => {
    requireOffered('totp');
    const nameEcho = str(body.name, MAX_PASSKEY_NAME * 4) ?? '';
    const token = str(body.token, MAX_TOKEN);
    // The page is shown again as it was (the app may already hold this secret), or — when its enrollment has
    // expired or is not this account's — with a new QR code.
    const pending = token ? await deps.totp.reopen(account.accountId, token) : undefined;
    const restart = async () => renderTotp(ctx, account, { ...(await beginTotp(account)), name: nameEcho, expired: true }, FORM_ERROR);
    if (!pending) return restart();
    const again = (errors: TotpForm['errors']) => renderTotp(ctx, account, { ...view(pending), name: nameEcho, errors }, FORM_ERROR);
    const code = readCode(body.code);
    const name = readName(body.name, { required: false });
    if ('error' in code || 'error' in name) {
      return again({ ...('error' in code ? { code: code.error } : {}), ...('error' in name ? { name: name.error } : {}) });
    }
    const chosen = name.name || translator(account.locale)('account.mfa.totp.defaultName');
    const result = await deps.totp.confirm(account.accountId, pending.token, code.code, chosen);
    if (!result.ok) return result.reason === 'invalid' ? again({ code: 'account.mfa.totp.error.invalid' }) : restart();
    announce(account, 'factor-added', { type: 'totp', label: chosen });
    seeOther(ctx, BASE, 'account.mfa.flash.added');
  });

  // --- phone and e-mail: a code proves the destination --------------------------------------------------------

  const renderPhone = (ctx: Context, account: SignedIn, form: { phone: string; error?: MessageKey }, status?: number) =>
    render(ctx, account, 'security-phone', 'security', 'account.mfa.phone.title', { phone: form.phone, error: form.error ?? null }, status);

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
    const result = await deps.factors.confirm(account.accountId, id, code.code);
    if (!result.ok) {
      // A wrong code may be corrected; an expired or used-up one cannot.
      if (result.reason === 'invalid') return renderCode(ctx, account, { ...form, code: '', error: 'account.mfa.code.error.invalid' }, FORM_ERROR);
      const error: MessageKey = result.reason === 'expired' ? 'account.mfa.code.error.expired' : 'account.mfa.code.error.exhausted';
      return renderCode(ctx, account, { ...form, code: '', error, dead: true }, FORM_ERROR);
    }
    announce(account, 'factor-added', result.factor);
    seeOther(ctx, BASE, 'account.mfa.flash.added');
  });

  // --- passkeys -----------------------------------------------------------------------------------------------

  const renderPasskey = async (ctx: Context, account: SignedIn, form: { name: string; error?: MessageKey; nameError?: MessageKey }, status?: number) => {
    const t = translator(account.locale);
    const { challengeId, options } = await deps.passkeys.registrationOptions({
      accountId: account.accountId,
      email: account.user.email,
      displayName: account.user.name || undefined,
    });
    render(
      ctx,
      account,
      'security-passkey',
      'security',
      'account.mfa.passkey.title',
      {
        options,
        challengeId,
        name: form.name,
        error: form.error ?? null,
        nameError: form.nameError ?? null,
        messages: { unsupported: t('account.mfa.passkey.unsupported'), failed: t('account.mfa.passkey.failed') },
      },
      status,
    );
  };

  get(`${PATH}/passkeys/new`, { recent: true }, async (ctx, account) => {
    requireOffered('passkey');
    // A name to start from: where it is being made ("macOS", "Android 14") tells most people's passkeys apart.
    const { os, browser } = describeUserAgent(ctx.get('user-agent') || undefined);
    await renderPasskey(ctx, account, { name: os ?? browser ?? translator(account.locale)('account.mfa.passkey.defaultName') });
  });

  post(`${PATH}/passkeys`, { back: `${BASE}/passkeys/new` }, async (ctx, account, body) => {
    requireOffered('passkey');
    const nameEcho = str(body.name, MAX_PASSKEY_NAME * 4) ?? '';
    const name = readName(body.name, { required: false });
    const challengeId = str(body.challengeId, MAX_ID);
    const response = str(body.response, MAX_RESPONSE);
    if ('error' in name) return renderPasskey(ctx, account, { name: nameEcho, nameError: name.error }, FORM_ERROR);
    // An empty response: the browser could not run the ceremony (no scripts, no WebAuthn).
    if (!challengeId || !response) return renderPasskey(ctx, account, { name: nameEcho, error: 'account.mfa.passkey.unsupported' }, FORM_ERROR);
    const chosen = name.name || translator(account.locale)('account.mfa.passkey.defaultName');
    const result = await deps.passkeys.register(account.accountId, challengeId, response, chosen);
    if (!result.ok) {
      const error: MessageKey = result.reason === 'expired' ? 'account.mfa.passkey.error.expired' : 'account.mfa.passkey.error.invalid';
      return renderPasskey(ctx, account, { name: nameEcho, error }, FORM_ERROR);
    }
    announce(account, 'factor-added', { type: 'passkey', label: result.passkey.name });
    seeOther(ctx, BASE, 'account.mfa.flash.added');
  });

  post(`${PATH}/passkeys/:id/rename`, { back: BASE, recent: true }, async (ctx, account, body) => {
    const id = str(ctx.params.id, MAX_ID);
    const owned = id ? (await deps.passkeys.list(account.accountId)).some((p) => p.id === id) : false;
    if (!id || !owned) throw notFound('No such passkey');
    const name = readName(body.name, { required: true });
    if ('error' in name) return renderList(ctx, account, { id, value: str(body.name, MAX_PASSKEY_NAME * 4) ?? '', error: name.error });
    if (!(await deps.passkeys.rename(account.accountId, id, name.name))) throw notFound('No such passkey');
    seeOther(ctx, BASE, 'account.mfa.flash.renamed');
  });

  // --- recovery codes -----------------------------------------------------------------------------------------

  get(`${PATH}/recovery`, {}, async (ctx, account) => {
    requireOffered('recovery');
    const status = await deps.recoveryCodes.status(account.accountId);
    render(ctx, account, 'security-recovery', 'security', 'account.mfa.recovery.title', {
      codes: null,
      remaining: status.remaining,
      left: plural(account.locale, 'account.mfa.recovery.left', status.remaining),
      createdAt: status.createdAt ? formatDate(status.createdAt, account) : null,
    });
  });

  // The codes are on this response only: they are stored as HMACs and cannot be shown again.
  post(`${PATH}/recovery`, { back: `${BASE}/recovery`, recent: true }, async (ctx, account) => {
    requireOffered('recovery');
    const codes = await deps.recoveryCodes.generate(account.accountId);
    announce(account, 'factor-added', { type: 'recovery', label: '' });
    render(ctx, account, 'security-recovery', 'security', 'account.mfa.recovery.title', {
      codes,
      remaining: codes.length,
      left: plural(account.locale, 'account.mfa.recovery.left', codes.length),
      createdAt: null,
    });
  });
}
