// Who calls the provider's own API (/api/v1): a client-credentials access token issued for the resource
// `${issuer}/api`, sent as a bearer token (RFC 6750). Shared by the per-app metadata API and the management API.
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { AppError } from '../errors.ts';

/** The resource indicator (and audience) of the provider's own API. */
export const apiAudience = (issuer: string) => `${issuer.replace(/\/+$/, '')}/api`;

export interface ApiCaller {
  clientId: string;
  scopes: ReadonlySet<string>;
  /** Set for an app registered with subject_type=pairwise: its sector, which its `sub` values belong to. */
  sector?: string;
}

// RFC 6750 b64token; bounded, so that no lookup is made for something that cannot be one of our tokens.
const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]{1,512}=*)$/i;
const quote = (s: string) => s.replace(/[\\"]/g, '');

export function unauthorized(realm: string, description?: string): AppError {
  // Without credentials the challenge carries no error code (RFC 6750 §3.1); with bad ones it says invalid_token.
  const challenge = description
    ? `Bearer realm="${quote(realm)}", error="invalid_token", error_description="${quote(description)}"`
    : `Bearer realm="${quote(realm)}"`;
  return new AppError(401, 'invalid_token', description ?? 'A bearer access token is required', { challenge });
}

export function insufficientScope(realm: string, scope: string): AppError {
  return new AppError(403, 'insufficient_scope', `The access token lacks the scope ${scope}`, {
    challenge: `Bearer realm="${quote(realm)}", error="insufficient_scope", scope="${quote(scope)}"`,
  });
}

/** The caller of this request; throws the 401 to answer when the token is missing, unknown, expired or not ours. */
export async function authenticateCaller(ctx: Context, provider: Provider): Promise<ApiCaller> {
  const audience = apiAudience(provider.issuer);
  const header = ctx.get('authorization');
  if (!header) throw unauthorized(audience);
  const match = BEARER.exec(header);
  if (!match?.[1]) throw unauthorized(audience, 'The Authorization header must be "Bearer <access token>"');
  const token = await provider.ClientCredentials.find(match[1]);
  if (!token || token.isExpired) throw unauthorized(audience, 'The access token is invalid or has expired');
  const aud = (token as { aud?: unknown }).aud;
  if (!(Array.isArray(aud) ? aud.includes(audience) : aud === audience)) {
    throw unauthorized(audience, 'The access token was not issued for this API');
  }
  // A DPoP- or certificate-bound token is only good with its proof, which this API does not verify.
  if (token.isSenderConstrained()) throw unauthorized(audience, 'Sender-constrained access tokens are not accepted here');
  const client = token.clientId ? await provider.Client.find(token.clientId) : undefined;
  if (!token.clientId || !client) throw unauthorized(audience, 'The client of this access token no longer exists');
  const sector = client.subjectType === 'pairwise' ? client.sectorIdentifier : undefined;
  return { clientId: token.clientId, scopes: token.scopes, ...(typeof sector === 'string' ? { sector } : {}) };
}
