// What each operator role may do in the console: one table, asked on the server for every page and every change (a
// button hidden from a role is a courtesy; the refusal is here). admin: everything; support: the customers a support
// code names (read and act), and free search only while an admin's time-limited grant lasts (GRANTABLE); auditor:
// customers and the audit log, read only.
import type { OperatorRole, SearchGrant } from '../services/operators.ts';

export const PERMISSIONS = {
  /** Search every customer (support finds customers by the code each one shows: support-codes.ts; or searches while
   *  an admin's grant lasts: GRANTABLE). */
  'customers.search': ['admin', 'auditor'],
  /** Type a customer's support code, and so find that customer. */
  'customers.code': ['admin', 'support'],
  /** Read a customer's profile, sessions, apps, factors and linked identities (a role without search: only the
   *  customers it found by their support code, for SUPPORT_ACCESS_HOURS). */
  'customers.read': ['admin', 'support', 'auditor'],
  /** Disable and enable, end sessions, reset MFA, mail a password reset. */
  'customers.act': ['admin', 'support'],
  /** Erase a customer (after the grace period) and cancel a scheduled erasure. */
  'customers.erase': ['admin'],
  /** Download everything held on a customer (the account center's data export), e.g. for a subject access request. */
  'customers.export': ['admin', 'support'],
  /** The registered apps and their settings (never a secret). */
  'apps.read': ['admin', 'auditor'],
  /** Change an app's settings and rotate its secret. */
  'apps.write': ['admin'],
  /** The signing keys (never a private part) and their rotation. */
  'keys.read': ['admin', 'auditor'],
  'keys.write': ['admin'],
  /** Webhook endpoints and their deliveries, and replaying one. */
  'webhooks.read': ['admin', 'auditor'],
  'webhooks.write': ['admin'],
  /** Sign-ins, sign-ups, second factors and blocks over the last two weeks. */
  'overview.read': ['admin', 'auditor'],
  /** Connections, legal documents and communication topics, as set up (no secret). */
  'setup.read': ['admin', 'auditor'],
  /** The audit log of everyone, with filters. */
  'audit.read': ['admin', 'auditor'],
  /** Create connections, change them, enable and disable them (their secrets are written, never shown). */
  'connections.write': ['admin'],
  /** The operators and their roles; grant a support operator customer search for some hours, and revoke it. */
  'operators.grant': ['admin'],
} as const satisfies Record<string, readonly OperatorRole[]>;

export type Permission = keyof typeof PERMISSIONS;

/** Permissions a role holds only while an admin's grant lasts (services/operators.ts grantSearch). */
export const GRANTABLE: Readonly<Partial<Record<Permission, readonly OperatorRole[]>>> = { 'customers.search': ['support'] };

/** What the role holds, whatever is granted. */
export function may(role: OperatorRole, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly OperatorRole[]).includes(role);
}

/** What this operator may do now: the role's permissions, and a granted one until the grant runs out. */
export function allows(op: { role: OperatorRole; searchGrant?: SearchGrant | undefined }, permission: Permission, at = Date.now()): boolean {
  if (may(op.role, permission)) return true;
  return Boolean(GRANTABLE[permission]?.includes(op.role) && op.searchGrant && op.searchGrant.until.getTime() > at);
}
