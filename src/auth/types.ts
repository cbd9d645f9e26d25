// Vocabulary of strong authentication shared by the factor services, the sign-in flow, the account center and the
// provider configuration: which factors exist, which Authentication Context Class each sign-in reaches, and the
// RFC 8176 Authentication Method Reference values a factor adds to the id_token's `amr`.

/** Second factors a customer can enroll; `recovery` are the printed single-use codes. */
export const FACTOR_TYPES = ['totp', 'sms', 'email', 'passkey', 'recovery'] as const;
export type FactorType = (typeof FACTOR_TYPES)[number];

/** What the account center and the sign-in flow show of an enrolled factor: never a secret. */
export interface FactorView {
  id: string;
  type: FactorType;
  /** The customer's name for it (passkeys, authenticator apps) or a masked destination (+49 ••• ••12, j•••@example.com). */
  label: string;
  createdAt: Date;
  lastUsedAt?: Date;
  /** recovery: how many unused codes are left. */
  remaining?: number;
}

// Authentication Context Class References this provider issues, lowest to highest. A session at a higher level
// satisfies a request for a lower one.
export const ACR = {
  /** One factor: a password. */
  password: 'urn:ciam:acr:pwd',
  /** Two factors: a password and a one-time code (TOTP, SMS, e-mail, recovery code) or a passkey. */
  mfa: 'urn:ciam:acr:mfa',
  /** A passkey (WebAuthn, origin-bound, user-verified): phishing-resistant. */
  phishingResistant: 'urn:ciam:acr:phr',
} as const;
export type Acr = (typeof ACR)[keyof typeof ACR];
export const ACR_VALUES: readonly Acr[] = [ACR.password, ACR.mfa, ACR.phishingResistant];

/** Level of an acr value (0 when unknown to this provider). */
export function acrLevel(acr: string | undefined): number {
  return acr ? ACR_VALUES.indexOf(acr as Acr) + 1 : 0;
}

/** RFC 8176 method a factor contributes to `amr`. Passkeys add 'hwk' (device-bound) or 'swk' (synced) plus 'user'. */
/** The amr values a passkey proves: a synced (swk) or device-bound (hwk) key, and the person when it verified them. */
export const passkeyAmr = (result: { backedUp: boolean; userVerified: boolean }): string[] => [
  result.backedUp ? 'swk' : 'hwk',
  ...(result.userVerified ? ['user'] : []),
];

export const FACTOR_AMR: Record<Exclude<FactorType, 'passkey'>, string> = {
  totp: 'otp',
  email: 'otp',
  recovery: 'otp',
  sms: 'sms',
};
