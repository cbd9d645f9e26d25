// The operator console is a relying party of our own provider, as the account center is (oidc/first-party-clients.ts):
// the built-in client `ciam-console`. Every console page demands the MFA level of the session (FirstPartyArea.level):
// a weaker session is stepped up with acr_values, asking for the missing factor only. The client itself carries no
// MFA policy, so that an account that is no operator is told so (403) without being made to enrol a second factor.
import type { ClientMetadata } from 'oidc-provider';
import { LEVEL } from '../auth/requirement.ts';
import { areaUrls, CONSOLE_CLIENT_ID, ensureFirstPartyClient, firstPartyClientMetadata, type EnsureFirstPartyClientDeps, type FirstPartyArea } from '../oidc/first-party-clients.ts';

export { CONSOLE_CLIENT_ID };
export const CONSOLE_CLIENT_NAME = 'Operator console';

export const CONSOLE_AREA: FirstPartyArea = { prefix: '/console', clientId: CONSOLE_CLIENT_ID, stateCookie: 'console_auth', level: LEVEL.mfa };

export const consoleUrls = (issuer: string) => areaUrls(CONSOLE_AREA, issuer);

export function consoleClientMetadata(issuer: string): ClientMetadata {
  return firstPartyClientMetadata(CONSOLE_AREA, CONSOLE_CLIENT_NAME, issuer);
}

/** Creates the console's client, or brings it up to date when the issuer changed. */
export function ensureConsoleClient(deps: EnsureFirstPartyClientDeps): Promise<'created' | 'updated' | 'unchanged'> {
  return ensureFirstPartyClient(deps, consoleClientMetadata(deps.config.issuer));
}
