// The platform's moving parts in the console: signing keys (list; rotate, through the use case the CLI and the API
// call) and webhook endpoints (list; each one's deliveries with their attempts; replay one). Admins change, auditors
// read; endpoints are registered with the API or the CLI (their secret is shown once, there).
import { notFound } from '../errors.ts';
import { formatTime } from '../http/dates.ts';
import { rotateSigningKeys } from '../usecases/signing-keys.ts';
import type { ConsoleDeps } from './deps.ts';
import { seeOther, type ConsolePages } from './pages.ts';
import { may } from './roles.ts';

const MAX_ID = 100;
const webhookPath = (id: string) => `/console/webhooks/${encodeURIComponent(id)}`;

export function operationsRoutes(pages: ConsolePages, deps: Pick<ConsoleDeps, 'keys' | 'config' | 'reloadKeys' | 'webhooks'>): void {
  const { get, post, render } = pages;

  get('/keys', { permission: 'keys.read' }, async (ctx, op) => {
    const time = (d: Date | undefined) => (d ? formatTime(d, op.account) : '');
    const keys = await deps.keys.list();
    render(ctx, op, 'keys', {
      section: 'keys',
      title: 'console.keys.title',
      data: {
        keys: keys.map((k) => ({ kid: k.kid, alg: k.alg, state: k.state, createdAt: time(k.createdAt), activatedAt: time(k.activatedAt), retiredAt: time(k.retiredAt), removeAfter: time(k.removeAfter) })),
        mayRotate: may(op.role, 'keys.write'),
      },
    });
  });

  post('/keys/rotate', { permission: 'keys.write', back: () => '/console/keys' }, async (ctx) => {
    await rotateSigningKeys(deps);
    seeOther(ctx, '/console/keys', 'console.flash.keysRotated');
  });

  get('/webhooks', { permission: 'webhooks.read' }, async (ctx, op) => {
    const endpoints = await deps.webhooks.list();
    render(ctx, op, 'webhooks', {
      section: 'webhooks',
      title: 'console.webhooks.title',
      data: { endpoints: endpoints.map((e) => ({ href: webhookPath(e.id), url: e.url, types: e.eventTypes.join(', '), createdAt: formatTime(e.createdAt, op.account) })) },
    });
  });

  const endpointOf = async (id: unknown) => {
    const endpoint = typeof id === 'string' && id.length <= MAX_ID ? (await deps.webhooks.list()).find((e) => e.id === id) : undefined;
    if (!endpoint) throw notFound('No such webhook endpoint');
    return endpoint;
  };

  get('/webhooks/:id', { permission: 'webhooks.read' }, async (ctx, op) => {
    const endpoint = await endpointOf(ctx.params.id);
    const deliveries = await deps.webhooks.deliveries(endpoint.id, { limit: 100 });
    const time = (d: Date | undefined) => (d ? formatTime(d, op.account) : '');
    render(ctx, op, 'webhook', {
      section: 'webhooks',
      title: 'console.webhook.title',
      data: {
        endpoint: { url: endpoint.url, types: endpoint.eventTypes.join(', ') },
        deliveries: deliveries.map((d) => ({
          ...d,
          nextAttemptAt: time(d.nextAttemptAt),
          deliveredAt: time(d.deliveredAt),
          replay: may(op.role, 'webhooks.write') && d.status !== 'pending' ? `${webhookPath(endpoint.id)}/deliveries/${encodeURIComponent(d.eventId)}/replay` : null,
        })),
      },
    });
  });

  post('/webhooks/:id/deliveries/:eventId/replay', { permission: 'webhooks.write', back: (ctx) => webhookPath(String(ctx.params.id)) }, async (ctx) => {
    const endpoint = await endpointOf(ctx.params.id);
    await deps.webhooks.replay(endpoint.id, String(ctx.params.eventId).slice(0, MAX_ID));
    seeOther(ctx, webhookPath(endpoint.id), 'console.flash.replayed');
  });
}
