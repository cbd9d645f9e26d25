// Behind a TLS-offloading proxy that does not send X-Forwarded-Proto, the requests reach the server as plain HTTP:
// every cookie of the sign-in (oidc-provider's interaction and session cookies, our CSRF and device cookies) must
// still be Secure, because the configured issuer is https (src/http/issuer-scheme.ts).
import { createHash, randomBytes } from 'node:crypto';
import { startTestApp, type TestApp } from '../../support/app.ts';

let t: TestApp;
const REDIRECT = 'https://rp.example.test/cb';

beforeAll(async () => {
  t = await startTestApp({ ISSUER: 'https://login.example.test', TRUST_PROXY: 'true' });
  await t.services.clients.create({ clientId: 'tls-app', clientSecret: 'tls-app-secret-0123456789-0123456789-abcdef', redirectUris: [REDIRECT], grantTypes: ['authorization_code'], scope: 'openid email' });
});
afterAll(() => t.close());

it('sets every sign-in cookie Secure (and __Host- where ours) although the request came as plain HTTP', async () => {
  const verifier = randomBytes(32).toString('base64url');
  const query = new URLSearchParams({
    client_id: 'tls-app',
    response_type: 'code',
    scope: 'openid email',
    redirect_uri: REDIRECT,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  const auth = await fetch(`${t.url}/auth?${query}`, { redirect: 'manual' });
  expect(auth.status).toBe(303);
  const providerCookies = auth.headers.getSetCookie();
  expect(providerCookies.length).toBeGreaterThan(0);
  for (const cookie of providerCookies) expect(cookie).toMatch(/; secure/i);

  const location = new URL(auth.headers.get('location')!, 'https://login.example.test');
  const cookieHeader = providerCookies.map((c) => c.split(';')[0]).join('; ');
  const page = await fetch(`${t.url}${location.pathname}`, { headers: { cookie: cookieHeader } });
  expect(page.status).toBe(200);
  const pageCookies = page.headers.getSetCookie();
  expect(pageCookies.some((c) => c.startsWith('__Host-csrf='))).toBe(true);
  for (const cookie of pageCookies) expect(cookie).toMatch(/; secure/i);
});
