// The account center's per-app consent: what an app sees, changing optional items (narrowing applies to the app's
// next token, widening re-allows), withdrawing consent entirely (grant and tokens gone, back-channel logout received
// by the app), and the consent records every path leaves, first-party sign-ins included.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt } from 'jose';
import { findForm, forms, textOf, type Browser } from '../../support/http.ts';
import { csrfOf, open, post, rawPost, signIn, startAccountApp, userinfo, type AccountApp } from '../account/helpers.ts';
import { rowOf } from '../../../adapters/wire.ts';

let app: AccountApp;
let receiver: Server;
const logouts: URLSearchParams[] = [];
const PARTNER = { id: 'partner-app', redirectUri: 'https://partner.example/cb' };
const OWN = { id: 'own-app', redirectUri: 'https://own.example/cb' };
const PHONE = '+4915112345678';

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      logouts.push(new URLSearchParams(body));
      res.statusCode = 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  // Back-channel logout goes to a receiver on 127.0.0.1.
  app = await startAccountApp({ ALLOW_PRIVATE_NETWORK_REQUESTS: 'true' });
  const common = {
    token_endpoint_auth_method: 'none' as const,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code' as const],
    scope: 'openid email phone offline_access',
  };
  const clients = new app.services.adapter.Adapter('Client');
  await clients.upsert(PARTNER.id, {
    ...common,
    client_id: PARTNER.id,
    client_name: 'Partner',
    redirect_uris: [PARTNER.redirectUri],
    optional_scopes: ['email'],
    backchannel_logout_uri: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/logout`,
    backchannel_logout_session_required: true,
  });
  await clients.upsert(OWN.id, {
    ...common,
    client_id: OWN.id,
    client_name: 'Our Store',
    redirect_uris: [OWN.redirectUri],
    first_party: true,
  });
});

afterAll(async () => {
  await app?.close();
  await new Promise((closed) => receiver?.close(closed));
});

/** Authorizes `client` in a signed-in browser (ticking `tick` on a consent page); the tokens and whether it asked. */
async function connect(b: Browser, client: { id: string; redirectUri: string }, opts: { scope?: string; tick?: Record<string, string>; claims?: string; prompt?: string } = {}) {
  const verifier = randomBytes(32).toString('base64url');
  const params = new URLSearchParams({
    client_id: client.id,
    response_type: 'code',
    scope: opts.scope ?? 'openid email phone offline_access',
    redirect_uri: client.redirectUri,
    state: 'state',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    ...(opts.claims ? { claims: opts.claims } : {}),
    // oidc-provider issues a refresh token for offline_access only when the consent prompt ran.
    ...(opts.prompt ? { prompt: opts.prompt } : {}),
  });
  let result = await b.navigate(new URL(`/auth?${params}`, app.url));
  const consent = forms(result.page).find((f) => /\/confirm$/.test(f.action.pathname));
  const asked = Boolean(consent);
  if (consent) result = await b.submit(consent, opts.tick ?? {});
  const code = result.redirect?.searchParams.get('code');
  if (!code) throw new Error(`no code: ${result.page.status} ${textOf(result.page.body).slice(0, 400)}`);
  const res = await fetch(new URL('/token', app.url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: client.redirectUri, client_id: client.id, code_verifier: verifier }),
  });
  const tokens = (await res.json()) as { access_token: string; refresh_token?: string; id_token?: string };
  if (!res.ok) throw new Error(`token exchange failed: ${JSON.stringify(tokens)}`);
  return { tokens, asked };
}

async function refresh(clientId: string, refreshToken: string) {
  const res = await fetch(new URL('/token', app.url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

async function signedInCustomer(email: string) {
  const user = await app.createUser(email, { phone_number: PHONE, phone_number_verified: true });
  const b = app.browser();
  await signIn(app, b, user.email);
  return { user, b };
}

describe('an app page in the account center', () => {
  it('shows what is shared and withheld, required and optional; narrowing applies to the next token, widening re-allows', async () => {
    const { user, b } = await signedInCustomer('narrow@example.com');
    const first = await connect(b, PARTNER, { tick: { scope: 'email' }, prompt: 'consent' });
    expect(first.asked).toBe(true);
    expect((await userinfo(app, first.tokens.access_token)).body).toMatchObject({ email: user.email, phone_number: PHONE });

    const list = await open(app, b, '/account/apps');
    expect(list.body).toContain(`href="/account/apps/${PARTNER.id}"`);
    let page = await open(app, b, `/account/apps/${PARTNER.id}`);
    let text = textOf(page.body);
    expect(text).toContain('What Partner can see');
    expect(text).toMatch(/See your e-mail address \(optional\)/);
    expect(text).toMatch(/See your phone number \(required by the app\)/);
    expect(text).toContain('Nothing is kept from the app.');
    expect(page.body).toMatch(/name="scope" type="checkbox" value="email" checked/);
    expect(page.body).not.toMatch(/value="phone"/);

    // Narrow: untick e-mail.
    const { form, button } = findForm(page, /\/consent$/);
    const fields = { ...form.fields };
    delete fields.scope;
    const saved = await b.request(form.action, { method: 'POST', body: new URLSearchParams({ ...fields, ...(button?.name ? { [button.name]: button.value } : {}) }) });
    expect(saved.status).toBe(303);
    page = (await b.navigate(saved.location as URL)).page;
    text = textOf(page.body);
    expect(text).toContain('Your choices for the app are saved.');
    expect(text).toMatch(/Kept from the app\s*See your e-mail address/);
    expect(page.body).toMatch(/name="scope" type="checkbox" value="email">/);

    // userinfo reads the grant at every call: even the old token no longer gets the address.
    expect((await userinfo(app, first.tokens.access_token)).body.email).toBeUndefined();
    // The next token carries no e-mail; the refresh token still works.
    const next = await refresh(PARTNER.id, first.tokens.refresh_token as string);
    expect(next.status).toBe(200);
    const info = (await userinfo(app, next.body.access_token as string)).body;
    expect(info.email).toBeUndefined();
    expect(info.phone_number).toBe(PHONE);
    // Asking again, even with the claims parameter, neither asks nor releases it.
    const again = await connect(b, PARTNER, { claims: JSON.stringify({ userinfo: { email: { essential: true } }, id_token: { email: null } }) });
    expect(again.asked).toBe(false);
    expect((await userinfo(app, again.tokens.access_token)).body.email).toBeUndefined();
    expect(decodeJwt(again.tokens.id_token as string).email).toBeUndefined();

    const [changed] = await app.services.consents.history(user.id, PARTNER.id);
    expect(changed).toMatchObject({ action: 'changed', source: 'account_center', withheld: { scopes: ['email'], claims: ['email', 'email_verified'] } });
    expect((await app.audit('consent.changed', user.id))[0]).toMatchObject({ clientId: PARTNER.id, reason: 'account_center' });

    // Widen: tick e-mail again.
    page = await open(app, b, `/account/apps/${PARTNER.id}`);
    const widened = await post(b, page, /\/consent$/, { scope: 'email' });
    expect(widened.status).toBe(303);
    const after = await refresh(PARTNER.id, next.body.refresh_token as string);
    expect((await userinfo(app, after.body.access_token as string)).body.email).toBe(user.email);
    const history = await app.services.consents.history(user.id, PARTNER.id);
    expect(history.map((r) => `${r.action}/${r.source}`)).toEqual(['changed/account_center', 'changed/account_center', 'granted/consent_page']);
    expect(textOf((await open(app, b, `/account/apps/${PARTNER.id}`)).body)).toMatch(/Consent given \(on the consent page\)/);
  });

  it('refuses an item that is not on offer with the page again (400) and changes nothing', async () => {
    const { user, b } = await signedInCustomer('forged@example.com');
    await connect(b, PARTNER);
    const before = await app.services.consents.history(user.id, PARTNER.id);
    const page = await open(app, b, `/account/apps/${PARTNER.id}`);
    for (const extra of [{ scope: 'phone' }, { claim: 'email' }, { scope: 'openid' }] as Record<string, string>[]) {
      const res = await post(b, page, /\/consent$/, extra);
      expect([extra, res.status]).toEqual([extra, 400]);
      expect(res.body).toContain('id="form-error"');
    }
    // Malformed bodies (repeated structure, oversized) are refused too.
    const csrf = csrfOf(page);
    expect((await rawPost(b, app, `/account/apps/${PARTNER.id}/consent`, `_csrf=${csrf}&scope[x]=email`)).status).toBe(400);
    expect((await rawPost(b, app, `/account/apps/${PARTNER.id}/consent`, `_csrf=${csrf}&scope=${'e'.repeat(300)}`)).status).toBe(400);
    // Without a CSRF token nothing happens.
    expect((await rawPost(b, app, `/account/apps/${PARTNER.id}/consent`, 'scope=email')).status).toBe(403);
    expect(await app.services.consents.history(user.id, PARTNER.id)).toEqual(before);
    // An app without a grant has no page.
    expect((await b.request(new URL(`/account/apps/${OWN.id}`, app.url))).status).toBe(404);
    expect((await b.request(new URL('/account/apps/nobody', app.url))).status).toBe(404);
  });
});

describe('withdrawing consent entirely', () => {
  it('revokes the grant with all its tokens and sends the app a back-channel logout token', async () => {
    const { user, b } = await signedInCustomer('withdraw@example.com');
    const { tokens } = await connect(b, PARTNER, { tick: { scope: 'email' }, prompt: 'consent' });
    logouts.length = 0;

    const page = await open(app, b, `/account/apps/${PARTNER.id}`);
    expect(textOf(page.body)).toContain('Withdraw consent for Partner');
    const res = await post(b, page, /\/account\/apps\/revoke$/, { client_id: PARTNER.id });
    expect(res.status).toBe(303);
    expect(textOf((await b.navigate(res.location as URL)).page.body)).toContain('The app no longer has access to your account.');

    expect(logouts).toHaveLength(1);
    const token = decodeJwt(String(logouts[0]!.get('logout_token')));
    expect(token).toMatchObject({ aud: PARTNER.id, iss: app.url, sub: user.id });
    expect(token.sid).toEqual(expect.any(String));
    expect(token.events).toHaveProperty(['http://schemas.openid.net/event/backchannel-logout']);

    for (const model of ['AccessToken', 'RefreshToken', 'AuthorizationCode', 'Grant']) {
      const rows = (await app.services.adapter.collection(model).find({ accountId: user.id }).toArray()).filter((row) => rowOf(row).payload.clientId === PARTNER.id).length;
      expect([model, rows]).toEqual([model, 0]);
    }
    expect((await refresh(PARTNER.id, tokens.refresh_token as string)).body.error).toBe('invalid_grant');
    expect((await userinfo(app, tokens.access_token)).status).toBe(401);

    const [withdrawn] = await app.services.consents.history(user.id, PARTNER.id);
    expect(withdrawn).toMatchObject({ action: 'withdrawn', source: 'account_center', granted: { scopes: [], claims: [] } });
    expect(withdrawn?.withheld.scopes).toEqual(expect.arrayContaining(['openid', 'email', 'phone']));
    expect((await app.audit('consent.withdrawn', user.id))[0]).toMatchObject({ clientId: PARTNER.id });
    expect((await app.audit('grant.revoked', user.id))[0]?.details).toMatchObject({ backchannelLogouts: 1 });
  });
});

describe('first-party apps', () => {
  it('skip the consent page, and their consent is recorded', async () => {
    const { user, b } = await signedInCustomer('own@example.com');
    const { tokens, asked } = await connect(b, OWN);
    expect(asked).toBe(false);
    expect((await userinfo(app, tokens.access_token)).body.email).toBe(user.email);
    const [record] = await app.services.consents.history(user.id, OWN.id);
    expect(record).toMatchObject({ action: 'granted', source: 'first_party', granted: { scopes: expect.arrayContaining(['openid', 'email', 'phone']) } });
    expect(record?.grantId).toEqual(expect.any(String));
    // The second sign-in adds nothing and records nothing.
    await connect(b, OWN);
    expect(await app.services.consents.history(user.id, OWN.id)).toHaveLength(1);
  });
});

describe('consent records for export and erasure', () => {
  it('exportFor lists the history without the account id; removeAll deletes it and is idempotent', async () => {
    const { user, b } = await signedInCustomer('export@example.com');
    await connect(b, PARTNER);
    const exported = (await app.services.consents.exportFor(user.id)) as Record<string, unknown>[];
    expect(exported.length).toBeGreaterThanOrEqual(1);
    expect(exported[0]).toMatchObject({ clientId: expect.any(String), action: 'granted', at: expect.any(Date) });
    expect(JSON.stringify(exported)).not.toContain(user.id);
    expect(await app.services.consents.removeAll(user.id)).toBe(exported.length);
    expect(await app.services.consents.removeAll(user.id)).toBe(0);
    expect(await app.services.consents.history(user.id)).toEqual([]);
  });
});
