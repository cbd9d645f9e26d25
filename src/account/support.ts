// The account center's support page (/account/support): the customer makes a support code to read out to a support
// agent, who finds the account by it in the console (src/services/support-codes.ts), and sees when agents looked
// the account up. Making a code needs a recent sign-in: with it an agent may act on the account (reset its second
// factors, for one), so a borrowed session must not be enough.
import { SUPPORT_CODE_MINUTES } from '../services/support-codes.ts';
import type { AccountDeps } from './deps.ts';
import { meta, type AccountPages } from './pages.ts';
import { formatTime } from './view.ts';

export type SupportDeps = Pick<AccountDeps, 'supportCodes'>;

export function supportRoutes(pages: AccountPages, deps: SupportDeps): void {
  const { get, post, render } = pages;

  const page = async (account: Parameters<Parameters<AccountPages['get']>[2]>[1], shown?: { code: string; expiresAt: Date }, retryAfterSeconds?: number) => {
    const [until, lookups] = await Promise.all([deps.supportCodes.current(account.accountId), deps.supportCodes.lookups(account.accountId, 10)]);
    return {
      minutes: SUPPORT_CODE_MINUTES,
      // The digits in two groups of three, as they are read out.
      code: shown ? `${shown.code.slice(0, 3)} ${shown.code.slice(3)}` : null,
      until: (shown?.expiresAt ?? until) ? formatTime((shown?.expiresAt ?? until)!, account) : null,
      lookups: lookups.map((at) => formatTime(at, account)),
      retryMinutes: retryAfterSeconds ? Math.ceil(retryAfterSeconds / 60) : null,
    };
  };

  get('/support', {}, async (ctx, account) => {
    render(ctx, account, 'support', 'support', 'account.support.title', await page(account));
  });

  post('/support/code', { back: '/account/support', recent: true }, async (ctx, account) => {
    const issued = await deps.supportCodes.issue(account.accountId, meta(ctx));
    // The code is shown on this answer only (never stored as typed): no redirect, and nothing cached.
    ctx.set('Cache-Control', 'no-store');
    const data = await page(account, issued.ok ? issued : undefined, issued.ok ? undefined : issued.retryAfterSeconds);
    render(ctx, account, 'support', 'support', 'account.support.title', data, issued.ok ? 200 : 429);
  });
}
