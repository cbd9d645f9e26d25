// Apps in the operator console: the list, one app's settings, a change through the clients service (a refused one
// writes nothing and says why), rotating the secret (shown once; the old one stops working), all audited with the
// operator; an auditor reads but cannot change, and the product's own apps are read only.
import { ACCOUNT_CLIENT_ID } from '../../../src/account/client.ts';
import { CONSOLE_CLIENT_ID } from '../../../src/console/client.ts';
import { findForm, textOf, type Browser } from '../../support/http.ts';
import { csrfToken, makeOperator, open, rawPost, signInConsole, startConsoleApp, type ConsoleApp, type TestOperator } from './helpers.ts';

let app: ConsoleApp;
let admin: TestOperator;
let auditor: TestOperator;
let b: Browser;
let a: Browser;

beforeAll(async () => {
  app = await startConsoleApp({ REAUTH_MAX_AGE_SECONDS: '300' });
  [admin, auditor] = await Promise.all([makeOperator(app, 'admin@apps.example', 'admin'), makeOperator(app, 'auditor@apps.example', 'auditor')]);
  b = app.browser();
  a = app.browser();
  await signInConsole(app, b, admin);
  await signInConsole(app, a, auditor);
});
afterAll(() => app.close());

async function token(id: string, secret: string) {
  return fetch(new URL('/token', app.url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials' }),
  });
}

it('lists the apps and changes one; a refused change says why and writes nothing', async () => {
  await app.services.clients.create({ clientId: 'shop-web', clientName: 'Shop', redirectUris: ['https://shop.example.com/cb'], grantTypes: ['authorization_code'] });
  const list = await open(app, b, '/console/apps');
  expect(list.body).toContain('href="/console/apps/shop-web"');
  expect(list.body).toContain(`href="/console/apps/${ACCOUNT_CLIENT_ID}"`);

  const page = await open(app, b, '/console/apps/shop-web');
  const { form, button } = findForm(page, /\/console\/apps\/shop-web$/);
  const bad = await b.submit(form, { redirectUris: 'not a uri', brandPrimary: '#808080' }, { button });
  expect(bad.page.status).toBe(400);
  expect(textOf(bad.page.body)).toContain('The change was not saved');
  expect((await app.services.clients.get('shop-web'))?.redirectUris).toEqual(['https://shop.example.com/cb']);

  const saved = await b.submit(form, { clientName: 'Shop Online', redirectUris: 'https://shop.example.com/cb\nhttps://shop.example.com/cb2', mfaPolicy: 'required', brandName: 'Shop', brandPrimary: '#0b5cad' }, { button });
  expect(saved.page.url.pathname).toBe('/console/apps/shop-web');
  expect(textOf(saved.page.body)).toContain('The app’s settings are saved.');
  expect(await app.services.clients.get('shop-web')).toMatchObject({
    clientName: 'Shop Online',
    redirectUris: ['https://shop.example.com/cb', 'https://shop.example.com/cb2'],
    mfaPolicy: 'required',
    brand: expect.objectContaining({ displayName: 'Shop', primaryColor: '#0b5cad' }),
  });
  const [updated] = await app.services.audit.list({ type: 'client.updated', clientId: 'shop-web' });
  expect(updated).toMatchObject({ reason: 'console', actorId: admin.id });
});

it('rotates a secret, shown once; the old one stops working', async () => {
  const created = await app.services.clients.create({ clientId: 'backend', grantTypes: ['client_credentials'] });
  expect((await token('backend', created.clientSecret!)).status).toBe(200);
  const page = await open(app, b, '/console/apps/backend');
  const rotated = await b.submit(findForm(page, /\/console\/apps\/backend\/secret$/).form);
  expect(rotated.page.headers.get('cache-control')).toBe('no-store');
  const secret = /data-testid="client-secret">([^<]+)</.exec(rotated.page.body)?.[1];
  expect(secret).toBeTruthy();
  expect((await token('backend', created.clientSecret!)).status).toBe(401);
  expect((await token('backend', secret!)).status).toBe(200);
  expect((await open(app, b, '/console/apps/backend')).body).not.toContain(secret!);
  const [event] = await app.services.audit.list({ type: 'client.secret_rotated', clientId: 'backend' });
  expect(event).toMatchObject({ reason: 'console', actorId: admin.id });
});

it('an auditor reads apps but every change is refused; the product\'s own apps are not changed here', async () => {
  const page = await open(app, a, '/console/apps/shop-web');
  expect(page.body).not.toContain('action="/console/apps/shop-web"');
  for (const path of ['/console/apps/shop-web', '/console/apps/backend/secret']) {
    const refused = await rawPost(a, app, path, `_csrf=${encodeURIComponent(csrfToken(a))}&clientName=x`);
    expect([path, refused.status]).toEqual([path, 403]);
  }
  expect((await app.services.clients.get('shop-web'))?.clientName).toBe('Shop Online');

  const own = await open(app, b, `/console/apps/${CONSOLE_CLIENT_ID}`);
  expect(own.body).not.toContain(`action="/console/apps/${CONSOLE_CLIENT_ID}"`);
  const refused = await rawPost(b, app, `/console/apps/${CONSOLE_CLIENT_ID}`, `_csrf=${encodeURIComponent(csrfToken(b))}&clientName=x`);
  expect(refused.status).toBe(403);
});
