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

// Authentication Context Class References this provider issues. Each has a level (1: one factor, 2: two, 3: with a
// passkey); a session at a higher level satisfies a request for a lower one, and two values of one level satisfy each
// other (a request for the password level is met by a sign-in with a mailed code: both are one factor).
export const ACR = {
  /** One factor: a password. */
  password: 'urn:ciam:acr:pwd',
  /** One factor: a code mailed to the sign-in address (passwordless sign-in; proves the mailbox, as a reset would). */
  emailCode: 'urn:ciam:acr:email',
  /** Two factors: a first one and a one-time code (TOTP, SMS, e-mail, recovery code) or a passkey. */
  mfa: 'urn:ciam:acr:mfa',
  /** A passkey (WebAuthn, origin-bound, user-verified): phishing-resistant. */
  phishingResistant: 'urn:ciam:acr:phr',
} as const;
export type Acr = (typeof ACR)[keyof typeof ACR];
/** Every acr value, as discovery lists them. */
export const ACR_VALUES: readonly Acr[] = [ACR.password, ACR.emailCode, ACR.mfa, ACR.phishingResistant];
const ACR_LEVEL: Readonly<Record<Acr, number>> = { [ACR.password]: 1, [ACR.emailCode]: 1, [ACR.mfa]: 2, [ACR.phishingResistant]: 3 };
/** The acr a first-party area asks for to reach a level (1, 2, 3). */
export const ACR_OF_LEVEL: readonly Acr[] = [ACR.password, ACR.mfa, ACR.phishingResistant];

/** Level of an acr value (0 when unknown to this provider). */
export function acrLevel(acr: string | undefined): number {
  return acr !== undefined && Object.hasOwn(ACR_LEVEL, acr) ? ACR_LEVEL[acr as Acr] : 0;
}

/** amr of a sign-in with a code mailed to the sign-in address (no RFC 8176 value says "e-mail"; others use this one). */
export const EMAIL_CODE_AMR = 'email';

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
