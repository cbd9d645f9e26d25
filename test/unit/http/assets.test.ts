import { get, request } from 'node:http';
import Koa from 'koa';
import { assets, scriptHref, stylesheetHref } from '../../../src/http/assets.ts';
import { noStore } from '../../../src/http/security-headers.ts';
import { template } from '../../../src/http/views.ts';
import { serve, type Served } from './serve.ts';

// A raw request, as a browser sends it: fetch() would normalise the path and add no-cache to conditional requests.
function raw(url: string, path: string, opts: { method?: string; headers?: Record<string, string> } = {}): Promise<{ status?: number; type?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method: opts.method ?? 'GET', headers: opts.headers }, (r) => {
      r.resume();
      resolve({ status: r.statusCode, type: r.headers['content-type'] });
    });
    req.on('error', reject);
    req.end();
  });
}

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

  describe('scripts of the passkey pages', () => {
    let served: Served;
    beforeAll(async () => {
      const app = new Koa();
      app.use(noStore());
      app.use(assets());
      served = await serve(app);
    });
    afterAll(() => served.close());

    it.each([
      ['simplewebauthn.js', 'SimpleWebAuthnBrowser'],
      ['passkey.js', 'data-webauthn'],
    ] as const)('serves %s as JavaScript under a content-hashed URL, cacheable for good', async (name, marker) => {
      const href = scriptHref(name);
      expect(href).toMatch(new RegExp(`^/assets/${name.replace('.', '\\.')}\\?v=[\\w-]{16}$`));
      const res = await fetch(`${served.url}${href}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(await res.text()).toContain(marker);

      const stale = await fetch(`${served.url}/assets/${name}?v=old`);
      expect(stale.headers.get('cache-control')).toBe('public, max-age=300');
      const etag = String(stale.headers.get('etag'));
      await stale.arrayBuffer();
      expect((await raw(served.url, `/assets/${name}`, { headers: { 'if-none-match': etag } })).status).toBe(304);
      expect(await raw(served.url, `/assets/${name}`, { method: 'HEAD' })).toEqual({ status: 200, type: 'text/javascript; charset=utf-8' });
    });

    it('gives each asset its own hash', () => {
      const hashes = [stylesheetHref(), scriptHref('simplewebauthn.js'), scriptHref('passkey.js')].map((h) => h.split('?v=')[1]);
      expect(new Set(hashes).size).toBe(3);
    });

    it('serves nothing else: unknown names, other methods, paths that leave the folder, inherited property names', async () => {
      for (const path of ['/assets/other.js', '/assets/', '/assets', '/assets/../package.json', '/assets/%2e%2e/package.json', '/assets/constructor', '/assets/__proto__', '/assets/passkey.js/x', '/views/assets/passkey.js']) {
        expect([path, (await raw(served.url, path)).status]).toEqual([path, 404]);
      }
      expect((await raw(served.url, '/assets/passkey.js', { method: 'POST' })).status).toBe(404);
    });
  });
});

describe('the passkey form partial', () => {
  const render = (data: Record<string, unknown>) =>
    template('partials/webauthn')({
      scriptHref,
      csrfToken: 'tok',
      label: 'Add a passkey',
      messages: { unsupported: 'No passkeys here <b>', failed: 'That did not work' },
      ...data,
    });

  it('carries the options as an inert JSON block no string inside can close, and the form the script drives', () => {
    const options = { challenge: 'abc', user: { name: '</script><script>alert(1)</script>', displayName: 'a & b >' } };
    const html = render({ options, action: '/account/security/passkeys', mode: 'register', extraFields: { challengeId: 'c"1' }, nameField: { label: 'Name', value: 'My <phone>' } });

    const json = /<script type="application\/json" id="webauthn-register-options">([^<]*)<\/script>/.exec(html)?.[1];
    expect(json).toBeDefined();
    expect(JSON.parse(json as string)).toEqual(options);
    expect(html.match(/<script/g)).toHaveLength(3);
    expect(html).toContain('<form method="post" action="/account/security/passkeys" class="stack" autocomplete="off" data-webauthn="register" data-options="webauthn-register-options" data-unsupported="No passkeys here &lt;b&gt;" data-failed="That did not work" aria-describedby="webauthn-register-error">');
    expect(html).toContain('<input type="hidden" name="_csrf" value="tok">');
    expect(html).toContain('<input type="hidden" name="response" value="">');
    expect(html).toContain('<input type="hidden" name="challengeId" value="c&#34;1">');
    expect(html).toContain('<label for="webauthn-register-name">Name</label>');
    expect(html).toContain('name="name" type="text" autocomplete="off" maxlength="64" value="My &lt;phone&gt;"');
    expect(html).toContain('<div id="webauthn-register-error" role="alert"></div>');
    expect(html).toContain('<button type="submit" class="primary">Add a passkey</button>');
    expect(html).toContain(`<script src="${scriptHref('simplewebauthn.js')}" defer></script>`);
    expect(html).toContain(`<script src="${scriptHref('passkey.js')}" defer></script>`);
    expect(html).not.toMatch(/\son[a-z]+=|style=/i);
  });

  it('an authentication form, with its own id when a page holds two', () => {
    const html = render({ options: { challenge: 'x' }, action: '/login/passkey', mode: 'authenticate', id: 'second', buttonClass: 'secondary' });
    expect(html).toContain('data-webauthn="authenticate" data-options="second-options"');
    expect(html).toContain('<script type="application/json" id="second-options">');
    expect(html).toContain('<button type="submit" class="secondary">');
    expect(html).not.toContain('name="name"');
  });
});

