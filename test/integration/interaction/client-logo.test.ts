// The app's logo_uri is shown on its sign-in pages (OIDC Registration: "SHOULD be displayed"), with the page's CSP
// widened for that one origin only, and only for an https logo.
import { startTestApp, type TestApp } from '../../support/app.ts';

let t: TestApp;
const REDIRECT = 'https://rp.example.test/cb';

beforeAll(async () => {
  t = await startTestApp({});
  const base = { clientSecret: 'l'.repeat(40), redirectUris: [REDIRECT], grantTypes: ['authorization_code'] };
  await t.services.clients.create({ ...base, clientId: 'branded', metadata: { logo_uri: 'https://cdn.shop.example/logo.svg' } });
  await t.services.clients.create({ ...base, clientId: 'plain-http-logo', metadata: { logo_uri: 'http://cdn.shop.example/logo.svg' } });
});
afterAll(() => t.close());

async function loginPage(clientId: string): Promise<{ html: string; csp: string }> {
  const auth = await fetch(`${t.url}/auth?${new URLSearchParams({ client_id: clientId, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT, code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' })}`, { redirect: 'manual' });
  const cookie = auth.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const page = await fetch(new URL(auth.headers.get('location')!, t.url), { headers: { cookie } });
  return { html: await page.text(), csp: page.headers.get('content-security-policy') ?? '' };
}

it('shows an https logo and lets exactly its origin into img-src', async () => {
  const { html, csp } = await loginPage('branded');
  expect(html).toContain('<img class="client-logo" src="https://cdn.shop.example/logo.svg"');
  expect(csp).toMatch(/img-src 'self' https:\/\/cdn\.shop\.example(;|$)/);
});

it('shows no logo served over plain http, and widens nothing', async () => {
  const { html, csp } = await loginPage('plain-http-logo');
  expect(html).not.toContain('client-logo');
  expect(csp).toMatch(/img-src 'self'(;|$)/);
});
