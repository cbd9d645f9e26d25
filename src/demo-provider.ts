// "Continue with Demo ID" for the demo that `npm start` sets up: a second OpenID provider in this process, on a
// loopback port of its own, with oidc-provider's development sign-in pages (any name and password sign in) and one
// client — us. Whoever signs in there as "ada" comes back as ada@demo-id.example, a verified address, so that the
// whole way through another provider (sign-up, linking, the account center's list) can be tried with no other
// software. Demo only: never with NODE_ENV=production, and not in a cluster (WEB_CONCURRENCY > 1), where each
// worker would start its own.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export const DEMO_CONNECTION = { id: 'demo-id', name: 'Demo ID' } as const;
export const DEMO_ID_DOMAIN = 'demo-id.example';

export interface DemoProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  close(): Promise<void>;
}

/** The address a demo sign-in as `login` gives: the name reduced to what an address may hold. */
export function demoAddress(login: string): string {
  const local = login.toLowerCase().replace(/[^a-z0-9.-]+/g, '.').replace(/^[.-]+|[.-]+$/g, '').slice(0, 40) || 'someone';
  return `${local}@${DEMO_ID_DOMAIN}`;
}

/**
 * Starts the demo provider on `host` (a loopback name other than our issuer's, so that the two keep their cookies
 * apart as two sites would) for our callback `redirectUri`.
 */
export async function startDemoProvider(opts: { host: 'localhost' | '127.0.0.1'; redirectUri: string }): Promise<DemoProvider> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://${opts.host}:${(server.address() as AddressInfo).port}`;
  const clientId = 'ciam';
  const clientSecret = randomBytes(24).toString('base64url');
  // oidc-provider announces its development defaults on the console; here they are the point.
  const warn = console.warn;
  const info = console.info;
  console.warn = () => {};
  console.info = () => {};
  let provider: Provider;
  try {
    provider = new Provider(issuer, {
      clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [opts.redirectUri], grant_types: ['authorization_code'], response_types: ['code'] }],
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
      cookies: { keys: [randomBytes(32).toString('base64url')] },
      pkce: { required: () => true },
      findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub, email: demoAddress(sub), email_verified: true, name: sub }) }),
      conformIdTokenClaims: false,
    });
  } finally {
    console.warn = warn;
    console.info = info;
  }
  server.on('request', provider.callback());
  return {
    issuer,
    clientId,
    clientSecret,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
