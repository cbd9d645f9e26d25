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

/**
 * Models whose id is a bearer credential (a token, a code, a cookie value): stored under a keyed hash of the id,
 * never by value, and without the id in the payload, so that a copy of the database holds nothing that works at an
 * endpoint.
 */
export const HASHED = new Set<string>([
  'Session',
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'ClientCredentials',
  'InitialAccessToken',
  'RegistrationAccessToken',
  'PushedAuthorizationRequest',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

/**
 * Models whose rows are written once under a fresh id: saved with a plain insert (one cheap command) instead of an
 * upsert; a second save of the same id (rare) falls back to a replace.
 */
export const WRITE_ONCE = new Set<string>([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'ClientCredentials',
  'InitialAccessToken',
  'RegistrationAccessToken',
  'PushedAuthorizationRequest',
  'ReplayDetection',
  'PreAuthorizedCode',
]);

/**
 * A type marker at the start of the opaque tokens a client may present to introspection and revocation, where
 * oidc-provider looks the value up in every token model at once. `~` never occurs in oidc-provider's own ids (nanoid's
 * alphabet), so a value with another model's marker is known not to be this model's without asking the database.
 * The markers also let secret scanners recognise leaked tokens.
 */
export const TOKEN_PREFIX: Readonly<Record<string, string>> = {
  AccessToken: 'at~',
  ClientCredentials: 'cc~',
  RefreshToken: 'rt~',
};

/** True when `id` cannot be a token of `model`: it carries another model's marker. */
export function hasForeignPrefix(model: string, id: string): boolean {
  const tilde = id.indexOf('~');
  if (tilde === -1) return false;
  const own = TOKEN_PREFIX[model];
  return own === undefined ? Object.values(TOKEN_PREFIX).some((p) => id.startsWith(p)) : !id.startsWith(own);
}
