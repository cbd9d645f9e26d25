// oidc-provider's own screens (logout, device flow, errors) rendered by our hooks, driven over real HTTP.
import { ALICE, browser, CLIENT, csrfTokenOf, locationOf, pkce, startHarness, type Client, type Harness } from './harness.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(() => h.close());

const xsrfOf = (html: string) => {
  const token = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error('no provider xsrf token on the page');
  return token;
};

// Completes login and consent from an interaction page path; returns where the browser ends up.
async function loginAndConsent(b: Client, interactionPath: string): Promise<Response> {
  const login = await (await b.request(interactionPath)).text();
  let res = await b.request(`${interactionPath}/login`, {
    form: { _csrf: csrfTokenOf(login), email: ALICE.email, password: ALICE.password },
  });
  for (let hops = 0; hops < 10 && res.status === 303; hops += 1) {
    const next = locationOf(res, h.url);
    if (next.origin !== h.url) break;
    res = await b.request(next.pathname + next.search);
    if (res.status === 200 && next.pathname.startsWith('/interaction/')) {
      const html = await res.text();
      res = await b.request(`${next.pathname}/confirm`, { form: { _csrf: csrfTokenOf(html) } });
    }
  }
  return res;
}

async function signedIn(): Promise<Client> {
  const b = browser(h.url);
  const params = new URLSearchParams({
    client_id: CLIENT.id, response_type: 'code', scope: 'openid', redirect_uri: CLIENT.redirectUri,
    code_challenge: pkce().challenge, code_challenge_method: 'S256',
  });
  const start = await b.request(`/auth?${params}`);
  const done = await loginAndConsent(b, locationOf(start, h.url).pathname);
  expect(locationOf(done, h.url).origin).toBe(new URL(CLIENT.redirectUri).origin);
  return b;
}

describe('logout pages', () => {
  it('asks for confirmation in the requested language, keeps the provider xsrf, then returns to the client', async () => {
    const b = await signedIn();
    const params = new URLSearchParams({ client_id: CLIENT.id, post_logout_redirect_uri: CLIENT.postLogoutRedirectUri, ui_locales: 'pl' });
    const page = await b.request(`/session/end?${params}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<html lang="pl">');
    expect(html).toContain('Wylogować się?');
    expect(html).toContain('id="op.logoutForm"');
    expect(String(page.headers.get('content-security-policy'))).toMatch(/form-action 'self' https:\/\/shop\.example/);

    const res = await b.request('/session/end/confirm', { form: { xsrf: xsrfOf(html), logout: 'yes' } });
    expect(res.status).toBe(303);
    expect(locationOf(res, h.url).href).toBe(CLIENT.postLogoutRedirectUri);
  });

  it('shows our signed-out page when there is nowhere to return to', async () => {
    const b = await signedIn();
    const html = await (await b.request('/session/end')).text();
    const res = await b.request('/session/end/confirm', { form: { xsrf: xsrfOf(html), logout: 'yes' } });
    const done = await b.request(locationOf(res, h.url).pathname);
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('You are signed out');
  });
});

describe('device flow pages', () => {
  it('takes the user from code entry through sign-in to the success page', async () => {
    const auth = await fetch(`${h.url}/device/auth`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${CLIENT.id}:${CLIENT.secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ scope: 'openid' }).toString(),
    });
    expect(auth.status).toBe(200);
    const { user_code: userCode } = (await auth.json()) as { user_code: string };

    const b = browser(h.url);
    const input = await (await b.request('/device', { headers: { 'accept-language': 'da' } })).text();
    expect(input).toContain('Tilslut en enhed');
    expect(input).not.toContain('onfocus');

    const wrong = await b.request('/device', { form: { xsrf: xsrfOf(input), user_code: 'WRONG-CODE' } });
    expect(wrong.status).toBe(200);
    const wrongHtml = await wrong.text();
    expect(wrongHtml).toContain('That code is not valid.');

    const confirm = await b.request('/device', { form: { xsrf: xsrfOf(wrongHtml), user_code: userCode } });
    const confirmHtml = await confirm.text();
    expect(confirmHtml).toContain('Shop &lt;Test&gt; wants to sign in on a device.');

    const go = await b.request('/device', { form: { xsrf: xsrfOf(confirmHtml), user_code: userCode, confirm: 'yes' } });
    expect(go.status).toBe(303);
    const done = await loginAndConsent(b, locationOf(go, h.url).pathname);
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('You are signed in to Shop &lt;Test&gt; on your device.');
  });
});

describe('form_post response mode', () => {
  it("lets the provider's auto-submit page post to the client and run its one hashed script", async () => {
    const b = await signedIn();
    const params = new URLSearchParams({
      client_id: CLIENT.id, response_type: 'code', scope: 'openid', redirect_uri: CLIENT.redirectUri,
      response_mode: 'form_post', code_challenge: pkce().challenge, code_challenge_method: 'S256',
    });
    const res = await b.request(`/auth?${params}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(`action="${CLIENT.redirectUri}"`);
    const csp = String(res.headers.get('content-security-policy'));
    expect(csp).toMatch(/form-action 'self' https:\/\/shop\.example(;|$)/);
    expect(csp).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
  });
});

describe('unknown paths', () => {
  it('get a 404 page', async () => {
    const res = await browser(h.url).request('/no/such/page');
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('The page you are looking for does not exist.');
  });
});

describe('provider error pages', () => {
  it('render in our layout with the public error code, never a stack', async () => {
    const res = await browser(h.url).request(`/auth?client_id=unknown-client&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(CLIENT.redirectUri)}`);
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('Something went wrong');
    expect(html).toContain('invalid_client');
    expect(html).toContain('/assets/app.css');
    expect(html).not.toMatch(/\bat .+\.js:\d+/);
  });

  it.each([
    ['an unknown client_id', `/auth?client_id=unknown-client&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(CLIENT.redirectUri)}`, 'invalid_client'],
    ['an unregistered redirect_uri', `/auth?client_id=${CLIENT.id}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent('https://evil.example/cb')}`, 'invalid_redirect_uri'],
  ])('explain %s in the customer’s language, the technical detail folded away for developers', async (_case, path, code) => {
    const res = await browser(h.url).request(path, { headers: { 'accept-language': 'de-DE,de;q=0.9' } });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('<html lang="de">');
    expect(html).toContain('Diese Anwendung ist für die Anmeldung hier nicht eingerichtet.');
    // oidc-provider's English description stays, folded away, for the developer the customer may tell.
    const folded = /<details>\s*<summary>Details<\/summary>\s*<p lang="en">([^<]+)<\/p>\s*<\/details>/.exec(html);
    expect(folded?.[1]).toMatch(/client|redirect_uri/);
    expect(html.replace(folded?.[0] ?? '', '')).not.toMatch(/redirect_uri did not match|client is invalid|client not found/);
    expect(html).toContain(code);
  });

  it('do not redirect to an unregistered redirect_uri', async () => {
    const res = await browser(h.url).request(`/auth?client_id=${CLIENT.id}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent('https://evil.example/cb')}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(String(res.headers.get('content-security-policy'))).not.toContain('evil.example');
    expect(await res.text()).toContain('invalid_redirect_uri');
  });
});
