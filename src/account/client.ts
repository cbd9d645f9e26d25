// The account center is a relying party of our own provider: a public client without tokens (response_type
// none) that only learns "this browser is signed in", then reads the provider's session itself. Being an
// ordinary client keeps single sign-on, prompt=login re-authentication and RP-initiated logout the standard ones.
import { isDeepStrictEqual } from 'node:util';
import type Provider from 'oidc-provider';
import type { Adapter, ClientMetadata } from 'oidc-provider';
import type { Config } from '../config/index.ts';
import type { Logger } from '../log.ts';

export const ACCOUNT_CLIENT_ID = 'ciam-account';
export const ACCOUNT_CLIENT_NAME = 'Account';

/**
 * The public way into a password reset, needing no sign-in under way: what every notice mail links to ("not you?
 * reset your password"), since a link into a sign-in's own pages dies with that sign-in.
 */
export const RECOVER_PATH = '/recover';

export function accountUrls(issuer: string) {
  return {
    callback: `${issuer}/account/callback`,
    signedOut: `${issuer}/account/signed-out`,
    recover: `${issuer}${RECOVER_PATH}`,
  };
}

export function accountClientMetadata(issuer: string): ClientMetadata {
  const urls = accountUrls(issuer);
  return {
    client_id: ACCOUNT_CLIENT_ID,
    client_name: ACCOUNT_CLIENT_NAME,
    token_endpoint_auth_method: 'none',
    response_types: ['none'],
    grant_types: [],
    scope: 'openid',
    redirect_uris: [urls.callback],
    post_logout_redirect_uris: [urls.signedOut],
    // Our own application: the provider records consent without asking (extra client metadata, see provider.ts).
    first_party: true,
  };
}

export interface EnsureAccountClientDeps {
  provider: () => Provider;
  Adapter: new (model: string) => Adapter;
  config: Pick<Config, 'issuer'>;
  logger?: Logger;
}

/**
 * Creates the account center's client, or brings it up to date when the issuer (and with it the redirect URIs)
 * changed. Written through the adapter like any other client; validated by oidc-provider first.
 */
export async function ensureAccountClient(deps: EnsureAccountClientDeps): Promise<'created' | 'updated' | 'unchanged'> {
  const metadata = accountClientMetadata(deps.config.issuer);
  await deps.provider().Client.validate(metadata);
  const clients = new deps.Adapter('Client');
  const existing = await clients.find(ACCOUNT_CLIENT_ID);
  if (existing && isDeepStrictEqual({ ...existing }, { ...metadata })) return 'unchanged';
  await clients.upsert(ACCOUNT_CLIENT_ID, { ...metadata });
  const outcome = existing ? 'updated' : 'created';
  deps.logger?.info({ clientId: ACCOUNT_CLIENT_ID, outcome }, 'account center client ready');
  return outcome;
}
