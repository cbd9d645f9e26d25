// Connections (other providers customers sign in with) in the management API: what `ciam connections` and
// CONNECTIONS_FILE do, through the same service. PUT creates or replaces one by its id (its linked identities stay);
// secrets go in and never come out.
import { z } from 'zod';
import { badRequest, notFound } from '../../errors.ts';
import { connectionInput, type Connections, type IdentityConnection } from '../../services/connections.ts';
import { operation, type Operation } from './operation.ts';

const connectionSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    issuer: z.string(),
    protocol: z.string(),
    clientId: z.string(),
    scopes: z.array(z.string()),
    allowSignup: z.boolean(),
    trustEmail: z.boolean(),
    enabled: z.boolean(),
    createdAt: z.string(),
  })
  .catchall(z.unknown())
  .meta({ description: 'A connection as `ciam connections list` shows it (no secret)' });
/** Dates as ISO strings, as JSON carries them. */
const out = (c: IdentityConnection) => JSON.parse(JSON.stringify(c)) as z.input<typeof connectionSchema>;
const idParams = z.object({ id: z.string().min(1).max(100) });

export function connectionOperations(deps: { connections: Connections }): Operation[] {
  const { connections } = deps;
  return [
    operation({
      method: 'get', path: '/connections', operationId: 'listConnections', tag: 'connections', scope: 'connections:read',
      summary: 'List the connections', status: 200, response: z.object({ connections: z.array(connectionSchema) }),
      handle: async () => ({ connections: (await connections.list()).map(out) }),
    }),
    operation({
      method: 'get', path: '/connections/{id}', operationId: 'getConnection', tag: 'connections', scope: 'connections:read',
      summary: 'Read a connection', params: idParams, status: 200, response: connectionSchema,
      async handle({ params }) {
        const found = (await connections.list()).find((c) => c.id === params.id);
        if (!found) throw notFound('No such connection');
        return out(found);
      },
    }),
    operation({
      method: 'put', path: '/connections/{id}', operationId: 'putConnection', tag: 'connections', scope: 'connections:write',
      summary: 'Create a connection, or replace the one with this id (its linked identities stay)',
      params: idParams, body: connectionInput.in, status: 200, response: connectionSchema,
      async handle({ params, body, actor }) {
        if (body.id !== params.id) throw badRequest("The body's id must be the path's");
        return out(await connections.put(body, { actor }));
      },
    }),
    operation({
      method: 'delete', path: '/connections/{id}', operationId: 'deleteConnection', tag: 'connections', scope: 'connections:write',
      summary: 'Delete a connection', params: idParams, status: 204,
      handle: ({ params }) => connections.remove(params.id),
    }),
  ];
}
