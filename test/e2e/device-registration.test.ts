// The device authorization grant through the code entry, login, consent and confirmation pages while the device
// polls; and dynamic client registration, which only an initial access token from the operator opens.
import * as oidc from 'openid-client';
import { Browser, forms, textOf, type Page } from '../support/http.ts';
import { serverTest, startServer, type TestServer } from '../support/server.ts';
import {
  createClient,
  createUser,
  initialAccessToken,
  isConsentPage,
  isLoginPage,
  oauthError,
  REDIRECT_URI,
  rp,
  signIn,
  submitConsent,
  submitLogin,
  type TestUser,
} from './flows.ts';

let server: TestServer;
let user: TestUser;
const it = serverTest(() => server);
const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';

beforeAll(async () => {
  server = await startServer();
  user = await createUser(server);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

const codeEntry = (page: Page) =>
  forms(page).find((f) => f.names.includes('user_code') && !('confirm' in f.fields));
const confirmation = (page: Page) => forms(page).find((f) => f.names.includes('user_code') && 'confirm' in f.fields);

/** Plays the user on a second screen: enters the code, confirms the device, signs in and consents. */
async function approveDevice(browser: Browser, verificationUri: string, userCode: string): Promise<Page> {
  let step = await browser.navigate(verificationUri);
  const seen: string[] = [];
  for (let i = 0; i < 8; i++) {
    if (step.redirect) throw new Error(`device flow redirected away to ${step.redirect.href}`);
    const { page } = step;
    const entry = codeEntry(page);
    const confirm = confirmation(page);
    if (isLoginPage(page)) {
      seen.push('login');
      step = await submitLogin(browser, page, user);
    } else if (isConsentPage(page)) {
      seen.push('consent');
      step = await submitConsent(browser, page);
    } else if (confirm) {
      seen.push('confirm');
      step = await browser.submit(confirm, {}, { button: confirm.buttons.find((b) => b.name !== 'abort') });
    } else if (entry) {
      if (seen.includes('entry')) throw new Error(`the code was not accepted: ${textOf(page.body).slice(0, 400)}`);
      seen.push('entry');
      step = await browser.submit(entry, { user_code: userCode });
    } else {
      expect(seen).toEqual(['entry', 'confirm', 'login', 'consent']);
      return page;
    }
  }
  throw new Error(`device approval did not finish: ${seen.join(', ')}`);
}

describe('device authorization grant', () => {
  it('the device gets tokens once the user enters the code and approves on another screen', async () => {
    const client = await createClient(server, {
      public: true,
      grantTypes: [DEVICE_CODE, 'refresh_token'],
      redirectUris: [],
      scope: 'openid email offline_access',
    });
    const config = await rp(server, client);
    const device = await oidc.initiateDeviceAuthorization(config, { scope: 'openid email offline_access' });
    expect(device.user_code).toBeTruthy();
    expect(device.verification_uri).toMatch(new RegExp(`^${server.issuer}/`));

    const polling = oidc.pollDeviceAuthorizationGrant(config, device);
    // Until the user approves, the device is told to keep waiting.
    expect(
      await oauthError(oidc.genericGrantRequest(config, DEVICE_CODE, { device_code: device.device_code })),
    ).toMatchObject({ error: 'authorization_pending' });

    const browser = new Browser(server.issuer);
    // A mistyped code is answered on the same page, ready for another try.
    const entry = codeEntry((await browser.navigate(device.verification_uri)).page);
    if (!entry) throw new Error('the verification page has no code entry form');
    const wrong = await browser.submit(entry, { user_code: 'BCDFGHJK' });
    expect(wrong.page.status).toBeLessThan(500);
    expect(codeEntry(wrong.page)).toBeDefined();

    const done = await approveDevice(browser, device.verification_uri, device.user_code);
    expect(done.status).toBe(200);

    const tokens = await polling;
    expect(tokens.access_token).toBeTruthy();
    expect(tokens.refresh_token).toBeTruthy();
    const sub = tokens.claims()?.sub as string;
    expect(await oidc.fetchUserInfo(config, tokens.access_token, sub)).toMatchObject({ email: user.email });
    // The device code is single-use.
    expect(
      await oauthError(oidc.genericGrantRequest(config, DEVICE_CODE, { device_code: device.device_code })),
    ).toMatchObject({ error: 'invalid_grant' });
  }, 60_000);
});

describe('dynamic client registration', () => {
  const metadata = {
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    client_name: 'Registered by the e2e suite',
  };
  const options = { execute: [oidc.allowInsecureRequests] };

  it('is closed without an initial access token or with a made-up one', async () => {
    const none = await oauthError(oidc.dynamicClientRegistration(new URL(server.issuer), metadata, undefined, options));
    expect([400, 401]).toContain(none.status);
    const forged = await oauthError(
      oidc.dynamicClientRegistration(new URL(server.issuer), metadata, undefined, {
        ...options,
        initialAccessToken: 'made-up-token',
      }),
    );
    expect(forged).toMatchObject({ status: 401, error: 'invalid_token' });
  });

  it('with an initial access token registers a client that can sign users in', async () => {
    const registered = await oidc.dynamicClientRegistration(new URL(server.issuer), metadata, undefined, {
      ...options,
      initialAccessToken: await initialAccessToken(server),
    });
    const meta = registered.clientMetadata();
    expect(meta.client_id).toBeTruthy();
    expect(meta.client_secret).toBeTruthy();
    expect(meta.redirect_uris).toEqual([REDIRECT_URI]);
    expect(meta.registration_access_token).toBeTruthy();

    const config = await rp(server, { clientId: meta.client_id, clientSecret: meta.client_secret as string });
    const { tokens } = await signIn(config, new Browser(server.issuer), user, { scope: 'openid email' });
    expect(tokens.claims()?.aud).toBe(meta.client_id);
    expect(await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()?.sub as string)).toMatchObject({
      email: user.email,
    });
  });

  it('refuses invalid metadata with invalid_redirect_uri or invalid_client_metadata', async () => {
    const bad = await oauthError(
      oidc.dynamicClientRegistration(
        new URL(server.issuer),
        { ...metadata, redirect_uris: ['not a url'] },
        undefined,
        { ...options, initialAccessToken: await initialAccessToken(server) },
      ),
    );
    expect(bad.status).toBe(400);
    expect(bad.error).toMatch(/^invalid_(redirect_uri|client_metadata)$/);
  });
});
