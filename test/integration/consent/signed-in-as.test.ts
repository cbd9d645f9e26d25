// The consent page says who is signed in, and "Not you?" starts the same request again with another sign-in
// (issue 17): a customer on a shared computer must not grant an app access to someone else's account.
import { findForm, forms, textOf } from '../../support/http.ts';
import { signIn, startAccountApp, SHOP, type AccountApp } from '../account/helpers.ts';

let app: AccountApp;
beforeAll(async () => {
  app = await startAccountApp();
});
afterAll(() => app.close());

it('names the signed-in account, and "Not you?" signs another one in for the same app', async () => {
  const ada = await app.createUser('ada@example.com');
  const grace = await app.createUser('grace@example.com');
  const b = app.browser();
  await signIn(app, b, ada.email);

  const params = new URLSearchParams({ client_id: SHOP.id, response_type: 'code', scope: 'openid email', redirect_uri: SHOP.redirectUri, state: 's1', prompt: 'consent', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' });
  const { page: consent } = await b.navigate(new URL(`/auth?${params}`, app.url));
  expect(textOf(consent.body)).toContain('Signed in as ada@example.com.');
  const switchHref = /<a href="(\/auth\?[^"]+)">Not you\? Use another account<\/a>/.exec(consent.body)?.[1]?.replaceAll('&amp;', '&');
  expect(switchHref).toBeTruthy();
  const again = new URL(switchHref!, app.url);
  expect(again.searchParams.get('prompt')).toBe('login');
  expect(again.searchParams.get('client_id')).toBe(SHOP.id);
  expect(again.searchParams.get('state')).toBe('s1');

  const { page: login } = await b.navigate(again);
  const { form, button } = findForm(login, /\/login$/);
  let result = await b.submit(form, { email: grace.email, password: grace.password }, { button });
  // Another account in this browser: the provider first ends ada's session (a form a browser submits by itself).
  const endOld = forms(result.page).find((f) => /\/session\/end\/confirm$/.test(f.action.pathname));
  expect(endOld).toBeTruthy();
  result = await b.submit(endOld!);
  const next = forms(result.page).find((f) => /\/confirm$/.test(f.action.pathname));
  expect(next).toBeTruthy();
  expect(textOf(result.page.body)).toContain('Signed in as grace@example.com.');
  const done = await b.submit(next!);
  expect(done.redirect?.searchParams.get('state')).toBe('s1');
  expect(done.redirect?.searchParams.get('code')).toBeTruthy();
});
