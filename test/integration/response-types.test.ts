// Implicit and hybrid flows are an operator's opt-in (RESPONSE_TYPES); by default only the code flow is offered.
import { startTestApp, type TestApp } from '../support/app.ts';

const REDIRECT = 'https://rp.example.test/cb';
const apps: TestApp[] = [];

afterAll(async () => {
  for (const t of apps) await t.close();
});

async function appWith(env: Record<string, string>): Promise<TestApp> {
  const t = await startTestApp(env);
  apps.push(t);
  // Registered as a Dynamic OP client would be (the CLI makes code-flow clients).
  await new t.services.adapter.Adapter('Client').upsert('legacy-spa', {
    client_id: 'legacy-spa',
    client_secret: 's'.repeat(40),
    redirect_uris: [REDIRECT],
    grant_types: ['implicit'],
    response_types: ['id_token', 'id_token token'],
    token_endpoint_auth_method: 'client_secret_basic',
  });
  return t;
}

const implicitRequest = (t: TestApp) =>
  fetch(`${t.url}/auth?${new URLSearchParams({ client_id: 'legacy-spa', response_type: 'id_token', scope: 'openid', redirect_uri: REDIRECT, nonce: 'n-1', state: 's-1' })}`, { redirect: 'manual' });

it('offers the code flow only, unless the operator opts in', async () => {
  const t = await appWith({});
  const discovery = (await (await fetch(`${t.url}/.well-known/openid-configuration`)).json()) as Record<string, string[]>;
  expect(discovery.response_types_supported).toEqual(['code', 'none']);
  const refused = await implicitRequest(t);
  expect(refused.status).toBeGreaterThanOrEqual(300);
  expect(refused.status).toBeLessThan(500);
  expect(refused.headers.get('location') ?? (await refused.text())).toMatch(/unsupported_response_type|invalid_client|invalid_redirect_uri|error/);
  expect(refused.headers.get('location') ?? '').not.toMatch(/\/interaction\//);
});

it('with RESPONSE_TYPES, advertises and serves implicit flows (they reach the sign-in)', async () => {
  const t = await appWith({ RESPONSE_TYPES: 'code, id_token, token id_token' });
  expect(t.services.config.responseTypes).toEqual(['code', 'none', 'id_token', 'id_token token']);
  const discovery = (await (await fetch(`${t.url}/.well-known/openid-configuration`)).json()) as Record<string, string[]>;
  expect(discovery.response_types_supported).toEqual(['code', 'none', 'id_token', 'id_token token']);
  const started = await implicitRequest(t);
  expect(started.status).toBe(303);
  expect(started.headers.get('location')).toMatch(/\/interaction\//);
});
