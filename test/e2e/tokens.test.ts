// Token lifecycle as relying parties and resource servers see it: refresh rotation and the replay defences (a reused
// refresh token or authorization code revokes the whole grant), introspection, revocation, client credentials with
// a resource indicator (JWT access tokens checked against the JWKS) and DPoP sender-constrained tokens.
import * as oidc from 'openid-client';
import { calculateJwkThumbprint, decodeJwt, exportJWK, jwtVerify } from 'jose';
import { Browser } from '../support/http.ts';
import { RESOURCE, serverTest, startServer, type TestServer } from '../support/server.ts';
import {
  authRequest,
  createClient,
  createUser,
  introspect,
  jwks,
  oauthError,
  rp,
  signIn,
  walk,
  type TestUser,
} from './flows.ts';

let server: TestServer;
let user: TestUser;
let web: oidc.Configuration;
let partner: oidc.Configuration;
let partnerId: string;
const it = serverTest(() => server);

const OFFLINE = { scope: 'openid email offline_access', prompt: 'consent' };

let api: oidc.Configuration;
let other: oidc.Configuration;
const API_CLIENT = 'orders-api';
// JWT access tokens are self-contained (the API verifies them against the JWKS); opaque ones need introspection.
const OPAQUE_RESOURCE = 'https://opaque.example.test';

beforeAll(async () => {
  // The orders API's own client is its resource server's introspector; no other client may introspect others' tokens.
  server = await startServer({
    env: {
      // The replay defence itself: no reuse interval (a retry within it is test/integration/refresh-reuse.test.ts).
      REFRESH_TOKEN_REUSE_SECONDS: '0',
      RESOURCES: JSON.stringify({
        [RESOURCE]: { scope: 'orders:read orders:write' },
        [OPAQUE_RESOURCE]: { scope: 'orders:read', accessTokenFormat: 'opaque', introspectors: [API_CLIENT] },
      }),
    },
  });
  const [apiClient, otherClient] = await Promise.all([
    createClient(server, { clientId: API_CLIENT, grantTypes: ['client_credentials'], redirectUris: [], scope: 'orders:read' }),
    createClient(server, { scope: 'openid email' }),
  ]);
  [api, other] = await Promise.all([rp(server, apiClient), rp(server, otherClient)]);
  const [u, webClient, partnerClient] = await Promise.all([
    createUser(server),
    createClient(server, { scope: 'openid email profile offline_access' }),
    createClient(server, { grantTypes: ['client_credentials'], redirectUris: [], scope: 'orders:read orders:write' }),
  ]);
  user = u;
  partnerId = partnerClient.clientId;
  [web, partner] = await Promise.all([rp(server, webClient), rp(server, partnerClient)]);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('refresh tokens', () => {
  it('rotates the refresh token on every use', async () => {
    const { tokens } = await signIn(web, new Browser(server.issuer), user, OFFLINE);
    const rt1 = tokens.refresh_token as string;
    expect(rt1).toBeTruthy();

    const second = await oidc.refreshTokenGrant(web, rt1);
    expect(second.access_token).not.toBe(tokens.access_token);
    expect(second.refresh_token).toBeTruthy();
    expect(second.refresh_token).not.toBe(rt1);
    expect(second.claims()?.sub).toBe(tokens.claims()?.sub);

    const third = await oidc.refreshTokenGrant(web, second.refresh_token as string);
    expect(third.refresh_token).not.toBe(second.refresh_token);
    expect((await introspect(web, third.access_token)).active).toBe(true);
  });

  it('a reused refresh token is refused and revokes the whole grant', async () => {
    const { tokens } = await signIn(web, new Browser(server.issuer), user, OFFLINE);
    const rt1 = tokens.refresh_token as string;
    const rotated = await oidc.refreshTokenGrant(web, rt1);
    expect((await introspect(web, rotated.access_token)).active).toBe(true);

    const reuse = await oauthError(oidc.refreshTokenGrant(web, rt1));
    expect(reuse).toMatchObject({ error: 'invalid_grant', status: 400 });

    // Whoever holds the rotated tokens (the thief or the victim) loses them too.
    expect((await introspect(web, rotated.refresh_token as string)).active).toBe(false);
    expect((await introspect(web, rotated.access_token)).active).toBe(false);
    expect((await introspect(web, tokens.access_token)).active).toBe(false);
    expect(await oauthError(oidc.refreshTokenGrant(web, rotated.refresh_token as string))).toMatchObject({
      error: 'invalid_grant',
    });
  });
});

describe('authorization codes', () => {
  it('a replayed code is refused and revokes the tokens issued for it', async () => {
    const browser = new Browser(server.issuer);
    const req = await authRequest(web, OFFLINE);
    const { redirect } = await walk(browser, req.url, user);
    const checks = { pkceCodeVerifier: req.verifier, expectedState: req.state, expectedNonce: req.nonce };
    const tokens = await oidc.authorizationCodeGrant(web, redirect, checks);
    expect((await introspect(web, tokens.access_token)).active).toBe(true);

    const replay = await oauthError(oidc.authorizationCodeGrant(web, redirect, checks));
    expect(replay).toMatchObject({ error: 'invalid_grant', status: 400 });
    expect((await introspect(web, tokens.access_token)).active).toBe(false);
    expect((await introspect(web, tokens.refresh_token as string)).active).toBe(false);
  });
});

describe('introspection and revocation', () => {
  it('introspection describes an active token and refuses an unknown one', async () => {
    const { tokens } = await signIn(web, new Browser(server.issuer), user, OFFLINE);
    const at = await introspect(web, tokens.access_token);
    expect(at).toMatchObject({
      active: true,
      sub: tokens.claims()?.sub,
      client_id: web.clientMetadata().client_id,
      token_type: 'Bearer',
      iss: server.issuer,
    });
    expect(at.scope?.split(' ')).toEqual(expect.arrayContaining(['openid', 'email']));
    expect(typeof at.exp).toBe('number');
    const rt = await introspect(web, tokens.refresh_token as string);
    expect(rt).toMatchObject({ active: true, sub: tokens.claims()?.sub });

    expect(await introspect(web, 'not-a-token-we-issued')).toEqual({ active: false });
  });

  it('only the token\'s own client and the resource\'s listed introspector learn about a token', async () => {
    const { tokens } = await signIn(web, new Browser(server.issuer), user, OFFLINE);
    expect((await introspect(other, tokens.access_token)).active).toBe(false);
    expect((await introspect(api, tokens.access_token)).active).toBe(false);

    const forApi = await oidc.clientCredentialsGrant(partner, { resource: OPAQUE_RESOURCE, scope: 'orders:read' });
    expect(await introspect(api, forApi.access_token)).toMatchObject({ active: true, client_id: partnerId, aud: OPAQUE_RESOURCE });
    expect((await introspect(other, forApi.access_token)).active).toBe(false);
  });

  it('revoking an access token or a refresh token makes it inactive', async () => {
    const { tokens } = await signIn(web, new Browser(server.issuer), user, OFFLINE);
    await oidc.tokenRevocation(web, tokens.access_token, { token_type_hint: 'access_token' });
    expect((await introspect(web, tokens.access_token)).active).toBe(false);
    await expect(oidc.fetchUserInfo(web, tokens.access_token, oidc.skipSubjectCheck)).rejects.toThrow();

    await oidc.tokenRevocation(web, tokens.refresh_token as string);
    expect((await introspect(web, tokens.refresh_token as string)).active).toBe(false);
    expect(await oauthError(oidc.refreshTokenGrant(web, tokens.refresh_token as string))).toMatchObject({
      error: 'invalid_grant',
    });
  });
});

describe('client credentials with a resource indicator', () => {
  it('issues a JWT access token for the resource, verifiable against the JWKS', async () => {
    const tokens = await oidc.clientCredentialsGrant(partner, { resource: RESOURCE, scope: 'orders:read' });
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.refresh_token).toBeUndefined();
    expect(tokens.id_token).toBeUndefined();
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks(partner), {
      issuer: server.issuer,
      audience: RESOURCE,
      typ: 'at+jwt',
    });
    expect(payload.client_id).toBe(partnerId);
    expect(payload.scope).toBe('orders:read');
    expect(typeof payload.exp).toBe('number');
    expect(typeof protectedHeader.kid).toBe('string');
  });

  it('never grants scopes the resource does not define', async () => {
    const tokens = await oidc.clientCredentialsGrant(partner, {
      resource: RESOURCE,
      scope: 'orders:read orders:delete',
    });
    expect(decodeJwt(tokens.access_token).scope).toBe('orders:read');
  });

  it('refuses an unknown resource and a scope outside the client registration', async () => {
    expect(
      await oauthError(oidc.clientCredentialsGrant(partner, { resource: 'https://unknown.example.test', scope: 'orders:read' })),
    ).toMatchObject({ error: 'invalid_target', status: 400 });
    expect(await oauthError(oidc.clientCredentialsGrant(partner, { scope: 'email' }))).toMatchObject({
      error: 'invalid_scope',
      status: 400,
    });
  });
});

describe('DPoP', () => {
  it('binds the access token to the key and requires the proof at userinfo', async () => {
    const keyPair = await oidc.randomDPoPKeyPair('ES256');
    const DPoP = oidc.getDPoPHandle(web, keyPair);
    const { tokens } = await signIn(web, new Browser(server.issuer), user, { scope: 'openid email' }, { DPoP });
    expect(tokens.token_type).toBe('dpop');

    const jkt = await calculateJwkThumbprint(await exportJWK(keyPair.publicKey));
    const info = await introspect(web, tokens.access_token);
    expect(info).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt } });

    const sub = tokens.claims()?.sub as string;
    expect(await oidc.fetchUserInfo(web, tokens.access_token, sub, { DPoP })).toMatchObject({ sub, email: user.email });

    // The same token as a bearer token, or with a proof from another key, is useless to whoever stole it.
    const bearer = await fetch(web.serverMetadata().userinfo_endpoint as string, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(bearer.status).toBe(401);
    const otherKey = oidc.getDPoPHandle(web, await oidc.randomDPoPKeyPair('ES256'));
    expect(await oauthError(oidc.fetchUserInfo(web, tokens.access_token, sub, { DPoP: otherKey }))).toMatchObject({
      status: 401,
    });
  });

  it('binds client credentials JWTs with cnf.jkt', async () => {
    const keyPair = await oidc.randomDPoPKeyPair('ES256');
    const tokens = await oidc.clientCredentialsGrant(
      partner,
      { resource: RESOURCE, scope: 'orders:write' },
      { DPoP: oidc.getDPoPHandle(partner, keyPair) },
    );
    expect(tokens.token_type).toBe('dpop');
    const { payload } = await jwtVerify(tokens.access_token, jwks(partner), { issuer: server.issuer, audience: RESOURCE });
    expect(payload.cnf).toEqual({ jkt: await calculateJwkThumbprint(await exportJWK(keyPair.publicKey)) });
  });
});
