// Tokens the measured requests spend, minted beforehand through the provider's own models (the calls its token
// endpoint makes when it issues them), so that minting is neither timed nor counted.
import type Provider from 'oidc-provider';
import type { ResourceServerInstance } from 'oidc-provider';
import { OPAQUE_API, RESOURCES, WEB_APP } from './settings.ts';

async function webApp(provider: Provider) {
  const client = await provider.Client.find(WEB_APP.id);
  if (!client) throw new Error(`bench client ${WEB_APP.id} not found`);
  return client;
}

/** One refresh token per grant, as each signed-in customer of an app has. */
export async function mintRefreshTokens(provider: Provider, accountIds: readonly string[], count: number): Promise<string[]> {
  const client = await webApp(provider);
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const accountId = accountIds[i % accountIds.length]!;
    const grant = new provider.Grant({ accountId, clientId: WEB_APP.id });
    grant.addOIDCScope('openid offline_access');
    const grantId = await grant.save();
    const token = new provider.RefreshToken({
      accountId,
      client,
      grantId,
      scope: 'openid offline_access',
      gty: 'authorization_code',
      authTime: Math.floor(Date.now() / 1000),
    });
    tokens.push(await token.save());
  }
  return tokens;
}

const opaqueApi: ResourceServerInstance = {
  ...RESOURCES[OPAQUE_API],
  accessTokenFormat: 'opaque',
  audience: OPAQUE_API,
  accessTokenTTL: 3600,
  scopes: new Set(RESOURCES[OPAQUE_API].scope.split(' ')),
  identifier: () => OPAQUE_API,
};

/** Opaque access tokens for the opaque API, issued to the web app on behalf of customers (grant-bound). */
export async function mintApiAccessTokens(provider: Provider, accountIds: readonly string[], count: number): Promise<string[]> {
  const client = await webApp(provider);
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const accountId = accountIds[i % accountIds.length]!;
    const grant = new provider.Grant({ accountId, clientId: WEB_APP.id });
    grant.addOIDCScope('openid');
    grant.addResourceScope(OPAQUE_API, 'orders:read');
    const grantId = await grant.save();
    const token = new provider.AccessToken({
      accountId,
      client,
      grantId,
      scope: 'orders:read',
      gty: 'authorization_code',
      resourceServer: opaqueApi,
    });
    tokens.push(await token.save());
  }
  return tokens;
}
