// Turns operation declarations into routes, each in one order: authenticate the bearer token → the operation's
// scope (a refusal audited) → parse the path, the query and the body with its schemas (400 problem otherwise) → the
// use case → the answer, checked against its schema (an answer that does not match is our bug: a 500, logged).
import type Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { z } from 'zod';
import type { AuditLog } from '../../services/audit.ts';
import { requestMeta } from '../../http/request-meta.ts';
import { apiAudience, authenticateCaller, insufficientScope } from '../bearer.ts';
import { jsonBody } from '../json-body.ts';
import { routerPath, type Operation } from './operation.ts';
import { invalidRequest } from './problem.ts';

export interface RegisterDeps {
  provider: () => Provider;
  audit: Pick<AuditLog, 'record'>;
}

function parse<T>(schema: z.ZodType<T> | undefined, value: unknown, where: 'path' | 'query' | 'body'): T {
  if (!schema) return undefined as T;
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidRequest(where, parsed.error);
  return parsed.data;
}

export function registerOperations(router: Router, operations: readonly Operation[], deps: RegisterDeps): void {
  for (const op of operations) {
    router[op.method](routerPath(op.path), async (ctx: Context) => {
      const provider = deps.provider();
      const caller = await authenticateCaller(ctx, provider);
      const meta = requestMeta(ctx);
      if (!caller.scopes.has(op.scope)) {
        await deps.audit.record({ type: 'api.denied', outcome: 'failure', clientId: caller.clientId, ...meta, reason: 'insufficient_scope', details: { scope: op.scope, operation: op.operationId } });
        throw insufficientScope(apiAudience(provider.issuer), op.scope);
      }
      const params = parse(op.params, ctx.params, 'path');
      const query = parse(op.query, ctx.query, 'query');
      const body = op.body ? parse(op.body, await jsonBody(ctx, op.bodyLimit), 'body') : undefined;
      const result = await op.handle({ params, query, body, caller, actor: { source: 'api', clientId: caller.clientId, ...meta } });
      ctx.status = op.status;
      if (op.response) ctx.body = op.response.parse(result);
    });
  }
}
