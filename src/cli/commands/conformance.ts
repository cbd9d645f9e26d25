// `ciam conformance setup`: makes what a run of the OpenID Foundation's conformance suite needs (the static clients
// of its OP plans, a test user with every standard claim) and prints the plan configuration to paste into the suite,
// with what the provider's settings still lack for some plans. Run again, it replaces the clients (new secrets) and
// resets the user's password, so that the printed configuration is always the one that works.
import { randomBytes } from 'node:crypto';
import { noPositionals, optionalString, requiredString, UsageError } from '../args.ts';
import { command } from '../command.ts';
import {
  checkTarget,
  CONFORMANCE_USER_CLAIMS,
  conformanceAdvice,
  conformanceClients,
  targetProblem,
  type ConformanceTarget,
} from '../../services/conformance-setup.ts';
import { PLAN_GROUPS, planConfigurations, type PrintedClient } from '../../services/conformance-plans.ts';

export const DEFAULT_CONFORMANCE_ALIAS = 'ciam';

export const conformanceSetup = command({
  usage:
    'conformance setup --suite URL [--alias A] [--email E]   (clients and a test user for the OIDF OP plans; prints the\n' +
    '        plan configuration; replaces the clients and the user\'s password if run again)',
  options: { suite: { type: 'string' }, alias: { type: 'string' }, email: { type: 'string' } },
  parse(values, positionals) {
    noPositionals(positionals);
    const input = {
      suiteUrl: requiredString(values, 'suite'),
      alias: optionalString(values, 'alias') ?? DEFAULT_CONFORMANCE_ALIAS,
      email: optionalString(values, 'email') ?? 'oidf-tester@example.com',
    };
    const problems = checkTarget({ ...input, issuer: '', responseTypes: [], openRegistration: false, requestUriByReference: false });
    if (problems.length) throw new UsageError(problems.join('; '));
    return input;
  },
  async execute(services, input) {
    const target: ConformanceTarget = {
      suiteUrl: input.suiteUrl,
      alias: input.alias,
      issuer: services.config.issuer,
      responseTypes: services.config.responseTypes,
      openRegistration: services.config.openRegistration,
      requestUriByReference: services.config.requestUriByReference,
    };
    const problem = targetProblem(target);
    if (problem) throw new UsageError(problem);
    // Every client is checked before any earlier one is replaced: a refusal leaves the last working set in place.
    const planned = conformanceClients(target);
    for (const { input: client } of planned) await services.clients.check(client);
    const clients: PrintedClient[] = [];
    for (const { role, input: client } of planned) {
      await services.clients.delete(client.clientId);
      const created = await services.clients.create(client);
      clients.push({ role, clientId: created.clientId, ...(created.clientSecret ? { clientSecret: created.clientSecret } : {}) });
    }
    const password = randomBytes(18).toString('base64url');
    const existing = await services.users.findByEmail(input.email);
    const user = existing ?? (await services.users.create({ email: input.email, password, emailVerified: true, ...CONFORMANCE_USER_CLAIMS }));
    if (existing) {
      await services.users.addClaims(existing.id, CONFORMANCE_USER_CLAIMS);
      await services.users.setPassword(existing.id, password, { reason: 'reset' });
    }
    return {
      user: { id: user.id, email: input.email, password },
      clients,
      advice: conformanceAdvice(target),
      // One configuration per group of plans: paste each into the plans it names.
      plans: PLAN_GROUPS,
      suiteConfigurations: planConfigurations(target, clients, { email: input.email, password }),
    };
  },
});
