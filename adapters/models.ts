// Which oidc-provider models exist and which secondary lookups each one needs.

export const MODELS = [
  'Session',
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'ClientCredentials',
  'Client',
  'InitialAccessToken',
  'RegistrationAccessToken',
  'Interaction',
  'ReplayDetection',
  'PushedAuthorizationRequest',
  'Grant',
  'BackchannelAuthenticationRequest',
  // oidc-provider 9 also has this one (OpenID for Verifiable Credential Issuance); it is grant-bound like a code.
  'PreAuthorizedCode',
] as const;

/** Models whose rows carry payload.grantId: the ones oidc-provider revokes when a grant is revoked. */
export const GRANT_BOUND = new Set<string>([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

/**
 * Models whose rows belong to one account (payload.accountId). The adapter copies the account id to a top-level,
 * indexed field so that the account center can list and end them (sessions, connected apps, tokens) without
 * scanning payloads.
 */
export const ACCOUNT_BOUND = new Set<string>([
  'Session',
  'Grant',
  'AccessToken',
  'RefreshToken',
  'AuthorizationCode',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
]);

/** How oidc-provider names each consumable model in its own "already consumed" errors. */
export const CONSUMABLE_LABEL: Readonly<Record<string, string>> = {
  AuthorizationCode: 'authorization code',
  RefreshToken: 'refresh token',
  DeviceCode: 'device code',
  BackchannelAuthenticationRequest: 'backchannel authentication request',
  PreAuthorizedCode: 'pre-authorized code',
  PushedAuthorizationRequest: 'pushed authorization request',
};

export function collectionName(model: string): string {
  return `oidc_${model.toLowerCase()}`;
}

export function assertModelName(model: unknown): asserts model is string {
  if (typeof model !== 'string' || !/^[A-Za-z][A-Za-z0-9]*$/.test(model)) {
    throw new TypeError(`invalid oidc-provider model name: ${JSON.stringify(model)}`);
  }
}
