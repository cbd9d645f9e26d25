// Client authentication with a signed assertion (client_secret_jwt here; private_key_jwt takes the same path): an
// assertion is single-use, and one that stays valid longer than CLIENT_ASSERTION_MAX_LIFETIME is refused, since its
// replay-detection row would have to be kept (nearly) forever. Before, an exp of 1e13 made an invalid expiry date and
// the assertion could be replayed at will.
import * as oidc from 'openid-client';
import { RESOURCE, serverTest, startServer, type TestServer } from '../support/server.ts';
import { createClient, oauthError, rp, type TestClient } from './flows.ts';

let server: TestServer;
let client: TestClient;
const it = serverTest(() => server);

beforeAll(async () => {
  server = await startServer({ env: { CLIENT_ASSERTION_MAX_LIFETIME: '120' } });
  client = await createClient(server, { grantTypes: ['client_credentials'], redirectUris: [], scope: 'orders:read', authMethod: 'client_secret_jwt' });
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

/** openid-client configured to sign its assertions with `exp` seconds of life (and a fixed jti when given). */
function withAssertion(lifetime: number, jti?: string) {
  return rp(
    server,
    client,
    oidc.ClientSecretJwt(client.clientSecret, {
      [oidc.modifyAssertion]: (_header, payload) => {
        payload.exp = Math.floor(Date.now() / 1000) + lifetime;
        if (jti) payload.jti = jti;
      },
    }),
  );
}

const grant = (config: oidc.Configuration) => oidc.clientCredentialsGrant(config, { resource: RESOURCE, scope: 'orders:read' });

describe('client assertions', () => {
  it('accepts an assertion within the maximum lifetime, once', async () => {
    const jti = `jti-${Date.now()}`;
    expect((await grant(await withAssertion(60, jti))).access_token).toBeTruthy();
    expect(await oauthError(grant(await withAssertion(60, jti)))).toMatchObject({ error: 'invalid_client', status: 401 });
  });

  // The server measures what is left of the assertion's life when it arrives (exp − now; a client-chosen iat could
  // hide a far exp), so a lifetime just over the maximum is accepted by a machine slow enough to spend a second
  // between signing and checking: 150 s is over it whatever the load.
  for (const lifetime of [150, 1e13]) {
    it(`refuses an assertion valid for ${lifetime} seconds, and does so every time`, async () => {
      const jti = `jti-long-${lifetime}-${Date.now()}`;
      for (let i = 0; i < 2; i++) {
        expect(await oauthError(grant(await withAssertion(lifetime, jti)))).toMatchObject({ error: 'invalid_client', status: 401 });
      }
    });
  }
});
