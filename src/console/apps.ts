// Apps (clients) in the console: the list, registering a new one (its secret shown once), one app's settings — every
// one the management API's PATCH /clients/{id} takes, its brand's logo uploaded or fetched from an https URL — and
// rotating its secret (shown once). Every change goes through the clients service the management API and the CLI
// call (services/clients.ts: create as POST /clients, a change as the PATCH's merge patch, checked as a new
// registration, so a refused change writes nothing and says why on the form, which keeps what was typed), audited
// with the operator as actorId. The product's own first-party clients (the account center, the console) are shown
// but not changed here: they are made at every start.
import type { Context } from 'koa';
import { AppError, forbidden, notFound } from '../errors.ts';
import type { ClientView } from '../services/clients.ts';
import { BUILT_IN_CLIENT_IDS } from '../oidc/first-party-clients.ts';
import { AUTH_METHODS, FACTOR_TYPES, formOf, GRANT_TYPES, inputOf, MFA_POLICIES, newAppForm, patchOf, PROFILE_ATTRIBUTES, readForm, type AppForm } from './app-form.ts';
import type { ConsoleDeps } from './deps.ts';
import { actorOf, seeOther, type Body, type ConsolePages, type Operator } from './pages.ts';
import { may } from './roles.ts';

const BUILT_IN = BUILT_IN_CLIENT_IDS;

export const appPath = (id: string) => `/console/apps/${encodeURIComponent(id)}`;

/** The problems of a refused change, one per line, as the service words them. */
function problemsOf(err: unknown): string[] {
  const problems = (err as AppError).details?.problems;
  return Array.isArray(problems) && problems.length ? problems.map(String) : [(err as Error).message];
}

/** A refusal the form can show (bad input, an id taken, a change made meanwhile); anything else is an error page. */
const refusal = (err: unknown) => err instanceof AppError && (err.status === 400 || err.status === 409);

type AppDeps = Pick<ConsoleDeps, 'clients' | 'connections' | 'config'>;

export function appRoutes(pages: ConsolePages, deps: AppDeps): void {
  const { get, post, render } = pages;

  const find = async (id: unknown): Promise<ClientView> => {
    const app = typeof id === 'string' && id.length <= 100 ? await deps.clients.get(id) : null;
    if (!app) throw notFound('No such app');
    return app;
  };

  /** What the form offers: every value it may tick, including any the app has that the lists do not name. */
  const options = async (form: AppForm) => {
    const connections = await deps.connections.list();
    const withCurrent = (all: readonly string[], current: readonly string[]) => [...new Set([...all, ...current])];
    return {
      grantTypes: withCurrent(GRANT_TYPES, form.grantTypes),
      responseTypes: withCurrent(deps.config.responseTypes, form.responseTypes),
      authMethods: withCurrent(AUTH_METHODS, [form.tokenEndpointAuthMethod]),
      mfaPolicies: ['', ...MFA_POLICIES],
      factors: FACTOR_TYPES,
      attributes: PROFILE_ATTRIBUTES,
      connections: [
        ...connections.map((c) => ({ id: c.id, name: c.name, enabled: c.enabled !== false })),
        ...form.connections.filter((id) => !connections.some((c) => c.id === id)).map((id) => ({ id, name: id, enabled: false })),
      ],
    };
  };

  /** The configured legal documents a sign-in to this app asks for (configured for every app, or for this one). */
  const legalOf = (clientId: string) =>
    [...new Map(deps.config.legal.documents.filter((d) => !d.clients || d.clients.includes(clientId)).map((d) => [d.id, d])).values()].map((d) => d.id).sort();

  const renderApp = async (ctx: Context, op: Operator, app: ClientView, extra: { form?: AppForm; problems?: string[]; secret?: string; created?: boolean } = {}, status?: number) => {
    const form = extra.form ?? formOf(app);
    render(ctx, op, 'app', {
      section: 'apps',
      title: 'console.app.title',
      ...(status ? { status } : {}),
      data: {
        app: { ...app, builtIn: BUILT_IN.has(app.clientId), hasSecret: !app.public && app.tokenEndpointAuthMethod.startsWith('client_secret') },
        form,
        options: await options(form),
        legal: legalOf(app.clientId),
        problems: extra.problems ?? [],
        secret: extra.secret ?? null,
        created: extra.created === true,
        mayWrite: may(op.role, 'apps.write') && !BUILT_IN.has(app.clientId),
        action: appPath(app.clientId),
      },
    });
  };

  const renderNew = async (ctx: Context, op: Operator, form: AppForm, problems: string[] = [], status?: number) =>
    render(ctx, op, 'app-new', {
      section: 'apps',
      title: 'console.app.new.title',
      ...(status ? { status } : {}),
      data: { form, options: await options(form), problems, action: '/console/apps' },
    });

  get('/apps', { permission: 'apps.read' }, async (ctx, op) => {
    const apps = await deps.clients.list();
    render(ctx, op, 'apps', {
      section: 'apps',
      title: 'console.apps.title',
      data: {
        apps: apps.map((a) => ({ href: appPath(a.clientId), id: a.clientId, name: a.brand?.displayName ?? a.clientName ?? '', public: a.public, grantTypes: a.grantTypes.join(', '), builtIn: BUILT_IN.has(a.clientId) })),
        newHref: may(op.role, 'apps.write') ? '/console/apps/new' : null,
      },
    });
  });

  // Before /apps/:id, which would take "new" for an id.
  get('/apps/new', { permission: 'apps.write' }, (ctx, op) => renderNew(ctx, op, newAppForm()));

  post('/apps', { permission: 'apps.write', back: () => '/console/apps/new', uploads: true }, async (ctx, op, body) => {
    const { form, upload, problems } = readForm(body);
    if (problems.length) return renderNew(ctx, op, form, problems, 400);
    let created: ClientView;
    try {
      created = await deps.clients.create(inputOf(form, upload), actorOf(ctx, op));
    } catch (err) {
      if (refusal(err)) return renderNew(ctx, op, form, problemsOf(err), (err as AppError).status);
      throw err;
    }
    // The secret is in this answer only: not kept anywhere it could be shown again.
    ctx.set('Cache-Control', 'no-store');
    const { clientSecret, ...app } = created;
    await renderApp(ctx, op, app, { created: true, ...(clientSecret ? { secret: clientSecret } : {}) });
  });

  get('/apps/:id', { permission: 'apps.read' }, async (ctx, op) => renderApp(ctx, op, await find(ctx.params.id)));

  const writable = async (ctx: Context) => {
    const app = await find(ctx.params.id);
    if (BUILT_IN.has(app.clientId)) throw forbidden('The product\u2019s own apps are made at every start and not changed here');
    return app;
  };

  post('/apps/:id', { permission: 'apps.write', back: (ctx) => ctx.path, uploads: true }, async (ctx, op, body: Body) => {
    const app = await writable(ctx);
    const before = formOf(app);
    const { form, upload, problems } = readForm(body, before);
    if (problems.length) return renderApp(ctx, op, app, { form, problems }, 400);
    const patch = patchOf(before, form, upload);
    if (!patch) return seeOther(ctx, appPath(app.clientId), 'console.flash.appUnchanged');
    let saved: ClientView;
    try {
      saved = await deps.clients.update(app.clientId, patch, actorOf(ctx, op));
    } catch (err) {
      if (refusal(err)) return renderApp(ctx, op, app, { form, problems: problemsOf(err) }, (err as AppError).status);
      throw err;
    }
    // A public app made confidential got a generated secret: shown on this answer only.
    if (saved.clientSecret) {
      ctx.set('Cache-Control', 'no-store');
      const { clientSecret, ...view } = saved;
      return renderApp(ctx, op, view, { secret: clientSecret });
    }
    seeOther(ctx, appPath(app.clientId), 'console.flash.appSaved');
  });

  post('/apps/:id/secret', { permission: 'apps.write', back: (ctx) => ctx.path.replace(/\/secret$/, '') }, async (ctx, op) => {
    const app = await writable(ctx);
    const rotated = await deps.clients.rotateSecret(app.clientId, actorOf(ctx, op));
    // Shown on this answer only: not kept anywhere it could be shown again.
    ctx.set('Cache-Control', 'no-store');
    await renderApp(ctx, op, await find(app.clientId), { secret: rotated.clientSecret });
  });
}
