// Login and consent over real HTTP against a real oidc-provider: the happy path, and every way a form can go wrong.
import { ACR } from '../../../src/auth/types.ts';
import { ALICE, DB_DOWN_EMAIL, browser, CLIENT, csrfTokenOf, locationOf, pkce, startHarness, type Client, type Harness } from './harness.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(() => h.close());

async function authorize(b: Client, extra: Record<string, string> = {}): Promise<string> {
  const params = new URLSearchParams({
    client_id: CLIENT.id,
    response_type: 'code',
    scope: 'openid email',
    redirect_uri: CLIENT.redirectUri,
    state: 'st-1',
    code_challenge: pkce().challenge,
    code_challenge_method: 'S256',
    ...extra,
  });
  const res = await b.request(`/auth?${params}`);
  expect(res.status).toBe(303);
  return locationOf(res, h.url).pathname;
}

// Follows same-origin redirects and stops at the first page or at the client's redirect_uri.
async function follow(b: Client, res: Response): Promise<Response | URL> {
  let current = res;
  for (let hops = 0; hops < 10 && current.status >= 300 && current.status < 400; hops += 1) {
    const next = locationOf(current, h.url);
    if (next.origin !== h.url) return next;
    current = await b.request(next.pathname + next.search);
  }
  return current;
}

async function loginPage(b: Client, extra?: Record<string, string>) {
  const path = await authorize(b, extra);
  const page = await b.request(path);
  const html = await page.text();
  return { path, page, html, csrf: csrfTokenOf(html) };
}

async function signIn(b: Client, extra?: Record<string, string>) {
  const { path, csrf } = await loginPage(b, extra);
  const res = await b.request(`${path}/login`, { form: { _csrf: csrf, email: ALICE.email, password: ALICE.password } });
  expect(res.status).toBe(303);
  return { loginPath: path, next: await follow(b, res) };
}

async function consentPage(b: Client, extra?: Record<string, string>) {
  const { next } = await signIn(b, extra);
  if (next instanceof URL) throw new Error(`expected the consent page, went to ${next}`);
  const html = await next.text();
  const path = /action="(\/interaction\/[^/"]+)\/confirm"/.exec(html)?.[1];
  if (!path) throw new Error('no consent form');
  return { html, path, csrf: csrfTokenOf(html) };
}

describe('login and consent pages', () => {
  it('sign-in and consent bring an authorization code back to the client', async () => {
    const b = browser(h.url);
    const consent = await consentPage(b);
    expect(consent.html).toContain('Allow access?');
    expect(consent.html).toContain('See your e-mail address');
    expect(consent.html).toContain('Shop &lt;Test&gt; would like to:');

    const res = await b.request(`${consent.path}/confirm`, { form: { _csrf: consent.csrf } });
    expect(res.status).toBe(303);
    const back = await follow(b, res);
    expect(back).toBeInstanceOf(URL);
    const callback = back as URL;
    expect(callback.origin + callback.pathname).toBe(CLIENT.redirectUri);
    expect(callback.searchParams.get('code')).toBeTruthy();
    expect(callback.searchParams.get('state')).toBe('st-1');
    const code = await h.provider.AuthorizationCode.find(String(callback.searchParams.get('code')));
    expect(code).toMatchObject({ accountId: ALICE.accountId, amr: ['pwd'], acr: ACR.password });

    expect(h.logins.at(-1)).toMatchObject({ email: ALICE.email, meta: { clientId: CLIENT.id, ip: '127.0.0.1' } });
    expect(h.audit.at(-1)).toMatchObject({
      type: 'consent.granted', outcome: 'success', accountId: ALICE.accountId, clientId: CLIENT.id,
      // The consent records' shape (services/consents.ts), also where no consent service records the consent.
      details: { granted: { scopes: ['openid', 'email'], claims: [] }, withheld: { scopes: [], claims: [] } },
    });
  });

  it('asks only for what is new and extends the existing grant', async () => {
    const b = browser(h.url);
    const first = await consentPage(b);
    await follow(b, await b.request(`${first.path}/confirm`, { form: { _csrf: first.csrf } }));

    const path = await authorize(b, { scope: 'openid email profile' });
    const page = await b.request(path);
    const html = await page.text();
    expect(html).toContain('See your basic profile');
    expect(html).not.toContain('See your e-mail address');
    const back = (await follow(b, await b.request(`${path}/confirm`, { form: { _csrf: csrfTokenOf(html) } }))) as URL;

    const code = await h.provider.AuthorizationCode.find(String(back.searchParams.get('code')));
    const grant = await h.provider.Grant.find(String(code?.grantId));
    expect(grant?.getOIDCScope().split(' ').sort()).toEqual(['email', 'openid', 'profile']);
  });

  it('deny sends access_denied to the client and is audited', async () => {
    const b = browser(h.url);
    const consent = await consentPage(b);
    const res = await b.request(`${consent.path}/abort`, { form: { _csrf: consent.csrf } });
    const back = (await follow(b, res)) as URL;
    expect(back.origin + back.pathname).toBe(CLIENT.redirectUri);
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('state')).toBe('st-1');
    expect(h.audit.at(-1)).toMatchObject({ type: 'consent.denied', outcome: 'failure', clientId: CLIENT.id });
  });

  it('cancel on the login page sends access_denied too', async () => {
    const b = browser(h.url);
    const { path, csrf } = await loginPage(b);
    const back = (await follow(b, await b.request(`${path}/abort`, { form: { _csrf: csrf } }))) as URL;
    expect(back.searchParams.get('error')).toBe('access_denied');
  });

  it('pre-fills login_hint, speaks ui_locales and sends strict headers', async () => {
    const b = browser(h.url);
    const { page, html } = await loginPage(b, { login_hint: 'hint@example.com', ui_locales: 'de-CH en' });
    expect(page.status).toBe(200);
    expect(html).toContain('<html lang="de">');
    expect(html).toContain('value="hint@example.com"');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const csp = String(page.headers.get('content-security-policy'));
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toMatch(/form-action 'self' https:\/\/shop\.example(;|$)/);
    expect(csp).not.toContain('unsafe-inline');

    const css = await b.request(/href="([^"]+\.css[^"]*)"/.exec(html)?.[1] ?? '/missing');
    expect(css.status).toBe(200);
  });

  it('refuses form posts without a valid CSRF token with a 403 page', async () => {
    const b = browser(h.url);
    const { path, csrf } = await loginPage(b);
    const attempts: Record<string, string>[] = [
      { email: ALICE.email, password: ALICE.password },
      { _csrf: '', email: ALICE.email, password: ALICE.password },
      { _csrf: `${csrf}x`, email: ALICE.email, password: ALICE.password },
    ];
    for (const form of attempts) {
      const res = await b.request(`${path}/login`, { form });
      expect(res.status).toBe(403);
      const html = await res.text();
      expect(html).toContain('This form has expired or was sent from another page');
      expect(html).toContain(`href="${path}"`);
    }
    // A cross-site post carries no cookie at all.
    const stranger = browser(h.url);
    const res = await stranger.request(`${path}/confirm`, { form: { _csrf: csrf } });
    expect(res.status).toBe(403);
  });

  it('answers a wrong password and an unknown e-mail identically', async () => {
    const b = browser(h.url);
    const { path, csrf } = await loginPage(b);
    const attempt = async (email: string) => {
      const res = await b.request(`${path}/login`, { form: { _csrf: csrf, email, password: 'wrong password' } });
      return { status: res.status, body: (await res.text()).replaceAll(email, '{email}').replaceAll(encodeURIComponent(email), '{email}') };
    };
    const wrongPassword = await attempt(ALICE.email);
    const unknownEmail = await attempt('nobody@example.com');
    expect(wrongPassword.status).toBe(400);
    expect(unknownEmail).toEqual(wrongPassword);
    expect(wrongPassword.body).toContain('The e-mail address or password is incorrect.');
    expect(wrongPassword.body).toContain('value="{email}"');
  });

  it('shows the form again with a clear message for empty, huge and wrong-type input', async () => {
    const b = browser(h.url);
    const { path, csrf } = await loginPage(b);
    const cases: [string, string][] = [
      [`_csrf=${csrf}&email=&password=x`, 'Enter your e-mail address.'],
      [`_csrf=${csrf}&email=${ALICE.email}&password=`, 'Enter your password.'],
      [`_csrf=${csrf}&email=a%40b.c&email=d%40e.f&password=x`, 'Enter an e-mail address in the form name@example.com.'],
      [`_csrf=${csrf}&email[$ne]=x&password=x`, 'Enter an e-mail address in the form name@example.com.'],
      [`_csrf=${csrf}&email=${'a'.repeat(300)}%40b.c&password=x`, 'The e-mail address is too long.'],
      [`_csrf=${csrf}&email=a%40b.c&password=${'p'.repeat(5000)}`, 'The password is too long.'],
    ];
    for (const [form, message] of cases) {
      const res = await b.request(`${path}/login`, { form });
      expect([form, res.status]).toEqual([form, 400]);
      expect(await res.text()).toContain(message);
    }
  });

  it('answers oversized, malformed and non-form bodies with 413, 400 and 415 pages', async () => {
    const b = browser(h.url);
    const { path, csrf } = await loginPage(b);
    const big = await b.request(`${path}/login`, { form: `_csrf=${csrf}&email=a%40b.c&password=${'x'.repeat(20_000)}` });
    expect(big.status).toBe(413);
    expect(await big.text()).toContain('The form you sent is too large.');

    const broken = await b.request(`${path}/login`, { form: `_csrf=${csrf}&email=%E0%A4%A&password=x` });
    expect(broken.status).toBe(400);
    expect(await broken.text()).toContain('The form you sent could not be read.');

    const json = await b.request(`${path}/login`, {
      method: 'POST', form: JSON.stringify({ _csrf: csrf }), headers: { 'content-type': 'application/json' },
    });
    expect(json.status).toBe(415);
  });
});

describe('database outage', () => {
  it('gives a 503 "temporarily unavailable" page, and the same form works once the database is back', async () => {
    const b = browser(h.url);
    const { path, csrf } = await loginPage(b);
    const down = await b.request(`${path}/login`, { form: { _csrf: csrf, email: DB_DOWN_EMAIL, password: 'x' } });
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('5');
    const html = await down.text();
    expect(html).toContain('Temporarily unavailable');
    expect(html).not.toContain('Server selection');

    const again = await b.request(`${path}/login`, { form: { _csrf: csrf, email: ALICE.email, password: ALICE.password } });
    expect(again.status).toBe(303);
  });
});

describe('expired and missing interactions', () => {
  it('an unknown interaction gives the start-again page, never a 500', async () => {
    const b = browser(h.url);
    const res = await b.request('/interaction/does-not-exist');
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('Please start again');
    expect(html).not.toContain('Back to');

    const post = await b.request('/interaction/does-not-exist/login', { form: { email: 'a@b.c', password: 'x' } });
    expect(post.status).toBe(403);
  });

  it('a live interaction without its cookie links back to the client', async () => {
    const b = browser(h.url);
    const path = await authorize(b);
    const res = await browser(h.url).request(path);
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('Please start again');
    expect(html).toContain(`href="${CLIENT.uri}"`);
    expect(html).toContain('Back to Shop &lt;Test&gt;');
  });

  it('a login form sent again after the sign-in finished says the browser is signed in (it was a dead end)', async () => {
    const b = browser(h.url);
    const { path, csrf } = await loginPage(b);
    const first = await b.request(`${path}/login`, { form: { _csrf: csrf, email: ALICE.email, password: ALICE.password } });
    expect(first.status).toBe(303);
    await follow(b, first);
    const again = await b.request(`${path}/login`, { form: { _csrf: csrf, email: ALICE.email, password: ALICE.password } });
    expect(again.status).toBe(400);
    const html = await again.text();
    expect(html).toContain('You are signed in');
    expect(html).not.toContain('Please start again');
  });

  it('an expired authorization resume is rendered by our error page', async () => {
    const res = await browser(h.url).request('/auth/not-a-real-uid');
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain('Please start again');
    expect(html).toContain('/assets/app.css');
  });

  it('a mismatched cookie and URL count as expired', async () => {
    const b = browser(h.url);
    await authorize(b);
    const res = await b.request('/interaction/some-other-uid');
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Please start again');
  });
});
