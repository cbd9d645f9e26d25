// A real upstream OpenID provider for the federation tests: a second oidc-provider on 127.0.0.1 with its development
// login and consent pages (the "login" field names the account), one registered client (ours), and accounts whose
// claims the test sets. Our provider signs customers in at it through the real redirects.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import type { Browser, Page } from './http.ts';

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
export interface UpstreamOptions {
  /**
   * Apple's way: the client secret is a JWT the relying party signs. The upstream's discovery then names a token
   * endpoint in front of the real one, which lets a token request through only when `verify` accepts its
   * client_secret (and puts the real secret in its place); otherwise it answers invalid_client.
   */
  signedSecret?: { verify(secret: string): Promise<boolean>; seen: string[] };
}

export async function startUpstream(redirectUri: string, host = '127.0.0.1', options: UpstreamOptions = {}): Promise<Upstream> {
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
  const front = options.signedSecret ? await tokenFront(`${issuer}/token`, clientSecret, options.signedSecret) : undefined;
  // Before callback(): Koa composes the middleware when the request handler is made.
  if (front) {
    provider.use(async (ctx, next) => {
      await next();
      if (ctx.path === '/.well-known/openid-configuration' && ctx.body && typeof ctx.body === 'object') {
        ctx.body = { ...(ctx.body as Record<string, unknown>), token_endpoint: `${front.url}/token` };
      }
    });
  }
  server.on('request', provider.callback());
  const stop = (s: ReturnType<typeof createServer>) =>
    new Promise<void>((resolve) => {
      s.closeAllConnections();
      s.close(() => resolve());
    });
  return {
    issuer,
    clientId,
    clientSecret,
    accounts,
    close: async () => {
      if (front) await stop(front.server);
      await stop(server);
    },
  };
}

/** The token endpoint in front of the upstream's: checks a signed client secret, then forwards with the real one. */
async function tokenFront(target: string, realSecret: string, check: NonNullable<UpstreamOptions['signedSecret']>) {
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString()));
    req.on('end', () => {
      void (async () => {
        const form = new URLSearchParams(raw);
        const secret = form.get('client_secret') ?? '';
        check.seen.push(secret);
        if (req.method !== 'POST' || !(await check.verify(secret))) {
          res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_client' }));
          return;
        }
        form.set('client_secret', realSecret);
        const answer = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(await answer.text());
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/**
 * Follows redirects on every origin, as a browser does; at an oidc-provider's development pages (the upstream's, the
 * demo provider's) signs in as `login` with any password, then allows. Ends at a page that stays, or at a redirect to
 * `stopAt` (an app's redirect URI), which is not followed.
 */
export async function throughDevPages(b: Browser, first: Page, login: string, stopAt?: string): Promise<{ page: Page; redirect?: URL }> {
  let page = first;
  for (let hops = 0; hops < 30; hops++) {
    const next = page.location;
    if (!next) return { page };
    if (stopAt && next.href.startsWith(stopAt)) return { page, redirect: next };
    if (next.origin !== b.origin && /^\/interaction\/[^/]+$/.test(next.pathname)) {
      const shown = await b.request(next);
      const body = shown.body.includes('name="login"') ? new URLSearchParams({ prompt: 'login', login, password: 'anything' }) : new URLSearchParams({ prompt: 'consent' });
      page = await b.request(next, { method: 'POST', body });
      continue;
    }
    page = await b.request(next);
  }
  throw new Error(`too many redirects, last at ${page.url.href}`);
}
