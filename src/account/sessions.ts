// The account center's browser sessions: where the customer is signed in, ending one, all others, or all (which
// also forgets the browsers the risk engine knew, so every one of them is asked for a second step again).
import type { Context } from 'koa';
import { notFound } from '../errors.ts';
import { clearSessionCookie } from './auth.ts';
import type { AccountDeps } from './deps.ts';
import { meta, seeOther, str, type AccountPages } from './pages.ts';
import { formatTime } from './view.ts';

const MAX_ID = 128;

export function sessionsRoutes(pages: AccountPages, deps: AccountDeps): void {
  const { get, post, render } = pages;

  get('/sessions', {}, async (ctx, account) => {
    const sessions = await deps.sessions.listForAccount(account.accountId, account.uid);
    render(ctx, account, 'sessions', 'sessions', 'account.sessions.title', {
      sessions: sessions.map((s) => ({
        ...s,
        loginAt: formatTime(s.loginAt, account),
        lastSeenAt: s.lastSeenAt ? formatTime(s.lastSeenAt, account) : null,
        ip: s.ip ?? null,
        browser: s.browser ?? null,
        os: s.os ?? null,
        device: s.device ?? null,
      })),
      others: sessions.filter((s) => !s.current).length,
    });
  });

  const signedOutHere = (ctx: Context) => {
    clearSessionCookie(ctx, deps.provider());
    seeOther(ctx, '/account/signed-out');
  };

  post('/sessions/revoke', { back: '/account/sessions' }, async (ctx, account, body) => {
    const uid = str(body.uid, MAX_ID);
    if (!uid || !(await deps.sessions.revoke(account.accountId, uid, meta(ctx)))) throw notFound('No such session');
    if (uid === account.uid) return signedOutHere(ctx);
    seeOther(ctx, '/account/sessions', 'account.flash.sessionEnded');
  });

  post('/sessions/revoke-others', { back: '/account/sessions' }, async (ctx, account) => {
    await deps.sessions.revokeAll(account.accountId, { exceptUid: account.uid, ...meta(ctx) });
    seeOther(ctx, '/account/sessions', 'account.flash.sessionsEnded');
  });

  post('/sessions/revoke-all', { back: '/account/sessions' }, async (ctx, account) => {
    await deps.sessions.revokeAll(account.accountId, meta(ctx));
    await deps.risk.forgetDevices(account.accountId);
    signedOutHere(ctx);
  });

}
