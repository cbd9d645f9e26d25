// What hangs off a customer, for support tools and back ends: browser sessions (device, network, last use), the apps
// holding a grant (what was granted), second factors (metadata only: kind, name, dates; never a secret or number in
// full), and identities at other providers. Revoking one app's grant is the account center's "remove access".
import { z } from 'zod';
import { notFound } from '../../errors.ts';
import type { FactorService } from '../../auth/factors.ts';
import type { GrantService } from '../../services/grants.ts';
import type { Identities } from '../../services/identities.ts';
import type { SessionService } from '../../services/sessions.ts';
import type { UserService } from '../../services/users.ts';
import { operation, type Operation } from './operation.ts';

export interface UserResourceDeps {
  users: Pick<UserService, 'findById'>;
  sessions: Pick<SessionService, 'listForAccount'>;
  grants: Pick<GrantService, 'listForAccount' | 'revoke'>;
  factors: Pick<FactorService, 'list'>;
  identities: Pick<Identities, 'listForAccount'>;
}

/** As JSON carries it (dates as ISO strings). */
const json = <T>(value: T) => JSON.parse(JSON.stringify(value)) as Record<string, unknown>[];
const rows = (description: string) => z.array(z.object({}).catchall(z.unknown())).describe(description);
const idParams = z.object({ id: z.string().min(1).max(100) });

export function userResourceOperations(deps: UserResourceDeps): Operation[] {
  const exists = async (id: string) => {
    if (!(await deps.users.findById(id))) throw notFound('No such user');
  };
  const list = (path: string, operationId: string, key: string, summary: string, read: (accountId: string) => Promise<unknown[]>) =>
    operation({
      method: 'get', path, operationId, tag: 'users', scope: 'users:read', summary, params: idParams, status: 200,
      response: z.object({ [key]: rows(summary) }),
      async handle({ params }) {
        await exists(params.id);
        return { [key]: json(await read(params.id)) };
      },
    });
  return [
    list('/users/{id}/sessions', 'listUserSessions', 'sessions', 'Where the customer is signed in: device, network address, sign-in and last use', (id) => deps.sessions.listForAccount(id)),
    list('/users/{id}/grants', 'listUserGrants', 'apps', 'The apps holding a grant, with what was granted', (id) => deps.grants.listForAccount(id)),
    list('/users/{id}/factors', 'listUserFactors', 'factors', 'Second factors: kind, name, added and last used (no secret, no full number)', async (id) =>
      (await deps.factors.list(id)).map((f) => ({ type: f.type, label: f.label, createdAt: f.createdAt, lastUsedAt: f.lastUsedAt, remaining: f.remaining })),
    ),
    list('/users/{id}/identities', 'listUserIdentities', 'identities', 'Identities at other providers linked to the account', (id) => deps.identities.listForAccount(id)),
    operation({
      method: 'delete', path: '/users/{id}/grants/{client_id}', operationId: 'revokeUserGrant', tag: 'users', scope: 'users:write',
      summary: "Remove an app's access: its grant and every token issued from it", params: z.object({ id: z.string().min(1).max(100), client_id: z.string().min(1).max(100) }), status: 204,
      async handle({ params, actor }) {
        if (!(await deps.grants.revoke(params.id, params.client_id, { reason: 'api', ...(actor.ip ? { ip: actor.ip } : {}), ...(actor.userAgent ? { userAgent: actor.userAgent } : {}) }))) throw notFound('No grant of this user with this app');
      },
    }),
  ];
}
