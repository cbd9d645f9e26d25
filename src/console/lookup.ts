// The customer a console path names (/console/customers/:id), for the pages that read and the ones that act.
import { notFound } from '../errors.ts';
import type { UserView } from '../services/users.ts';
import type { ConsoleDeps } from './deps.ts';
import type { Operator } from './pages.ts';
import { allows } from './roles.ts';

const MAX_ID = 100;

export const customerPath = (id: string) => `/console/customers/${encodeURIComponent(id)}`;

/** How long a support code opens its customer to the agent who typed it. */
export const SUPPORT_ACCESS_HOURS = 2;

/**
 * The customer an id in a path names, for this operator; 404 for anything else. A role that may not search sees only
 * the customers it found by their support code in the last SUPPORT_ACCESS_HOURS (the same 404 for the others: the
 * console does not tell an agent which ids exist); while an admin's search grant lasts, any customer.
 */
export async function findCustomer(deps: Pick<ConsoleDeps, 'users' | 'supportCodes'>, id: unknown, op: Operator): Promise<UserView> {
  const user = typeof id === 'string' && id.length <= MAX_ID ? await deps.users.findById(id) : null;
  if (!user) throw notFound('No such customer');
  if (!allows(op, 'customers.search')) {
    const since = new Date(Date.now() - SUPPORT_ACCESS_HOURS * 3600_000);
    if (!(await deps.supportCodes.foundBy(user.id, op.account.accountId, since))) throw notFound('No such customer');
  }
  return user;
}

/** Set while the account waits for its erasure (the stored account carries it; UserView does not name it). */
export const erasureOf = (u: UserView): { dueAt: Date } | undefined => (u as UserView & { erasure?: { dueAt: Date } }).erasure;
