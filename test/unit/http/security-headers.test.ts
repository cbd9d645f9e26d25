import Koa from 'koa';
import { allowFormAction, formActionSource, noStore, securityHeaders } from '../../../src/http/security-headers.ts';
import { serve } from './serve.ts';

function directives(csp: string | null): Record<string, string[]> {
  return Object.fromEntries(
    (csp ?? '')
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name = '', ...values]) => [name, values]),
  );
}

async function headersFor(issuer: string, handler: Koa.Middleware = (ctx) => void (ctx.body = 'ok')) {
  const app = new Koa();
  app.use(securityHeaders({ issuer }));
  app.use(noStore());
  app.use(handler);
  const served = await serve(app);
  try {
    const res = await fetch(served.url);
    await res.arrayBuffer();
    return res.headers;
  } finally {
    await served.close();
  }
}

describe('securityHeaders', () => {
  it('sets a strict CSP without unsafe-inline, and the companion headers', async () => {
    const h = await headersFor('http://localhost:3000');
    const csp = directives(h.get('content-security-policy'));
    expect(csp['default-src']).toEqual(["'self'"]);
    expect(csp['frame-ancestors']).toEqual(["'none'"]);
    expect(csp['form-action']).toEqual(["'self'"]);
    expect(csp['script-src']).toEqual(["'self'"]);
    expect(csp['style-src']).toEqual(["'self'"]);
    expect(csp['object-src']).toEqual(["'none'"]);
    expect(csp['base-uri']).toEqual(["'none'"]);
    expect(h.get('content-security-policy')).not.toContain('unsafe-inline');
    expect(h.get('x-content-type-options')).toBe('nosniff');
    expect(h.get('referrer-policy')).toBe('no-referrer');
    expect(h.get('x-frame-options')).toBe('DENY');
    expect(h.get('cache-control')).toBe('no-store');
    expect(h.get('cross-origin-opener-policy')).toBeNull();
  });

  it('sends HSTS and upgrade-insecure-requests only when the issuer is https', async () => {
    const plain = await headersFor('http://localhost:3000');
    expect(plain.get('strict-transport-security')).toBeNull();
    expect(directives(plain.get('content-security-policy'))['upgrade-insecure-requests']).toBeUndefined();

    const tls = await headersFor('https://id.example.com');
    expect(tls.get('strict-transport-security')).toBe('max-age=31536000');
    expect(directives(tls.get('content-security-policy'))['upgrade-insecure-requests']).toEqual([]);
  });

  it('lets a page widen form-action to the validated redirect target only', async () => {
    const h = await headersFor('http://localhost:3000', (ctx) => {
      allowFormAction(ctx, 'https://app.example.com/callback?x=1');
      allowFormAction(ctx, 'https://app.example.com/other');
      allowFormAction(ctx, 'javascript:alert(1)');
      ctx.body = 'ok';
    });
    expect(directives(h.get('content-security-policy'))['form-action']).toEqual(["'self'", 'https://app.example.com']);
  });

  it('adds the redirect_uri of oidc-provider HTML responses (form_post) after they are produced', async () => {
    const h = await headersFor('http://localhost:3000', (ctx) => {
      Object.defineProperty(ctx, 'oidc', {
        value: { route: 'resume', redirectUriCheckPerformed: true, params: { redirect_uri: 'https://rp.example/cb' } },
      });
      ctx.type = 'html';
      ctx.body = '<form method="post" action="https://rp.example/cb"></form>';
    });
    expect(directives(h.get('content-security-policy'))['form-action']).toEqual(["'self'", 'https://rp.example']);
  });

  it('leaves provider responses alone when the redirect_uri was not validated', async () => {
    const h = await headersFor('http://localhost:3000', (ctx) => {
      Object.defineProperty(ctx, 'oidc', {
        value: { route: 'authorization', redirectUriCheckPerformed: false, params: { redirect_uri: 'https://evil.example/' } },
      });
      ctx.type = 'html';
      ctx.body = 'error page';
    });
    expect(directives(h.get('content-security-policy'))['form-action']).toEqual(["'self'"]);
  });

  it('adds the post_logout_redirect_uri on the logout confirmation', async () => {
    const h = await headersFor('http://localhost:3000', (ctx) => {
      Object.defineProperty(ctx, 'oidc', {
        value: { route: 'end_session', params: { post_logout_redirect_uri: 'https://rp.example/bye' } },
      });
      ctx.type = 'html';
      ctx.body = 'logout';
    });
    expect(directives(h.get('content-security-policy'))['form-action']).toEqual(["'self'", 'https://rp.example']);
  });
});

describe('formActionSource', () => {
  it('uses the origin of web URLs and the scheme of native-app URLs', () => {
    expect(formActionSource('https://app.example.com:8443/cb')).toBe('https://app.example.com:8443');
    expect(formActionSource('http://127.0.0.1:51234/cb')).toBe('http://127.0.0.1:51234');
    expect(formActionSource('com.example.app:/oauth2redirect')).toBe('com.example.app:');
  });

  it('refuses schemes that could run code and strings that are not URLs', () => {
    for (const bad of ['javascript:alert(1)', 'data:text/html,x', 'blob:https://a/b', 'file:///etc/passwd', 'not a url', '']) {
      expect(formActionSource(bad)).toBeUndefined();
    }
  });
});
