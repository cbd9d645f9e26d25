// Tokens the measured requests spend, minted beforehand through the provider's own models (the calls its token
// endpoint makes when it issues them), so that minting is neither timed nor counted.
import type Provider from 'oidc-provider';
import type { Client, Grant, ResourceServerInstance } from 'oidc-provider';
import { OPAQUE_API, RESOURCES, WEB_APP } from './settings.ts';

interface Issue {
  /** What the customer granted the web app. */
  grant(grant: Grant): void;
  token(provider: Provider, fields: { accountId: string; client: Client; grantId: string }): { save(): Promise<string> };
}

/** `count` tokens of the web app, each under a grant of its own (one per signed-in customer), accounts in turn. */
async function mint(provider: Provider, accountIds: readonly string[], count: number, issue: Issue): Promise<string[]> {
  const client = await provider.Client.find(WEB_APP.id);
  if (!client) throw new Error(`bench client ${WEB_APP.id} not found`);
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const accountId = accountIds[i % accountIds.length]!;
    const grant = new provider.Grant({ accountId, clientId: WEB_APP.id });
    issue.grant(grant);
    const grantId = await grant.save();
    tokens.push(await issue.token(provider, { accountId, client, grantId }).save());
  }
  return tokens;
}

export function mintRefreshTokens(provider: Provider, accountIds: readonly string[], count: number): Promise<string[]> {
  return mint(provider, accountIds, count, {
    grant: (grant) => grant.addOIDCScope('openid offline_access'),
    token: (p, fields) =>
      new p.RefreshToken({ ...fields, scope: 'openid offline_access', gty: 'authorization_code', authTime: Math.floor(Date.now() / 1000) }),
  });
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
export function mintApiAccessTokens(provider: Provider, accountIds: readonly string[], count: number): Promise<string[]> {
  return mint(provider, accountIds, count, {
    grant: (grant) => {
      grant.addOIDCScope('openid');
      grant.addResourceScope(OPAQUE_API, 'orders:read');
    },
    token: (p, fields) => new p.AccessToken({ ...fields, scope: 'orders:read', gty: 'authorization_code', resourceServer: opaqueApi }),
  });
}
