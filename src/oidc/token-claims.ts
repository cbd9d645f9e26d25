// Identity claims outside the id_token and userinfo: oidc-provider puts claims into access tokens only through
// `extraTokenClaims`, whose result becomes a JWT access token's payload and an opaque token's introspection answer.
// A resource-bound access token's own scope holds only the resource's scopes, so the OpenID Connect scopes are read
// from what the token was issued from (code, refresh token, device code), filtered by the Grant: a scope the customer
// withheld is not granted, and a withheld claim is dropped whatever scope would release it. The Grant is read at
// issuance, so a narrowing in the account center applies to the next token.
import type { Account, FindAccount, KoaContextWithOIDC } from 'oidc-provider';
import { SCOPE_CLAIMS } from '../services/claims.ts';
import { ALWAYS_REQUIRED_CLAIMS } from '../services/consent-choices.ts';

// The standard identity scopes; protocol claims (sub, acr, amr, auth_time) have their own places in a token, and
// app-specific data (app_metadata) is for the app, not for the resource servers it calls.
const IDENTITY_SCOPES = new Set(Object.keys(SCOPE_CLAIMS).filter((s) => s !== 'openid'));

interface TokenLike {
  kind?: string;
  accountId?: string;
  grantId?: string;
  scope?: string;
  resourceServer?: unknown;
}

interface GrantView {
  getOIDCScopeFiltered(filter: Set<string>): string;
  getRejectedOIDCClaims(): string[];
}

type Entities = Record<string, { scope?: string; jti?: string } | undefined>;

const words = (value: unknown): string[] => (typeof value === 'string' ? value.split(' ').filter(Boolean) : []);

/** The scopes asked for in the request the token comes from (a refresh may narrow them with its `scope`). */
function requestedScopes(ctx: KoaContextWithOIDC, token: TokenLike): Set<string> {
  if (!token.resourceServer) return new Set(words(token.scope));
  const entities = ctx.oidc.entities as unknown as Entities;
  const source =
    entities.AuthorizationCode ?? entities.RefreshToken ?? entities.DeviceCode ?? entities.BackchannelAuthenticationRequest;
  const scopes = words(source?.scope);
  const narrowed = words(ctx.oidc.params?.scope);
  return new Set(narrowed.length ? scopes.filter((s) => narrowed.includes(s)) : scopes);
}

export async function identityClaimsForToken(
  ctx: KoaContextWithOIDC | undefined,
  token: unknown,
  claimsOf: (scope: string) => readonly string[],
  findAccount: FindAccount,
): Promise<Record<string, unknown> | undefined> {
  const t = token as TokenLike;
  if (!ctx || t.kind !== 'AccessToken' || !t.accountId || !t.grantId) return undefined;

  const entities = ctx.oidc.entities as unknown as Entities;
  const loaded = entities.Grant?.jti === t.grantId ? (entities.Grant as unknown as GrantView) : undefined;
  const grant = loaded ?? ((await ctx.oidc.provider.Grant.find(t.grantId)) as unknown as GrantView | undefined);
  if (!grant) return undefined;

  const scope = grant.getOIDCScopeFiltered(requestedScopes(ctx, t));
  const rejected = grant.getRejectedOIDCClaims();
  const withheld = new Set(rejected);
  const names = new Set(
    words(scope)
      .filter((s) => IDENTITY_SCOPES.has(s))
      .flatMap((s) => claimsOf(s))
      .filter((c) => !withheld.has(c) && !ALWAYS_REQUIRED_CLAIMS.has(c)),
  );
  if (names.size === 0) return undefined;

  const account = ctx.oidc.account?.accountId === t.accountId ? ctx.oidc.account : await findAccount(ctx, t.accountId);
  if (!account) return undefined;
  const available = await account.claims('userinfo', scope, {}, rejected);
  const claims: Record<string, unknown> = {};
  for (const name of names) if (available[name] !== undefined) claims[name] = available[name];
  return Object.keys(claims).length ? claims : undefined;
}

/** findAccount whose claims never include what the customer withheld (the `rejected` oidc-provider passes in). */
export function honourRejectedClaims(findAccount: FindAccount): FindAccount {
  return async (ctx, sub, token) => {
    const account = await findAccount(ctx, sub, token);
    if (!account) return account;
    const honouring: Account = {
      ...account,
      claims: async (use, scope, claims, rejected) => {
        const all = { ...(await account.claims(use, scope, claims, rejected)) };
        for (const name of rejected ?? []) if (!ALWAYS_REQUIRED_CLAIMS.has(name)) delete all[name];
        return all;
      },
    };
    return honouring;
  };
}
