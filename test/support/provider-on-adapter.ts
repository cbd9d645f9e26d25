// A bare oidc-provider on our adapter, served on 127.0.0.1, with one confidential code-flow client that lives only in
// the adapter (so that client authentication also proves its encrypted secret comes back decrypted). For tests that
// drive the adapter through real token endpoints without the rest of the product.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Configuration } from 'oidc-provider';
import type { MongoAdapter } from '../../adapters/types.ts';

export interface ProviderOnAdapter {
  provider: Provider;
  server: Server;
  base: string;
  close(): Promise<void>;
}

export async function startProviderOnAdapter(
  store: Pick<MongoAdapter, 'Adapter'> & Partial<Pick<MongoAdapter, 'tokenRequest'>>,
  client: { clientId: string; clientSecret: string; redirectUri: string },
  configuration: Partial<Configuration> = {},
): Promise<ProviderOnAdapter> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const provider = new Provider('http://127.0.0.1', {
    adapter: store.Adapter,
    jwks: { keys: [{ ...(await exportJWK(privateKey)), alg: 'RS256', use: 'sig', kid: 'k1' }] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
    features: { devInteractions: { enabled: false } },
    ttl: { Grant: 600, AccessToken: 600, RefreshToken: 3600, IdToken: 600, AuthorizationCode: 60 },
    ...configuration,
  });
  await new store.Adapter('Client').upsert(client.clientId, {
    client_id: client.clientId,
    client_secret: client.clientSecret,
    redirect_uris: [client.redirectUri],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  });
  // Each request in the adapter's token-request scope where it has one, as the application runs the provider.
  const handle = provider.callback();
  const server = createServer((req, res) => (store.tokenRequest ? store.tokenRequest(() => handle(req, res)) : handle(req, res)));
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return {
    provider,
    server,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((closed) => server.close(() => closed())),
  };
}
