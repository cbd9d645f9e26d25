// A real upstream OpenID provider for the federation tests: a second oidc-provider on 127.0.0.1 with its development
// login and consent pages (the "login" field names the account), one registered client (ours), and accounts whose
// claims the test sets. Our provider signs customers in at it through the real redirects.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export interface UpstreamAccount {
  email?: string;
  email_verified?: boolean;
  name?: string;
}

export interface Upstream {
  issuer: string;
  clientId: string;
  clientSecret: string;
  accounts: Map<string, UpstreamAccount>;
  close(): Promise<void>;
}

/**
 * `host`: the issuer's host name (it always listens on 127.0.0.1). A browser keeps cookies per host, not per port:
 * the upstream needs a host of its own beside a provider of ours on 127.0.0.1, or their cookies collide.
 */
export async function startUpstream(redirectUri: string, host = '127.0.0.1'): Promise<Upstream> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://${host}:${(server.address() as AddressInfo).port}`;
  const accounts = new Map<string, UpstreamAccount>();
  const clientId = 'ours';
  const clientSecret = 'upstream-secret-'.padEnd(48, 'x');
  // oidc-provider warns (console.warn) about its development defaults, which are exactly what a test upstream wants.
  const warn = console.warn;
  console.warn = () => {};
  let provider: Provider;
  try {
    provider = new Provider(issuer, {
      clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [redirectUri], grant_types: ['authorization_code'], response_types: ['code'] }],
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
      cookies: { keys: ['upstream-test-cookie-key'] },
      pkce: { required: () => true },
      findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub, ...accounts.get(sub) }) }),
      // Claims in the ID token too, as Google and most providers put them there.
      conformIdTokenClaims: false,
    });
  } finally {
    console.warn = warn;
  }
  server.on('request', provider.callback());
  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
