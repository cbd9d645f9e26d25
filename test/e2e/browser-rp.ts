// A relying party whose user is a real browser (Chromium through playwright): its registration through the operator
// CLI, the start of its code flow (PKCE, state, nonce) in a page, and the redemption of the code the page brings back
// to the redirect receiver, with the id_token verified against the published keys. The browser tests share these.
import * as oidc from 'openid-client';
import { jwtVerify, type JWTPayload } from 'jose';
import type { Page, RedirectReceiver } from '../support/browser.ts';
import type { TestServer } from '../support/server.ts';
import { jwks, rp } from './flows.ts';

export interface BrowserRp {
  clientId: string;
  config: oidc.Configuration;
}

/** What the relying party keeps between sending the browser away and its coming back. */
export interface Started {
  verifier: string;
  state: string;
  nonce: string;
}

/**
 * Registers a public client ("Demo Shop") redirecting to the receiver, with the authorization code grant;
 * `args` adds to (or repeats) the CLI's options, e.g. a scope or an MFA policy.
 */
export async function registerBrowserRp(server: TestServer, receiver: RedirectReceiver, clientId: string, args: readonly string[] = []): Promise<BrowserRp> {
  await server.cli(['clients', 'create', '--client-id', clientId, '--public', '--client-name', 'Demo Shop', '--redirect-uri', `${receiver.origin}/cb`, '--grant-type', 'authorization_code', ...args]);
  return { clientId, config: await rp(server, { clientId }) };
}

/** Sends the page to the provider's authorization endpoint (scope `openid email` unless `params` says otherwise). */
export async function startCodeFlow(page: Page, client: BrowserRp, receiver: RedirectReceiver, params: Record<string, string> = {}): Promise<Started> {
  const started = { verifier: oidc.randomPKCECodeVerifier(), state: oidc.randomState(), nonce: oidc.randomNonce() };
  const url = oidc.buildAuthorizationUrl(client.config, {
    redirect_uri: `${receiver.origin}/cb`,
    scope: 'openid email',
    code_challenge: await oidc.calculatePKCECodeChallenge(started.verifier),
    code_challenge_method: 'S256',
    state: started.state,
    nonce: started.nonce,
    ...params,
  });
  await page.goto(url.href);
  return started;
}

/**
 * Waits for the page to reach the relying party, checks it brought a code and no error, redeems the code and
 * verifies the id_token (issuer, audience, signature by a published key): the tokens and the id_token's claims.
 */
export async function redeemInBrowser(
  page: Page,
  client: BrowserRp,
  receiver: RedirectReceiver,
  started: Started,
): Promise<{ tokens: oidc.TokenEndpointResponse; claims: JWTPayload }> {
  await page.waitForURL((url) => url.origin === receiver.origin);
  const callback = new URL(page.url());
  expect(callback.searchParams.get('error')).toBeNull();
  expect(callback.searchParams.get('code')).toBeTruthy();
  const tokens = await oidc.authorizationCodeGrant(client.config, callback, {
    pkceCodeVerifier: started.verifier,
    expectedState: started.state,
    expectedNonce: started.nonce,
  });
  const issuer = client.config.serverMetadata().issuer;
  const { payload } = await jwtVerify(tokens.id_token as string, jwks(client.config), { issuer, audience: client.clientId });
  return { tokens, claims: payload };
}
