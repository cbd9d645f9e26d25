// Webhook endpoints in the management API (src/services/webhooks.ts): register one for the event types wanted (its
// secret is in that answer only), list and delete them, see each delivery with its attempts, and replay one.
import { z } from 'zod';
import { notFound } from '../../errors.ts';
import { AUDIT_EVENT_TYPES } from '../../services/audit-events.ts';
import type { Webhooks } from '../../services/webhooks.ts';
import { operation, type Operation } from './operation.ts';

const endpointSchema = z.object({
  id: z.string(),
  url: z.string(),
  event_types: z.array(z.string()),
  created_at: z.string(),
  secret: z.string().optional().describe('whsec_…: in the answer to the registration only; verify signatures with it'),
});
const endpointOut = (e: { id: string; url: string; eventTypes: string[]; createdAt: Date; secret?: string }) => ({
  id: e.id,
  url: e.url,
  event_types: e.eventTypes,
  created_at: e.createdAt.toISOString(),
  ...(e.secret ? { secret: e.secret } : {}),
});
const idParams = z.object({ id: z.string().min(1).max(100) });
const deliverySchema = z.object({
  event_id: z.string(),
  type: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int(),
  next_attempt_at: z.string().optional(),
  last_status: z.number().int().optional(),
  last_error: z.string().optional(),
  delivered_at: z.string().optional(),
});

export function webhookOperations(deps: { webhooks: Webhooks }): Operation[] {
  const { webhooks } = deps;
  return [
    operation({
      method: 'post', path: '/webhooks', operationId: 'createWebhook', tag: 'events', scope: 'events:write',
      summary: 'Register a webhook endpoint for the event types given ("*": all); events from now on are delivered',
      body: z.object({ url: z.string().max(2048), event_types: z.array(z.enum(['*', ...AUDIT_EVENT_TYPES] as [string, ...string[]])).min(1).max(100) }).strict(),
      status: 201, response: endpointSchema,
      handle: async ({ body }) => endpointOut(await webhooks.create({ url: body.url, eventTypes: body.event_types })),
    }),
    operation({
      method: 'get', path: '/webhooks', operationId: 'listWebhooks', tag: 'events', scope: 'events:read',
      summary: 'List the webhook endpoints', status: 200, response: z.object({ webhooks: z.array(endpointSchema) }),
      handle: async () => ({ webhooks: (await webhooks.list()).map(endpointOut) }),
    }),
    operation({
      method: 'delete', path: '/webhooks/{id}', operationId: 'deleteWebhook', tag: 'events', scope: 'events:write',
      summary: 'Delete a webhook endpoint and its deliveries', params: idParams, status: 204,
      async handle({ params }) {
        if (!(await webhooks.delete(params.id))) throw notFound('No such webhook');
      },
    }),
    operation({
      method: 'get', path: '/webhooks/{id}/deliveries', operationId: 'listDeliveries', tag: 'events', scope: 'events:read',
      summary: "An endpoint's deliveries, newest event first, with their attempts",
      params: idParams, query: z.object({ status: z.enum(['pending', 'delivered', 'failed']).optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }),
      status: 200, response: z.object({ deliveries: z.array(deliverySchema) }),
      handle: async ({ params, query }) => ({
        deliveries: (await webhooks.deliveries(params.id, { ...(query.status ? { status: query.status } : {}), limit: query.limit })).map((d) => ({
          event_id: d.eventId,
          type: d.type,
          status: d.status,
          attempts: d.attempts,
          ...(d.nextAttemptAt ? { next_attempt_at: d.nextAttemptAt.toISOString() } : {}),
          ...(d.lastStatus !== undefined ? { last_status: d.lastStatus } : {}),
          ...(d.lastError ? { last_error: d.lastError } : {}),
          ...(d.deliveredAt ? { delivered_at: d.deliveredAt.toISOString() } : {}),
        })),
      }),
    }),
    operation({
      method: 'post', path: '/webhooks/{id}/deliveries/{event_id}/replay', operationId: 'replayDelivery', tag: 'events', scope: 'events:write',
      summary: 'Send an event to the endpoint again (delivered or given up)', params: z.object({ id: z.string().min(1).max(100), event_id: z.string().min(1).max(100) }), status: 204,
      handle: ({ params }) => webhooks.replay(params.id, params.event_id),
    }),
  ];
}
