// The management API's operations as declarations: method, path, scope, and zod schemas for the path, the query,
// the body and the answer. One declaration registers the route (operations.ts) and describes it in the OpenAPI
// document (openapi.ts), so the document cannot drift from what the API accepts and answers.
import type { z } from 'zod';
import type { Actor } from '../../usecases/account-status.ts';
import type { ApiCaller } from '../bearer.ts';
import type { ManagementScope } from './scopes.ts';

export interface OperationInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  caller: ApiCaller;
  /** The caller as the use cases record it (the acting client in the audit log). */
  actor: Actor;
}

export interface Operation<P = unknown, Q = unknown, B = unknown, R = unknown> {
  method: 'get' | 'post' | 'patch' | 'put' | 'delete';
  /** OpenAPI style, below /api/v1: '/users/{id}'. */
  path: string;
  operationId: string;
  summary: string;
  /** Tag grouping it in the document (users, clients, …). */
  tag: string;
  scope: ManagementScope;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** A body larger than the usual 64kb (e.g. '8mb' for a bulk import). */
  bodyLimit?: string;
  /** The success status, and the answer's schema (none: an empty answer). */
  status: number;
  response?: z.ZodType<R>;
  handle(input: OperationInput<P, Q, B>): Promise<R>;
}

/** Declares an operation with its types inferred from its schemas. */
export function operation<P = undefined, Q = undefined, B = undefined, R = undefined>(op: Operation<P, Q, B, R>): Operation {
  return op as unknown as Operation;
}

/** '/users/{id}' as the router spells it: '/users/:id'. */
export const routerPath = (path: string) => path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
