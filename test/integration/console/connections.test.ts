// Connections from the console: an admin creates one, changes it, turns it off and on, through the connections service
// PUT /connections/{id} uses (audited there with the operator); the secret is write-only — sealed, never in a page,
// kept when the field is left empty, replaced when one is typed, not shown back on a refused form. Auditors and support
// are refused on the server.
import { findForm, textOf, type Browser } from '../../support/http.ts';
import { csrfToken, makeOperator, open, rawPost, signInConsole, startConsoleApp, type ConsoleApp, type TestOperator } from './helpers.ts';

let app: ConsoleApp;
let admin: TestOperator;
let b: Browser;

const SECRET = 'first-secret-4b1f9c0e8a7d6e5f';
const NEW_SECRET = 'second-secret-9a8b7c6d5e4f3a2b';

beforeAll(async () => {
  app = await startConsoleApp({ REAUTH_MAX_AGE_SECONDS: '300' });
  admin = await makeOperator(app, 'admin@connections.example', 'admin');
  b = app.browser();
  await signInConsole(app, b, admin);
});
afterAll(() => app.close());

const stored = async (id: string) => (await app.services.connections.list()).find((c) => c.id === id);

it('an admin adds a connection; its secret is sealed and never shown', async () => {
  const setup = await open(app, b, '/console/setup');
  expect(setup.body).toContain('href="/console/connections/new"');
  const page = await open(app, b, '/console/connections/new');
  const { form } = findForm(page, /^\/console\/connections$/);
  const { page: saved } = await b.submit(form, { id: 'acme-sso', name: 'Acme SSO', issuer: 'https://sso.acme.example', clientId: 'ciam-client', clientSecret: SECRET, scopes: 'openid email profile', attributes: 'nickname=preferred_username' });
  expect(saved.url.pathname).toBe('/console/connections/acme-sso');
  expect(textOf(saved.body)).toContain('The connection is added.');
  expect(saved.body).not.toContain(SECRET);
  expect(await stored('acme-sso')).toMatchObject({ name: 'Acme SSO', issuer: 'https://sso.acme.example', clientId: 'ciam-client', enabled: true, attributes: { nickname: 'preferred_username' } });
  expect(await app.services.connections.secretOf('acme-sso')).toBe(SECRET);
  // Sealed at rest: the row does not hold it in the clear.
  const row = await app.services.db.connection.collection('connections').findOne({ _id: 'acme-sso' as never });
  expect(JSON.stringify(row)).not.toContain(SECRET);
  const [event] = await app.services.audit.list({ type: 'connection.created' });
  expect(event).toMatchObject({ reason: 'console', actorId: admin.id, details: { connection: 'acme-sso', enabled: true } });
});

it('a change keeps the secret when the field is left empty, and replaces it when one is typed', async () => {
  const page = await open(app, b, '/console/connections/acme-sso');
  expect(page.body).not.toContain(SECRET);
  expect(page.body).toMatch(/name="clientSecret" type="password" value=""/);
  const { form } = findForm(page, /\/console\/connections\/acme-sso$/);
  await b.submit(form, { name: 'Acme Single Sign-On', trustEmail: 'on' });
  expect(await stored('acme-sso')).toMatchObject({ name: 'Acme Single Sign-On', trustEmail: true });
  expect(await app.services.connections.secretOf('acme-sso')).toBe(SECRET);
  const [kept] = await app.services.audit.list({ type: 'connection.updated' });
  expect(kept).toMatchObject({ actorId: admin.id, details: { connection: 'acme-sso', fields: ['name', 'trustEmail'] } });

  const again = findForm(await open(app, b, '/console/connections/acme-sso'), /\/console\/connections\/acme-sso$/).form;
  await b.submit(again, { clientSecret: NEW_SECRET });
  expect(await app.services.connections.secretOf('acme-sso')).toBe(NEW_SECRET);
  const [replaced] = await app.services.audit.list({ type: 'connection.updated' });
  expect(replaced?.details).toMatchObject({ fields: ['clientSecret'] });
});

it('a refused change says why, keeps what was typed but not the secret, and writes nothing', async () => {
  const page = await open(app, b, '/console/connections/acme-sso');
  const { form } = findForm(page, /\/console\/connections\/acme-sso$/);
  const { page: refused } = await b.submit(form, { issuer: 'http://sso.acme.example', name: 'Typed name', clientSecret: 'typed-secret-never-shown' });
  expect(refused.status).toBe(400);
  expect(textOf(refused.body)).toContain('issuer must be an https URL');
  expect(refused.body).toContain('value="Typed name"');
  expect(refused.body).not.toContain('typed-secret-never-shown');
  expect(await stored('acme-sso')).toMatchObject({ name: 'Acme Single Sign-On', issuer: 'https://sso.acme.example' });
  expect(await app.services.connections.secretOf('acme-sso')).toBe(NEW_SECRET);

  const create = findForm(await open(app, b, '/console/connections/new'), /^\/console\/connections$/).form;
  const { page: taken } = await b.submit(create, { id: 'acme-sso', name: 'Again', issuer: 'https://x.example', clientId: 'x', clientSecret: 'another-secret-value' });
  expect(taken.status).toBe(409);
  expect(textOf(taken.body)).toContain('already exists');
  expect(taken.body).not.toContain('another-secret-value');
});

it('turns a connection off and on from the set-up page, keeping its secret', async () => {
  const setup = await open(app, b, '/console/setup');
  const { page: off } = await b.submit(findForm(setup, /\/console\/connections\/acme-sso\/enabled$/).form);
  expect(textOf(off.body)).toContain('The connection is off.');
  expect((await stored('acme-sso'))?.enabled).toBe(false);
  expect(await app.services.connections.enabled('acme-sso')).toBeUndefined();
  const { page: on } = await b.submit(findForm(off, /\/console\/connections\/acme-sso\/enabled$/).form);
  expect(textOf(on.body)).toContain('The connection is on.');
  expect((await stored('acme-sso'))?.enabled).toBe(true);
  expect(await app.services.connections.secretOf('acme-sso')).toBe(NEW_SECRET);
  const events = await app.services.audit.list({ type: 'connection.updated' });
  expect(events.slice(0, 2).map((e) => e.details)).toEqual([expect.objectContaining({ fields: ['enabled'], enabled: true }), expect.objectContaining({ fields: ['enabled'], enabled: false })]);
});

it('adds a GitHub connection with its usual endpoints when none are given', async () => {
  const page = await open(app, b, '/console/connections/new');
  const { form } = findForm(page, /^\/console\/connections$/);
  await b.submit(form, { id: 'github', name: 'GitHub', protocol: 'github', issuer: 'https://github.com', clientId: 'gh-client', clientSecret: 'gh-secret-value' });
  expect((await stored('github'))?.endpoints).toEqual({ authorization: 'https://github.com/login/oauth/authorize', token: 'https://github.com/login/oauth/access_token', api: 'https://api.github.com' });
});

it('auditors and support see no way to change connections and are refused on the server', async () => {
  const [auditor, support] = await Promise.all([makeOperator(app, 'auditor@connections.example', 'auditor'), makeOperator(app, 'support@connections.example', 'support')]);
  const a = app.browser();
  await signInConsole(app, a, auditor);
  const setup = await open(app, a, '/console/setup');
  expect(setup.body).not.toContain('/console/connections/');
  const s = app.browser();
  await signInConsole(app, s, support, '/console/code');
  for (const [who, browser] of [['auditor', a], ['support', s]] as const) {
    expect([who, (await browser.navigate(new URL('/console/connections/acme-sso', app.url))).page.status]).toEqual([who, 403]);
    const token = `_csrf=${encodeURIComponent(csrfToken(browser))}`;
    for (const [path, body] of [
      ['/console/connections', `${token}&id=evil&name=Evil&issuer=https%3A%2F%2Fevil.example&clientId=x`],
      ['/console/connections/acme-sso', `${token}&name=Evil&issuer=https%3A%2F%2Fevil.example&clientId=x`],
      ['/console/connections/acme-sso/enabled', `${token}&enabled=off`],
    ] as const) {
      expect([who, path, (await rawPost(browser, app, path, body)).status]).toEqual([who, path, 403]);
    }
  }
  expect(await stored('evil')).toBeUndefined();
  expect(await stored('acme-sso')).toMatchObject({ name: 'Acme Single Sign-On', enabled: true });
});

it('a post without the CSRF token changes nothing', async () => {
  const res = await rawPost(b, app, '/console/connections/acme-sso/enabled', 'enabled=off');
  expect(res.status).toBe(403);
  expect((await stored('acme-sso'))?.enabled).toBe(true);
});
