import { get } from 'node:http';
import Koa from 'koa';
import { assets, stylesheetHref } from '../../../src/http/assets.ts';
import { noStore } from '../../../src/http/security-headers.ts';
import { serve } from './serve.ts';

describe('assets', () => {
  it('serves the stylesheet as CSS, cacheable for good under its versioned URL, with ETag revalidation', async () => {
    const app = new Koa();
    app.use(noStore());
    app.use(assets());
    const served = await serve(app);
    try {
      const res = await fetch(`${served.url}${stylesheetHref()}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/css; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(await res.text()).toContain('.card');

      const unversioned = await fetch(`${served.url}/assets/app.css`);
      expect(unversioned.headers.get('cache-control')).toBe('public, max-age=300');
      const etag = unversioned.headers.get('etag');
      await unversioned.arrayBuffer();

      // fetch() adds Cache-Control: no-cache to conditional requests, which rightly defeats 304: ask as a browser does.
      const status = await new Promise<number | undefined>((resolve, reject) => {
        get(`${served.url}/assets/app.css`, { headers: { 'if-none-match': String(etag) } }, (r) => {
          r.resume();
          resolve(r.statusCode);
        }).on('error', reject);
      });
      expect(status).toBe(304);

      const other = await fetch(`${served.url}/assets/other.css`);
      expect(other.status).toBe(404);
    } finally {
      await served.close();
    }
  });

  it('answers the browser favicon request with no content instead of a 404', async () => {
    const app = new Koa();
    app.use(assets());
    const served = await serve(app);
    try {
      const res = await fetch(`${served.url}/favicon.ico`);
      expect(res.status).toBe(204);
      expect(res.headers.get('cache-control')).toBe('public, max-age=86400');
    } finally {
      await served.close();
    }
  });
});
