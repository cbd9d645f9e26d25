import Koa from 'koa';
import { requestId } from '../../../src/http/request-id.ts';
import { serve } from './serve.ts';

describe('requestId', () => {
  it('keeps a sane incoming id, replaces anything else, and exposes it on state and header', async () => {
    const app = new Koa();
    app.use(requestId());
    app.use((ctx) => {
      ctx.body = ctx.state.requestId;
    });
    const served = await serve(app);
    try {
      const kept = await fetch(served.url, { headers: { 'x-request-id': 'proxy-1234abcd' } });
      expect(kept.headers.get('x-request-id')).toBe('proxy-1234abcd');
      expect(await kept.text()).toBe('proxy-1234abcd');

      for (const bad of ['short', 'has space inside it', `${'a'.repeat(200)}`, '<script>alert(1)</script>']) {
        const res = await fetch(served.url, { headers: { 'x-request-id': bad } });
        const id = res.headers.get('x-request-id');
        expect(id).toMatch(/^[0-9a-f-]{36}$/);
        expect(await res.text()).toBe(id);
      }
      const fresh = await fetch(served.url);
      expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await served.close();
    }
  });
});
