// Getting into the account center: single sign-on through the provider's own session, the state-checked callback,
// re-authentication for sensitive pages, and what counts as signed out.
import { STATE_COOKIE } from '../../../src/account/auth.ts';
import { ACCOUNT_CLIENT_ID, accountClientMetadata, ensureAccountClient } from '../../../src/account/client.ts';
import { findForm, textOf } from '../../support/http.ts';
import { ageLogin, open, post, signIn, startAccountApp, submitLogin, type AccountApp } from './helpers.ts';

let app: AccountApp;

beforeAll(async () => {
  app = await startAccountApp({ REAUTH_MAX_AGE_SECONDS: '300' });
});
afterAll(() => app.close());

describe('signing in to the account center', () => {
  it('sends a browser without a session to the authorization endpoint as ciam-account, with a state bound to a cookie', async () => {
    const b = app.browser();
    const res = await b.request(new URL('/account/sessions', app.url));
    expect(res.status).toBe(303);
    const to = res.location as URL;
    expect(to.origin + to.pathname).toBe(`${app.url}/auth`);
    expect(Object.fromEntries(to.searchParams)).toMatchObject({
      client_id: ACCOUNT_CLIENT_ID,
      response_type: 'none',
      scope: 'openid',
      redirect_uri: `${app.url}/account/callback`,
    });
    expect(to.searchParams.get('state')).toMatch(/^[\w-]{20,}$/);
    expect(to.searchParams.has('prompt')).toBe(false);
    const cookie = b.cookies().find((c) => c.name === STATE_COOKIE);
    expect(cookie?.path).toBe('/account');
    expect(b.cookies().some((c) => c.name === `${STATE_COOKIE}.sig`)).toBe(true);
  });

  it('comes back, after the login, to the page first asked for', async () => {
    const user = await app.createUser('sso@example.com', { name: 'Sso Person' });
    const b = app.browser();
    const page = await signIn(app, b, user.email, '/account/sessions?x=1');
    expect(page.url.pathname + page.url.search).toBe('/account/sessions?x=1');
    expect(textOf(page.body)).toContain('Devices and sessions');
    expect(textOf(page.body)).toContain('Sso Person');

    // The session is the provider's: a second visit needs no login, and the account center is not a connected app.
    const overview = textOf((await open(app, b, '/account')).body);
    expect(overview).toContain('sso@example.com');
    expect(overview).toContain('Signed in on 1 device');
    expect(overview).toContain('0 connected apps');
    expect((await app.services.grants.listForAccount(user.id)).map((a) => a.clientId)).not.toContain(ACCOUNT_CLIENT_ID);
  });

  it('rejects a callback whose state is unknown, missing, reused or from another browser', async () => {
    const b = app.browser();
    const first = await b.request(new URL('/account', app.url));
    const state = (first.location as URL).searchParams.get('state') as string;

    for (const query of ['?state=forged', '', `?state=${state}x`, `?state=${state}&iss=https%3A%2F%2Fevil.example`]) {
      const res = await b.request(new URL(`/account/callback${query}`, app.url));
      expect([query, res.status]).toEqual([query, 400]);
      expect(textOf(res.body)).toContain('This sign-in has expired or was started in another browser window');
      expect(res.headers.get('location')).toBeNull();
    }
    // Another browser (no cookie) cannot use this browser's state.
    const other = app.browser();
    expect((await other.request(new URL(`/account/callback?state=${state}`, app.url))).status).toBe(400);
  });

  it('uses a state once, keeps a few sign-ins apart, and never returns anywhere but the account center', async () => {
    const user = await app.createUser('state@example.com');
    const b = app.browser();
    const a1 = (await b.request(new URL('/account/profile', app.url))).location as URL;
    const a2 = (await b.request(new URL('/account/apps', app.url))).location as URL;
    // The first tab's sign-in completes: it returns where that tab wanted to go.
    const { page } = await b.navigate(a1);
    const landed = await submitLogin(b, page, user.email);
    expect(landed.url.pathname).toBe('/account/profile');
    // Its state is used up.
    const replay = await b.request(new URL(`/account/callback?state=${a1.searchParams.get('state')}`, app.url));
    expect(replay.status).toBe(400);
    // The second tab's state is still good.
    const second = await b.request(new URL(`/account/callback?state=${a2.searchParams.get('state')}`, app.url));
    expect(second.status).toBe(303);
    expect(second.location?.pathname).toBe('/account/apps');

  });

  it('shows a cancelled sign-in as such and offers to try again', async () => {
    const b = app.browser();
    const { page } = await b.navigate(new URL('/account/apps', app.url));
    const { form, button } = findForm(page, /\/abort$/);
    const { page: back } = await b.submit(form, {}, { button });
    expect(back.status).toBe(200);
    expect(back.url.pathname).toBe('/account/callback');
    expect(textOf(back.body)).toContain('The sign-in was cancelled.');
    expect(back.body).toContain('href="/account/apps"');
  });

  it('treats a disabled or deleted account as signed out', async () => {
    const user = await app.createUser('disabled@example.com');
    const b = app.browser();
    await signIn(app, b, user.email);
    await app.services.db.connection.collection('users').updateOne({ _id: user.id as never }, { $set: { disabled: true } });
    const res = await b.request(new URL('/account', app.url));
    expect(res.status).toBe(303);
    expect(res.location?.pathname).toBe('/auth');

    const gone = await app.createUser('gone@example.com');
    const c = app.browser();
    await signIn(app, c, gone.email);
    await app.profile.deleteUser(gone.id);
    expect((await c.request(new URL('/account/profile', app.url))).location?.pathname).toBe('/auth');
  });

  it('refuses form posts without the CSRF token, and sends posts without a session to sign in', async () => {
    const user = await app.createUser('csrf@example.com', { name: 'Before' });
    const b = app.browser();
    const page = await signIn(app, b, user.email, '/account/profile');
    for (const csrf of [undefined, '', 'forged']) {
      const body = new URLSearchParams({ name: 'After', ...(csrf === undefined ? {} : { _csrf: csrf }) });
      const res = await b.request(new URL('/account/profile', app.url), { method: 'POST', body });
      expect(res.status).toBe(403);
      expect(textOf(res.body)).toContain('This form has expired or was sent from another page');
    }
    expect((await app.user(user.id))?.name).toBe('Before');

    // A browser with a valid CSRF token but no session is sent to sign in (and back to the form), nothing changes.
    const stranger = app.browser();
    const anonymous = await stranger.request(new URL('/account/profile', app.url));
    expect(anonymous.status).toBe(303);
    const token = stranger.cookies().find((c) => c.name === 'csrf')?.value;
    expect(token).toBeTruthy();
    const res = await post(stranger, page, /^\/account\/profile$/, { name: 'After', _csrf: String(token) });
    expect(res.status).toBe(303);
    expect(res.location?.pathname).toBe('/auth');
    const back = await stranger.request(new URL(`/account/callback?state=${res.location?.searchParams.get('state')}`, app.url));
    expect(back.location?.pathname).toBe('/account/profile');
    expect((await app.user(user.id))?.name).toBe('Before');
  });
});

describe('the ciam-account client', () => {
  it('is created once and kept up to date with the issuer', async () => {
    const { services } = app;
    const deps = { provider: services.provider, Adapter: services.adapter.Adapter, config: services.config };
    expect(await ensureAccountClient(deps)).toBe('unchanged');
    const stored = await new services.adapter.Adapter('Client').find(ACCOUNT_CLIENT_ID);
    expect(stored).toMatchObject({
      token_endpoint_auth_method: 'none',
      response_types: ['none'],
      grant_types: [],
      redirect_uris: [`${app.url}/account/callback`],
      post_logout_redirect_uris: [`${app.url}/account/signed-out`],
      first_party: true,
    });
    expect(await ensureAccountClient({ ...deps, config: { issuer: 'https://id.example.com' } })).toBe('updated');
    expect(await new services.adapter.Adapter('Client').find(ACCOUNT_CLIENT_ID)).toMatchObject(accountClientMetadata('https://id.example.com'));
    expect(await ensureAccountClient(deps)).toBe('updated');
    // It cannot get tokens: no grant type, and the token endpoint refuses it.
    const res = await fetch(new URL('/token', app.url), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: ACCOUNT_CLIENT_ID }),
    });
    expect(res.status).toBe(400);
  });
});

describe('re-authentication', () => {
  it('asks for the password again on sensitive pages when the sign-in is old, then returns to the page', async () => {
    const user = await app.createUser('reauth@example.com');
    const b = app.browser();
    await signIn(app, b, user.email);
    // Fresh sign-in: the e-mail page opens directly.
    await open(app, b, '/account/email');

    await ageLogin(app, user.id, 301);
    // Ordinary pages do not ask.
    await open(app, b, '/account/profile');
    for (const path of ['/account/email', '/account/password', '/account/delete']) {
      const res = await b.request(new URL(path, app.url));
      expect([path, res.status]).toEqual([path, 303]);
      expect(res.location?.pathname).toBe('/auth');
      expect(res.location?.searchParams.get('prompt')).toBe('login');
    }
    // A form post to a sensitive page is not carried out either.
    const stale = await b.request(new URL('/account/password', app.url));
    const { page: login } = await b.follow(stale);
    // "Confirm it's you", with the account's address fixed: only the password (or a mailed code) is asked.
    expect(textOf(login.body)).toContain('Confirm it’s you');
    expect(login.body).toContain(`readonly value="${user.email}"`);
    const back = await submitLogin(b, login, user.email);
    expect(back.url.pathname).toBe('/account/password');
    expect(back.status).toBe(200);
    // The new sign-in counts as recent.
    await open(app, b, '/account/delete');
  });
});

describe('Back or reload after a finished sign-in', () => {
  it('says the browser is signed in and leads on, on the finished sign-in page and on its return URL', async () => {
    const user = await app.createUser('went-back@example.com');
    const b = app.browser();
    const { page: login } = await b.navigate(new URL('/account', app.url));
    expect(login.url.pathname).toMatch(/^\/interaction\/[^/]+$/);
    const uid = login.url.pathname.split('/')[2]!;
    await submitLogin(b, login, user.email);

    for (const path of [`/interaction/${uid}`, `/auth/${uid}`]) {
      const { page } = await b.navigate(new URL(path, app.url));
      const text = textOf(page.body);
      expect([path, text]).toEqual([path, expect.stringContaining('You are signed in')]);
      expect(text).not.toContain('Please start again');
      expect(page.body).toContain('href="/account"');
    }

    // A browser that is not signed in still gets the start-again page.
    const stranger = app.browser();
    const { page } = await stranger.navigate(new URL(`/interaction/${uid}`, app.url));
    expect(textOf(page.body)).toContain('Please start again');
  });
});
