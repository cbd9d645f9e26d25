// A real oidc-provider (in-memory adapter, one static client) inside a Koa app wired the way src/app.ts wires the
// pages: request id, error handler, security headers, stylesheet, no-store, interaction routes, then the provider.
// The account store is a fake implementing the users-service interface; everything else is the real thing.
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import mount from 'koa-mount';
import Provider, { type JWK } from 'oidc-provider';
import { assets } from '../../../src/http/assets.ts';
import { errorHandler } from '../../../src/http/errors.ts';
import { requestId } from '../../../src/http/request-id.ts';
import { noStore, securityHeaders } from '../../../src/http/security-headers.ts';
import { interactionRouter } from '../../../src/interaction/routes.ts';
import { createLogger } from '../../../src/log.ts';
import { providerPages } from '../../../src/oidc/pages.ts';
import type { AuditEvent } from '../../../src/services/audit.ts';
import type { Config } from '../../../src/config/index.ts';
import type { PasswordPolicy } from '../../../src/services/password-policy.ts';
import type { LoginMeta, UserService } from '../../../src/services/users.ts';

export const CLIENT = {
  id: 'shop',
  secret: 'shop-secret-that-is-long-enough-for-hs256-0123456789',
  name: 'Shop <Test>',
  uri: 'https://shop.example/',
  redirectUri: 'https://shop.example/cb',
  postLogoutRedirectUri: 'https://shop.example/bye',
};
// Signing in with this address makes the fake account store fail the way the MongoDB driver does when the
// database is unreachable.
export const DB_DOWN_EMAIL = 'db-down@example.com';
export const ALICE = { email: 'alice@example.com', password: 'correct horse battery staple', accountId: 'acc-alice' };

const KEYS = [randomBytes(32).toString('base64url')];

export interface Harness {
  url: string;
  provider: Provider;
  logins: { email: string; meta: LoginMeta }[];
  audit: AuditEvent[];
  close(): Promise<void>;
}

function signingKey(): JWK {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...(privateKey.export({ format: 'jwk' }) as JWK), kid: 'test', alg: 'RS256', use: 'sig' };
}

export async function startHarness(): Promise<Harness> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const logger = createLogger('silent');
  const pages = providerPages({ config: { issuer }, logger });

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT.id,
        client_secret: CLIENT.secret,
        client_name: CLIENT.name,
        client_uri: CLIENT.uri,
        redirect_uris: [CLIENT.redirectUri],
        post_logout_redirect_uris: [CLIENT.postLogoutRedirectUri],
        grant_types: ['authorization_code', 'urn:ietf:params:oauth:grant-type:device_code'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [signingKey()] },
    cookies: { keys: KEYS },
    scopes: ['openid', 'email', 'profile', 'offline_access'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'given_name'] },
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, DeviceCode: 600, AuthorizationCode: 60, AccessToken: 600, IdToken: 600 },
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: pages.logoutSource,
        postLogoutSuccessSource: pages.postLogoutSuccessSource,
      },
      deviceFlow: {
        enabled: true,
        userCodeInputSource: pages.userCodeInputSource,
        userCodeConfirmSource: pages.userCodeConfirmSource,
        successSource: pages.successSource,
      },
    },
    renderError: pages.renderError,
  });

  const logins: Harness['logins'] = [];
  const audit: AuditEvent[] = [];
  const users = {
    async authenticate(email: string, password: string, meta: LoginMeta) {
      logins.push({ email, meta });
      if (email === DB_DOWN_EMAIL) {
        throw Object.assign(new Error('Server selection timed out after 5000 ms'), { name: 'MongoServerSelectionError' });
      }
      return email === ALICE.email && password === ALICE.password ? { accountId: ALICE.accountId } : null;
    },
    // The consent page names who is signed in.
    async accountState(id: string) {
      return id === ALICE.accountId ? { email: ALICE.email, emailVerified: true, missing: () => [] } : undefined;
    },
  };

  const app = new Koa();
  app.keys = KEYS;
  app.silent = true;
  app.use(requestId());
  app.use(errorHandler({ logger }));
  app.use(securityHeaders({ issuer }));
  app.use(assets());
  app.use(noStore());
  // Only login and consent run here (the default policy); the self-service pages have their own tests against the
  // real services (test/integration/interaction/self-service.test.ts).
  const unused = (name: string) => () => {
    throw new Error(`${name} is not part of the login/consent harness`);
  };
  const router = interactionRouter({
    provider: () => provider,
    users: users as unknown as UserService,
    audit: { record: async (e) => void audit.push(e) },
    config: { issuer, signup: { enabled: false, requiredAttributes: [] }, signin: { emailCodes: false }, mfa: { policy: 'off', factors: [], trustDays: 0 } } as unknown as Config,
    logger,
    mailer: { queue: unused('mailer') },
    codes: { issue: unused('codes'), verify: unused('codes'), peek: unused('codes') },
    throttle: {
      check: async () => ({ allowed: true }),
      fail: async () => ({ allowed: true }),
      succeed: async () => {},
      forget: async () => {},
      ensureIndexes: async () => ({ ttl: false }),
      sweepExpired: async () => 0,
    },
    passwordPolicy: { check: async () => ({ ok: true }), minLength: 8, maxLength: 1024 } as unknown as PasswordPolicy,
    passwords: { replacePassword: unused('passwords.replacePassword') },
    codeChallenges: { open: unused('codeChallenges') },
    // MFA policy 'off': the risk engine only records; no factor service is reached (test/integration/interaction/mfa.test.ts).
    risk: {
      assess: unused('risk.assess'),
      recordAttempt: async () => {},
      recordSignIn: async () => {},
      trustDevice: unused('risk.trustDevice'),
      forgetDevices: unused('risk.forgetDevices'),
    },
    flows: unused('flows') as never,
    // No connections here: the login page offers none (test/integration/interaction/federation.test.ts has them).
    connections: { listEnabled: async () => [], enabled: async () => undefined },
    federation: unused('federation') as never,
    federatedSignIn: unused('federatedSignIn') as never,
    factors: unused('factors') as never,
    totp: unused('totp') as never,
    passkeys: unused('passkeys') as never,
    recoveryCodes: unused('recoveryCodes') as never,
    factorChanges: unused('factorChanges') as never,
    attempts: unused('attempts') as never,
    smsEnabled: false,
  });
  app.use(router.routes());
  app.use(router.allowedMethods());
  app.use(mount(provider as unknown as Koa));
  server.on('request', app.callback());

  return {
    url: issuer,
    provider,
    logins,
    audit,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

// Cookies by hand: name -> value, dropping the ones the server deletes. Paths are ignored, which sends a few
// cookies more than a browser would; oidc-provider finds its own by name.
export class CookieJar {
  readonly cookies = new Map<string, string>();

  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expires = attributes.map((a) => a.trim()).find((a) => /^expires=/i.test(a));
      const gone = !value || (expires !== undefined && Date.parse(expires.slice(8)) <= Date.now());
      if (gone) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

export interface Client {
  request(path: string, init?: { method?: string; form?: string | Record<string, string>; headers?: Record<string, string> }): Promise<Response>;
  jar: CookieJar;
}

/** `headers` go with every request (e.g. X-Forwarded-For, to come from a given address behind TRUST_PROXY). */
export function browser(base: string, jar = new CookieJar(), headers: Record<string, string> = {}): Client {
  return {
    jar,
    async request(path, init = {}) {
      const body = typeof init.form === 'string' ? init.form : init.form ? new URLSearchParams(init.form).toString() : undefined;
      const res = await fetch(new URL(path, base), {
        method: init.method ?? (body === undefined ? 'GET' : 'POST'),
        redirect: 'manual',
        headers: {
          accept: 'text/html',
          ...headers,
          ...(jar.cookies.size ? { cookie: jar.header() } : {}),
          ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
          ...init.headers,
        },
        body,
      });
      jar.store(res);
      return res;
    },
  };
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function csrfTokenOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error('page has no CSRF token');
  return match[1];
}

export function locationOf(res: Response, base: string): URL {
  const location = res.headers.get('location');
  if (!location) throw new Error(`expected a redirect, got ${res.status}`);
  return new URL(location, base);
}

/** GET a page: status, markup and the CSRF token of its forms ('' when it has none). */
export async function readPage(c: Client, path: string): Promise<{ status: number; html: string; csrf: string }> {
  const res = await c.request(path);
  const html = await res.text();
  return { status: res.status, html, csrf: /name="_csrf"/.test(html) ? csrfTokenOf(html) : '' };
}

/** Follows redirects inside the provider until it leaves for the client or lands on one of our pages. */
export async function followRedirects(c: Client, res: Response, base: string): Promise<URL> {
  let current = res;
  for (let hops = 0; hops < 10; hops++) {
    const next = locationOf(current, base);
    if (next.origin !== base || next.pathname.startsWith('/interaction/')) return next;
    current = await c.request(next.pathname + next.search);
    if (current.status !== 302 && current.status !== 303) return next;
  }
  throw new Error('redirect loop');
}
