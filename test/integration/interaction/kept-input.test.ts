// What a form gives back after a failed submit, through the real application: what was typed stays, the sign-up's
// password included when the problem is elsewhere (a box left unticked, a malformed address, a missing name) —
// never a password the policy refused, never on any other page or response, and never a different answer for an
// address that already has an account (it gets the code page like a new one, so nothing there can tell them apart).
import { randomBytes } from 'node:crypto';
import { decodeEntities, findForm, forms, type Browser, type Page } from '../../support/http.ts';
import { PASSWORD, signIn, startAccountApp, type AccountApp } from '../account/helpers.ts';

const SHOP = { id: 'kept-shop', name: 'Kept Shop', redirectUri: 'https://kept.example/cb', secret: 'k'.repeat(40) };
const DOCUMENTS = [{ id: 'terms', version: '1', effective: '2024-01-01T00:00:00Z', text: { en: 'Be kind.' }, clients: [SHOP.id] }];
// Characters HTML must escape, and spaces at both ends that must survive: the password comes back exactly as typed.
const TYPED = ' maple "syrup" & <tuesday> mornings ';

let app: AccountApp;
let counter = 0;
const unique = (name: string) => `${name}-${Date.now().toString(36)}-${counter++}@example.com`;

beforeAll(async () => {
  app = await startAccountApp({ LEGAL_DOCUMENTS: JSON.stringify(DOCUMENTS), SIGNUP_REQUIRED_ATTRIBUTES: 'given_name' });
  await app.services.clients.create({
    clientId: SHOP.id,
    clientName: SHOP.name,
    redirectUris: [SHOP.redirectUri],
    grantTypes: ['authorization_code'],
    clientSecret: SHOP.secret,
    scope: 'openid email',
    firstParty: true,
  });
});

afterAll(async () => {
  await app.close();
});

function authUrl(extra: Record<string, string> = {}): URL {
  const params = new URLSearchParams({ client_id: SHOP.id, response_type: 'code', scope: 'openid email', redirect_uri: SHOP.redirectUri, state: randomBytes(4).toString('hex'), ...extra });
  return new URL(`/auth?${params}`, app.url);
}

/** The value attribute of the input with this id, decoded; undefined when it has none. */
function valueOf(page: Page, id: string): string | undefined {
  const tag = new RegExp(`<input id="${id}"[^>]*>`).exec(page.body)?.[0];
  const value = tag && / value="([^"]*)"/.exec(tag)?.[1];
  return value === undefined || value === null ? undefined : decodeEntities(value);
}

async function signupPage(b: Browser): Promise<Page> {
  const { page } = await b.navigate(authUrl({ prompt: 'create' }));
  expect(page.status).toBe(200);
  return page;
}

async function submitSignup(b: Browser, page: Page, values: Record<string, string>): Promise<Page> {
  const { form, button } = findForm(page, /\/signup$/);
  const { page: answer } = await b.submit(form, values, { button });
  return answer;
}

describe('sign-up keeps what was typed', () => {
  it('a box left unticked: everything comes back, the password exactly as typed, on a page no cache keeps', async () => {
    const b = app.browser();
    const email = unique('unticked');
    const page = await signupPage(b);
    expect(valueOf(page, 'password')).toBe('');

    const answer = await submitSignup(b, page, { email, password: TYPED, given_name: 'Grace' });
    expect(answer.status).toBe(400);
    expect(answer.url.pathname).toMatch(/\/signup$/);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(valueOf(answer, 'password')).toBe(TYPED);
    expect(valueOf(answer, 'email')).toBe(email);
    expect(valueOf(answer, 'given_name')).toBe('Grace');
    expect(answer.body).toMatch(/<input id="accept_legal"[^>]*aria-invalid="true" aria-describedby="accept_legal-error"/);
    expect(answer.body).toContain('<a href="#accept_legal">');

    // Nowhere else: the same page opened again, and the login page, start empty.
    const again = await signupPage(b);
    expect(again.body).not.toContain('syrup');
    const { page: login } = await b.navigate(authUrl());
    expect(login.body).not.toContain('syrup');
  });

  it('several problems elsewhere (address, name, box): all listed, the password kept', async () => {
    const b = app.browser();
    const answer = await submitSignup(b, await signupPage(b), { email: 'grace at example', password: TYPED, given_name: '' });
    expect(answer.status).toBe(400);
    expect([...answer.body.matchAll(/<li><a href="#([^"]+)">/g)].map((m) => m[1])).toEqual(['email', 'given_name', 'accept_legal']);
    expect(valueOf(answer, 'password')).toBe(TYPED);
    expect(valueOf(answer, 'email')).toBe('grace at example');
  });

  it('a password the policy refuses is not put back; the ticked box and the address are', async () => {
    const b = app.browser();
    const email = unique('refused');
    const answer = await submitSignup(b, await signupPage(b), { email, password: 'password123', given_name: 'Grace', accept_legal: 'yes' });
    expect(answer.status).toBe(400);
    expect(answer.body).toContain('<a href="#password">');
    expect(valueOf(answer, 'password')).toBe('');
    expect(answer.body).not.toContain('password123');
    expect(valueOf(answer, 'email')).toBe(email);
    expect(answer.body).toMatch(/<input id="accept_legal"[^>]* checked/);
  });

  it('a password missing is the password’s problem: nothing to keep, the other problems listed with it', async () => {
    const b = app.browser();
    const answer = await submitSignup(b, await signupPage(b), { email: unique('missing'), password: '', given_name: 'Grace' });
    expect([...answer.body.matchAll(/<li><a href="#([^"]+)">/g)].map((m) => m[1])).toEqual(['password', 'accept_legal']);
    expect(valueOf(answer, 'password')).toBe('');
  });

  it('an address with an account gets the code page like a new one, and neither code page carries the password', async () => {
    const known = await app.createUser(unique('known'));
    const answers: Page[] = [];
    for (const email of [known.email, unique('fresh')]) {
      const b = app.browser();
      const page = await signupPage(b);
      const { form } = findForm(page, /\/signup$/);
      const sent = await b.request(form.action, { method: 'POST', body: new URLSearchParams({ ...form.fields, email, password: TYPED, given_name: 'Grace', accept_legal: 'yes' }) });
      expect(sent.status).toBe(303);
      expect(sent.body).not.toContain('syrup');
      const { page: code } = await b.follow(sent);
      expect(code.status).toBe(200);
      expect(forms(code).some((f) => /\/signup\/verify$/.test(f.action.pathname))).toBe(true);
      expect(code.body).not.toContain('syrup');
      answers.push(code);
    }
    // The same page for both: the same forms, the same status.
    expect(answers.map((p) => p.status)).toEqual([200, 200]);
    expect(forms(answers[0]!).map((f) => f.action.pathname.replace(/^\/interaction\/[^/]+/, ''))).toEqual(
      forms(answers[1]!).map((f) => f.action.pathname.replace(/^\/interaction\/[^/]+/, '')),
    );
  });
});

describe('other forms never put a password back', () => {
  it('a wrong password at the login keeps the address only', async () => {
    const user = await app.createUser(unique('login'));
    const b = app.browser();
    const { page } = await b.navigate(authUrl());
    const { form, button } = findForm(page, /\/login$/);
    const { page: answer } = await b.submit(form, { email: user.email, password: TYPED }, { button });
    expect(answer.status).toBe(400);
    expect(valueOf(answer, 'email')).toBe(user.email);
    expect(answer.body).not.toContain('syrup');
    expect(answer.body).toContain('<a href="#password">');
  });

  it('the account center’s password change keeps none of its three fields', async () => {
    const user = await app.createUser(unique('change'));
    const b = app.browser();
    await signIn(app, b, user.email, '/account/password');
    const { page } = await b.navigate(new URL('/account/password', app.url));
    const { form, button } = findForm(page, /\/account\/password$/);
    const { page: answer } = await b.submit(form, { current_password: PASSWORD, new_password: TYPED, confirm_password: `${TYPED}!` }, { button });
    expect(answer.status).toBe(400);
    expect(answer.body).not.toContain('syrup');
    expect(answer.body).toContain('<a href="#f-confirm_password">');
    expect(answer.body).toMatch(/<input id="f-confirm_password"[^>]* aria-invalid="true" aria-describedby="e-confirm_password"/);
  });
});
