import Router from '@koa/router';
import Koa from 'koa';
import { pageRoutes } from '../../../src/http/page-routes.ts';
import { serve } from './serve.ts';

/** An app with `routers` in front of a fallback that answers "provider" (as the provider answers what no page does). */
async function appWith(routers: Router[]) {
  const app = new Koa();
  app.use(pageRoutes(routers));
  app.use((ctx) => {
    ctx.body = 'provider';
  });
  return { served: await serve(app) };
}

describe('page routes in front of the provider', () => {
  it('routes the pages, whatever the case of the path, and lets other paths through without matching them', async () => {
    const account = new Router({ prefix: '/account' });
    account.get('/profile', (ctx) => {
      ctx.body = 'profile';
    });
    const pages = new Router();
    pages.get('/interaction/:uid', (ctx) => {
      ctx.body = `interaction ${ctx.params.uid}`;
    });
    const { served } = await appWith([account, pages]);
    try {
      expect(await (await fetch(`${served.url}/account/profile`)).text()).toBe('profile');
      expect(await (await fetch(`${served.url}/ACCOUNT/profile`)).text()).toBe('profile');
      expect(await (await fetch(`${served.url}/interaction/abc`)).text()).toBe('interaction abc');
      // Under a page prefix but no route of it: on to the provider, as before.
      expect(await (await fetch(`${served.url}/account/nothing-here`)).text()).toBe('provider');
      expect(await (await fetch(`${served.url}/token`)).text()).toBe('provider');
      // A page's path with a method it does not take goes on to the provider too.
      expect(await (await fetch(`${served.url}/account/profile`, { method: 'DELETE' })).text()).toBe('provider');
    } finally {
      await served.close();
    }
  });

  it('a route that begins with a parameter makes every request go through the routers', async () => {
    const any = new Router();
    any.get('/:tenant/home', (ctx) => {
      ctx.body = `home of ${ctx.params.tenant}`;
    });
    const { served } = await appWith([any]);
    try {
      expect(await (await fetch(`${served.url}/acme/home`)).text()).toBe('home of acme');
      expect(await (await fetch(`${served.url}/token`)).text()).toBe('provider');
    } finally {
      await served.close();
    }
  });
});
