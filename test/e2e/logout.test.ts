// RP-initiated logout through the confirmation page, and back-channel logout: a relying party registered with a
// backchannel_logout_uri (a small receiver on 127.0.0.1) gets a signed logout token when the user signs out.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { jwtVerify } from 'jose';
import { Browser, findForm, textOf, type Form, type Page } from '../support/http.ts';
import { serverTest, startServer, type TestServer } from '../support/server.ts';
import {
  authRequest,
  createClient,
  createUser,
  initialAccessToken,
  isLoginPage,
  jwks,
  POST_LOGOUT_URI,
  REDIRECT_URI,
  signIn,
  rp,
  type TestUser,
} from './flows.ts';

let server: TestServer;
let user: TestUser;
let web: oidc.Configuration;
const it = serverTest(() => server);

beforeAll(async () => {
  server = await startServer();
  const [u, client] = await Promise.all([
    createUser(server),
    createClient(server, { scope: 'openid email profile', postLogoutRedirectUris: [POST_LOGOUT_URI] }),
  ]);
  user = u;
  web = await rp(server, client);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

function logoutForm(page: Page): { form: Form; yes: Form['buttons'][number] } {
  const { form } = findForm(page, /\/session\/end\/confirm$/);
  const yes = form.buttons.find((b) => b.name === 'logout');
  if (!yes) throw new Error(`the logout form has no "logout" button: ${JSON.stringify(form.buttons)}`);
  return { form, yes };
}

async function stillSignedIn(browser: Browser): Promise<boolean> {
  const { page, redirect } = await browser.navigate((await authRequest(web)).url);
  if (redirect?.searchParams.get('code')) return true;
  if (isLoginPage(page)) return false;
  throw new Error(`unexpected page ${page.url.pathname}: ${textOf(page.body).slice(0, 300)}`);
}

describe('RP-initiated logout', () => {
  it('asks for confirmation, ends the session and returns to the post_logout_redirect_uri', async () => {
    const browser = new Browser(server.issuer);
    const { tokens } = await signIn(web, browser, user);
    expect(await stillSignedIn(browser)).toBe(true);

    const url = oidc.buildEndSessionUrl(web, {
      id_token_hint: tokens.id_token as string,
      post_logout_redirect_uri: POST_LOGOUT_URI,
      state: 'after-logout',
    });
    const { page } = await browser.navigate(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toMatch(/no-store/);
    const { form, yes } = logoutForm(page);
    expect(Object.keys(form.fields)).toContain('xsrf');

    const done = await browser.submit(form, {}, { button: yes });
    expect(done.redirect?.href).toBe(`${POST_LOGOUT_URI}?state=after-logout`);
    expect(await stillSignedIn(browser)).toBe(false);
  });

  it('without a post_logout_redirect_uri it ends on the provider\'s own page', async () => {
    const browser = new Browser(server.issuer);
    const { tokens } = await signIn(web, browser, user);
    const { page } = await browser.navigate(oidc.buildEndSessionUrl(web, { id_token_hint: tokens.id_token as string }));
    const { form, yes } = logoutForm(page);
    const done = await browser.submit(form, {}, { button: yes });
    expect(done.redirect).toBeUndefined();
    expect(done.page.status).toBe(200);
    expect(done.page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await stillSignedIn(browser)).toBe(false);
  });

  it('refuses an unregistered post_logout_redirect_uri without redirecting to it', async () => {
    const browser = new Browser(server.issuer);
    const { tokens } = await signIn(web, browser, user);
    const url = oidc.buildEndSessionUrl(web, {
      id_token_hint: tokens.id_token as string,
      post_logout_redirect_uri: 'https://evil.example.test/bye',
    });
    const { page, redirect } = await browser.navigate(url);
    expect(redirect).toBeUndefined();
    expect(page.status).toBe(400);
    expect(await stillSignedIn(browser)).toBe(true);
  });

  it('an app unknown at sign-out is told as a sign-out that failed, not a sign-in', async () => {
    const browser = new Browser(server.issuer);
    const { page } = await browser.navigate(new URL(`/session/end?client_id=no-such-app`, server.issuer));
    expect(page.status).toBe(400);
    expect(textOf(page.body)).toContain('This app is not set up to sign you out here.');
    expect(textOf(page.body)).not.toContain('sign you in');
  });

  it('a logout confirmation posted without its xsrf token keeps the session', async () => {
    const browser = new Browser(server.issuer);
    const { tokens } = await signIn(web, browser, user);
    const { page } = await browser.navigate(oidc.buildEndSessionUrl(web, { id_token_hint: tokens.id_token as string }));
    const { form, yes } = logoutForm(page);
    const forged = await browser.submit(form, {}, { button: yes, omit: ['xsrf'] });
    expect(forged.redirect).toBeUndefined();
    expect(forged.page.status).toBeGreaterThanOrEqual(400);
    expect(forged.page.status).toBeLessThan(500);
    expect(await stillSignedIn(browser)).toBe(true);
  });
});

describe('back-channel logout', () => {
  let receiver: Server;
  const received: { path: string; body: URLSearchParams; contentType?: string }[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        received.push({ path: req.url ?? '', body: new URLSearchParams(body), contentType: req.headers['content-type'] });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  });

  afterAll(async () => {
    await new Promise((r) => receiver?.close(r));
  });

  it('sends a signed logout token for the session to the client\'s backchannel_logout_uri', async () => {
    const port = (receiver.address() as AddressInfo).port;
    const token = await initialAccessToken(server);
    const bcClient = await oidc.dynamicClientRegistration(
      new URL(server.issuer),
      {
        redirect_uris: [REDIRECT_URI],
        post_logout_redirect_uris: [POST_LOGOUT_URI],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        backchannel_logout_uri: `http://127.0.0.1:${port}/backchannel`,
        backchannel_logout_session_required: true,
      },
      undefined,
      { initialAccessToken: token, execute: [oidc.allowInsecureRequests] },
    );
    const clientSecret = bcClient.clientMetadata().client_secret as string;
    const config = await rp(server, { clientId: bcClient.clientMetadata().client_id, clientSecret });

    const browser = new Browser(server.issuer);
    const { tokens } = await signIn(config, browser, user, { scope: 'openid' });
    const idToken = tokens.claims();
    expect(typeof idToken?.sid).toBe('string');

    const { page } = await browser.navigate(
      oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token as string, post_logout_redirect_uri: POST_LOGOUT_URI }),
    );
    const { form, yes } = logoutForm(page);
    const done = await browser.submit(form, {}, { button: yes });
    expect(done.redirect?.origin + (done.redirect?.pathname ?? '')).toBe(POST_LOGOUT_URI);

    // The provider notifies before it redirects; a short poll covers a provider that does it in the background.
    const deadline = Date.now() + 5_000;
    while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(received).toHaveLength(1);
    const [call] = received;
    expect(call?.path).toBe('/backchannel');
    expect(call?.contentType).toMatch(/application\/x-www-form-urlencoded/);
    const logoutToken = call?.body.get('logout_token') as string;

    const { payload, protectedHeader } = await jwtVerify(logoutToken, jwks(config), {
      issuer: server.issuer,
      audience: config.clientMetadata().client_id,
      typ: 'logout+jwt',
    });
    expect(protectedHeader.alg).not.toBe('none');
    expect(payload.sub).toBe(idToken?.sub);
    expect(payload.sid).toBe(idToken?.sid);
    expect(payload.events).toEqual({ 'http://schemas.openid.net/event/backchannel-logout': {} });
    expect(typeof payload.jti).toBe('string');
    expect(payload.nonce).toBeUndefined();
  });
});
