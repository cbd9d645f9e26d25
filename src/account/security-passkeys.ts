// The account center's passkey enrollment: the WebAuthn registration ceremony (views/assets/passkey.js) and the
// name the customer gives the passkey.
import type { Context } from 'koa';
import { MAX_PASSKEY_NAME } from '../auth/passkeys.ts';
import { translator, type MessageKey } from '../i18n/index.ts';
import { describeUserAgent } from '../services/sessions.ts';
import type { SignedIn } from './auth.ts';
import { FORM_ERROR, seeOther, str, type AccountPages } from './pages.ts';
import { BASE, MAX_ID, ownerOf, PATH, readName, type FactorRules, type SecurityDeps } from './security-kit.ts';

// A registration response with attestation 'none' is well under this (the form body limit is 16 kB anyway).
const MAX_RESPONSE = 15_000;

export function passkeyEnrollRoutes(pages: AccountPages, deps: SecurityDeps, rules: FactorRules): void {
  const { get, post, render } = pages;
  const { requireOffered } = rules;

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
    const result = await deps.factorChanges.registerPasskey(ownerOf(account), challengeId, response, chosen);
    if (!result.ok) {
      const error: MessageKey = result.reason === 'expired' ? 'account.mfa.passkey.error.expired' : 'account.mfa.passkey.error.invalid';
      return renderPasskey(ctx, account, { name: nameEcho, error }, FORM_ERROR);
    }
    seeOther(ctx, BASE, 'account.mfa.flash.added');
  });
}
