// Apps (clients) in the console: the list, one app's settings, changing its everyday settings (name, redirect and
// sign-out URIs, MFA policy, brand) and rotating its secret (shown once). Every change goes through the clients
// service the management API and the CLI call (services/clients.ts: checked as a new registration, so a refused
// change writes nothing), audited with the operator as actorId. The product's own first-party clients (the account
// center, the console) are shown but not changed here: they are made at every start.
import type { Context } from 'koa';
import { AppError, forbidden, notFound } from '../errors.ts';
import type { ClientView } from '../services/clients.ts';
import type { ClientPatch } from '../services/client-patch.ts';
import { BUILT_IN_CLIENT_IDS } from '../oidc/first-party-clients.ts';
import type { ConsoleDeps } from './deps.ts';
import { actorOf, seeOther, type Body, type ConsolePages, type Operator } from './pages.ts';
import { may } from './roles.ts';

const BUILT_IN = BUILT_IN_CLIENT_IDS;
const MFA_POLICIES = ['', 'off', 'adaptive', 'required'] as const;
const MAX_FIELD = 4000;

const appPath = (id: string) => `/console/apps/${encodeURIComponent(id)}`;
const text = (value: unknown) => (typeof value === 'string' ? value.trim().slice(0, MAX_FIELD) : '');
const lines = (value: unknown) => text(value).split(/\r?\n/).map((l) => l.trim()).filter(Boolean);

/** The edit form as the app is now. */
function formOf(app: ClientView) {
  return {
    clientName: app.clientName ?? '',
    redirectUris: app.redirectUris.join('\n'),
    postLogoutRedirectUris: app.postLogoutRedirectUris.join('\n'),
    mfaPolicy: app.mfaPolicy ?? '',
    brandName: app.brand?.displayName ?? '',
    brandPrimary: app.brand?.primaryColor ?? '',
    brandBackground: app.brand?.backgroundColor ?? '',
    brandSupport: app.brand?.supportUri ?? '',
  };
}
type AppForm = ReturnType<typeof formOf>;

/** The change the posted form asks for (an emptied field removes the setting), as a JSON merge patch. */
function patchOf(body: Body): { form: AppForm; patch: ClientPatch } {
  const form: AppForm = {
    clientName: text(body.clientName),
    redirectUris: text(body.redirectUris),
    postLogoutRedirectUris: text(body.postLogoutRedirectUris),
    mfaPolicy: (MFA_POLICIES as readonly string[]).includes(text(body.mfaPolicy)) ? text(body.mfaPolicy) : '',
    brandName: text(body.brandName),
    brandPrimary: text(body.brandPrimary),
    brandBackground: text(body.brandBackground),
    brandSupport: text(body.brandSupport),
  };
  const orNull = (v: string) => (v ? v : null);
  const patch = {
    clientName: orNull(form.clientName),
    redirectUris: lines(form.redirectUris),
    postLogoutRedirectUris: lines(form.postLogoutRedirectUris),
    mfaPolicy: orNull(form.mfaPolicy),
    brand: { displayName: orNull(form.brandName), primaryColor: orNull(form.brandPrimary), backgroundColor: orNull(form.brandBackground), supportUri: orNull(form.brandSupport) },
  } as ClientPatch;
  return { form, patch };
}

/** The problems of a refused change, one per line, as the service words them. */
function problemsOf(err: unknown): string[] {
  const problems = (err as AppError).details?.problems;
  return Array.isArray(problems) && problems.length ? problems.map(String) : [(err as Error).message];
}

export function appRoutes(pages: ConsolePages, deps: Pick<ConsoleDeps, 'clients'>): void {
  const { get, post, render } = pages;

  const find = async (id: unknown): Promise<ClientView> => {
    const app = typeof id === 'string' && id.length <= 100 ? await deps.clients.get(id) : null;
    if (!app) throw notFound('No such app');
    return app;
  };

  const renderApp = (ctx: Context, op: Operator, app: ClientView, extra: { form?: AppForm; problems?: string[]; secret?: string } = {}, status?: number) =>
    render(ctx, op, 'app', {
      section: 'apps',
      title: 'console.app.title',
      ...(status ? { status } : {}),
      data: {
        app: { ...app, builtIn: BUILT_IN.has(app.clientId), hasSecret: !app.public && app.tokenEndpointAuthMethod.startsWith('client_secret') },
        form: extra.form ?? formOf(app),
        problems: extra.problems ?? [],
        secret: extra.secret ?? null,
        mayWrite: may(op.role, 'apps.write') && !BUILT_IN.has(app.clientId),
        action: appPath(app.clientId),
      },
    });

  get('/apps', { permission: 'apps.read' }, async (ctx, op) => {
    const apps = await deps.clients.list();
    render(ctx, op, 'apps', {
      section: 'apps',
      title: 'console.apps.title',
      data: {
        apps: apps.map((a) => ({ href: appPath(a.clientId), id: a.clientId, name: a.brand?.displayName ?? a.clientName ?? '', public: a.public, grantTypes: a.grantTypes.join(', '), builtIn: BUILT_IN.has(a.clientId) })),
      },
    });
  });

  get('/apps/:id', { permission: 'apps.read' }, async (ctx, op) => renderApp(ctx, op, await find(ctx.params.id)));

  const writable = async (ctx: Context) => {
    const app = await find(ctx.params.id);
    if (BUILT_IN.has(app.clientId)) throw forbidden('The product\u2019s own apps are made at every start and not changed here');
    return app;
  };

  post('/apps/:id', { permission: 'apps.write', back: (ctx) => ctx.path }, async (ctx, op, body) => {
    const app = await writable(ctx);
    const { form, patch } = patchOf(body);
    try {
      await deps.clients.update(app.clientId, patch, actorOf(ctx, op));
    } catch (err) {
      if (err instanceof AppError && err.status === 400) return renderApp(ctx, op, app, { form, problems: problemsOf(err) }, 400);
      throw err;
    }
    seeOther(ctx, appPath(app.clientId), 'console.flash.appSaved');
  });

  post('/apps/:id/secret', { permission: 'apps.write', back: (ctx) => ctx.path.replace(/\/secret$/, '') }, async (ctx, op) => {
    const app = await writable(ctx);
    const rotated = await deps.clients.rotateSecret(app.clientId, actorOf(ctx, op));
    // Shown on this answer only: not kept anywhere it could be shown again.
    ctx.set('Cache-Control', 'no-store');
    renderApp(ctx, op, await find(app.clientId), { secret: rotated.clientSecret });
  });
}
