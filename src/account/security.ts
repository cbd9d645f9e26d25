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
import { MAX_PASSKEY_NAME } from '../auth/passkeys.ts';
import { ENROLLMENT_TTL_MS, type TotpEnrollment } from '../auth/totp.ts';
import type { FactorType } from '../auth/types.ts';
import { notFound } from '../errors.ts';
import { translator, type MessageKey } from '../i18n/index.ts';
import { factorName } from '../usecases/factor-notices.ts';
import type { SignedIn } from './auth.ts';
import { FORM_ERROR, seeOther, str, type AccountPages } from './pages.ts';
import { codeFactorRoutes } from './security-codes.ts';
import { BASE, factorRules, MAX_ID, ownerOf, PATH, readCode, readName, type SecurityDeps } from './security-kit.ts';
import { passkeyEnrollRoutes } from './security-passkeys.ts';

/** The authenticator-app enrollment under way (totp.begin's sealed token), for as long as it lives. */
const TOTP_COOKIE = 'ciam_totp';
const TOTP_COOKIE_MS = ENROLLMENT_TTL_MS;
import { formatDate, formatTime, plural } from './view.ts';

export type { SecurityDeps } from './security-kit.ts';

const MAX_TOKEN = 1024;

/** "JBSWY3DPEHPK3PXP" → "JBSW Y3DP EHPK 3PXP": a key typed by hand is easier to check in groups. */
const groupsOfFour = (secret: string) => secret.replace(/(.{4})(?=.)/g, '$1 ');

export function securityRoutes(pages: AccountPages, deps: SecurityDeps): void {
  const { get, post, render } = pages;

  const rules = factorRules(deps);
  const { offered, requireOffered } = rules;

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
    const removed = id ? await deps.factorChanges.remove(ownerOf(account), id) : undefined;
    if (!removed) throw notFound('No such second step');
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

  const view = (e: TotpEnrollment) => ({ token: e.token, qrSvg: e.qrSvg, key: groupsOfFour(e.secret), uri: e.uri });
  // The enrollment under way is kept in a cookie of this page for its lifetime, so that a reload shows the same
  // secret (an app may already hold it) instead of a new one; a finished or expired one makes way for a new one.
  const beginTotp = async (ctx: Context, account: SignedIn, fresh = false) => {
    const kept = fresh ? undefined : ctx.cookies.get(TOTP_COOKIE, { signed: true });
    const reopened = kept ? await deps.totp.reopen(account.accountId, kept) : undefined;
    const enrollment = reopened ?? (await deps.totp.begin({ accountId: account.accountId, email: account.user.email }));
    if (!reopened) ctx.cookies.set(TOTP_COOKIE, enrollment.token, { signed: true, httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: `${BASE}/totp`, maxAge: TOTP_COOKIE_MS });
    return view(enrollment);
  };

  get(`${PATH}/totp`, { recent: true }, async (ctx, account) => {
    requireOffered('totp');
    renderTotp(ctx, account, { ...(await beginTotp(ctx, account)), name: '' });
  });

  post(`${PATH}/totp`, { back: `${BASE}/totp` }, async (ctx, account, body) => {
    requireOffered('totp');
    const nameEcho = str(body.name, MAX_PASSKEY_NAME * 4) ?? '';
    const token = str(body.token, MAX_TOKEN);
    // The page is shown again as it was (the app may already hold this secret), or — when its enrollment has
    // expired or is not this account's — with a new QR code.
    const pending = token ? await deps.totp.reopen(account.accountId, token) : undefined;
    const restart = async () => renderTotp(ctx, account, { ...(await beginTotp(ctx, account, true)), name: nameEcho, expired: true }, FORM_ERROR);
    if (!pending) return restart();
    const again = (errors: TotpForm['errors']) => renderTotp(ctx, account, { ...view(pending), name: nameEcho, errors }, FORM_ERROR);
    const code = readCode(body.code);
    const name = readName(body.name, { required: false });
    if ('error' in code || 'error' in name) {
      return again({ ...('error' in code ? { code: code.error } : {}), ...('error' in name ? { name: name.error } : {}) });
    }
    const chosen = name.name || translator(account.locale)('account.mfa.totp.defaultName');
    const result = await deps.factorChanges.confirmTotp(ownerOf(account), pending.token, code.code, chosen);
    if (!result.ok) return result.reason === 'invalid' ? again({ code: 'account.mfa.totp.error.invalid' }) : restart();
    ctx.cookies.set(TOTP_COOKIE, null, { signed: true, secure: ctx.secure, path: `${BASE}/totp` });
    seeOther(ctx, BASE, 'account.mfa.flash.added');
  });

  // --- phone and e-mail: a code proves the destination (security-codes.ts) ------------------------------------

  codeFactorRoutes(pages, deps, rules);

  // --- passkeys (enrollment in security-passkeys.ts) ------------------------------------------------------------

  passkeyEnrollRoutes(pages, deps, rules);

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
    const codes = await deps.factorChanges.generateRecoveryCodes(ownerOf(account));
    ctx.set('Cache-Control', 'no-store');
    // The same codes as a text file to keep (downloaded from the page itself: they are not kept to send again).
    const host = ctx.host;
    const intro = translator(account.locale)('account.mfa.recovery.fileIntro', { product: host, email: account.user.email, date: formatDate(new Date(), account) });
    render(ctx, account, 'security-recovery', 'security', 'account.mfa.recovery.title', {
      codes,
      codesText: `${intro}\n\n${codes.join('\n')}\n`,
      downloadName: `recovery-codes-${host.replace(/[^A-Za-z0-9.-]/g, '-')}.txt`,
      remaining: codes.length,
      left: plural(account.locale, 'account.mfa.recovery.left', codes.length),
      createdAt: null,
    });
  });
}
