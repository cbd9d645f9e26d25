// The communication_preferences claim through real authorization code flows: released with the `preferences` scope
// (userinfo, and the id_token when the claims parameter asks for it there), never without it — not even when the
// claims parameter names it.
import { createHash, randomBytes } from 'node:crypto';
import { forms, textOf, type Browser } from '../../support/http.ts';
import { connectShop, signIn, startAccountApp, userinfo, type AccountApp } from '../account/helpers.ts';

const TOPICS = [
  { id: 'newsletter', title: { en: 'Newsletter' }, channels: ['email', 'post'], signup: true },
  { id: 'offers', title: { en: 'Offers', de: 'Angebote' }, channels: ['sms'] },
];
const NEWS = { id: 'news', redirectUri: 'https://news.example/cb' };

let app: AccountApp;

beforeAll(async () => {
  app = await startAccountApp({ COMMUNICATION_TOPICS: JSON.stringify(TOPICS) });
  await app.services.clients.create({
    clientId: NEWS.id,
    public: true,
    clientName: 'News',
    redirectUris: [NEWS.redirectUri],
    grantTypes: ['authorization_code'],
    scope: 'openid email preferences',
  });
});
afterAll(() => app.close());

const decode = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

describe('communication_preferences claim', () => {
  it('is published in discovery with its scope', async () => {
    const meta = (await (await fetch(new URL('/.well-known/openid-configuration', app.url))).json()) as Record<string, string[]>;
    expect(meta.scopes_supported).toContain('preferences');
    expect(meta.claims_supported).toContain('communication_preferences');
  });

  it('reaches an app granted openid preferences, in userinfo and (asked for) in the id_token', async () => {
    const user = await app.createUser('claim-1@example.test');
    await app.services.preferences.set(user.id, [{ topic: 'offers', channel: 'sms', optIn: true }], { source: 'operator' });
    const b = app.browser();
    await signIn(app, b, user.email);

    const expected = { newsletter: { email: false, post: false }, offers: { sms: true } };
    const tokens = await connectShop(app, b, 'openid preferences', NEWS);
    expect((await userinfo(app, tokens.access_token)).body).toEqual({ sub: user.id, communication_preferences: expected });

    const asked = await connectShopWithClaims(b, 'openid preferences', { id_token: { communication_preferences: null } });
    expect(decode(asked.id_token!).communication_preferences).toEqual(expected);
  });

  it('does not reach an app without the scope, even when the claims parameter names it', async () => {
    const user = await app.createUser('claim-2@example.test');
    await app.services.preferences.set(user.id, [{ topic: 'newsletter', channel: 'email', optIn: true }], { source: 'operator' });
    const b = app.browser();
    await signIn(app, b, user.email);

    const tokens = await connectShop(app, b, 'openid email', NEWS);
    const info = (await userinfo(app, tokens.access_token)).body;
    expect(info.email).toBe(user.email);
    expect(info).not.toHaveProperty('communication_preferences');
    expect(decode(tokens.id_token!)).not.toHaveProperty('communication_preferences');

    const asked = await connectShopWithClaims(b, 'openid email', {
      id_token: { communication_preferences: null },
      userinfo: { communication_preferences: null },
    });
    expect(decode(asked.id_token!)).not.toHaveProperty('communication_preferences');
    expect((await userinfo(app, asked.access_token)).body).not.toHaveProperty('communication_preferences');
  });

  it('names the scope in plain language on the consent page', async () => {
    const user = await app.createUser('claim-3@example.test');
    const b = app.browser();
    await signIn(app, b, user.email);
    const params = new URLSearchParams({
      client_id: NEWS.id,
      response_type: 'code',
      scope: 'openid preferences',
      redirect_uri: NEWS.redirectUri,
      prompt: 'consent',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    });
    const { page } = await b.navigate(new URL(`/auth?${params}`, app.url));
    expect(textOf(page.body)).toMatch(/communication preferences/i);
    expect(textOf(page.body)).not.toMatch(/“preferences”/);
  });
});

/** The code flow of connectShop (account helpers) for the news app, with a claims parameter. */
async function connectShopWithClaims(b: Browser, scope: string, claims: Record<string, unknown>) {
  const verifier = randomBytes(32).toString('base64url');
  const params = new URLSearchParams({
    client_id: NEWS.id,
    response_type: 'code',
    scope,
    claims: JSON.stringify(claims),
    redirect_uri: NEWS.redirectUri,
    prompt: 'consent',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  let result = await b.navigate(new URL(`/auth?${params}`, app.url));
  const consent = forms(result.page).find((f) => /\/confirm$/.test(f.action.pathname));
  if (consent) result = await b.submit(consent);
  const code = result.redirect?.searchParams.get('code');
  if (!code) throw new Error(`no code: ${result.page.status} ${textOf(result.page.body).slice(0, 400)}`);
  const res = await fetch(new URL('/token', app.url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: NEWS.redirectUri, client_id: NEWS.id, code_verifier: verifier }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { access_token: string; id_token?: string };
}
