// Apps in the management API: what `ciam clients` does (create, list, read, change, rotate the secret, delete),
// through the same use cases of the clients service. A secret is in the answer that made it only.
import { z } from 'zod';
import { conflict, notFound } from '../../errors.ts';
import { clientInputSchema } from '../../services/client-input.ts';
import { clientPatchSchema } from '../../services/client-patch.ts';
import type { ClientService, ClientView } from '../../services/clients.ts';
import { operation, type Operation } from './operation.ts';

export interface ClientOperationsDeps {
  clients: ClientService;
}

const clientSchema = z.object({
  clientId: z.string(),
  public: z.boolean(),
  tokenEndpointAuthMethod: z.string(),
  redirectUris: z.array(z.string()),
  postLogoutRedirectUris: z.array(z.string()),
  grantTypes: z.array(z.string()),
  responseTypes: z.array(z.string()),
  scope: z.string().optional(),
  clientName: z.string().optional(),
  connections: z.array(z.string()).optional(),
  firstParty: z.boolean().optional(),
  requireVerifiedEmail: z.boolean().optional(),
  emailCodeSignin: z.boolean().optional(),
  requiredProfileAttributes: z.array(z.string()).optional(),
  mfaPolicy: z.string().optional(),
  mfaFactors: z.array(z.string()).optional(),
  optionalScopes: z.array(z.string()).optional(),
  optionalClaims: z.array(z.string()).optional(),
  brand: z
    .object({
      displayName: z.string().optional(),
      logo: z.string().optional().describe('The path it is served at on this issuer (/branding/logo/<sha256>.<ext>); give it back to keep the logo'),
      primaryColor: z.string().optional(),
      backgroundColor: z.string().optional(),
      supportUri: z.string().optional(),
    })
    .optional()
    .describe("Its look on the hosted pages and in mails; absent: the operator's brand"),
  metadata: z.record(z.string(), z.unknown()).optional().describe('Its other registration metadata, in registration names'),
  clientSecret: z
    .string()
    .optional()
    .describe('Only in the answer to its creation (or to the change that made a public client confidential), for a confidential client: shown once'),
});
const clientOut = ({ clientSecret: _secret, ...view }: ClientView) => view;
const clientParams = z.object({ id: z.string().min(1).max(100) });
const LOGO_BODY_LIMIT = '512kb';

export function clientOperations(deps: ClientOperationsDeps): Operation[] {
  return [
    operation({
      method: 'get', path: '/clients', operationId: 'listClients', tag: 'clients', scope: 'clients:read',
      summary: 'List the registered apps', status: 200, response: z.object({ clients: z.array(clientSchema) }),
      handle: async () => ({ clients: (await deps.clients.list()).map(clientOut) }),
    }),
    operation({
      method: 'get', path: '/clients/{id}', operationId: 'getClient', tag: 'clients', scope: 'clients:read',
      summary: 'Read a registered app', params: clientParams, status: 200, response: clientSchema,
      async handle({ params }) {
        const client = await deps.clients.get(params.id);
        if (!client) throw notFound('No such client');
        return clientOut(client);
      },
    }),
    operation({
      method: 'post', path: '/clients', operationId: 'createClient', tag: 'clients', scope: 'clients:write',
      summary: 'Register an app (as `ciam clients create`; a generated secret is in this answer only)',
      // An uploaded logo (a data: URL, 256 KiB at most) makes the body larger than most.
      body: clientInputSchema, bodyLimit: LOGO_BODY_LIMIT, status: 201, response: clientSchema,
      handle: ({ body, actor }) => deps.clients.create(body, actor),
    }),
    operation({
      method: 'patch', path: '/clients/{id}', operationId: 'updateClient', tag: 'clients', scope: 'clients:write',
      summary:
        'Change an app (as `ciam clients update`), JSON merge patch over the fields of its registration: a field given replaces it, ' +
        'null removes it (its default applies), a field left out stays; metadata is merged field by field. The result is checked ' +
        'as a new registration (a 400 changes nothing). The secret stays (rotate it on its own); id and secret cannot be given',
      params: clientParams, body: clientPatchSchema, bodyLimit: LOGO_BODY_LIMIT, status: 200, response: clientSchema,
      handle: ({ params, body, actor }) => deps.clients.update(params.id, body, actor),
    }),
    operation({
      method: 'post', path: '/clients/{id}/secret', operationId: 'rotateClientSecret', tag: 'clients', scope: 'clients:write',
      summary:
        'Give an app a new generated secret, in this answer only: the old one stops working at once (within CLIENT_CACHE_SECONDS ' +
        'on other instances). 409 for an app that authenticates without a secret (public, private_key_jwt, …)',
      params: clientParams, status: 200, response: z.object({ clientId: z.string(), clientSecret: z.string() }),
      handle: ({ params, actor }) => deps.clients.rotateSecret(params.id, actor),
    }),
    operation({
      method: 'delete', path: '/clients/{id}', operationId: 'deleteClient', tag: 'clients', scope: 'clients:write',
      summary: 'Delete an app: its tokens stop working within CLIENT_CACHE_SECONDS. Not the client calling (409): an integration cannot lock itself out',
      params: clientParams, status: 204,
      async handle({ params, actor, caller }) {
        if (params.id === caller.clientId) throw conflict('A management client cannot delete itself: use another one, or `ciam clients delete`');
        if (!(await deps.clients.delete(params.id, actor))) throw notFound('No such client');
      },
    }),
  ];
}
