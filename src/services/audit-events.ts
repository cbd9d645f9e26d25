// The catalogue of audit events: every type the platform records, with what it means (AUDIT_EVENTS) and the shape of
// its details (AuditDetails). The audit log accepts these types only, each with its own details (a typo or a detail
// of the wrong shape is a compile error; a new event is a line in each); the README's table of audit events is
// checked against this list (test/unit/audit-events.test.ts). These shapes are what the coming events API publishes.

export const AUDIT_EVENTS = {
  // Sign-in
  'login.success': 'a customer signed in: a password, a passkey, a mailed code or another provider (details: method, connection), or the end of sign-up',
  'login.code_requested': 'a sign-in code was asked for on the login page (mailed only when the address has an account; failure: unknown_account, disabled)',
  'login.failure': 'a sign-in was refused: unknown_account, bad_password, disabled, erasure_scheduled, or too many wrong second factors',
  'passkey.authentication': 'a passkey sign-in or second factor failed (invalid_response, unknown_credential, challenge_expired, …)',
  'mfa.required': 'a sign-in was asked for a second factor; details: the reasons (acr, policy, risk signals)',
  'mfa.success': 'a second factor was accepted; details: the factor type',
  'mfa.failure': 'a second factor was wrong; details: the factor type',
  'mfa.code_sent': 'a one-time code went out by e-mail or SMS (failure: send_limit, delivery_failed); details: purpose, factor type',
  'risk.assessed': 'the risk engine scored a sign-in; reason: its decision (allow, mfa, trusted_device); details: score and signals',
  'device.trusted': 'a customer let this browser skip the second factor for some days',
  'throttle.lockout':
    'too many failures blocked an address, or an account from one source, for a while (or, with details.proof, made further attempts need a proof of work); reason: action.scope; details: seconds',
  'bot_check.refused':
    'a form under bot protection (BOT_PROTECTION) was refused: reason missing, invalid, spent, early (no JavaScript, sent before the delay) or noscript_limit; details: the form (signup, recover, codes, login)',
  'recovery_code.used': 'a recovery code was spent as a second factor',
  'federation.failure': 'a sign-in through another provider (a connection) was refused; reason: denied, upstream_error, invalid_response, unavailable, expired, email_unverified, signup_closed, disabled; details: connection',
  'identity.linked': 'an identity at another provider was linked to an account (at its first sign-in, or after the owner proved the account); details: connection',
  'identity.unlinked': 'the customer unlinked an identity at another provider in the account center; details: connection',
  'connection.created': 'an operator created a connection (console, API); details: connection, enabled',
  'connection.updated': 'an operator changed a connection (console, API): settings, a new secret, enabled or disabled; details: connection, the settings changed (a secret by name only), enabled',

  // Sign-up and accounts
  'signup.started': 'a sign-up form was sent and its verification code mailed',
  'signup.existing_address': 'a sign-up named an address that has an account (its owner is mailed; the page says the same as for a new address)',
  'user.created': 'an account was created (sign-up, sign-in through another provider, CLI or API)',
  'user.migrated': 'lazy migration: the old system (LEGACY_AUTH_URL) vouched for the password of an address unknown here and its account was created (details: emailVerified, claims taken); failure: it gave no usable answer (reason: timeout, network, status, malformed), the sign-in was refused',
  'email.verified': 'an account proved its e-mail address',
  'email.verification_sent': 'an operator had a code to confirm the account\'s unverified e-mail address mailed to it (console)',
  'profile.updated': 'the customer changed profile claims; details: the fields',
  'address.added': 'a postal address was added',
  'address.updated': 'a postal address was changed',
  'address.removed': 'a postal address was removed',
  'address.primary_changed': 'another postal address became the primary one',
  'email.change_requested': 'a new e-mail address was asked for and a code mailed to it',
  'email.change_failed': 'an e-mail change was refused (wrong password, wrong code, address taken)',
  'email.changed': 'the e-mail address of an account changed',
  'preferences.changed': 'communication preferences (topics, channels) changed',

  // Passwords and factors
  'password.changed': 'the customer changed the password in the account center (other sessions end, tokens are revoked)',
  'password.change_failed': 'a password change was refused: the current password was wrong',
  'password.reset_requested': 'a password reset code was asked for (mailed only when the address has an account)',
  'password.reset': 'a password was reset with a mailed code (sessions end, tokens are revoked)',
  'password.reset_link_sent': 'an operator had a link to reset the password mailed to the customer (API, CLI, console)',
  'password.rehashed': 'a stored password hash was redone with the current hashing cost at sign-in',
  'factor.added': 'a second factor was enrolled (outcome failure: the enrolment was refused); details: the factor type',
  'factor.removed': 'a second factor was removed; details: the factor type',
  'factor.renamed': 'a passkey was renamed',
  'recovery_codes.generated': 'a new set of recovery codes replaced the old one',
  'factors.reset': 'an operator removed every second factor of an account (API, CLI, console); details: how many of each type',
  'support_code.issued': 'the customer made a support code in the account center (valid for details.minutes, once)',
  'support_code.used': 'a support agent found the customer by their support code in the console; details: the agent',
  'support_code.refused': 'a support agent typed a support code that names nobody (wrong, expired or spent); details: the agent',

  // Consent, legal, sessions and grants
  'consent.granted': 'the customer allowed an app scopes and claims; details: what was granted and withheld',
  'consent.denied': 'the customer refused an app',
  'consent.changed': 'the customer changed what an app may see, in the account center',
  'consent.withdrawn': 'the customer withdrew an app\'s access in the account center',
  'legal.accepted': 'the customer accepted a version of a legal document',
  'legal.declined': 'the customer declined a legal document (the sign-in stops)',
  'session.revoked': 'a session ended from the account center, a password change, or sign-out everywhere',
  'grant.revoked': 'a grant ended: revoked at the revocation endpoint, or by a code or token replay or a logout; details: grant id, route',
  'token.revoked': 'an app revoked a token at the revocation endpoint',
  'logout': 'a customer signed out through an app (RP-initiated logout)',

  // Privacy
  'account.exported': 'the customer downloaded their data',
  'account.disabled': 'an operator disabled an account: its sessions ended and its tokens revoked',
  'account.enabled': 'an operator enabled a disabled account again',
  'api.denied': 'a call to the management API was refused: the access token lacks the scope it needs',
  'operator.added': 'an account was made an operator of the console (CLI); details: the role (admin, support, auditor)',
  'operator.role_changed': 'an operator was given another role (CLI); details: the role and the one before',
  'operator.removed': 'an account stopped being an operator (CLI); details: the role it had',
  'operator.search_granted': 'an admin let a support operator search every customer for some hours (console); details: hours, until, the reason',
  'operator.search_revoked': 'an admin ended a support operator\'s customer search grant before it ran out (console)',
  'operator.search_expired': 'a support operator\'s customer search grant ran out (recorded when first noticed); details: until, who granted it',
  'console.customer_viewed': "an operator opened a customer's page in the console (actorId: the operator)",
  'console.customer_searched': 'a support operator searched the customers under an admin\'s grant (actorId: the operator); details: the fields searched, how many were found, when the grant ends',
  'console.denied': 'the operator console refused a signed-in account: not an operator, or its role does not allow the page or change; details: the permission asked for and the role',
  'account.erasure_scheduled': 'account deletion was asked for; the account is disabled until the grace period ends',
  'account.erasure_cancelled': 'a scheduled deletion was cancelled and the account enabled again',
  'account.deleted': 'an account was erased: its data removed, its audit rows pseudonymised',
  'account.delete_failed': 'an account deletion was refused: the password was wrong',

  // Apps, keys and per-app data
  'client.created': 'an app was registered by an operator (CLI or API)',
  'client.registered': 'an app registered itself (dynamic client registration)',
  'client.deleted': 'an app was deleted',
  'client.updated': 'an operator changed an app\'s registration (CLI or API); details: the registration fields changed',
  'client.secret_rotated': 'an operator gave an app a new secret (CLI or API): the old one stops working',
  'client.authentication_failed': 'an app failed to authenticate at a protocol endpoint',
  'key.created': 'a signing key was created',
  'key.rotated': 'the signing keys were rotated',
  'app_metadata.updated': 'an app wrote its metadata for a customer',
  'app_metadata.deleted': 'an app deleted its metadata for a customer',
  'app_metadata.denied': 'an app was refused access to a customer\'s metadata (no grant, or the scope is missing)',
} as const satisfies Record<string, string>;

export type AuditEventType = keyof typeof AUDIT_EVENTS;

export const AUDIT_EVENT_TYPES = Object.keys(AUDIT_EVENTS) as readonly AuditEventType[];

export const isAuditEventType = (value: string): value is AuditEventType => Object.hasOwn(AUDIT_EVENTS, value);

/** Names of things stored elsewhere (a factor's type, an MFA method) are plain strings here: the catalogue depends on
 *  nothing. Events without details map to `never` (the record may not carry any). */
interface Granted {
  scopes: readonly string[];
  claims: readonly string[];
}
type Counts = Readonly<Record<string, number>>;

export interface AuditDetails {
  'login.success': { method: 'passkey' | 'email_code' } | { method: 'federated'; connection: string };
  'login.code_requested': never;
  'login.failure': { method: 'passkey' | 'email_code' };
  'passkey.authentication': { credentialId?: string; userVerified?: boolean; backedUp?: boolean; discoverable?: boolean; error?: string };
  'mfa.required': { level: number | string; reasons: readonly string[] };
  'mfa.success': { method: string; stepUp: boolean };
  'mfa.failure': { method: string };
  'mfa.code_sent': { purpose: string; factorType: string; factorId?: string };
  'risk.assessed': { score: number; threshold: number; reasons: readonly string[]; decision: string; signals: Readonly<Record<string, unknown>> };
  'device.trusted': { days: number; trustedUntil: Date };
  'throttle.lockout': { action: string; retryAfterSeconds: number; proof?: true };
  'bot_check.refused': { action: string };
  'recovery_code.used': { remaining: number };
  'federation.failure': { connection: string };
  'identity.linked': { connection: string };
  'identity.unlinked': { connection: string };
  'connection.created': { connection: string; enabled: boolean; fields?: readonly string[] };
  'connection.updated': { connection: string; fields: readonly string[]; enabled: boolean };
  'signup.started': never;
  'signup.existing_address': never;
  'user.created': { source: 'signup' | 'federation' | 'no_password' | 'import' | 'legacy' };
  /** Success: what the old system said; failure: the status it answered, if any. */
  'user.migrated': { emailVerified: boolean; claims: readonly string[]; dropped?: readonly string[] } | { status: number };
  'email.verified': never;
  'email.verification_sent': never;
  'profile.updated': { fields: readonly string[] };
  'address.added': { addressId: string; primary: boolean };
  'address.updated': { addressId: string };
  /** `promoted`: the address that became primary in its place. */
  'address.removed': { addressId: string; promoted?: string };
  'address.primary_changed': { addressId: string };
  'email.change_requested': never;
  'email.change_failed': never;
  'email.changed': never;
  'preferences.changed': { changes: readonly { topic: string; channel: string; optIn: boolean }[] };
  'password.changed': never;
  'password.change_failed': never;
  'password.reset_requested': never;
  'password.reset': never;
  'password.reset_link_sent': never;
  'password.rehashed': never;
  'factor.added': { factorType: string; factorId?: string; deviceType?: string; backedUp?: boolean; error?: string };
  'factor.removed': { factorType: string; factorId: string };
  'factor.renamed': { factorType: string; factorId: string };
  'recovery_codes.generated': { count: number };
  'factors.reset': { removed: Record<string, number> };
  'support_code.issued': { minutes: number };
  'support_code.used': { agent: string };
  'support_code.refused': { agent: string };
  /** What was granted and withheld (the grant, where the consent record knows it). */
  'consent.granted': { grantId?: string; granted: Granted; withheld: Granted };
  'consent.denied': { scope: readonly string[] };
  'consent.changed': { grantId?: string; granted: Granted; withheld: Granted };
  'consent.withdrawn': { grantId?: string; granted: Granted; withheld: Granted };
  'legal.accepted': { documents: readonly { id: string; version: string }[] };
  'legal.declined': { documents: readonly { id: string; version: string }[] };
  'session.revoked': { uid: string };
  /** From the provider: the grant and the route; from the account center: how many grants and back-channel logouts. */
  'grant.revoked': { grantId?: string; route?: string; grants?: number; backchannelLogouts?: number };
  'token.revoked': { kind: string; grantId?: string };
  logout: never;
  'account.exported': never;
  'account.disabled': { sessions: number; tokens: number };
  'account.enabled': never;
  'api.denied': { scope: string; operation: string };
  'operator.added': { role: string };
  'operator.role_changed': { role: string; previous: string };
  'operator.removed': { role: string };
  'operator.search_granted': { hours: number; until: Date; reason: string };
  'operator.search_revoked': { until: Date; grantedBy: string };
  'operator.search_expired': { until: Date; grantedBy: string };
  /** `role` absent: the account is no operator. */
  'console.customer_viewed': never;
  'console.customer_searched': { fields: readonly string[]; found: number; until: Date };
  'console.denied': { permission: string; role?: string };
  'account.erasure_scheduled': { dueAt: string; sessions: number; tokens: number };
  'account.erasure_cancelled': never;
  /** How many rows of each kind the erasure removed or pseudonymised. */
  'account.deleted': Counts;
  'account.delete_failed': never;
  /** Operator changes name the API client that acted (actorClientId) when one did; reason is the entry point. */
  'client.created': { grantTypes?: readonly string[]; actorClientId?: string };
  'client.registered': never;
  'client.deleted': { actorClientId?: string };
  'client.updated': { fields: readonly string[]; actorClientId?: string };
  'client.secret_rotated': { actorClientId?: string };
  'client.authentication_failed': never;
  'key.created': { alg: string; kids: readonly string[] };
  'key.rotated': { activated: readonly string[]; retired: readonly string[]; created: readonly string[]; removed: readonly string[]; retainSeconds: number };
  'app_metadata.updated': { bytes: number };
  'app_metadata.deleted': { records: number };
  'app_metadata.denied': { scope: string };
}

// Every type of the catalogue has its details, and nothing else does: a missing or extra key fails to compile here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const detailsCoverCatalogue: Same<keyof AuditDetails, AuditEventType> = true;
void detailsCoverCatalogue;
