// Connections (other providers to sign in with) from the console, for admins: create one, change it, enable or
// disable it, through the connections service PUT /connections/{id} and `ciam connections` use (services/connections.ts:
// checked there, audited there with the operator as actor). Secrets are write-only: typed into a password field, sealed
// by the service, never shown back — an edit that leaves the field empty keeps the stored one.
import type { Context } from 'koa';
import { AppError, notFound } from '../errors.ts';
import type { IdentityConnection } from '../services/connections.ts';
import { connectionInputOf, formOfConnection, newConnectionForm, PROTOCOLS, readConnectionForm, RESPONSE_MODES, type ConnectionForm } from './connection-form.ts';
import type { ConsoleDeps } from './deps.ts';
import { actorOf, seeOther, type Body, type ConsolePages, type Operator } from './pages.ts';

const MAX_ID = 100;
export const connectionPath = (id: string) => `/console/connections/${encodeURIComponent(id)}`;

/** The service says what is wrong in one sentence, its problems joined by "; ". */
const problemsOf = (err: AppError) => err.message.split('; ').filter(Boolean);
const refusal = (err: unknown): err is AppError => err instanceof AppError && (err.status === 400 || err.status === 409);

export function connectionRoutes(pages: ConsolePages, deps: Pick<ConsoleDeps, 'connections'>): void {
  const { get, post, render } = pages;

  const find = async (id: unknown): Promise<IdentityConnection> => {
    const found = typeof id === 'string' && id.length <= MAX_ID ? (await deps.connections.list()).find((c) => c.id === id) : undefined;
    if (!found) throw notFound('No such connection');
    return found;
  };

  const page = (ctx: Context, op: Operator, form: ConnectionForm, opts: { isNew: boolean; problems?: string[]; status?: number }) =>
    render(ctx, op, 'connection', {
      section: 'setup',
      title: opts.isNew ? 'console.connection.new.title' : 'console.connection.title',
      ...(opts.status ? { status: opts.status } : {}),
      data: {
        form,
        isNew: opts.isNew,
        problems: opts.problems ?? [],
        protocols: PROTOCOLS,
        responseModes: RESPONSE_MODES,
        action: opts.isNew ? '/console/connections' : connectionPath(form.id),
      },
    });

  // Before /connections/:id, which would take "new" for an id.
  get('/connections/new', { permission: 'connections.write' }, (ctx, op) => page(ctx, op, newConnectionForm(), { isNew: true }));

  post('/connections', { permission: 'connections.write', back: () => '/console/connections/new' }, async (ctx, op, body: Body) => {
    const { form, secret } = readConnectionForm(body);
    try {
      await deps.connections.create(connectionInputOf(form, secret), { actor: actorOf(ctx, op) });
    } catch (err) {
      // Shown again as typed, but for the secret: it is never put back into a page.
      if (refusal(err)) return page(ctx, op, form, { isNew: true, problems: problemsOf(err), status: err.status });
      throw err;
    }
    seeOther(ctx, connectionPath(form.id), 'console.flash.connectionCreated');
  });

  get('/connections/:id', { permission: 'connections.write' }, async (ctx, op) => page(ctx, op, formOfConnection(await find(ctx.params.id)), { isNew: false }));

  post('/connections/:id', { permission: 'connections.write', back: (ctx) => ctx.path }, async (ctx, op, body: Body) => {
    const current = formOfConnection(await find(ctx.params.id));
    const { form, secret } = readConnectionForm(body, current);
    try {
      await deps.connections.put(connectionInputOf(form, secret), { actor: actorOf(ctx, op), keepSecrets: true });
    } catch (err) {
      if (refusal(err)) return page(ctx, op, form, { isNew: false, problems: problemsOf(err), status: err.status });
      throw err;
    }
    seeOther(ctx, connectionPath(form.id), 'console.flash.connectionSaved');
  });

  // Enable or disable from the set-up page's list: the connection as it is, with only `enabled` changed.
  post('/connections/:id/enabled', { permission: 'connections.write', back: () => '/console/setup' }, async (ctx, op, body: Body) => {
    const form = formOfConnection(await find(ctx.params.id));
    const enabled = body.enabled === 'on';
    if (form.enabled !== enabled) await deps.connections.put(connectionInputOf({ ...form, enabled }), { actor: actorOf(ctx, op), keepSecrets: true });
    seeOther(ctx, '/console/setup', enabled ? 'console.flash.connectionEnabled' : 'console.flash.connectionDisabled');
  });
}
