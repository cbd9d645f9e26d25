// Devices and sessions, and connected apps: what the customer sees, and that ending or revoking really ends what
// the session or the app could do.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt } from 'jose';
import { ACCOUNT_CLIENT_ID } from '../../../src/account/client.ts';
import { findForm, textOf } from '../../support/http.ts';
import { connectShop, FIREFOX, IPHONE, open, post, rawPost, csrfOf, refresh, signIn, startAccountApp, userinfo, SHOP, type AccountApp } from './helpers.ts';
import { rowOf } from '../../../adapters/wire.ts';

let app: AccountApp;

beforeAll(async () => {
  // Back-channel logout goes to a receiver on 127.0.0.1.
  app = await startAccountApp({ ALLOW_PRIVATE_NETWORK_REQUESTS: 'true' });
});
afterAll(() => app.close());

describe('devices and sessions', () => {
  it('lists every session with its device, marks this one, and signs out one, the others, or all', async () => {
    const user = await app.createUser('devices@example.com');
    const desktop = app.browser(FIREFOX);
    const phone = app.browser(IPHONE);
    const tablet = app.browser('Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36');
    await signIn(app, phone, user.email);
    await signIn(app, tablet, user.email);
    await signIn(app, desktop, user.email);

    const views = await app.services.sessions.listForAccount(user.id);
    expect(views).toHaveLength(3);
    const page = await open(app, desktop, '/account/sessions');
    const text = textOf(page.body);
    expect(text).toContain('Firefox 128 · Windows 10');
    expect(text).toContain('Mobile Safari 17 · iOS 17.4');
    expect(text).toContain('Apple iPhone');
    expect(text).toContain('127.0.0.1');
    // "This device" is on the desktop's own entry, which is listed first.
    expect(text.indexOf('This device')).toBeGreaterThan(text.indexOf('Firefox 128'));
    expect(text.indexOf('This device')).toBeLessThan(text.indexOf('Mobile Safari'));
    expect(page.body.match(/name="uid"/g)).toHaveLength(2);

    // Sign out the phone.
    const phoneUid = views.find((v) => v.browser?.startsWith('Mobile Safari'))?.uid as string;
    const res = await post(desktop, page, /\/account\/sessions\/revoke$/, { uid: phoneUid });
    expect(res.status).toBe(303);
    expect(textOf((await desktop.navigate(res.location as URL)).page.body)).toContain('The session has been signed out.');
    expect((await phone.request(new URL('/account', app.url))).location?.pathname).toBe('/auth');
    expect((await app.audit('session.revoked', user.id))[0]?.details).toEqual({ uid: phoneUid });
    await open(app, tablet, '/account');

    // Someone else's session, or an unknown one, cannot be ended from here.
    const stranger = await app.createUser('stranger@example.com');
    const s = app.browser();
    await signIn(app, s, stranger.email);
    const tabletUid = (await app.services.sessions.listForAccount(user.id)).find((v) => !v.browser?.startsWith('Firefox'))?.uid as string;
    const csrf = csrfOf(await open(app, s, '/account/sessions'));
    expect((await rawPost(s, app, '/account/sessions/revoke', `_csrf=${csrf}&uid=${tabletUid}`)).status).toBe(404);
    expect((await rawPost(s, app, '/account/sessions/revoke', `_csrf=${csrf}&uid[]=x`)).status).toBe(404);
    await open(app, tablet, '/account');

    // All others: the tablet goes, the desktop stays.
    await post(desktop, await open(app, desktop, '/account/sessions'), /revoke-others$/);
    expect((await tablet.request(new URL('/account', app.url))).location?.pathname).toBe('/auth');
    const remaining = await app.services.sessions.listForAccount(user.id);
    expect(remaining.map((v) => v.browser)).toEqual(['Firefox 128']);

    // Everywhere: this browser too.
    const all = await post(desktop, await open(app, desktop, '/account/sessions'), /revoke-all$/);
    expect(all.location?.pathname).toBe('/account/signed-out');
    expect(textOf((await desktop.navigate(all.location as URL)).page.body)).toContain('You are signed out');
    expect((await desktop.request(new URL('/account', app.url))).location?.pathname).toBe('/auth');
    expect(await app.services.sessions.listForAccount(user.id)).toEqual([]);
  });

  it('tells apps registered for back-channel logout when a session is ended from here', async () => {
    const received: string[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push(body);
        res.statusCode = 200;
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const bcl = { id: 'bcl-app', redirectUri: 'https://bcl.example/cb' };
      await new app.services.adapter.Adapter('Client').upsert(bcl.id, {
        client_id: bcl.id,
        token_endpoint_auth_method: 'none',
        redirect_uris: [bcl.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        scope: 'openid',
        backchannel_logout_uri: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/logout`,
        backchannel_logout_session_required: true,
      });
      const user = await app.createUser('bcl@example.com');
      const laptop = app.browser();
      const here = app.browser(IPHONE);
      await signIn(app, laptop, user.email);
      await connectShop(app, laptop, 'openid', bcl);
      await signIn(app, here, user.email);

      const page = await open(app, here, '/account/sessions');
      await post(here, page, /revoke-others$/);
      expect(received).toHaveLength(1);
      const token = decodeJwt(String(new URLSearchParams(received[0]).get('logout_token')));
      expect(token).toMatchObject({ aud: bcl.id, iss: app.url, sub: user.id });
      expect(token.sid).toEqual(expect.any(String));
      expect(token.events).toHaveProperty(['http://schemas.openid.net/event/backchannel-logout']);
    } finally {
      await new Promise((closed) => receiver.close(closed));
    }
  });

  it('signs out through RP-initiated logout and lands on the signed-out page', async () => {
    const user = await app.createUser('logout@example.com');
    const b = app.browser();
    const page = await signIn(app, b, user.email);
    const link = /href="(\/session\/end\?[^"]+)"/.exec(page.body)?.[1]?.replaceAll('&amp;', '&');
    expect(link).toContain(`client_id=${ACCOUNT_CLIENT_ID}`);
    const confirm = (await b.navigate(new URL(link as string, app.url))).page;
    const { form } = findForm(confirm, /\/session\/end\/confirm$/);
    const { page: out } = await b.submit(form, {}, { button: form.buttons.find((x) => x.name === 'logout') });
    expect(out.url.pathname).toBe('/account/signed-out');
    expect((await b.request(new URL('/account', app.url))).location?.pathname).toBe('/auth');
  });
});

describe('connected apps', () => {
  it('lists the apps holding a grant in plain words and revokes one with all its tokens', async () => {
    const user = await app.createUser('apps@example.com');
    const b = app.browser();
    await signIn(app, b, user.email);
    expect(textOf((await open(app, b, '/account/apps')).body)).toContain('No apps are connected to your account.');
    const tokens = await connectShop(app, b, 'openid email profile offline_access');
    expect(tokens.refresh_token).toBeTruthy();
    expect(await app.services.grants.hasGrant(user.id, SHOP.id)).toBe(true);

    const page = await open(app, b, '/account/apps');
    const text = textOf(page.body);
    expect(page.body).toContain('Shop &lt;Test&gt;');
    expect(text).toContain('See your e-mail address');
    expect(text).toContain('See your basic profile');
    expect(text).toContain('Stay connected to your account while you are not using the application');
    expect(text).toMatch(/Connected since/);
    // The account center itself is not an app to revoke.
    expect(page.body).not.toContain(`value="${ACCOUNT_CLIENT_ID}"`);

    const res = await post(b, page, /\/account\/apps\/revoke$/, { client_id: SHOP.id });
    expect(res.status).toBe(303);
    expect(textOf((await b.navigate(res.location as URL)).page.body)).toContain('The app no longer has access to your account.');

    // Everything issued to the app is gone from the store, not just unusable.
    for (const model of ['AccessToken', 'RefreshToken', 'AuthorizationCode', 'Grant']) {
      const rows = (await app.services.adapter.collection(model).find({ accountId: user.id }).toArray()).filter((row) => rowOf(row).payload.clientId === SHOP.id).length;
      expect([model, rows]).toEqual([model, 0]);
    }
    // And dead at the token and userinfo endpoints.
    const refreshed = await refresh(app, String(tokens.refresh_token));
    expect(refreshed.status).toBe(400);
    expect(refreshed.body.error).toBe('invalid_grant');
    expect((await userinfo(app, tokens.access_token)).status).toBe(401);
    expect(await app.services.grants.hasGrant(user.id, SHOP.id)).toBe(false);
    expect(await app.services.grants.listForAccount(user.id)).toEqual([]);
    const [session] = await app.services.adapter.findByAccount('Session', user.id);
    expect(Object.keys((session?.payload.authorizations ?? {}) as object)).not.toContain(SHOP.id);
    expect((await app.audit('grant.revoked', user.id))[0]).toMatchObject({ clientId: SHOP.id, reason: 'account_center', outcome: 'success' });

    // Using the app again asks for consent again.
    const again = await connectShop(app, b, 'openid email');
    expect((await userinfo(app, again.access_token)).status).toBe(200);
  });

  it('refuses to revoke an app that has no grant, or the account center itself', async () => {
    const user = await app.createUser('apps-bad@example.com');
    const b = app.browser();
    await signIn(app, b, user.email);
    const csrf = csrfOf(await open(app, b, '/account/sessions'));
    for (const body of [`client_id=${SHOP.id}`, `client_id=${ACCOUNT_CLIENT_ID}`, 'client_id=', 'client_id[]=shop', '']) {
      const res = await rawPost(b, app, '/account/apps/revoke', `_csrf=${csrf}&${body}`);
      expect([body, res.status]).toEqual([body, 404]);
    }
    // Still signed in to the account center.
    await open(app, b, '/account');
  });

  it('revokeTokens ends every access and refresh token of the account but keeps the grant', async () => {
    const user = await app.createUser('tokens@example.com');
    const b = app.browser();
    await signIn(app, b, user.email);
    const tokens = await connectShop(app, b);
    expect(await app.services.grants.revokeTokens(user.id)).toBeGreaterThanOrEqual(2);
    expect((await refresh(app, String(tokens.refresh_token))).status).toBe(400);
    expect(await app.services.grants.hasGrant(user.id, SHOP.id)).toBe(true);
  });
});
