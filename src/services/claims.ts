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
