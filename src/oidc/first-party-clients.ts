// Our own areas that sign browsers in through this provider (the account center, the operator console): each is an
// ordinary relying party — a public client without tokens (response_type none) that only learns "this browser is
// signed in", then reads the provider's session itself. Being ordinary clients keeps single sign-on, prompt=login
// re-authentication, acr_values step-up and RP-initiated logout the standard ones.
import { isDeepStrictEqual } from 'node:util';
import type Provider from 'oidc-provider';
import type { Adapter, ClientMetadata } from 'oidc-provider';
import type { Config } from '../config/index.ts';
import type { Logger } from '../log.ts';

/** One of our own areas: where its pages live, the client it signs in as, and what it demands of a sign-in. */
/** The product's own areas' clients (the account center, the console): made at every start, never changed by hand. */
export const ACCOUNT_CLIENT_ID = 'ciam-account';
export const CONSOLE_CLIENT_ID = 'ciam-console';
export const BUILT_IN_CLIENT_IDS: ReadonlySet<string> = new Set([ACCOUNT_CLIENT_ID, CONSOLE_CLIENT_ID]);

export interface FirstPartyArea {
  /** The path its pages live under ('/account'); its callback and signed-out pages are below it. */
  prefix: string;
  clientId: string;
  /** The signed cookie (path: prefix) holding the sign-ins under way. */
  stateCookie: string;
  /** The acr level (auth/requirement.ts LEVEL) every page demands; absent: any sign-in will do. */
  level?: number;
}

export function areaUrls(area: Pick<FirstPartyArea, 'prefix'>, issuer: string) {
  return {
    callback: `${issuer}${area.prefix}/callback`,
    signedOut: `${issuer}${area.prefix}/signed-out`,
  };
}

export function firstPartyClientMetadata(area: Pick<FirstPartyArea, 'prefix' | 'clientId'>, name: string, issuer: string): ClientMetadata {
  const urls = areaUrls(area, issuer);
  return {
    client_id: area.clientId,
    client_name: name,
    token_endpoint_auth_method: 'none',
    response_types: ['none'],
    grant_types: [],
    scope: 'openid',
    redirect_uris: [urls.callback],
    post_logout_redirect_uris: [urls.signedOut],
    // Our own application: the provider records consent without asking (extra client metadata, see provider.ts).
    first_party: true,
  };
}

export interface EnsureFirstPartyClientDeps {
  provider: () => Provider;
  Adapter: new (model: string) => Adapter;
  config: Pick<Config, 'issuer'>;
  logger?: Logger;
}

/**
 * Creates the client, or brings it up to date when the issuer (and with it the redirect URIs) changed. Written
 * through the adapter like any other client; validated by oidc-provider first.
 */
export async function ensureFirstPartyClient(deps: EnsureFirstPartyClientDeps, metadata: ClientMetadata): Promise<'created' | 'updated' | 'unchanged'> {
  await deps.provider().Client.validate(metadata);
  const clients = new deps.Adapter('Client');
  const existing = await clients.find(metadata.client_id);
  if (existing && isDeepStrictEqual({ ...existing }, { ...metadata })) return 'unchanged';
  await clients.upsert(metadata.client_id, { ...metadata });
  const outcome = existing ? 'updated' : 'created';
  deps.logger?.info({ clientId: metadata.client_id, outcome }, 'first-party client ready');
  return outcome;
}
