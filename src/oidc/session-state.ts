// Whether this browser has a signed-in session with the provider, read from its session cookie: what the "start
// again" page needs to say "you are signed in" instead (Back or reload after a finished sign-in).
import type { Context } from 'koa';
import type Provider from 'oidc-provider';

/** Whether this browser holds a provider session with a signed-in account (read from the session cookie). */
export async function isSignedIn(ctx: Context, provider: Provider): Promise<boolean> {
  const id = ctx.cookies.get(provider.cookieName('session'), { signed: true });
  if (!id) return false;
  const session = await provider.Session.find(id);
  return typeof session?.accountId === 'string' && session.accountId.length > 0;
}
