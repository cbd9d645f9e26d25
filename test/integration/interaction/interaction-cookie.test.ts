// A sign-in's interaction rides sealed in the browser's cookie (adapters/interaction-cookie.ts): no row is written
// for it, an altered cookie is refused, and a finished interaction cannot be resumed again with a copy of its cookie.
import { randomBytes } from 'node:crypto';
import { INTERACTION_COOKIE } from '../../../adapters/interaction-cookie.ts';
import { findForm, forms, type Browser } from '../../support/http.ts';
import { PASSWORD, startAccountApp, type AccountApp } from '../account/helpers.ts';

const CLIENT = { id: 'cookie-app', redirectUri: 'https://cookie-app.example/cb', secret: 'c'.repeat(40) };

let app: AccountApp;

beforeAll(async () => {
  app = await startAccountApp();
  await app.services.clients.create({
    clientId: CLIENT.id,
    clientName: 'Cookie App',
    redirectUris: [CLIENT.redirectUri],
    grantTypes: ['authorization_code'],
    clientSecret: CLIENT.secret,
    scope: 'openid email',
  });
}, 60_000);

afterAll(async () => {
  await app.close();
});

function authUrl(extra: Record<string, string> = {}): URL {
  const params = new URLSearchParams({ client_id: CLIENT.id, response_type: 'code', scope: 'openid email', redirect_uri: CLIENT.redirectUri, state: randomBytes(4).toString('hex'), ...extra });
  return new URL(`/auth?${params}`, app.url);
}

/** The Cookie header a browser with these cookies sends to `path` (most specific path first). */
function cookieHeader(cookies: ReadonlyArray<{ name: string; value: string; path: string }>, path: string): string {
  return cookies
    .filter((c) => path === c.path || path.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
    .sort((a, b) => b.path.length - a.path.length)
    .map((c) => `${c.name}=${c.value}`)
    .join('; ');
}

const interactions = () => app.services.db.connection.db!.collection('oidc_interaction');

async function loginPage(b: Browser, extra: Record<string, string> = {}) {
  const { page } = await b.navigate(authUrl(extra));
  expect(page.status).toBe(200);
  const uid = /^\/interaction\/([^/]+)/.exec(page.url.pathname)![1]!;
  return { page, uid };
}

describe('the interaction in the browser', () => {
  it('is never a row: the pages, the password and the consent run on the cookie, and the end leaves only a marker', async () => {
    const email = `cookie-${Date.now().toString(36)}@example.com`;
    await app.createUser(email);
    const b = app.browser();
    const { page, uid } = await loginPage(b);
    expect(b.cookies().filter((c) => c.name === INTERACTION_COOKIE).map((c) => c.path).sort()).toEqual([`/auth/${uid}`, `/interaction/${uid}`]);
    expect(await interactions().countDocuments({ _id: uid as never })).toBe(0);

    const { form, button } = findForm(page, /\/login$/);
    const consentPage = (await b.submit(form, { email, password: PASSWORD }, { button })).page;
    const consentForm = forms(consentPage).find((f) => /\/confirm$/.test(f.action.pathname))!;
    const done = await b.submit(consentForm);
    expect(done.redirect?.searchParams.get('code')).toBeTruthy();

    // Both interactions (login, consent) were ended: a marker each, no row, no cookie left in the browser.
    const consentUid = /^\/interaction\/([^/]+)/.exec(consentPage.url.pathname)![1]!;
    for (const id of [uid, consentUid]) {
      expect(await interactions().countDocuments({ _id: id as never })).toBe(0);
      expect(await interactions().countDocuments({ _id: `c.${id}` as never })).toBe(1);
    }
    expect(b.cookies().filter((c) => c.name === INTERACTION_COOKIE)).toEqual([]);
  });

  it('refuses an altered cookie as an expired sign-in (400) while the intact one shows the page', async () => {
    const b = app.browser();
    const { uid } = await loginPage(b);
    const path = `/interaction/${uid}`;
    const altered = b.cookies().map((c) => (c.name === INTERACTION_COOKIE && c.path === path ? { ...c, value: `${c.value.slice(0, -4)}AAAA` } : c));
    const res = await fetch(new URL(path, app.url), { headers: { cookie: cookieHeader(altered, path), accept: 'text/html' }, redirect: 'manual' });
    expect(res.status).toBe(400);
    const intact = await fetch(new URL(path, app.url), { headers: { cookie: cookieHeader(b.cookies(), path), accept: 'text/html' }, redirect: 'manual' });
    expect(intact.status).toBe(200);
  });

  it('cannot be resumed twice: a copy of the cookie replayed after the sign-in finished gets no second code', async () => {
    const email = `replay-${Date.now().toString(36)}@example.com`;
    await app.createUser(email);
    const b = app.browser();
    // A first sign-in with its consent.
    const first = await loginPage(b);
    const consent = (await b.submit(findForm(first.page, /\/login$/).form, { email, password: PASSWORD })).page;
    expect((await b.submit(forms(consent).find((f) => /\/confirm$/.test(f.action.pathname))!)).redirect?.searchParams.get('code')).toBeTruthy();

    // Signing in again in the same browser (prompt=login): the consent stands, the resume after the password issues the code.
    const b2 = b;
    const { page, uid } = await loginPage(b2, { prompt: 'login' });
    const posted = await b2.request(findForm(page, /\/login$/).form.action, {
      method: 'POST',
      body: new URLSearchParams({ ...findForm(page, /\/login$/).form.fields, email, password: PASSWORD }),
    });
    expect(posted.location?.pathname).toBe(`/auth/${uid}`);
    const resumePath = `/auth/${uid}`;
    const copied = b2.cookies().filter((c) => c.path === resumePath);
    expect(copied.map((c) => c.name)).toContain(INTERACTION_COOKIE);

    const finished = await b2.follow(posted);
    expect(finished.redirect?.searchParams.get('code')).toBeTruthy();

    // The same browser (its session cookie as it is now) with the copied resume cookies: refused, no code.
    const replay = await fetch(new URL(resumePath, app.url), { headers: { cookie: cookieHeader([...copied, ...b2.cookies()], resumePath), accept: 'text/html' }, redirect: 'manual' });
    expect(replay.headers.get('location') ?? '').not.toContain('code=');
    expect(replay.status).toBe(400);
  });

  it('keeps a request too large for a cookie as a row, and the sign-in works the same', async () => {
    const email = `large-${Date.now().toString(36)}@example.com`;
    await app.createUser(email);
    const b = app.browser();
    const { page } = await b.navigate(authUrl({ state: 's'.repeat(4000) }));
    const uid = /^\/interaction\/([^/]+)/.exec(page.url.pathname)![1]!;
    expect(b.cookies().filter((c) => c.name === INTERACTION_COOKIE)).toEqual([]);
    expect(await interactions().countDocuments({ _id: uid as never })).toBe(1);
    const consent = (await b.submit(findForm(page, /\/login$/).form, { email, password: PASSWORD })).page;
    const done = await b.submit(forms(consent).find((f) => /\/confirm$/.test(f.action.pathname))!);
    expect(done.redirect?.searchParams.get('state')).toBe('s'.repeat(4000));
    expect(await interactions().countDocuments({ _id: uid as never })).toBe(0);
  });
});
