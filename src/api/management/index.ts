// The management API under /api/v1: operators run the platform from their own back ends with client-credentials
// tokens for the provider's API (resource `${issuer}/api`), each operation behind one scope (scopes.ts). The OpenAPI
// 3.1 document at /api/v1/openapi.json is made from the same declarations that register the routes.
import Router from '@koa/router';
import type Provider from 'oidc-provider';
import type { Logger } from '../../log.ts';
import type { AuditLog } from '../../services/audit.ts';
import { openApiDocument } from './openapi.ts';
import type { Operation } from './operation.ts';
import { problemErrors } from './problem.ts';
import { registerOperations } from './register.ts';
import { operatorOperations, type OperatorOperationsDeps } from './operator.ts';
import { clientOperations, type ClientOperationsDeps } from './clients.ts';
import { userOperations, type UserOperationsDeps } from './users.ts';
import { webhookOperations } from './webhooks.ts';
import { connectionOperations } from './connections.ts';
import { userResourceOperations, type UserResourceDeps } from './user-resources.ts';
import { userCareOperations, type UserCareDeps } from './user-care.ts';
import type { Connections } from '../../services/connections.ts';
import type { Webhooks } from '../../services/webhooks.ts';

export const MANAGEMENT_PREFIX = '/api/v1';

export interface ManagementApiDeps extends UserOperationsDeps, Omit<UserCareDeps, 'users'>, Omit<OperatorOperationsDeps, 'audit'>, ClientOperationsDeps, Omit<UserResourceDeps, 'users'> {
  provider: () => Provider;
  audit: Pick<AuditLog, 'record' | 'list'>;
  webhooks: Webhooks;
  connections: Connections;
  logger: Logger;
}

export const managementOperations = (deps: UserOperationsDeps & UserCareDeps & OperatorOperationsDeps & ClientOperationsDeps & UserResourceDeps & { webhooks: Webhooks; connections: Connections }): Operation[] => [
  ...userOperations(deps),
  ...userResourceOperations(deps),
  ...userCareOperations(deps),
  ...clientOperations(deps),
  ...operatorOperations(deps),
  ...connectionOperations(deps),
  ...webhookOperations(deps),
];

export function managementRouter(deps: ManagementApiDeps): Router {
  const router = new Router({ prefix: MANAGEMENT_PREFIX });
  const operations = managementOperations(deps);
  let document: { issuer: string; body: unknown } | undefined;
  router.get('/openapi.json', (ctx) => {
    const issuer = deps.provider().issuer;
    if (document?.issuer !== issuer) document = { issuer, body: openApiDocument(issuer, operations, MANAGEMENT_PREFIX) };
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = document.body;
  });
  // Problem details for every operation's errors (a router's middleware runs only for its own routes: the per-app
  // metadata API under the same prefix keeps its own error format).
  router.use(problemErrors(deps.logger));
  registerOperations(router, operations, deps);
  return router;
}
