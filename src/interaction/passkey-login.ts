// "Sign in with a passkey" on the login page: a login method of its own, no password and no e-mail typed. The passkey
// must verify the person too (user verification); it then proves possession and inherence at once, so the sign-in
// is complete without a second factor.
import type { Context } from 'koa';
import { passkeyAmr } from '../auth/types.ts';
import type { LoadedInteraction } from './context.ts';
import { requestMeta, type FormError } from './forms.ts';
import { complete, type MfaDeps } from './mfa-decide.ts';

/** POST /interaction/:uid/passkey — "Sign in with a passkey" on the login page: no password, no e-mail typed. */
export async function passkeySignIn(
  ctx: Context,
  loaded: LoadedInteraction,
  deps: MfaDeps,
  onFailure: (error: FormError) => void | Promise<void>,
  /** Runs once the passkey proved the account, before the sign-in goes on (linking another provider's identity). */
  onProven?: (accountId: string) => Promise<void>,
): Promise<void> {
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const meta = requestMeta(ctx);
  // The page's challenge is signed for this interaction (no row was stored when it was rendered); the passkey
  // service checks it, bounds it and spends it.
  const result = typeof body.challenge === 'string' ? await deps.passkeys.signIn(loaded.uid, body.challenge, body.response) : undefined;
  const user = result?.ok ? await deps.users.findById(result.accountId) : null;
  // A passkey alone must prove the person too (user verification): otherwise it is one factor, weaker than a password.
  if (!result?.ok || !result.userVerified || !user || user.disabled) {
    await deps.audit.record({
      type: 'login.failure',
      outcome: 'failure',
      ...(result?.ok ? { accountId: result.accountId } : {}),
      clientId: loaded.client.id,
      ...meta,
      reason: !result?.ok ? (result?.reason ?? 'invalid') : !result.userVerified ? 'user_not_verified' : 'account_unavailable',
      details: { method: 'passkey' },
    });
    return onFailure({ key: 'passkey.error.failed' });
  }
  await deps.audit.record({
    type: 'login.success',
    outcome: 'success',
    accountId: result.accountId,
    clientId: loaded.client.id,
    ...meta,
    details: { method: 'passkey' },
  });
  await deps.users.noteSignIn(result.accountId, user.lastLoginAt);
  await onProven?.(result.accountId);
  await complete(ctx, loaded, deps, result.accountId, passkeyAmr(result));
}
