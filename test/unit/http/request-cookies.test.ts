import Koa from 'koa';
import { currentCookies, requestCookies } from '../../../src/http/request-cookies.ts';
import { serve } from './serve.ts';

describe('the cookies of the request in progress', () => {
  it('are reachable from code without a context, written once per name and path, httpOnly and SameSite=Lax', async () => {
    const app = new Koa();
    app.use(requestCookies());
    app.use(async (ctx) => {
      // As the adapter does, deep below the handler: no ctx at hand.
      await Promise.resolve();
      const jar = currentCookies()!;
      ctx.body = jar.get('seen') ?? 'none';
      jar.set('state', 'first', { path: '/a/1', maxAgeSeconds: 60 });
      jar.set('state', 'second', { path: '/a/1', maxAgeSeconds: 60 });
      jar.set('state', 'other', { path: '/b/1', maxAgeSeconds: 60 });
      jar.set('gone', null, { path: '/a/1', maxAgeSeconds: 60 });
    });
    const served = await serve(app);
    try {
      const res = await fetch(`${served.url}/`, { headers: { cookie: 'seen=yes' } });
      expect(await res.text()).toBe('yes');
      const lines = res.headers.getSetCookie();
      expect(lines).toHaveLength(3);
      expect(lines[0]).toMatch(/^state=second; path=\/a\/1; max-age=60; expires=[^;]+; samesite=lax; httponly$/);
      expect(lines[1]).toMatch(/^state=other; path=\/b\/1;/);
      expect(lines[2]).toMatch(/^gone=; path=\/a\/1; max-age=0;/);
    } finally {
      await served.close();
    }
    expect(currentCookies()).toBeUndefined();
  });

  it('refuse a value a cookie cannot carry', async () => {
    const app = new Koa();
    app.use(requestCookies());
    app.use((ctx) => {
      try {
        currentCookies()!.set('state', 'a;b', { path: '/', maxAgeSeconds: 1 });
        ctx.body = 'set';
      } catch (err) {
        ctx.body = (err as Error).message;
      }
    });
    const served = await serve(app);
    try {
      expect(await (await fetch(`${served.url}/`)).text()).toMatch(/cannot carry/);
    } finally {
      await served.close();
    }
  });
});
