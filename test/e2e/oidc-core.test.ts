// Discovery, JWKS and the authorization code flow with PKCE through the hosted login and consent pages, driven by
// openid-client as a real relying party would, including the request parameters that change what the user sees.
import * as oidc from 'openid-client';
import { decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { Browser, findForm, textOf, type Page } from '../support/http.ts';
import { serverTest, startServer, type TestServer } from '../support/server.ts';
import {
  authRequest,
  createClient,
  createUser,
  REDIRECT_URI,
  rp,
  signIn,
  jwks,
  walk,
  type TestClient,
  type TestUser,
} from './flows.ts';

let server: TestServer;
let user: TestUser;
let web: TestClient;
let config: oidc.Configuration;
const it = serverTest(() => server);

beforeAll(async () => {
  server = await startServer();
  [user, web] = await Promise.all([
    createUser(server),
    createClient(server, { scope: 'openid profile email offline_access' }),
  ]);
  config = await rp(server, web);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('discovery and keys', () => {
  it('publishes metadata for every feature the provider offers', async () => {
    const m = config.serverMetadata();
    expect(m.issuer).toBe(server.issuer);
    for (const endpoint of [
      'authorization_endpoint',
      'token_endpoint',
      'userinfo_endpoint',
      'jwks_uri',
      'introspection_endpoint',
      'revocation_endpoint',
      'end_session_endpoint',
      'pushed_authorization_request_endpoint',
      'device_authorization_endpoint',
      'registration_endpoint',
    ] as const) {
      expect(m[endpoint]).toMatch(new RegExp(`^${server.issuer}/`));
    }
    expect(m.code_challenge_methods_supported).toEqual(['S256']);
    expect(m.grant_types_supported).toEqual(
      expect.arrayContaining([
        'authorization_code',
        'refresh_token',
        'client_credentials',
        'urn:ietf:params:oauth:grant-type:device_code',
      ]),
    );
    expect(m.dpop_signing_alg_values_supported?.length).toBeGreaterThan(0);
    expect(m.id_token_signing_alg_values_supported).toEqual(expect.arrayContaining(['ES256', 'RS256']));
    expect(m.claims_parameter_supported).toBe(true);
    expect(m.backchannel_logout_supported).toBe(true);
    expect(m.response_types_supported).toContain('code');
    expect(m.scopes_supported).toEqual(expect.arrayContaining(['openid', 'offline_access', 'email', 'profile']));
    expect(m.request_parameter_supported).toBe(true);
    expect(m.request_object_signing_alg_values_supported).toEqual(expect.arrayContaining(['RS256', 'ES256']));
    expect(m.userinfo_signing_alg_values_supported).toEqual(expect.arrayContaining(['RS256', 'ES256']));
  });

  it('publishes ES256 and RS256 public keys with unique kids and no private parts', async () => {
    const res = await fetch(config.serverMetadata().jwks_uri as string);
    expect(res.status).toBe(200);
    const { keys } = (await res.json()) as { keys: Record<string, unknown>[] };
    const algs = new Set(keys.map((k) => k.alg));
    expect([...algs]).toEqual(expect.arrayContaining(['ES256', 'RS256']));
    const kids = keys.map((k) => k.kid);
    expect(kids.every((k) => typeof k === 'string' && k.length > 0)).toBe(true);
    expect(new Set(kids).size).toBe(kids.length);
    for (const key of keys) {
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(key).not.toHaveProperty(secret);
    }
  });

  it('answers health and readiness probes', async () => {
    expect((await fetch(`${server.issuer}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.issuer}/readyz`)).status).toBe(200);
  });
});

describe('authorization code with PKCE', () => {
  it('signs in through the login and consent pages and returns a valid id_token and userinfo', async () => {
    const browser = new Browser(server.issuer);
    const req = await authRequest(config);
    const { redirect, shown, pages } = await walk(browser, req.url, user);
    expect(shown).toEqual(['login', 'consent']);
    for (const page of pages) {
      expect(page.status).toBe(200);
      expect(page.headers.get('cache-control')).toMatch(/no-store/);
      expect(page.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    }
    expect(`${redirect.origin}${redirect.pathname}`).toBe(REDIRECT_URI);
    // Consent speaks plain language about what the client will see, with a way to say no.
    const consent = textOf(pages[1]?.body ?? '');
    expect(consent).toMatch(/e-mail/i);
    expect(consent).not.toMatch(/\bemail_verified\b|\bscope\b/);
    expect(() => findForm(pages[1] as Page, /\/abort$/)).not.toThrow();

    const tokens = await oidc.authorizationCodeGrant(config, redirect, {
      pkceCodeVerifier: req.verifier,
      expectedState: req.state,
      expectedNonce: req.nonce,
    });
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.id_token).toBeDefined();

    // openid-client checks the claims; the signature is checked here against the published keys.
    const { payload, protectedHeader } = await jwtVerify(tokens.id_token as string, jwks(config), {
      issuer: server.issuer,
      audience: web.clientId,
    });
    expect(payload.nonce).toBe(req.nonce);
    expect(typeof payload.sub).toBe('string');
    expect(Math.abs((payload.iat as number) - Date.now() / 1000)).toBeLessThan(60);
    expect(typeof protectedHeader.kid).toBe('string');

    const info = await oidc.fetchUserInfo(config, tokens.access_token, payload.sub as string);
    expect(info).toMatchObject({ sub: payload.sub, email: user.email, email_verified: true, name: user.name });
  });

  it('skips login and consent while the session lasts, and prompt=login forces the login page again', async () => {
    const browser = new Browser(server.issuer);
    const first = await signIn(config, browser, user);

    const silent = await walk(browser, (await authRequest(config)).url);
    expect(silent.shown).toEqual([]);
    expect(silent.redirect.searchParams.get('code')).toBeTruthy();

    const req = await authRequest(config, { prompt: 'login' });
    const again = await walk(browser, req.url, user);
    expect(again.shown).toEqual(['login']);
    const tokens = await oidc.authorizationCodeGrant(config, again.redirect, {
      pkceCodeVerifier: req.verifier,
      expectedState: req.state,
      expectedNonce: req.nonce,
    });
    expect(tokens.claims()?.sub).toBe(first.tokens.claims()?.sub);
  });

  it('accepts the authorization request by POST too (OIDC Core 3.1.2.1), with the session of a signed-in browser', async () => {
    const browser = new Browser(server.issuer);
    const first = await signIn(config, browser, user);
    const req = await authRequest(config, { prompt: 'none' });
    // As a relying party's auto-submitting form sends it: the same parameters, in the body.
    const posted = await browser.request(new URL(req.url.pathname, req.url), { method: 'POST', body: new URLSearchParams(req.url.search) });
    expect(posted.status).toBe(303);
    expect(posted.location?.pathname).toBe(req.url.pathname);
    expect([...posted.location!.searchParams]).toEqual([...req.url.searchParams]);
    const { redirect } = await browser.follow(posted);
    const tokens = await oidc.authorizationCodeGrant(config, redirect!, { pkceCodeVerifier: req.verifier, expectedState: req.state, expectedNonce: req.nonce });
    expect(tokens.claims()?.sub).toBe(first.tokens.claims()?.sub);

    // RP-initiated logout by POST goes the same way.
    const logout = new URLSearchParams({ client_id: String(config.clientMetadata().client_id), id_token_hint: tokens.id_token! });
    const end = await browser.request(`${server.issuer}/session/end`, { method: 'POST', body: logout });
    expect(end.status).toBe(303);
    expect(end.location?.pathname).toBe('/session/end');
    expect(end.location?.searchParams.get('id_token_hint')).toBe(tokens.id_token);
    expect((await browser.follow(end)).page.status).toBe(200);
  });

  it('takes the request in a signed request object, state and response_mode included (OIDC Core 6.1)', async () => {
    const browser = new Browser(server.issuer);
    await signIn(config, browser, user);
    const req = await authRequest(config, { prompt: 'none', response_mode: 'query' });
    const claims = Object.fromEntries(req.url.searchParams);
    const secret = new TextEncoder().encode(String(config.clientMetadata().client_secret));
    const requestObject = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(claims.client_id!)
      .setAudience(server.issuer)
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(secret);
    const url = new URL(req.url.pathname, req.url);
    url.search = new URLSearchParams({ client_id: claims.client_id!, response_type: 'code', scope: 'openid', request: requestObject }).toString();
    const { redirect } = await browser.navigate(url);
    expect([redirect?.searchParams.get('error'), redirect?.searchParams.get('error_description')]).toEqual([null, null]);
    expect(redirect?.searchParams.get('state')).toBe(req.state);
    const tokens = await oidc.authorizationCodeGrant(config, redirect!, { pkceCodeVerifier: req.verifier, expectedState: req.state, expectedNonce: req.nonce });
    expect(tokens.claims()?.sub).toBeTruthy();
  });

  it('gives apps registered with subject_type=pairwise a sub of their own sector, stable and unlinkable', async () => {
    const OTHER = 'https://other-sector.example.test/cb';
    const [shopA, shopB, elsewhere] = await Promise.all([
      createClient(server, { scope: 'openid email', metadata: { subject_type: 'pairwise' } }),
      createClient(server, { scope: 'openid email', metadata: { subject_type: 'pairwise' } }),
      createClient(server, { scope: 'openid email', redirectUris: [OTHER], metadata: { subject_type: 'pairwise' } }),
    ]);
    const browser = new Browser(server.issuer);
    const publicSub = (await signIn(config, browser, user)).tokens.claims()?.sub;
    const subOf = async (c: typeof shopA, params: Record<string, string> = {}) => {
      const rpConfig = await rp(server, c);
      const req = await authRequest(rpConfig, { scope: 'openid email', ...params });
      const { redirect } = await walk(browser, req.url, user);
      const tokens = await oidc.authorizationCodeGrant(rpConfig, redirect, { pkceCodeVerifier: req.verifier, expectedState: req.state, expectedNonce: req.nonce });
      const claims = tokens.claims()!;
      expect((await oidc.fetchUserInfo(rpConfig, tokens.access_token, claims.sub)).sub).toBe(claims.sub);
      return claims.sub;
    };
    const a = await subOf(shopA);
    expect(a).not.toBe(publicSub);
    // Same sector (the host of the redirect URIs): the same identifier, for both apps and on every sign-in.
    expect(await subOf(shopB)).toBe(a);
    expect(await subOf(shopA)).toBe(a);
    // Another sector: another identifier.
    const other = await subOf(elsewhere, { redirect_uri: OTHER });
    expect(other).not.toBe(a);
    expect(other).not.toBe(publicSub);
    expect((await oidc.discovery(new URL(server.issuer), shopA.clientId, shopA.clientSecret, undefined, { execute: [oidc.allowInsecureRequests] })).serverMetadata().subject_types_supported).toEqual(['public', 'pairwise']);

    // The customer's data export says what each pairwise app calls them.
    const exported = await server.cli<{ connectedApps: { clientId: string; subject?: string }[] }>(['users', 'export', '--email', user.email]);
    const subjectOf = (clientId: string) => exported.connectedApps.find((app) => app.clientId === clientId)?.subject;
    expect([subjectOf(shopA.clientId), subjectOf(shopB.clientId), subjectOf(elsewhere.clientId)]).toEqual([a, a, other]);
    expect(subjectOf(String(config.clientMetadata().client_id))).toBeUndefined();
  });

  it('max_age=0 forces a fresh login and the id_token carries the new auth_time', async () => {
    const browser = new Browser(server.issuer);
    // A max_age makes the provider state auth_time in the id_token.
    const first = await signIn(config, browser, user, { max_age: '600' });
    const firstAuth = first.tokens.claims()?.auth_time as number;

    // auth_time has second resolution: let a second pass so a fresh login is distinguishable from the old one.
    await new Promise((r) => setTimeout(r, 1_100 - (Date.now() % 1_000)));
    const req = await authRequest(config, { max_age: '0' });
    const again = await walk(browser, req.url, user);
    expect(again.shown).toEqual(['login']);
    const tokens = await oidc.authorizationCodeGrant(config, again.redirect, {
      pkceCodeVerifier: req.verifier,
      expectedState: req.state,
      expectedNonce: req.nonce,
      maxAge: 0,
    });
    expect(tokens.claims()?.auth_time as number).toBeGreaterThan(firstAuth);
  });

  it('login_hint pre-fills the e-mail field', async () => {
    const browser = new Browser(server.issuer);
    const req = await authRequest(config, { login_hint: user.email });
    const { page } = await browser.navigate(req.url);
    const { form } = findForm(page, /\/login$/);
    expect(form.fields.email).toBe(user.email);
  });

  it('ui_locales=de renders the login page in German', async () => {
    const browser = new Browser(server.issuer);
    const english = (await browser.navigate((await authRequest(config)).url)).page;
    const german = (await browser.navigate((await authRequest(config, { ui_locales: 'de' })).url)).page;
    expect(german.body).toMatch(/<html[^>]*\blang="de"/);
    expect(textOf(german.body)).toMatch(/Passwort|Anmelden/);
    expect(textOf(german.body)).not.toBe(textOf(english.body));
  });

  it('the claims parameter delivers email in the id_token even without the email scope', async () => {
    const browser = new Browser(server.issuer);
    const { tokens } = await signIn(config, browser, user, {
      scope: 'openid',
      claims: JSON.stringify({ id_token: { email: { essential: true } } }),
    });
    expect(tokens.claims()?.email).toBe(user.email);
  });

  it('denying consent sends access_denied back to the client', async () => {
    const browser = new Browser(server.issuer);
    const req = await authRequest(config, { scope: 'openid email' });
    const { redirect, shown } = await walk(browser, req.url, user, 'deny');
    expect(shown).toEqual(['login', 'consent']);
    expect(redirect.searchParams.get('error')).toBe('access_denied');
    expect(redirect.searchParams.get('state')).toBe(req.state);
    expect(redirect.searchParams.get('code')).toBeNull();
  });

  it('accepts pushed authorization requests (PAR)', async () => {
    const browser = new Browser(server.issuer);
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = await oidc.buildAuthorizationUrlWithPAR(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid email',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    expect(url.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    expect(url.searchParams.get('redirect_uri')).toBeNull();
    const { redirect } = await walk(browser, url, user);
    const tokens = await oidc.authorizationCodeGrant(config, redirect, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      idTokenExpected: true,
    });
    expect(decodeProtectedHeader(tokens.id_token as string).kid).toBeDefined();
  });
});
