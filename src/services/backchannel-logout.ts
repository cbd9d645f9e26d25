// Telling an app that a customer's sign-in with it has ended (OpenID Connect Back-Channel Logout 1.0), for every path
// that ends one: a session ended (account center, password change, sign out everywhere), an app's access withdrawn,
// an account disabled for erasure. One logout token per browser session the app was signed in through, or one without
// a session (sid) when the app held only a grant. Delivery failures are logged, never thrown: by then the session or
// grant is gone, which is what protects the account; the app only missed the notice.
import type Provider from 'oidc-provider';
import type { Logger } from '../log.ts';

// oidc-provider's Client has this method; its type definitions do not list it.
interface BackchannelClient {
  backchannelLogoutUri?: string;
  backchannelLogout(sub: string, sid: string): Promise<void>;
}

/** Resolves with the number of logout tokens delivered (0 when the app registered no back-channel logout URI). */
export async function notifyLogout(
  provider: Provider,
  input: { accountId: string; clientId: string; sids?: readonly string[] },
  logger?: Logger,
): Promise<number> {
  const client = (await provider.Client.find(input.clientId)) as unknown as BackchannelClient | undefined;
  if (!client?.backchannelLogoutUri) return 0;
  const sids = input.sids?.filter((sid) => typeof sid === 'string' && sid.length > 0) ?? [];
  let sent = 0;
  for (const sid of sids.length ? sids : ['']) {
    try {
      await client.backchannelLogout(input.accountId, sid);
      sent += 1;
    } catch (err) {
      logger?.warn({ err: (err as Error).message, clientId: input.clientId }, 'back-channel logout delivery failed');
    }
  }
  return sent;
}
