// Operators of the console (src/services/operators.ts): who may use /console, and as what. The account must exist
// already (created by `ciam users create` or by signing up): an operator signs in like everyone else, with a password
// and a second factor, so the CLI never handles an operator's password here. Setting a role is idempotent.
import { notFound } from '../../errors.ts';
import { OPERATOR_ROLES, isOperatorRole } from '../../services/operators.ts';
import { noPositionals, requiredString, UsageError } from '../args.ts';
import { command } from '../command.ts';
import type { CliServices } from '../services.ts';

async function accountOf(services: CliServices, email: string) {
  const user = await services.users.findByEmail(email);
  if (!user) throw notFound('No account has this e-mail address: create it first (ciam users create, or sign up)');
  return user;
}

export const operatorsCreate = command({
  usage: `operators create --email E --role ${OPERATOR_ROLES.join('|')}   (makes the account an operator, or changes its role)`,
  options: { email: { type: 'string' }, role: { type: 'string' } },
  parse(values, positionals) {
    noPositionals(positionals);
    const email = requiredString(values, 'email');
    const role = requiredString(values, 'role');
    if (!isOperatorRole(role)) throw new UsageError(`--role must be one of: ${OPERATOR_ROLES.join(', ')}`);
    return { email, role };
  },
  async execute(services, { email, role }) {
    const user = await accountOf(services, email);
    const change = await services.operators.setRole(user.id, role, { source: 'cli' });
    return { accountId: user.id, email: user.email, role, status: change.status, ...(change.status === 'changed' ? { previous: change.previous } : {}) };
  },
});

export const operatorsList = command({
  usage: 'operators list',
  options: {},
  parse: (_values, positionals) => noPositionals(positionals),
  async execute(services) {
    const operators = await services.operators.list();
    const rows = await Promise.all(operators.map(async (o) => ({ op: o, user: await services.users.findById(o.accountId) })));
    return rows.map(({ op, user }) => ({
      accountId: op.accountId,
      email: user?.email ?? null,
      role: op.role,
      disabled: user?.disabled === true,
      since: op.createdAt.toISOString(),
    }));
  },
});

export const operatorsRemove = command({
  usage: 'operators remove --email E   (the account stays; it is no operator any more)',
  options: { email: { type: 'string' } },
  parse(values, positionals) {
    noPositionals(positionals);
    return { email: requiredString(values, 'email') };
  },
  async execute(services, { email }) {
    const user = await accountOf(services, email);
    const role = await services.operators.remove(user.id, { source: 'cli' });
    if (!role) throw notFound('This account is not an operator');
    return { accountId: user.id, email: user.email, removed: role };
  },
});
