// What a relying party and its user do, in reusable steps: register through the operator CLI, discover with
// openid-client, drive the hosted login and consent pages with the tiny browser.
import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import { createRemoteJWKSet } from 'jose';
import { Browser, findForm, forms, textOf, type Page } from '../support/http.ts';
import type { TestServer } from '../support/server.ts';

export const REDIRECT_URI = 'https://rp.example.test/cb';
export const POST_LOGOUT_URI = 'https://rp.example.test/bye';
export const PASSWORD = 'correct horse battery staple';

export interface TestUser {
  email: string;
  password: string;
  name: string;
}

export interface TestClient {
  clientId: string;
  clientSecret?: string;
}

export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export async function createUser(server: TestServer, name = 'Ada Lovelace'): Promise<TestUser> {
  const email = `${unique('user')}@example.test`;
  await server.cli(['users', 'create', '--email', email, '--password', PASSWORD, '--name', name, '--email-verified']);
  return { email, password: PASSWORD, name };
}

export interface ClientOptions {
  clientId?: string;
  public?: boolean;
  grantTypes?: string[];
  redirectUris?: string[];
  scope?: string;
  postLogoutRedirectUris?: string[];
  authMethod?: string;
  /** Further registration fields (ciam clients create --metadata). */
  metadata?: Record<string, unknown>;
}

export async function createClient(server: TestServer, opts: ClientOptions = {}): Promise<TestClient> {
  const clientId = opts.clientId ?? unique('client');
  const clientSecret = opts.public ? undefined : randomBytes(24).toString('base64url');
  const args = ['clients', 'create', '--client-id', clientId];
  // The = form: a random secret may start with '-', which an option parser would take for another option.
  if (clientSecret) args.push(`--client-secret=${clientSecret}`);
  else args.push('--public');
  for (const uri of opts.redirectUris ?? [REDIRECT_URI]) args.push('--redirect-uri', uri);
  for (const g of opts.grantTypes ?? ['authorization_code', 'refresh_token']) args.push('--grant-type', g);
  if (opts.scope) args.push('--scope', opts.scope);
  if (opts.authMethod) args.push('--token-endpoint-auth-method', opts.authMethod);
  for (const uri of opts.postLogoutRedirectUris ?? []) args.push('--post-logout-redirect-uri', uri);
  if (opts.metadata) args.push('--metadata', JSON.stringify(opts.metadata));
  await server.cli(args);
  return { clientId, clientSecret };
}

/** openid-client configuration for a client, over plain HTTP (the test server listens on 127.0.0.1). */
export async function rp(server: TestServer, client: TestClient, auth?: oidc.ClientAuth): Promise<oidc.Configuration> {
  const clientAuth = auth ?? (client.clientSecret ? oidc.ClientSecretBasic(client.clientSecret) : oidc.None());
  return oidc.discovery(new URL(server.issuer), client.clientId, client.clientSecret, clientAuth, {
    execute: [oidc.allowInsecureRequests],
  });
}

/** The provider's published keys, as a resource server would fetch them (no caching across calls). */
export function jwks(config: oidc.Configuration) {
  const uri = config.serverMetadata().jwks_uri;
  if (!uri) throw new Error('discovery has no jwks_uri');
  return createRemoteJWKSet(new URL(uri), { cacheMaxAge: 0, cooldownDuration: 0 });
}

export interface AuthRequest {
  url: URL;
  state: string;
  nonce: string;
  verifier: string;
}

export async function authRequest(config: oidc.Configuration, params: Record<string, string> = {}): Promise<AuthRequest> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid email profile',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...params,
  });
  return { url, state, nonce, verifier };
}

export function isLoginPage(page: Page): boolean {
  return forms(page).some((f) => /\/login$/.test(f.action.pathname));
}

export function isConsentPage(page: Page): boolean {
  return forms(page).some((f) => /\/confirm$/.test(f.action.pathname));
}

export async function submitLogin(browser: Browser, page: Page, user: { email: string; password: string }) {
  const { form, button } = findForm(page, /\/login$/);
  return browser.submit(form, { email: user.email, password: user.password }, { button });
}

export async function submitConsent(browser: Browser, page: Page, decision: 'allow' | 'deny' = 'allow') {
  const { form, button } = findForm(page, decision === 'allow' ? /\/confirm$/ : /\/abort$/);
  return browser.submit(form, {}, { button });
}

export interface Walk {
  redirect: URL;
  /** The provider pages shown on the way, by kind, in order. */
  shown: ('login' | 'consent')[];
  pages: Page[];
}

/**
 * Starts at `start` and plays the user: signs in when the login page shows, allows (or denies) consent, until the
 * provider redirects away. Fails with the page text when it stops on anything else.
 */
export async function walk(
  browser: Browser,
  start: URL,
  user?: { email: string; password: string },
  decision: 'allow' | 'deny' = 'allow',
): Promise<Walk> {
  let step = await browser.navigate(start);
  const shown: Walk['shown'] = [];
  const pages: Page[] = [];
  for (let i = 0; i < 8; i++) {
    if (step.redirect) return { redirect: step.redirect, shown, pages };
    const { page } = step;
    pages.push(page);
    if (isLoginPage(page)) {
      if (!user) throw new Error('the login page was shown but no user was given');
      shown.push('login');
      step = await submitLogin(browser, page, user);
    } else if (isConsentPage(page)) {
      shown.push('consent');
      step = await submitConsent(browser, page, decision);
    } else {
      throw new Error(`stopped at ${page.url.pathname} (status ${page.status}): ${textOf(page.body).slice(0, 600)}`);
    }
  }
  throw new Error(`no redirect back to the client after ${shown.join(', ')}`);
}

/** Signs in and consents, then redeems the code: the tokens a confidential or public client ends up with. */
export async function signIn(
  config: oidc.Configuration,
  browser: Browser,
  user: TestUser,
  params: Record<string, string> = {},
  options?: oidc.AuthorizationCodeGrantOptions,
) {
  const req = await authRequest(config, params);
  const { redirect } = await walk(browser, req.url, user);
  const error = redirect.searchParams.get('error');
  if (error) throw new Error(`authorization failed: ${error} (${redirect.searchParams.get('error_description')})`);
  const tokens = await oidc.authorizationCodeGrant(
    config,
    redirect,
    { pkceCodeVerifier: req.verifier, expectedState: req.state, expectedNonce: req.nonce },
    undefined,
    options,
  );
  return { tokens, redirect, req };
}

/** The OAuth error an openid-client call failed with (the server's answer, not a client-side check). */
export async function oauthError(promise: Promise<unknown>): Promise<{ error: string; status: number; description?: string }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof oidc.ResponseBodyError) return { error: err.error, status: err.status, description: err.error_description };
    if (err instanceof oidc.AuthorizationResponseError) return { error: err.error, status: 0, description: err.error_description };
    if (err instanceof oidc.WWWAuthenticateChallengeError) {
      const challenge = err.cause[0];
      return { error: String(challenge?.parameters.error ?? challenge?.scheme), status: err.status };
    }
    throw err;
  }
  throw new Error('expected the request to fail, it succeeded');
}

export async function introspect(config: oidc.Configuration, token: string): Promise<oidc.IntrospectionResponse> {
  return oidc.tokenIntrospection(config, token);
}

/** A fresh initial access token for dynamic registration, minted by the operator CLI. */
export async function initialAccessToken(server: TestServer): Promise<string> {
  const out = await server.cli<Record<string, unknown>>(['iat', 'create']);
  const token = out.token ?? out.initialAccessToken ?? out.initial_access_token;
  if (typeof token !== 'string') throw new Error(`ciam iat create printed no token: ${JSON.stringify(out)}`);
  return token;
}
