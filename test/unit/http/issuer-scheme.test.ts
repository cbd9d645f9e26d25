// Cookies keep Secure (and the __Host- prefix) behind a TLS-offloading proxy that omits X-Forwarded-Proto: whether a
// request is secure follows the configured issuer's scheme.
import Koa from 'koa';
import { csrfCookieName } from '../../../src/http/csrf.ts';
import { deviceCookieName, ensureDeviceId } from '../../../src/http/device-cookie.ts';
import { issuerScheme } from '../../../src/http/issuer-scheme.ts';
import { serve } from './serve.ts';

function appFor(issuer: string): Koa {
  const app = new Koa();
  app.keys = ['k'.repeat(32)];
  app.proxy = true;
  app.use(issuerScheme(issuer));
  app.use((ctx) => {
    ensureDeviceId(ctx);
    ctx.cookies.set(csrfCookieName(ctx.secure), 'token', { secure: ctx.secure, httpOnly: true });
    ctx.body = { secure: ctx.secure };
  });
  return app;
}

async function get(issuer: string, headers: Record<string, string> = {}) {
  const served = await serve(appFor(issuer));
  try {
    const res = await fetch(`${served.url}/`, { headers });
    return { body: (await res.json()) as { secure: boolean }, cookies: res.headers.getSetCookie() };
  } finally {
    await served.close();
  }
}

describe('request scheme from the issuer', () => {
  it('treats a plain-HTTP request to an https issuer as secure, whatever X-Forwarded-Proto says or omits', async () => {
    for (const headers of [{}, { 'x-forwarded-proto': 'http' }] as Record<string, string>[]) {
      const { body, cookies } = await get('https://login.example.test', headers);
      expect(body.secure).toBe(true);
      expect(cookies.find((c) => c.startsWith(`${deviceCookieName(true)}=`))).toMatch(/; secure/i);
      expect(cookies.find((c) => c.startsWith(`${csrfCookieName(true)}=`))).toMatch(/; secure/i);
    }
  });

  it('leaves the request its own scheme under an http issuer (development)', async () => {
    const plain = await get('http://localhost:3000');
    expect(plain.body.secure).toBe(false);
    expect(plain.cookies.some((c) => /; secure/i.test(c))).toBe(false);
    expect((await get('http://localhost:3000', { 'x-forwarded-proto': 'https' })).body.secure).toBe(true);
  });
});
