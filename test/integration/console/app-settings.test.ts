// Registering an app from the console and changing every setting PATCH /clients/{id} takes, through the clients
// service the API and the CLI call: the secret shown once (no-store), a refusal said on the form with what was typed
// kept, the logo uploaded (multipart) or fetched from an https URL and served by us, only what changed written, all
// audited with the operator; support and auditors are refused on the server.
import { findForm, textOf, type Browser, type Page } from '../../support/http.ts';
import { PNG, startLogoServer, type LogoServer } from '../../support/logos.ts';
import { csrfToken, makeOperator, open, rawPost, signInConsole, startConsoleApp, submitMultipart, type ConsoleApp, type TestOperator } from './helpers.ts';

let app: ConsoleApp;
let logos: LogoServer;
let admin: TestOperator;
let b: Browser;

beforeAll(async () => {
  // Logo URLs on 127.0.0.1 are fetched only because private network requests are allowed here.
  [app, logos] = await Promise.all([startConsoleApp({ REAUTH_MAX_AGE_SECONDS: '300', ALLOW_PRIVATE_NETWORK_REQUESTS: 'true' }), startLogoServer()]);
  admin = await makeOperator(app, 'admin@settings.example', 'admin');
  b = app.browser();
  await signInConsole(app, b, admin);
  await app.services.connections.create({ id: 'acme-sso', name: 'Acme SSO', issuer: 'https://sso.acme.example', clientId: 'ciam' });
  await app.services.connections.create({ id: 'partner', name: 'Partner', issuer: 'https://id.partner.example', clientId: 'ciam' });
});
afterAll(async () => {
  await app.close();
  await logos.close();
});

const secretOf = (page: Page) => /data-testid="client-secret">([^<]+)</.exec(page.body)?.[1];
const problemsOf = (page: Page) => [...page.body.matchAll(/<li>([^<]*)<\/li>/g)].map((m) => textOf(m[1]!)).filter(Boolean);
const checked = (page: Page, name: string) => new RegExp(`name="${name.replace(/[.:]/g, '\\$&')}" value="on" checked`).test(page.body);

async function clientCredentials(id: string, secret: string): Promise<number> {
  const res = await fetch(new URL('/token', app.url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials' }),
  });
  return res.status;
}

describe('registering an app', () => {
  it('makes the app through the clients service; its secret is shown once, with no-store, and works', async () => {
    const list = await open(app, b, '/console/apps');
    expect(list.body).toContain('href="/console/apps/new"');
    const page = await open(app, b, '/console/apps/new');
    const { form } = findForm(page, /^\/console\/apps$/);
    const created = await submitMultipart(b, form, {
      clientId: 'billing-web',
      clientName: 'Billing',
      redirectUris: 'https://billing.example.com/cb',
      'grantType:client_credentials': 'on',
      mfaPolicy: 'required',
      policyUri: 'https://billing.example.com/privacy',
    });
    expect(created.status).toBe(200);
    expect(created.headers.get('cache-control')).toBe('no-store');
    expect(textOf(created.body)).toContain('The app is registered.');
    const secret = secretOf(created);
    expect(secret).toBeTruthy();
    expect(await clientCredentials('billing-web', secret!)).toBe(200);
    expect(await app.services.clients.get('billing-web')).toMatchObject({
      clientName: 'Billing',
      grantTypes: expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']),
      mfaPolicy: 'required',
      metadata: { policy_uri: 'https://billing.example.com/privacy' },
    });
    // Shown once: the app's page never shows it again.
    expect((await open(app, b, '/console/apps/billing-web')).body).not.toContain(secret!);
    const [event] = await app.services.audit.list({ type: 'client.created', clientId: 'billing-web' });
    expect(event).toMatchObject({ reason: 'console', actorId: admin.id });
  });

  it('refuses an id in use or a bad redirect URI on the form, keeping what was typed, and writes nothing', async () => {
    const page = await open(app, b, '/console/apps/new');
    const { form } = findForm(page, /^\/console\/apps$/);
    const taken = await submitMultipart(b, form, { clientId: 'billing-web', clientName: 'Another billing', redirectUris: 'https://other.example.com/cb' });
    expect(taken.status).toBe(409);
    expect(problemsOf(taken).join(' ')).toContain('already exists');
    expect(taken.body).toContain('value="Another billing"');
    expect(taken.body).toContain('https://other.example.com/cb</textarea>');
    expect((await app.services.clients.get('billing-web'))?.clientName).toBe('Billing');

    const bad = await submitMultipart(b, form, { clientId: 'fresh-app', redirectUris: 'not a uri', brandPrimary: '#ffff00' });
    expect(bad.status).toBe(400);
    expect(problemsOf(bad).join(' ')).toMatch(/redirectUris/);
    expect(bad.body).toContain('value="fresh-app"');
    expect(bad.body).toContain('not a uri</textarea>');
    expect(await app.services.clients.get('fresh-app')).toBeNull();
  });

  it('registers a public app: no secret to show', async () => {
    const page = await open(app, b, '/console/apps/new');
    const { form } = findForm(page, /^\/console\/apps$/);
    const created = await submitMultipart(b, form, { clientId: 'mobile', redirectUris: 'https://m.example.com/cb', tokenEndpointAuthMethod: 'none' });
    expect(created.status).toBe(200);
    expect(secretOf(created)).toBeUndefined();
    expect(await app.services.clients.get('mobile')).toMatchObject({ public: true, tokenEndpointAuthMethod: 'none' });
  });
});

describe('changing an app', () => {
  it('changes every setting the API\'s PATCH takes, writing only what changed', async () => {
    await app.services.clients.create({ clientId: 'portal', clientName: 'Portal', redirectUris: ['https://portal.example.com/cb'], grantTypes: ['authorization_code'], scope: 'openid profile email' });
    const page = await open(app, b, '/console/apps/portal');
    const { form } = findForm(page, /\/console\/apps\/portal$/);
    // Unchanged, sent back as rendered: nothing is written.
    const same = await b.submit(form);
    expect(textOf(same.page.body)).toContain('Nothing was changed.');
    expect(await app.services.audit.list({ type: 'client.updated', clientId: 'portal' })).toEqual([]);

    const saved = await b.submit(form, {
      redirectUris: 'https://portal.example.com/cb\nhttps://portal.example.com/cb2',
      postLogoutRedirectUris: 'https://portal.example.com/bye',
      'grantType:refresh_token': 'on',
      'responseType:code': 'on',
      tokenEndpointAuthMethod: 'client_secret_post',
      scope: 'openid profile email offline_access',
      mfaPolicy: 'adaptive',
      'factor:totp': 'on',
      'factor:passkey': 'on',
      requireVerifiedEmail: 'on',
      emailCodeSignin: 'off',
      'attribute:given_name': 'on',
      optionalScopes: 'profile',
      optionalClaims: 'email',
      connectionsMode: 'chosen',
      'connection:partner': 'on',
      policyUri: 'https://portal.example.com/privacy',
      tosUri: 'https://portal.example.com/terms',
      metadata: '{"backchannel_logout_uri": "https://portal.example.com/bc"}',
      brandName: 'Portal',
      brandPrimary: '#0b5cad',
      brandSupport: 'https://portal.example.com/help',
    });
    expect(textOf(saved.page.body)).toContain('The app’s settings are saved.');
    expect(await app.services.clients.get('portal')).toMatchObject({
      redirectUris: ['https://portal.example.com/cb', 'https://portal.example.com/cb2'],
      postLogoutRedirectUris: ['https://portal.example.com/bye'],
      grantTypes: ['authorization_code', 'refresh_token'],
      responseTypes: ['code'],
      tokenEndpointAuthMethod: 'client_secret_post',
      scope: 'openid profile email offline_access',
      mfaPolicy: 'adaptive',
      mfaFactors: ['totp', 'passkey'],
      requireVerifiedEmail: true,
      emailCodeSignin: false,
      requiredProfileAttributes: ['given_name'],
      optionalScopes: ['profile'],
      optionalClaims: ['email'],
      connections: ['partner'],
      metadata: { policy_uri: 'https://portal.example.com/privacy', tos_uri: 'https://portal.example.com/terms', backchannel_logout_uri: 'https://portal.example.com/bc' },
      brand: { displayName: 'Portal', primaryColor: '#0b5cad', supportUri: 'https://portal.example.com/help' },
    });
    const [updated] = await app.services.audit.list({ type: 'client.updated', clientId: 'portal' });
    expect(updated).toMatchObject({ reason: 'console', actorId: admin.id });
    expect(updated?.details?.fields).toEqual(expect.arrayContaining(['connections', 'mfa_policy', 'brand', 'tos_uri', 'token_endpoint_auth_method']));

    // The form shows it back as stored, and emptied settings go back to their defaults.
    const again = await open(app, b, '/console/apps/portal');
    expect(checked(again, 'connection:partner')).toBe(true);
    expect(checked(again, 'factor:passkey')).toBe(true);
    const { form: next } = findForm(again, /\/console\/apps\/portal$/);
    await b.submit(next, { connectionsMode: 'all', optionalClaims: '', metadata: '', 'factor:totp': '', 'factor:passkey': '', mfaPolicy: '' });
    const reset = await app.services.clients.get('portal');
    expect(reset?.connections).toBeUndefined();
    expect(reset?.optionalClaims).toBeUndefined();
    expect(reset?.mfaFactors).toBeUndefined();
    expect(reset?.mfaPolicy).toBeUndefined();
    expect(reset?.metadata).toEqual({ policy_uri: 'https://portal.example.com/privacy', tos_uri: 'https://portal.example.com/terms' });
  });

  it('a refused change shows the reason on the form, keeps what was typed, and writes nothing', async () => {
    const page = await open(app, b, '/console/apps/portal');
    const { form } = findForm(page, /\/console\/apps\/portal$/);
    const refused = await b.submit(form, { clientName: 'Typed name', brandPrimary: '#808080' });
    expect(refused.page.status).toBe(400);
    // The contrast check of the brand, as the API words it.
    expect(problemsOf(refused.page).join(' ')).toMatch(/brand\.primaryColor: .*4\.5:1/);
    expect(refused.page.body).toContain('value="Typed name"');
    expect(refused.page.body).toContain('value="#808080"');
    const claims = await b.submit(form, { optionalClaims: 'email not-a-claim!' });
    expect(claims.page.status).toBe(400);
    expect(problemsOf(claims.page).join(' ')).toContain('each claim must be a claim name');
    expect(claims.page.body).toContain('value="email not-a-claim!"');
    expect((await app.services.clients.get('portal'))?.clientName).toBe('Portal');

    const badJson = await b.submit(form, { metadata: '[1, 2]' });
    expect(badJson.page.status).toBe(400);
    expect(problemsOf(badJson.page).join(' ')).toContain('metadata: must be a JSON object');
  });

  it('a public app made confidential shows its new secret once; made public again it has none', async () => {
    const page = await open(app, b, '/console/apps/mobile');
    const { form } = findForm(page, /\/console\/apps\/mobile$/);
    const made = await b.submit(form, { tokenEndpointAuthMethod: 'client_secret_basic', 'grantType:client_credentials': 'on' });
    expect(made.page.headers.get('cache-control')).toBe('no-store');
    const secret = secretOf(made.page);
    expect(secret).toBeTruthy();
    expect(await clientCredentials('mobile', secret!)).toBe(200);
    const back = findForm(await open(app, b, '/console/apps/mobile'), /\/console\/apps\/mobile$/).form;
    await b.submit(back, { tokenEndpointAuthMethod: 'none', 'grantType:client_credentials': '' });
    expect(await app.services.clients.get('mobile')).toMatchObject({ public: true });
  });
});

describe('an app\'s logo', () => {
  it('is uploaded with the form, checked, stored and served by us; the page shows it from our origin', async () => {
    const page = await open(app, b, '/console/apps/portal');
    const { form } = findForm(page, /\/console\/apps\/portal$/);
    const res = await submitMultipart(b, form, {}, { brandLogoFile: { bytes: PNG, type: 'image/png', name: 'logo.png' } });
    expect(res.status).toBe(303);
    const logo = (await app.services.clients.get('portal'))?.brand?.logo;
    expect(logo).toMatch(/^\/branding\/logo\/[0-9a-f]{64}\.png$/);
    const served = await fetch(new URL(logo!, app.url));
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await served.arrayBuffer())).toEqual(PNG);
    const shown = await open(app, b, '/console/apps/portal');
    expect(shown.body).toContain(`src="${logo}"`);
    // The console's own CSP is untouched: images from our origin only.
    expect(shown.headers.get('content-security-policy')).toContain("img-src 'self'");
  });

  it('refuses a file that is no image, or one too large, with the reason, keeping the rest of the form', async () => {
    const page = await open(app, b, '/console/apps/portal');
    const { form } = findForm(page, /\/console\/apps\/portal$/);
    const html = await submitMultipart(b, form, { clientName: 'Kept name' }, { brandLogoFile: { bytes: Buffer.from('<html><body>hi</body></html>'), type: 'image/png', name: 'logo.png' } });
    expect(html.status).toBe(400);
    expect(problemsOf(html).join(' ')).toContain('is not a PNG, JPEG, WebP or SVG image');
    expect(html.body).toContain('value="Kept name"');
    const script = await submitMultipart(b, form, {}, { brandLogoFile: { bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), type: 'image/svg+xml', name: 'x.svg' } });
    expect(script.status).toBe(400);
    expect(problemsOf(script).join(' ')).toContain('SVG with scripts');
    const big = await submitMultipart(b, form, {}, { brandLogoFile: { bytes: Buffer.concat([PNG, Buffer.alloc(300 * 1024)]), type: 'image/png', name: 'big.png' } });
    expect(big.status).toBe(400);
    expect(problemsOf(big).join(' ')).toMatch(/^brand\.logo: /);
    // A body beyond what any logo needs is not even read.
    const huge = await submitMultipart(b, form, {}, { brandLogoFile: { bytes: Buffer.concat([PNG, Buffer.alloc(400 * 1024)]), type: 'image/png', name: 'huge.png' } });
    expect(huge.status).toBe(413);
    expect((await app.services.clients.get('portal'))?.clientName).toBe('Portal');
  });

  it('is fetched once from an https URL (here a local server), or removed', async () => {
    const page = await open(app, b, '/console/apps/portal');
    const { form } = findForm(page, /\/console\/apps\/portal$/);
    const fetched = await submitMultipart(b, form, { brandLogoUrl: `${logos.base}/logo.svg` });
    expect(fetched.status).toBe(303);
    expect((await app.services.clients.get('portal'))?.brand?.logo).toMatch(/\.svg$/);
    expect(logos.hits.get('/logo.svg')).toBe(1);
    const refused = await submitMultipart(b, form, { brandLogoUrl: `${logos.base}/page.png` });
    expect(refused.status).toBe(400);
    expect(refused.body).toContain(`value="${logos.base}/page.png"`);

    const { form: again } = findForm(await open(app, b, '/console/apps/portal'), /\/console\/apps\/portal$/);
    await b.submit(again, { brandLogoRemove: 'on' });
    expect((await app.services.clients.get('portal'))?.brand?.logo).toBeUndefined();
  });
});

describe('who may', () => {
  it('support and auditors are refused registering or changing apps, on the server', async () => {
    const [support, auditor] = await Promise.all([makeOperator(app, 'support@settings.example', 'support'), makeOperator(app, 'auditor@settings.example', 'auditor')]);
    for (const op of [support, auditor]) {
      const browser = app.browser();
      await signInConsole(app, browser, op);
      expect((await browser.navigate(new URL('/console/apps/new', app.url))).page.status).toBe(403);
      const refused = await rawPost(browser, app, '/console/apps', `_csrf=${encodeURIComponent(csrfToken(browser))}&clientId=sneaky&grantType%3Aclient_credentials=on`);
      expect([op.role, refused.status]).toEqual([op.role, 403]);
      const change = await rawPost(browser, app, '/console/apps/portal', `_csrf=${encodeURIComponent(csrfToken(browser))}&clientName=x`);
      expect([op.role, change.status]).toEqual([op.role, 403]);
    }
    expect(await app.services.clients.get('sneaky')).toBeNull();
    expect((await app.services.clients.get('portal'))?.clientName).toBe('Portal');
  });

  it('a post without the CSRF token is refused', async () => {
    const res = await rawPost(b, app, '/console/apps', 'clientId=no-csrf&grantType%3Aclient_credentials=on');
    expect(res.status).toBe(403);
    expect(await app.services.clients.get('no-csrf')).toBeNull();
  });
});
