// Requests found by fuzzing that made the server answer 5xx although the client was at fault (issue 13): each is a
// 4xx now, with a page or error a browser or client can act on, and no internal message.
import { request } from 'node:http';
import { startTestApp, type TestApp } from '../../support/app.ts';

let t: TestApp;
const REDIRECT = 'https://rp.example.test/cb';

beforeAll(async () => {
  t = await startTestApp({});
  await t.services.clients.create({ clientId: 'fuzzed-app', clientSecret: 'f'.repeat(40), redirectUris: [REDIRECT], grantTypes: ['authorization_code'] });
});
afterAll(() => t.close());

/** node:http, because fetch refuses methods such as TRACE. */
function send(method: string, path: string): Promise<{ status: number; allow?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${t.url}${path}`, { method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ...(res.headers.allow ? { allow: res.headers.allow } : {}), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const INTERNAL = /TypeError|Cannot read properties|persist can only|at .*\.js:\d+/;

it('answers methods nothing serves with 405 and Allow, on every kind of route', async () => {
  for (const method of ['TRACE', 'PROPFIND', 'MKCOL', 'LOCK']) {
    for (const path of ['/auth', '/token', '/interaction/abc', '/account', '/healthz', '/.well-known/openid-configuration', '/nope']) {
      const res = await send(method, path);
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 405 });
      expect(res.allow).toBe('GET, HEAD, POST, OPTIONS');
    }
  }
});

it('says "start again" for the resume of an authorization without its cookie, instead of failing', async () => {
  for (const path of ['/auth/xyz?client_id=fuzzed-app', '/auth/xyz', `/auth/xyz?client_id=fuzzed-app&redirect_uri=${encodeURIComponent(REDIRECT)}`]) {
    const res = await send('GET', path);
    expect(res.status).toBe(400);
    expect(res.body).not.toMatch(INTERNAL);
  }
});

it('serves the device-flow pages to a browser without a session cookie, and their form then works', async () => {
  for (const [method, path] of [['GET', '/device/x'], ['HEAD', '/device/x'], ['GET', '/device/auth'], ['HEAD', '/device/auth']] as const) {
    const res = await send(method, path);
    expect({ method, path, status: res.status }).toEqual({ method, path, status: 400 });
    expect(res.body).not.toMatch(INTERNAL);
  }

  const first = await fetch(`${t.url}/device`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'user_code=ABCD-EFGH',
    redirect: 'manual',
  });
  expect(first.status).toBeLessThan(500);
  const page = await first.text();
  expect(page).not.toMatch(INTERNAL);
  const session = first.headers.getSetCookie().find((c) => c.startsWith('_session='));
  expect(session).toBeDefined();
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(page)?.[1];
  expect(xsrf).toBeDefined();

  // The form the page carries is accepted as this browser's: an unknown code is the only problem left.
  const cookie = first.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const second = await fetch(`${t.url}/device`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ xsrf: xsrf!, user_code: 'ABCD-EFGH' }).toString(),
    redirect: 'manual',
  });
  expect(second.status).toBeLessThan(500);
  const again = await second.text();
  expect(again).not.toMatch(INTERNAL);
  expect(again).toContain('That code is not valid');
});

it('sends a signed-out visitor to sign in whatever characters the account page address holds', async () => {
  // The address comes back after the sign-in, kept in a cookie: quotes and semicolons cannot go into one as they are.
  const res = await send('GET', '/account/security?jp"Y.v={i+z&request_uri=x*-;n~');
  expect(res.status).toBe(303);
  expect(res.body).not.toMatch(INTERNAL);
});
