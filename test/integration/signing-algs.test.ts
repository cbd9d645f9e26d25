// SIGNING_ALGS: an operator whose relying parties (or the OpenID Foundation's test suite) cannot read Ed25519 keys
// publishes RSA and EC keys only.
import { startTestApp, type TestApp } from '../support/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ SIGNING_ALGS: 'RS256,ES256' });
});
afterAll(() => t.close());

it('keeps, publishes and advertises keys of the configured algorithms only', async () => {
  const { keys } = (await (await fetch(`${t.url}/jwks`)).json()) as { keys: { alg: string; kty: string }[] };
  expect(new Set(keys.map((k) => k.alg))).toEqual(new Set(['RS256', 'ES256']));
  expect(keys.some((k) => k.kty === 'OKP')).toBe(false);
  expect((await t.services.keys.list()).every((k) => k.alg !== 'EdDSA')).toBe(true);
  const discovery = (await (await fetch(`${t.url}/.well-known/openid-configuration`)).json()) as Record<string, string[]>;
  expect(discovery.id_token_signing_alg_values_supported).not.toContain('EdDSA');
  expect(discovery.id_token_signing_alg_values_supported).toContain('RS256');
});
