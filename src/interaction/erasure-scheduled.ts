// Signing in to an account that waits for its erasure (src/services/erasure.ts): the password was right, so the
// customer learns when the deletion is due and may keep the account — which enables it again and continues the
// sign-in as if nothing had happened — or leave it scheduled, which ends the sign-in with access_denied to the app.
import type { Context } from 'koa';
import type { Config } from '../config/index.ts';
import { allowFormAction } from '../http/security-headers.ts';
import { renderPage } from '../http/views.ts';
import type { ErasureService } from '../services/erasure.ts';
import { interactionPath, type LoadedInteraction } from './context.ts';
import { requestMeta } from './forms.ts';

export interface ScheduledErasureDeps {
  erasure: Pick<ErasureService, 'offerKeep' | 'takeKeepOffer' | 'cancel'>;
  config: Pick<Config, 'ttl'>;
}

export const keepAccountPath = (uid: string) => `${interactionPath(uid)}/keep-account`;

export async function renderScheduledErasure(
  ctx: Context,
  loaded: LoadedInteraction,
  deps: ScheduledErasureDeps,
  scheduled: { accountId: string; dueAt: Date },
): Promise<void> {
  // Remembered for this interaction only: the keep button proves nothing by itself.
  await deps.erasure.offerKeep(loaded.uid, scheduled.accountId, deps.config.ttl.interaction);
  allowFormAction(ctx, loaded.details.params.redirect_uri);
  renderPage(ctx, 'erasure-scheduled', {
    locale: loaded.locale,
    title: 'privacy.keep.title',
    data: {
      client: loaded.client,
      actions: loaded.actions,
      keep: keepAccountPath(loaded.uid),
      csrfToken: ctx.state.csrfToken,
      dueDate: new Intl.DateTimeFormat(loaded.locale, { dateStyle: 'long', timeZone: 'UTC' }).format(scheduled.dueAt),
      dueIso: scheduled.dueAt.toISOString(),
    },
  });
}

/** "Keep my account": cancels the erasure and continues the sign-in (`next`: the steps after a right password). */
export async function keepAccount(
  ctx: Context,
  loaded: LoadedInteraction,
  deps: ScheduledErasureDeps & { next: (accountId: string) => Promise<void> },
): Promise<void> {
  const accountId = await deps.erasure.takeKeepOffer(loaded.uid);
  if (!accountId) {
    // Expired, used already, or never offered: back to the login page.
    ctx.status = 303;
    ctx.redirect(interactionPath(loaded.uid));
    return;
  }
  await deps.erasure.cancel(accountId, { source: 'sign_in', ...requestMeta(ctx) });
  await deps.next(accountId);
}
