// Which standard claims each scope releases (OIDC Core 5.4). The provider configuration uses this table as its
// `claims` setting; oidc-provider then filters what findAccount returns by the granted scopes and `claims` request.
import type { AccountClaims } from 'oidc-provider';
import type { AccountRecord } from '../db/models/user.ts';

export const SCOPE_CLAIMS = {
  openid: ['sub'],
  profile: [
    'name',
    'given_name',
    'family_name',
    'middle_name',
    'nickname',
    'preferred_username',
    'profile',
    'picture',
    'website',
    'gender',
    'birthdate',
    'zoneinfo',
    'locale',
    'updated_at',
  ],
  email: ['email', 'email_verified'],
  phone: ['phone_number', 'phone_number_verified'],
  address: ['address'],
} as const satisfies Record<string, readonly string[]>;

export const APP_METADATA_SCOPE = 'app_metadata';
export const APP_METADATA_CLAIM = 'app_metadata';

/** Which claims each scope releases (oidc-provider's `claims` setting); the consent rules read the same table. */
export const CLAIMS_BY_SCOPE: Readonly<Record<string, readonly string[]>> = {
  ...SCOPE_CLAIMS,
  // How and when the customer authenticated, in every id_token: oidc-provider would add them only when the
  // request asks (acr_values, max_age, the claims parameter), and RPs deciding on step-up need them always.
  openid: [...SCOPE_CLAIMS.openid, 'acr', 'amr', 'auth_time'],
  // What an app stored on the customer through the metadata API, released to that app only (see app.ts).
  [APP_METADATA_SCOPE]: [APP_METADATA_CLAIM],
  preferences: ['communication_preferences'], // the customer's topic × channel choices (services/preferences.ts, app.ts)
};

export const claimsOfScope = (scope: string): readonly string[] => (Object.hasOwn(CLAIMS_BY_SCOPE, scope) ? CLAIMS_BY_SCOPE[scope]! : []);

/** Scopes a client may let the customer withhold (client metadata `optional_scopes`): every OIDC scope but openid. */
export const WITHHOLDABLE_SCOPES = (): string[] => [...Object.keys(CLAIMS_BY_SCOPE).filter((s) => s !== 'openid'), 'offline_access'];
/** Claims a client may let the customer withhold (`optional_claims`): every released claim but the protocol ones. */
export const WITHHOLDABLE_CLAIMS = (): string[] =>
  [...new Set(Object.values(CLAIMS_BY_SCOPE).flat())].filter((c) => !['sub', 'sid', 'acr', 'amr', 'auth_time', 'iss'].includes(c));

/** Every claim the account has a value for; undefined and empty values are left out rather than sent as null. */
export function accountClaims(user: AccountRecord): AccountClaims {
  const claims: AccountClaims = { sub: user._id, email: user.email, email_verified: user.email_verified };
  for (const name of [...SCOPE_CLAIMS.profile, ...SCOPE_CLAIMS.phone, ...SCOPE_CLAIMS.address]) {
    if (name === 'updated_at') continue;
    const value = user[name];
    if (value !== undefined && value !== null && value !== '') claims[name] = value;
  }
  const primary = user.addresses?.find((a) => a.primary) ?? user.addresses?.[0];
  if (primary) {
    const { id: _id, label: _label, primary: _primary, ...address } = primary;
    claims.address = address;
  }
  claims.updated_at = Math.floor(user.updatedAt.getTime() / 1000);
  return claims;
}
