// The operator console (/console): where operators find customers, help them and read the audit trail. Server-rendered,
// no script; signed in through the provider as the first-party client `ciam-console` (client.ts), at the MFA level,
// for accounts that are operators (services/operators.ts) with the permission of their role (roles.ts) checked on
// the server for every page and change (pages.ts). Each change is confirmed on its own page, CSRF-checked, demands a
// recent sign-in, and goes through the use case the management API and the CLI call (actions.ts).
import Router from '@koa/router';
import type { Context } from 'koa';
import { completeSignIn } from '../http/first-party-sign-in.ts';
import { renderPage } from '../http/views.ts';
import { pickLocale } from '../i18n/index.ts';
import { pageState } from '../http/state.ts';
import { actionRoutes } from './actions.ts';
import { auditRoutes } from './audit.ts';
import { CONSOLE_AREA } from './client.ts';
import { customerRoutes } from './customers.ts';
import type { ConsoleDeps } from './deps.ts';
import { consolePages, seeOther } from './pages.ts';
import { allows } from './roles.ts';
import { supportCodeRoutes } from './support.ts';
import { appRoutes } from './apps.ts';
import { operationsRoutes } from './operations.ts';
import { overviewRoutes } from './overview.ts';
import { setupRoutes } from './setup.ts';
import { operatorRoutes } from './operators.ts';
import { connectionRoutes } from './connections.ts';

export function consoleRouter(deps: ConsoleDeps): Router {
  const router = new Router({ prefix: CONSOLE_AREA.prefix });
  const publicLocale = (ctx: Context) => {
    const locale = pickLocale(undefined, ctx.get('accept-language'));
    pageState(ctx).locale = locale;
    return locale;
  };

  router.get('/callback', (ctx) => {
    const result = completeSignIn(ctx, CONSOLE_AREA, deps.config);
    if (result.ok) return seeOther(ctx, result.returnTo);
    renderPage(ctx, 'console/signin-problem', {
      locale: publicLocale(ctx),
      title: 'console.signin.problem.title',
      status: result.reason === 'state' ? 400 : 200,
      data: {
        title: 'console.signin.problem.title',
        message: result.reason === 'state' ? 'console.signin.problem.state' : 'console.signin.problem.cancelled',
        retry: result.returnTo ?? CONSOLE_AREA.prefix,
      },
    });
  });

  router.get('/signed-out', (ctx) => {
    renderPage(ctx, 'console/signed-out', { locale: publicLocale(ctx), title: 'console.signedOut.title', data: { title: 'console.signedOut.title' } });
  });

  const pages = consolePages(router, deps);
  // The console opens on the customer search, or for a role without search (support) on the support-code form.
  pages.get('/', { permission: 'customers.read' }, (ctx, op) => seeOther(ctx, allows(op, 'customers.search') ? '/console/customers' : '/console/code'));
  supportCodeRoutes(pages, deps);
  appRoutes(pages, deps);
  operationsRoutes(pages, deps);
  overviewRoutes(pages, deps);
  setupRoutes(pages, deps);
  connectionRoutes(pages, deps);
  customerRoutes(pages, deps);
  actionRoutes(pages, deps);
  operatorRoutes(pages, deps);
  auditRoutes(pages, deps);
  return router;
}
