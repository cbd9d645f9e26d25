// The requests the token-endpoint phases send, to whichever server is measured.
import { basic, type Shot } from './load.ts';
import { API_CLIENT, PARTNER, WEB_APP } from './settings.ts';

const form = (params: Record<string, string>) => new URLSearchParams(params).toString();

export function clientCredentials(url: string, resource: string, scope: string): Shot {
  const body = form({ grant_type: 'client_credentials', resource, scope });
  return { url, path: '/token', headers: { authorization: basic(PARTNER.id, PARTNER.secret) }, body: () => body };
}

// The API checks the tokens it receives as a resource server does: as itself, saying what kind of token it holds.
export function introspection(url: string, pool: readonly string[]): Shot {
  let i = 0;
  return {
    url,
    path: '/token/introspection',
    headers: { authorization: basic(API_CLIENT.id, API_CLIENT.secret) },
    body: () => form({ token: pool[i++ % pool.length]!, token_type_hint: 'access_token' }),
    check: (body) => (body.includes('"active":true') ? undefined : `inactive: ${body.slice(0, 200)}`),
  };
}

export function refresh(url: string, tokens: string[]): Shot {
  return {
    url,
    path: '/token',
    headers: { authorization: basic(WEB_APP.id, WEB_APP.secret) },
    body: () => form({ grant_type: 'refresh_token', refresh_token: tokens.shift() ?? 'exhausted' }),
  };
}
