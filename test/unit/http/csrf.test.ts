import Koa from 'koa';
import { csrf, csrfCookieName, tokensMatch } from '../../../src/http/csrf.ts';
import { errorHandler } from '../../../src/http/errors.ts';
import { formBody } from '../../../src/http/form-body.ts';
import { createLogger } from '../../../src/log.ts';
import { cookiesOf, serve, type Served } from './serve.ts';

let served: Served;

beforeAll(async () => {
  const app = new Koa();
  app.keys = ['k'.repeat(32)];
  app.use(errorHandler({ logger: createLogger('silent') }));
  app.use(formBody());
  app.use(csrf());
  app.use((ctx) => {
    ctx.body = { token: ctx.state.csrfToken };
  });
  served = await serve(app);
});

afterAll(() => served.close());

const post = (body: string, cookie?: string) =>
  fetch(served.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...(cookie ? { cookie } : {}) },
    body,
  });

async function issue(): Promise<{ token: string; cookie: string }> {
  const res = await fetch(served.url, { headers: { accept: 'application/json' } });
  const { token } = (await res.json()) as { token: string };
  return { token, cookie: cookiesOf(res) };
}

describe('csrf', () => {
  it('issues a random token in a signed, httpOnly, SameSite=Lax cookie', async () => {
    const res = await fetch(served.url);
    const setCookies = res.headers.getSetCookie();
    const main = setCookies.find((c) => c.startsWith(`${csrfCookieName(false)}=`));
    expect(main).toMatch(/httponly/i);
    expect(main).toMatch(/samesite=lax/i);
    expect(main).toMatch(/path=\//i);
    expect(setCookies.some((c) => c.startsWith(`${csrfCookieName(false)}.sig=`))).toBe(true);
    const a = await issue();
    const b = await issue();
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.token).not.toBe(b.token);
  });

  it('keeps the token of an existing cookie', async () => {
    const { token, cookie } = await issue();
    const again = await fetch(served.url, { headers: { cookie, accept: 'application/json' } });
    expect(((await again.json()) as { token: string }).token).toBe(token);
  });

  it('accepts a POST whose field matches the cookie', async () => {
    const { token, cookie } = await issue();
    const res = await post(`_csrf=${token}`, cookie);
    expect(res.status).toBe(200);
  });

  it('rejects a POST without the field, without the cookie, or with another token', async () => {
    const { token, cookie } = await issue();
    const other = await issue();
    for (const [body, c] of [
      ['', cookie],
      [`_csrf=${token}`, undefined],
      [`_csrf=${other.token}`, cookie],
      [`_csrf=${token}&_csrf=${token}`, cookie],
    ] as const) {
      const res = await post(body, c);
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: 'csrf_failed' });
    }
  });

  it('rejects a cookie whose signature does not match (a token the attacker chose)', async () => {
    const forged = `${csrfCookieName(false)}=chosen; ${csrfCookieName(false)}.sig=AAAAAAAAAAAAAAAAAAAAAAAAAAA`;
    const res = await post('_csrf=chosen', forged);
    expect(res.status).toBe(403);
  });

  it('renders the 403 as a page for browsers', async () => {
    const res = await fetch(served.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: '_csrf=x',
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toContain('This form has expired or was sent from another page');
  });

  it('names the cookie __Host- over TLS', () => {
    expect(csrfCookieName(true)).toBe('__Host-csrf');
  });

  it('compares tokens without accepting near misses or wrong types', () => {
    expect(tokensMatch('abc', 'abc')).toBe(true);
    expect(tokensMatch('abc', 'abd')).toBe(false);
    expect(tokensMatch('abc', 'abcd')).toBe(false);
    expect(tokensMatch('abc', ['abc'])).toBe(false);
    expect(tokensMatch('', '')).toBe(false);
  });
});
