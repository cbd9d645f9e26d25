// The OpenAPI 3.1 document of the management API, made from the operations' own zod schemas (one source) and
// served at /api/v1/openapi.json. Schemas are JSON Schema 2020-12, as OpenAPI 3.1 takes them.
import { z } from 'zod';
import { apiAudience } from '../bearer.ts';
import type { Operation } from './operation.ts';
import { problemSchema, PROBLEM_TYPE } from './problem.ts';
import { MANAGEMENT_SCOPES } from './scopes.ts';

type JsonSchema = Record<string, unknown>;

const schemaOf = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', reused: 'inline' }) as JsonSchema;
  return rest;
};

/** The fields of an object schema as OpenAPI parameters. */
function parametersOf(schema: z.ZodType | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const json = schemaOf(schema, 'input');
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return { name, in: where, required: where === 'path' || required.has(name), ...(description ? { description } : {}), schema: rest };
  });
}

/** A named schema for components: its own definition (zod puts a schema with an id under $defs, referenced from the root). */
const componentOf = (schema: z.ZodType, name: string): JsonSchema => {
  const json = schemaOf(schema, 'output');
  return (json.$defs as Record<string, JsonSchema> | undefined)?.[name] ?? json;
};

const problemRef = { $ref: '#/components/schemas/Problem' };
const problemResponse = (description: string) => ({ description, content: { [PROBLEM_TYPE]: { schema: problemRef } } });

function operationObject(op: Operation): JsonSchema {
  const responses: Record<string, unknown> = {
    [op.status]: op.response ? { description: op.summary, content: { 'application/json': { schema: schemaOf(op.response, 'output') } } } : { description: op.summary },
    400: problemResponse('The request does not match this operation'),
    401: problemResponse('No valid access token for this API'),
    403: problemResponse(`The access token lacks the scope ${op.scope}`),
    404: problemResponse('No such resource'),
  };
  if (op.method !== 'get') responses[409] = problemResponse('The change conflicts with the resource as it is');
  if (op.body) responses[415] = problemResponse('The body is not a JSON object sent as application/json');
  return {
    operationId: op.operationId,
    summary: op.summary,
    tags: [op.tag],
    security: [{ oauth2: [op.scope] }],
    parameters: [...parametersOf(op.params, 'path'), ...parametersOf(op.query, 'query')],
    ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(op.body, 'input') } } } } : {}),
    responses,
  };
}

export function openApiDocument(issuer: string, operations: readonly Operation[], prefix: string): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) (paths[op.path] ??= {})[op.method] = operationObject(op);
  const base = issuer.replace(/\/+$/, '');
  return {
    openapi: '3.1.0',
    info: {
      title: 'Management API',
      version: '1',
      description:
        `Operate the identity platform from your own back ends. Authenticate with an access token from the client-credentials ` +
        `grant at ${base}/token, requested with resource=${apiAudience(issuer)} and the scopes the operation names ` +
        '(a management client is minted with `ciam api-clients create`). Errors are RFC 9457 problem details.',
    },
    servers: [{ url: `${base}${prefix}` }],
    paths,
    components: {
      schemas: { Problem: componentOf(problemSchema, 'Problem') },
      securitySchemes: {
        oauth2: { type: 'oauth2', flows: { clientCredentials: { tokenUrl: `${base}/token`, scopes: MANAGEMENT_SCOPES } } },
      },
    },
  };
}
