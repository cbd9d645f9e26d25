// The account center is a relying party of our own provider, as every first-party area is (oidc/first-party-clients.ts):
// a public client without tokens that only learns "this browser is signed in", then reads the provider's session.
import type { ClientMetadata } from 'oidc-provider';
import { ACCOUNT_CLIENT_ID, areaUrls, ensureFirstPartyClient, firstPartyClientMetadata, type EnsureFirstPartyClientDeps, type FirstPartyArea } from '../oidc/first-party-clients.ts';

export { ACCOUNT_CLIENT_ID };
export const ACCOUNT_CLIENT_NAME = 'Account';

/**
 * The public way into a password reset, needing no sign-in under way: what every notice mail links to ("not you?
 * reset your password"), since a link into a sign-in's own pages dies with that sign-in.
 */
export const RECOVER_PATH = '/recover';

export const ACCOUNT_AREA: FirstPartyArea = { prefix: '/account', clientId: ACCOUNT_CLIENT_ID, stateCookie: 'account_auth' };

export function accountUrls(issuer: string) {
  return {
    ...areaUrls(ACCOUNT_AREA, issuer),
    recover: `${issuer}${RECOVER_PATH}`,
  };
}

/** Named as the product (PRODUCT_NAME) on the sign-in pages: "Sign in to continue to Acme", the customer's account with it. */
export function accountClientMetadata(issuer: string, productName: string = ACCOUNT_CLIENT_NAME): ClientMetadata {
  return firstPartyClientMetadata(ACCOUNT_AREA, productName, issuer);
}

export type EnsureAccountClientDeps = EnsureFirstPartyClientDeps & { config: { productName?: string } };

/** Creates the account center's client, or brings it up to date (oidc/first-party-clients.ts). */
export function ensureAccountClient(deps: EnsureAccountClientDeps): Promise<'created' | 'updated' | 'unchanged'> {
  return ensureFirstPartyClient(deps, accountClientMetadata(deps.config.issuer, deps.config.productName));
}
