// What must not work: wrong redirect_uri, wrong secret, PKCE mismatch or absence, expired codes, scopes the client
// may not ask for, forms posted without their CSRF token, and hostile bodies (answered with 4xx, never 5xx).
import * as oidc from 'openid-client';
import { Browser, findForm, textOf, type Page } from '../support/http.ts';
import { serverTest, startServer, type TestServer } from '../support/server.ts';
import {
  authRequest,
  createClient,
  createUser,
  oauthError,
  REDIRECT_URI,
  rp,
  submitLogin,
  walk,
  type TestClient,
  type TestUser,
} from './flows.ts';

let server: TestServer;
let user: TestUser;
let webClient: TestClient;
let web: oidc.Configuration;
let spa: oidc.Configuration;
const it = serverTest(() => server);

beforeAll(async () => {
  server = await startServer();
  let spaClient: TestClient;
  [user, webClient, spaClient] = await Promise.all([
    createUser(server),
    createClient(server, { scope: 'openid email profile offline_access' }),
    createClient(server, { public: true, grantTypes: ['authorization_code'], scope: 'openid email' }),
  ]);
  [web, spa] = await Promise.all([rp(server, webClient), rp(server, spaClient)]);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

function expectSafeErrorPage(page: Page, status: number | RegExp) {
  if (typeof status === 'number') expect(page.status).toBe(status);
  else expect(String(page.status)).toMatch(status);
  expect(page.headers.get('content-type')).toMatch(/text\/html/);
  expect(page.location).toBeUndefined();
  // No stack trace or internals on a page anyone can provoke.
  expect(page.body).not.toMatch(/node_modules|\.[jt]s:\d+:\d+|\n\s+at \S+ \(/);
}

async function loginPage(browser: Browser, config = web): Promise<Page> {
  const { page } = await browser.navigate((await authRequest(config)).url);
  findForm(page, /\/login$/);
  return page;
}

describe('authorization request', () => {
  it('an unregistered redirect_uri gets an error page, never a redirect to it', async () => {
    const req = await authRequest(web, { redirect_uri: 'https://evil.example.test/cb' });
    const browser = new Browser(server.issuer);
    const { page, redirect } = await browser.navigate(req.url);
    expect(redirect).toBeUndefined();
    expectSafeErrorPage(page, 400);
    expect(textOf(page.body)).toMatch(/redirect_uri/);
    expect(page.body).not.toContain('evil.example.test/cb?');
  });

  it('a public client must use PKCE', async () => {
    const url = oidc.buildAuthorizationUrl(spa, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      state: 'abc',
    });
    const { redirect } = await new Browser(server.issuer).navigate(url);
    expect(redirect?.searchParams.get('error')).toBe('invalid_request');
    expect(redirect?.searchParams.get('error_description')).toMatch(/PKCE|code_challenge/);
    expect(redirect?.searchParams.get('code')).toBeNull();
  });

  it('a scope outside the client registration is refused with invalid_scope', async () => {
    const req = await authRequest(web, { scope: 'openid phone' });
    const { redirect } = await new Browser(server.issuer).navigate(req.url);
    expect(redirect?.searchParams.get('error')).toBe('invalid_scope');
    expect(redirect?.searchParams.get('state')).toBe(req.state);
  });

  it('an unknown or expired interaction shows a "start again" page, not a stack trace', async () => {
    const browser = new Browser(server.issuer);
    const { page } = await browser.navigate(`${server.issuer}/interaction/does-not-exist`);
    expectSafeErrorPage(page, /^4\d\d$/);
    expect(textOf(page.body)).toMatch(/start again/i);
  });
});

describe('token endpoint', () => {
  it('a wrong client secret is invalid_client and does not burn the code', async () => {
    const browser = new Browser(server.issuer);
    const req = await authRequest(web);
    const { redirect } = await walk(browser, req.url, user);
    const checks = { pkceCodeVerifier: req.verifier, expectedState: req.state, expectedNonce: req.nonce };
    const wrong = await rp(server, { clientId: webClient.clientId, clientSecret: 'not-the-secret' });
    expect(await oauthError(oidc.authorizationCodeGrant(wrong, redirect, checks))).toMatchObject({
      error: 'invalid_client',
      status: 401,
    });
    const tokens = await oidc.authorizationCodeGrant(web, redirect, checks);
    expect(tokens.access_token).toBeTruthy();
  });

  it('a PKCE verifier that does not match the challenge is invalid_grant', async () => {
    const browser = new Browser(server.issuer);
    const req = await authRequest(spa, { scope: 'openid' });
    const { redirect } = await walk(browser, req.url, user);
    const result = await oauthError(
      oidc.authorizationCodeGrant(spa, redirect, {
        pkceCodeVerifier: oidc.randomPKCECodeVerifier(),
        expectedState: req.state,
        expectedNonce: req.nonce,
      }),
    );
    expect(result).toMatchObject({ error: 'invalid_grant', status: 400 });
  });

  it('oversized and malformed bodies get 4xx answers', async () => {
    const token = web.serverMetadata().token_endpoint as string;
    const basic = `Basic ${Buffer.from(`${webClient.clientId}:${webClient.clientSecret}`).toString('base64')}`;
    const post = (body: string, type = 'application/x-www-form-urlencoded') =>
      fetch(token, { method: 'POST', headers: { 'content-type': type, authorization: basic }, body });

    const huge = await post(`grant_type=authorization_code&code=${'a'.repeat(200_000)}`);
    expect(huge.status).toBeGreaterThanOrEqual(400);
    expect(huge.status).toBeLessThan(500);

    for (const res of [
      await post('{"grant_type":', 'application/json'),
      await post('grant_type=%E0%A4%A&code=%%%'),
      await post('\u0000\u0001\u0002'),
      await post('grant_type=authorization_code&grant_type=refresh_token'),
      await post('grant_type=password&username=a&password=b'),
    ]) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(((await res.json()) as { error: string }).error).toMatch(/^(invalid_request|unsupported_grant_type|unauthorized_client)$/);
    }
  });
});

describe('hosted forms', () => {
  it('a login post without its CSRF token is refused with 403 and the interaction still works', async () => {
    const browser = new Browser(server.issuer);
    const page = await loginPage(browser);
    const { form, button } = findForm(page, /\/login$/);
    const csrfField = Object.keys(form.fields).find((k) => /csrf/i.test(k));
    expect(csrfField).toBeDefined();

    const missing = await browser.submit(form, { email: user.email, password: user.password }, { button, omit: [csrfField as string] });
    expect(missing.page.status).toBe(403);
    const forged = await browser.submit(form, { email: user.email, password: user.password, [csrfField as string]: 'forged' }, { button });
    expect(forged.page.status).toBe(403);

    // A cross-site attacker has no cookies at all.
    const stranger = new Browser(server.issuer);
    const res = await stranger.request(form.action, {
      method: 'POST',
      body: new URLSearchParams({ email: user.email, password: user.password, [csrfField as string]: form.fields[csrfField as string] ?? '' }),
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);

    const after = await submitLogin(browser, (await browser.navigate(page.url)).page, user);
    expect(findForm(after.page, /\/confirm$/)).toBeDefined();
  });

  it('a consent post without its CSRF token is refused with 403', async () => {
    const browser = new Browser(server.issuer);
    const { page: consent } = await submitLogin(browser, await loginPage(browser), user);
    const { form, button } = findForm(consent, /\/confirm$/);
    const csrfField = Object.keys(form.fields).find((k) => /csrf/i.test(k)) as string;
    expect(csrfField).toBeDefined();
    const { page, redirect } = await browser.submit(form, {}, { button, omit: [csrfField] });
    expect(redirect).toBeUndefined();
    expect(page.status).toBe(403);
  });

  it('a wrong password and an unknown e-mail get the same answer', async () => {
    const browser = new Browser(server.issuer);
    const page = await loginPage(browser);
    const wrongPassword = await submitLogin(browser, page, { email: user.email, password: 'not the password' });
    const page2 = await loginPage(browser);
    const unknown = await submitLogin(browser, page2, { email: 'nobody-here@example.test', password: 'not the password' });
    expect(wrongPassword.redirect).toBeUndefined();
    expect(unknown.redirect).toBeUndefined();
    expect(unknown.page.status).toBe(wrongPassword.page.status);
    expect(textOf(unknown.page.body)).toBe(textOf(wrongPassword.page.body));
    // The form is shown again, ready for another try.
    expect(findForm(unknown.page, /\/login$/).form.fields.email).toBe('nobody-here@example.test');
  });

  it('oversized and malformed login posts get 4xx answers', async () => {
    const browser = new Browser(server.issuer);
    const page = await loginPage(browser);
    const { form } = findForm(page, /\/login$/);
    const send = (body: string, type = 'application/x-www-form-urlencoded') =>
      browser.request(form.action, { method: 'POST', body, headers: { 'content-type': type } });
    const fields = new URLSearchParams({ ...form.fields, email: user.email });

    // Unreadable bodies are refused outright.
    for (const res of [
      await send(`${fields}&password=${'x'.repeat(2_000_000)}`),
      await send('{"email": [1, 2', 'application/json'),
    ]) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    // Readable but odd ones may be answered with the login page again; never with a server error.
    for (const res of [
      await send(`${fields}&password=%E0%A4%A%%`),
      await send(`${fields}&password=a&password=b&email=c`),
      await send(`${fields}&email[$ne]=x&password=y`),
    ]) {
      expect(res.status).toBeLessThan(500);
      expect(res.location?.origin ?? server.issuer).toBe(server.issuer);
    }

    // None of it broke the interaction.
    const ok = await submitLogin(browser, (await browser.navigate(page.url)).page, user);
    expect(findForm(ok.page, /\/confirm$/)).toBeDefined();
  });
});

describe('with short-lived authorization codes', () => {
  let shortLived: TestServer;
  let config: oidc.Configuration;
  let person: TestUser;
  const itShort = serverTest(() => shortLived);

  beforeAll(async () => {
    shortLived = await startServer({ env: { AUTHORIZATION_CODE_TTL: '1' } });
    const [client, u] = await Promise.all([createClient(shortLived, { scope: 'openid email' }), createUser(shortLived)]);
    person = u;
    config = await rp(shortLived, client);
  }, 60_000);

  afterAll(async () => {
    await shortLived?.stop();
  });

  itShort('an expired code is invalid_grant', async () => {
    const req = await authRequest(config, { scope: 'openid' });
    const { redirect } = await walk(new Browser(shortLived.issuer), req.url, person);
    // The code lives one second (whole-second resolution): two seconds later it is certainly expired.
    await new Promise((r) => setTimeout(r, 2_100));
    const result = await oauthError(
      oidc.authorizationCodeGrant(config, redirect, {
        pkceCodeVerifier: req.verifier,
        expectedState: req.state,
        expectedNonce: req.nonce,
      }),
    );
    expect(result).toMatchObject({ error: 'invalid_grant', status: 400 });
  });
});
