// Per-claim consent, end to end as relying parties see it: a partner app asks for e-mail and phone with e-mail
// optional; the customer withholds e-mail on the consent page; from then on no e-mail reaches that app through any
// of the four paths — id_token, userinfo, introspection, JWT access token — not even when the app asks for it again
// with the `claims` parameter. A first-party app of the same customer, which skips the consent page, still gets it.
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import * as oidc from 'openid-client';
import { decodeJwt, jwtVerify } from 'jose';
import { Browser, findForm, forms, textOf } from '../support/http.ts';
import { RESOURCE, serverTest, startServer, type TestServer } from '../support/server.ts';
import { authRequest, createUser, introspect, isConsentPage, jwks, REDIRECT_URI, rp, submitLogin, unique, walk, type TestUser } from './flows.ts';

let server: TestServer;
let user: TestUser;
let partner: oidc.Configuration;
let own: oidc.Configuration;
const it = serverTest(() => server);
const PHONE = '+4915112345678';
const SCOPE = 'openid email phone';
const CLAIMS_FOR_EMAIL = JSON.stringify({ id_token: { email: { essential: true } }, userinfo: { email: { essential: true } } });

async function registerClient(extra: string[]): Promise<oidc.Configuration> {
  const clientId = unique('app');
  const clientSecret = randomBytes(24).toString('base64url');
  await server.cli([
    'clients', 'create', '--client-id', clientId, `--client-secret=${clientSecret}`, '--redirect-uri', REDIRECT_URI,
    '--grant-type', 'authorization_code', '--grant-type', 'refresh_token', '--scope', 'openid email phone orders:read',
    ...extra,
  ]);
  return rp(server, { clientId, clientSecret });
}

/** Signs in (when asked) and walks through the pages; on a consent page ticks `tick` and records what it offered. */
async function authorize(config: oidc.Configuration, browser: Browser, params: Record<string, string>, tick: Record<string, string> = {}) {
  const req = await authRequest(config, params);
  let step = await browser.navigate(req.url);
  const consentPages: string[] = [];
  for (let i = 0; i < 6 && !step.redirect; i++) {
    const { page } = step;
    if (forms(page).some((f) => /\/login$/.test(f.action.pathname))) {
      step = await submitLogin(browser, page, user);
    } else if (isConsentPage(page)) {
      consentPages.push(page.body);
      const { form, button } = findForm(page, /\/confirm$/);
      step = await browser.submit(form, tick, { button });
    } else {
      throw new Error(`stopped at ${page.url.pathname} (${page.status}): ${textOf(page.body).slice(0, 400)}`);
    }
  }
  if (!step.redirect) throw new Error('no redirect back to the client');
  const tokens = await oidc.authorizationCodeGrant(config, step.redirect, {
    pkceCodeVerifier: req.verifier,
    expectedState: req.state,
    expectedNonce: req.nonce,
  });
  return { tokens, consentPages };
}

beforeAll(async () => {
  server = await startServer();
  user = await createUser(server, 'Grace Hopper');
  // The CLI sets no phone number; the customer's profile gets one directly.
  const conn = mongoose.createConnection(server.env.MONGODB_URI as string);
  await conn.asPromise();
  await conn.collection('users').updateOne({ email: user.email }, { $set: { phone_number: PHONE, phone_number_verified: true } });
  await conn.close();
  [partner, own] = await Promise.all([
    registerClient(['--client-name', 'Partner Shop', '--optional-scope', 'email']),
    registerClient(['--client-name', 'Our Store', '--first-party']),
  ]);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('a withheld claim never reaches the partner app', () => {
  const browser = () => shared;
  let shared: Browser;
  beforeAll(() => {
    shared = new Browser(server.issuer);
  });

  it('the consent page offers e-mail as an unticked option and phone as required; withholding e-mail keeps it out of every token', async () => {
    const { tokens, consentPages } = await authorize(partner, browser(), { scope: SCOPE });
    expect(consentPages).toHaveLength(1);
    const page = consentPages[0]!;
    // Phone is listed as required; e-mail is an optional checkbox, unticked by default.
    expect(page).toContain('See your phone number');
    expect(page).toMatch(/<input id="scope-\d+" name="scope" type="checkbox" value="email">/);
    expect(page).not.toMatch(/value="phone"/);

    const id = tokens.claims()!;
    expect(id.phone_number).toBeUndefined(); // conformIdTokenClaims: scope claims go to userinfo, not the id_token
    expect(id.email).toBeUndefined();

    const info = await oidc.fetchUserInfo(partner, tokens.access_token, id.sub);
    expect(info.phone_number).toBe(PHONE);
    expect(info.email).toBeUndefined();
    expect(info.email_verified).toBeUndefined();

    const intro = await introspect(partner, tokens.access_token);
    expect(intro.active).toBe(true);
    expect(intro.phone_number).toBe(PHONE);
    expect(intro.email).toBeUndefined();
    expect(intro.scope?.split(' ')).not.toContain('email');
  });

  it('asking again with the claims parameter neither shows the consent page nor releases the e-mail', async () => {
    const { tokens, consentPages } = await authorize(partner, browser(), { scope: SCOPE, claims: CLAIMS_FOR_EMAIL });
    expect(consentPages).toHaveLength(0);
    const id = tokens.claims()!;
    expect(id.email).toBeUndefined();
    const info = await oidc.fetchUserInfo(partner, tokens.access_token, id.sub);
    expect(info.email).toBeUndefined();
    expect(info.phone_number).toBe(PHONE);
    const intro = await introspect(partner, tokens.access_token);
    expect(intro.email).toBeUndefined();
    expect(intro.phone_number).toBe(PHONE);
  });

  it('a JWT access token for a resource server carries the phone but not the e-mail, claims parameter or not', async () => {
    const { tokens, consentPages } = await authorize(partner, browser(), {
      scope: `${SCOPE} orders:read`,
      resource: RESOURCE,
      claims: CLAIMS_FOR_EMAIL,
    });
    // Only the resource's scope is new; e-mail is not asked again.
    expect(consentPages).toHaveLength(1);
    expect(consentPages[0]).not.toMatch(/value="email"/);
    const { payload } = await jwtVerify(tokens.access_token, jwks(partner), { issuer: server.issuer, audience: RESOURCE });
    expect(payload.scope).toBe('orders:read');
    expect(payload.phone_number).toBe(PHONE);
    expect(payload.email).toBeUndefined();
    expect(payload.email_verified).toBeUndefined();
    expect(tokens.claims()?.email).toBeUndefined();
  });

  it('a first-party app of the same customer skips the consent page and still gets the e-mail everywhere', async () => {
    const plain = await authorize(own, browser(), { scope: SCOPE, claims: CLAIMS_FOR_EMAIL });
    expect(plain.consentPages).toHaveLength(0);
    const id = plain.tokens.claims()!;
    expect(id.email).toBe(user.email);
    const info = await oidc.fetchUserInfo(own, plain.tokens.access_token, id.sub);
    expect(info.email).toBe(user.email);
    const intro = await introspect(own, plain.tokens.access_token);
    expect(intro.email).toBe(user.email);

    const bound = await authorize(own, browser(), { scope: `${SCOPE} orders:read`, resource: RESOURCE });
    expect(bound.consentPages).toHaveLength(0);
    const claims = decodeJwt(bound.tokens.access_token);
    expect(claims.email).toBe(user.email);
    expect(claims.phone_number).toBe(PHONE);
  });
});

describe('ticking the optional item', () => {
  it('another customer who ticks e-mail for the partner gets it released', async () => {
    const other = await createUser(server, 'Ada Byron');
    const saved = user;
    user = other;
    try {
      const { tokens, consentPages } = await authorize(partner, new Browser(server.issuer), { scope: SCOPE }, { scope: 'email' });
      expect(consentPages).toHaveLength(1);
      const info = await oidc.fetchUserInfo(partner, tokens.access_token, tokens.claims()!.sub);
      expect(info.email).toBe(other.email);
      expect((await introspect(partner, tokens.access_token)).email).toBe(other.email);
    } finally {
      user = saved;
    }
  });

  it('a forged choice (an item not on offer) is refused with the page again and nothing granted', async () => {
    const other = await createUser(server, 'Alan Turing');
    const b = new Browser(server.issuer);
    const req = await authRequest(partner, { scope: SCOPE });
    let step = await b.navigate(req.url);
    step = await submitLogin(b, step.page, other);
    expect(isConsentPage(step.page)).toBe(true);
    const { form, button } = findForm(step.page, /\/confirm$/);
    const refused = await b.submit(form, { scope: 'phone' }, { button });
    expect(refused.redirect).toBeUndefined();
    expect(refused.page.status).toBe(400);
    expect(refused.page.body).toContain('id="form-error"');
    expect(isConsentPage(refused.page)).toBe(true);
  });
});
