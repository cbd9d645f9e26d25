// The demo app at /demo (src/demo.ts) used as a customer would (issue 17): it passes on the language and the
// assurance an app may ask for, shows whom it signed in (name and e-mail from userinfo), and every page it stops on
// leads somewhere — after a cancelled sign-in and after signing out.
import { ACR } from '../../src/auth/types.ts';
import { demoRouter, seedDemo } from '../../src/demo.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { Browser, findForm, forms, textOf } from '../support/http.ts';

let app: TestApp;
const PASSWORD = 'demo-password-1';

beforeAll(async () => {
  app = await startTestApp({ DEMO: 'true', DEMO_USER_PASSWORD: PASSWORD, MFA_POLICY: 'off' }, (services) => [demoRouter(services)]);
  await seedDemo(app.services);
});
afterAll(() => app.close());

it('signs the demo customer in and shows their name and address; signing out ends on a page that leads back in', async () => {
  const b = new Browser(app.url);
  const { page: login } = await b.navigate(new URL('/demo', app.url));
  const { form, button } = findForm(login, /\/login$/);
  let result = await b.submit(form, { email: app.services.config.demo.userEmail, password: PASSWORD }, { button });
  const consent = forms(result.page).find((f) => /\/confirm$/.test(f.action.pathname));
  if (consent) result = await b.submit(consent);
  expect(result.page.url.pathname).toBe('/demo/callback');
  const text = textOf(result.page.body);
  expect(text).toContain('Hello, Demo Customer');
  expect(text).toContain(app.services.config.demo.userEmail);
  expect(result.page.body).toContain('class="wrap"');

  // Sign out: the provider asks, then returns to the demo, which says so instead of starting another sign-in.
  const signOut = /href="(\/session\/end\?[^"]+)"/.exec(result.page.body)![1]!.replaceAll('&#38;', '&');
  const { page: confirm } = await b.navigate(new URL(signOut, app.url));
  const logout = forms(confirm).find((f) => /\/session\/end\/confirm$/.test(f.action.pathname));
  expect(logout).toBeTruthy();
  const done = await b.submit(logout!, { logout: 'yes' });
  expect(done.page.url.pathname).toBe('/demo');
  expect(textOf(done.page.body)).toContain('Signed out');
  expect(done.page.body).toContain('<form class="stack" method="get" action="/demo">');
});

it('passes on ui_locales and acr_values, and a cancelled sign-in comes back to a page with a way in', async () => {
  const b = new Browser(app.url);
  const first = await b.request(new URL(`/demo?ui_locales=de&acr_values=${encodeURIComponent(ACR.mfa)}&evil=%3Cx%3E`, app.url));
  const to = first.location!;
  expect(to.pathname).toBe('/auth');
  expect(to.searchParams.get('ui_locales')).toBe('de');
  expect(to.searchParams.get('acr_values')).toBe(ACR.mfa);
  expect(to.searchParams.has('evil')).toBe(false);
  const { page: login } = await b.follow(first);
  expect(textOf(login.body)).toContain('Anmelden');

  const cancel = forms(login).find((f) => /\/abort$/.test(f.action.pathname));
  expect(cancel).toBeTruthy();
  const aborted = await b.submit(cancel!);
  expect(aborted.page.url.pathname).toBe('/demo/callback');
  expect(textOf(aborted.page.body)).toContain('Sign-in cancelled');
  // The way back in offers the choices an app makes: language, assurance, prompt.
  expect(aborted.page.body).toContain('<form class="stack" method="get" action="/demo">');
  for (const name of ['ui_locales', 'acr_values', 'prompt']) expect(aborted.page.body).toContain(`<select id="${name}" name="${name}">`);
});

it('passes on prompt, keeping the consent page the demo shows', async () => {
  const b = new Browser(app.url);
  const first = await b.request(new URL('/demo?prompt=login&ui_locales=', app.url));
  expect(first.location!.searchParams.get('prompt')).toBe('login consent');
  expect(first.location!.searchParams.has('ui_locales')).toBe(false);
});
