// The sensitive changes: sign-in e-mail (confirmed with a code mailed to the new address), password, and deleting
// the account — each behind a recent sign-in, each audited, each leaving nothing changed when it is refused.
import { findForm, textOf } from '../../support/http.ts';
import {
  ageLogin,
  connectShop,
  csrfOf,
  fieldError,
  open,
  post,
  PASSWORD,
  rawPost,
  refresh,
  signIn,
  startAccountApp,
  type AccountApp,
} from './helpers.ts';

let app: AccountApp;

beforeAll(async () => {
  app = await startAccountApp({ REAUTH_MAX_AGE_SECONDS: '300' });
});
afterAll(() => app.close());

const codeFrom = (text: string) => {
  const match = /\b(\d{6})\b/.exec(text);
  if (!match?.[1]) throw new Error(`no code in: ${text}`);
  return match[1];
};
const linkFrom = (text: string) => {
  const match = /(https?:\/\/\S+\/account\/email\/verify\?\S+)/.exec(text);
  if (!match?.[1]) throw new Error(`no link in: ${text}`);
  return match[1];
};

describe('changing the e-mail address', () => {
  it('mails a code to the new address; entering it changes the address (verified) and tells the old one', async () => {
    const user = await app.createUser('old@example.com');
    const b = app.browser();
    await signIn(app, b, user.email);
    const since = Date.now();
    const page = await open(app, b, '/account/email');
    expect(textOf(page.body)).toContain('old@example.com');

    const res = await post(b, page, /^\/account\/email$/, { email: ' New@Example.com ' });
    expect(res.status).toBe(303);
    expect(res.location?.pathname).toBe('/account/email/verify');
    const verify = (await b.navigate(res.location as URL)).page;
    expect(textOf(verify.body)).toContain('We have sent a 6-digit code to new@example.com');
    // Nothing changes until the code is entered.
    expect((await app.user(user.id))?.email).toBe('old@example.com');
    expect(await app.audit('email.change_requested', user.id)).toHaveLength(1);

    const mail = await app.smtp.waitFor('new@example.com', { after: since });
    const code = codeFrom(mail.text);
    // A wrong code is refused and can be corrected.
    const wrong = await post(b, verify, /\/account\/email\/verify$/, { code: code === '000000' ? '111111' : '000000' });
    expect(wrong.status).toBe(400);
    expect(fieldError(wrong, 'code')).toBe('That code is not correct. Check the e-mail and try again.');
    const malformed = await post(b, verify, /\/account\/email\/verify$/, { code: '12ab' });
    expect(fieldError(malformed, 'code')).toBe('The code has 6 digits.');

    const done = await post(b, verify, /\/account\/email\/verify$/, { code });
    expect(done.status).toBe(303);
    expect(textOf((await b.navigate(done.location as URL)).page.body)).toContain('Your e-mail address has been changed.');
    expect(await app.user(user.id)).toMatchObject({ email: 'new@example.com', email_verified: true });
    const notice = await app.smtp.waitFor('old@example.com', { after: since });
    expect(notice.text).toContain('new@example.com');
    expect(await app.audit('email.changed', user.id)).toHaveLength(1);
    // The code is used up.
    expect((await post(b, verify, /\/account\/email\/verify$/, { code })).status).toBe(400);
    // The new address signs in.
    await signIn(app, app.browser(), 'new@example.com');
    // The e-mail lookup followed: the old address finds no one, and is free for a new account.
    const lookup = app.services.db.connection.collection('user_emails');
    expect(await lookup.findOne({ _id: 'old@example.com' as never })).toBeNull();
    expect(await lookup.findOne({ _id: 'new@example.com' as never })).toMatchObject({ userId: user.id });
    await app.createUser('old@example.com');
  });

  it('opens the link from the mail on a confirmation page with the code filled in', async () => {
    const user = await app.createUser('link@example.com');
    const b = app.browser();
    await signIn(app, b, user.email);
    const since = Date.now();
    await post(b, await open(app, b, '/account/email'), /^\/account\/email$/, { email: 'link-new@example.com' });
    const mail = await app.smtp.waitFor('link-new@example.com', { after: since });
    const link = new URL(linkFrom(mail.text));
    expect(link.origin).toBe(app.url);
    // Opening the link changes nothing by itself (mail scanners open links too).
    const page = (await b.navigate(link)).page;
    expect(page.status).toBe(200);
    expect(page.body).toContain(`value="${codeFrom(mail.text)}"`);
    expect((await app.user(user.id))?.email).toBe('link@example.com');
    expect((await post(b, page, /\/account\/email\/verify$/)).status).toBe(303);
    expect((await app.user(user.id))?.email).toBe('link-new@example.com');

    // Someone else's link is of no use in another account.
    const other = await app.createUser('other-link@example.com');
    const c = app.browser();
    await signIn(app, c, other.email);
    const since2 = Date.now();
    await post(b, await open(app, b, '/account/email'), /^\/account\/email$/, { email: 'third@example.com' });
    const foreign = new URL(linkFrom((await app.smtp.waitFor('third@example.com', { after: since2 })).text));
    const refused = (await c.navigate(foreign)).page;
    expect(refused.status).toBe(400);
    expect(textOf(refused.body)).toContain('This code has expired or has already been used.');
  });

  it('refuses an address another account has taken by the time the code is entered; nothing changes', async () => {
    const user = await app.createUser('race@example.com');
    const b = app.browser();
    await signIn(app, b, user.email);
    const since = Date.now();
    await post(b, await open(app, b, '/account/email'), /^\/account\/email$/, { email: 'wanted@example.com' });
    const mail = await app.smtp.waitFor('wanted@example.com', { after: since });
    await app.createUser('wanted@example.com');
    const verify = await open(app, b, linkFrom(mail.text).replace(app.url, ''));
    const res = await post(b, verify, /\/account\/email\/verify$/);
    expect(res.status).toBe(400);
    expect(textOf(res.body)).toContain('This e-mail address already belongs to another account');
    expect(await app.user(user.id)).toMatchObject({ email: 'race@example.com' });
    expect(await app.audit('email.changed', user.id)).toHaveLength(0);
  });

  it('refuses an empty, malformed, overlong or unchanged address without sending anything', async () => {
    const user = await app.createUser('same@example.com');
    const b = app.browser();
    await signIn(app, b, user.email);
    const page = await open(app, b, '/account/email');
    const before = app.smtp.messages.length;
    const cases: [string, string][] = [
      ['', 'Enter your new e-mail address.'],
      ['not-an-address', 'Enter an e-mail address in the form name@example.com.'],
      [`${'a'.repeat(250)}@example.com`, 'This is too long.'],
      ['SAME@example.com', 'This is already your e-mail address.'],
    ];
    for (const [email, message] of cases) {
      const res = await post(b, page, /^\/account\/email$/, { email });
      expect([email, res.status]).toEqual([email, 400]);
      expect(fieldError(res, 'email')).toBe(message);
    }
    const res = await rawPost(b, app, '/account/email', `_csrf=${csrfOf(page)}&email=a%40b.c&email=d%40e.f`);
    expect(fieldError(res, 'email')).toBe('This value could not be read. Please enter it again.');
    expect(await app.audit('email.change_requested', user.id)).toHaveLength(0);
    // Whatever was queued has been handed to the SMTP server once the mailer drains.
    await app.services.mailer.drain();
    expect(app.smtp.messages.length).toBe(before);
  });

  it('demands a recent sign-in before a code is sent', async () => {
    const user = await app.createUser('stale@example.com');
    const b = app.browser();
    const page = await signIn(app, b, user.email, '/account/email');
    await ageLogin(app, user.id, 3600);
    const res = await post(b, page, /^\/account\/email$/, { email: 'stale-new@example.com' });
    expect(res.status).toBe(303);
    expect(res.location?.searchParams.get('prompt')).toBe('login');
    expect(await app.audit('email.change_requested', user.id)).toHaveLength(0);
  });
});

describe('changing the password', () => {
  it('checks the current password and the policy, then signs out every other session and mails the customer', async () => {
    const user = await app.createUser('pw@example.com');
    const here = app.browser();
    const elsewhere = app.browser();
    await signIn(app, elsewhere, user.email);
    const tokens = await connectShop(app, elsewhere, 'openid email');
    await signIn(app, here, user.email);
    const page = await open(app, here, '/account/password');
    const since = Date.now();

    const wrong = await post(here, page, /\/account\/password$/, { current_password: 'wrong one', new_password: 'a fresh long passphrase', confirm_password: 'a fresh long passphrase' });
    expect(wrong.status).toBe(400);
    expect(fieldError(wrong, 'current_password')).toBe('Your current password is not correct.');
    expect(wrong.body).not.toContain('a fresh long passphrase');
    const mismatch = await post(here, page, /\/account\/password$/, { current_password: PASSWORD, new_password: 'a fresh long passphrase', confirm_password: 'a fresh long passphrase!' });
    expect(fieldError(mismatch, 'confirm_password')).toBe('The two new passwords do not match.');
    const short = await post(here, page, /\/account\/password$/, { current_password: PASSWORD, new_password: 'short', confirm_password: 'short' });
    expect(fieldError(short, 'new_password')).toBe('Use at least 8 characters.');
    const common = await post(here, page, /\/account\/password$/, { current_password: PASSWORD, new_password: 'password123', confirm_password: 'password123' });
    expect(fieldError(common, 'new_password')).toContain('too common');
    const empty = await post(here, page, /\/account\/password$/, { current_password: '', new_password: '', confirm_password: '' });
    expect(fieldError(empty, 'current_password')).toBe('Enter your current password.');
    expect(fieldError(empty, 'new_password')).toBe('Enter a new password.');
    expect(await app.services.users.checkPassword(user.id, PASSWORD)).toBe(true);
    expect(await app.audit('password.changed', user.id)).toHaveLength(0);

    const ok = await post(here, page, /\/account\/password$/, { current_password: PASSWORD, new_password: 'a fresh long passphrase', confirm_password: 'a fresh long passphrase' });
    expect(ok.status).toBe(303);
    expect(await app.services.users.checkPassword(user.id, 'a fresh long passphrase')).toBe(true);
    expect((await app.audit('password.changed', user.id))[0]).toMatchObject({ outcome: 'success', reason: 'change' });
    // This browser stays signed in; the other one is signed out, and what it was given without offline access is gone.
    await open(app, here, '/account');
    const out = await elsewhere.request(new URL('/account', app.url));
    expect(out.status).toBe(303);
    expect(out.location?.pathname).toBe('/auth');
    expect((await fetch(new URL('/me', app.url), { headers: { authorization: `Bearer ${tokens.access_token}` } })).status).toBe(401);
    expect((await app.audit('session.revoked', user.id))[0]).toMatchObject({ reason: 'password_changed' });
    const mail = await app.smtp.waitFor('pw@example.com', { after: since });
    expect(mail.subject).toMatch(/password/i);
  });
});

describe('what a new password ends, whether changed or reset (one use case: src/usecases/password.ts)', () => {
  it('a change also revokes the refresh tokens apps hold (as a reset does), and the notice links to the public reset entry', async () => {
    const user = await app.createUser('pw-tokens@example.com');
    const b = app.browser();
    await signIn(app, b, user.email);
    const tokens = await connectShop(app, b);
    expect((await refresh(app, String(tokens.refresh_token))).status).toBe(200);
    const again = await connectShop(app, b);
    const since = Date.now();
    const ok = await post(b, await open(app, b, '/account/password'), /\/account\/password$/, {
      current_password: PASSWORD,
      new_password: 'another long passphrase',
      confirm_password: 'another long passphrase',
    });
    expect(ok.status).toBe(303);
    expect((await refresh(app, String(again.refresh_token))).status).toBe(400);
    const mail = await app.smtp.waitFor('pw-tokens@example.com', { after: since });
    expect(mail.text).toContain(`${app.url}/recover`);
  });
});

describe('the public reset entry (/recover) the password notice links to', () => {
  it('opens the forgot-password page without a sign-in under way, and a reset ends signed in to the account center', async () => {
    const user = await app.createUser('recover-me@example.com');
    const b = app.browser();
    const since = Date.now();
    const { page: forgot } = await b.navigate(new URL('/recover?email=recover-me%40example.com', app.url));
    expect(forgot.status).toBe(200);
    expect(forgot.url.pathname).toMatch(/^\/interaction\/[^/]+\/forgot$/);
    const { form } = findForm(forgot, /\/forgot$/);
    expect(form.fields.email).toBe('recover-me@example.com');
    const sent = await b.submit(form);
    const code = codeFrom((await app.smtp.waitFor('recover-me@example.com', { after: since, subject: /reset/i })).text);
    const reset = findForm(sent.page, /\/reset$/);
    const done = await b.submit(reset.form, { code, password: 'recovered long passphrase', confirm: 'recovered long passphrase' }, { button: reset.button });
    expect(done.page.status).toBe(200);
    expect(done.page.url.pathname).toBe('/account');
    expect(await app.services.users.checkPassword(user.id, 'recovered long passphrase')).toBe(true);
  });

  it('asks for the reset even in a browser that is signed in (the warning is about someone else)', async () => {
    const user = await app.createUser('recover-signed-in@example.com');
    const b = app.browser();
    await signIn(app, b, user.email);
    const { page } = await b.navigate(new URL('/recover', app.url));
    expect(page.status).toBe(200);
    expect(page.url.pathname).toMatch(/^\/interaction\/[^/]+\/forgot$/);
    expect(findForm(page, /\/forgot$/).form.fields.email).toBe('');
  });
});

describe('current-password checks are throttled as sign-in attempts are', () => {
  it('after ten wrong current passwords (a known device’s allowance) the change is refused with 429 for a while; sign-in elsewhere is not', async () => {
    const user = await app.createUser('pw-guess@example.com');
    const b = app.browser();
    await signIn(app, b, user.email);
    const page = await open(app, b, '/account/password');
    const guess = (current: string) =>
      post(b, page, /\/account\/password$/, { current_password: current, new_password: 'a guessed passphrase', confirm_password: 'a guessed passphrase' });
    for (let i = 0; i < 9; i++) expect((await guess(`wrong ${i}`)).status).toBe(400);
    const tenth = await guess('wrong 9');
    expect(tenth.status).toBe(429);
    expect(tenth.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(fieldError(tenth, 'current_password')).toMatch(/Too many attempts/);
    // Even the right password waits now: a borrowed session cannot keep guessing.
    expect((await guess(PASSWORD)).status).toBe(429);
    expect(await app.services.users.checkPassword(user.id, PASSWORD)).toBe(true);
    expect(await app.audit('password.change_failed', user.id)).toHaveLength(10);
    // Counted for this session alone: whoever holds it cannot lock the owner out of signing in anywhere else.
    expect(await app.services.throttle.check('login', { ip: '203.0.113.250', account: user.email })).toEqual({ allowed: true });
    expect((await app.services.throttle.check('login', { ip: '203.0.113.250', account: user.email, device: 'another-browser' })).allowed).toBe(true);
  });

  it('the password typed to delete the account is throttled and audited too', async () => {
    const user = await app.createUser('delete-guess@example.com');
    const b = app.browser();
    await signIn(app, b, user.email);
    const page = await open(app, b, '/account/delete');
    for (let i = 0; i < 9; i++) expect((await post(b, page, /\/account\/delete$/, { confirm: '', password: `wrong ${i}` })).status).toBe(400);
    const blocked = await post(b, page, /\/account\/delete$/, { confirm: '', password: 'wrong 9' });
    expect(blocked.status).toBe(429);
    expect(fieldError(blocked, 'confirm')).toMatch(/Too many attempts/);
    expect((await post(b, page, /\/account\/delete$/, { confirm: '', password: PASSWORD })).status).toBe(429);
    expect(await app.user(user.id)).not.toBeNull();
    expect(await app.audit('account.delete_failed', user.id)).toHaveLength(10);
  });
});

describe('e-mail changes are throttled as the sign-in’s mails and codes are', () => {
  it('mails one address at most three times in 15 minutes, then refuses with 429', async () => {
    const user = await app.createUser('mail-flood@example.com');
    const b = app.browser();
    await signIn(app, b, user.email);
    const page = await open(app, b, '/account/email');
    for (let i = 0; i < 3; i++) expect((await post(b, page, /^\/account\/email$/, { email: 'victim@example.com' })).status).toBe(303);
    const fourth = await post(b, page, /^\/account\/email$/, { email: 'victim@example.com' });
    expect(fourth.status).toBe(429);
    expect(fieldError(fourth, 'email')).toMatch(/Too many attempts/);
    expect(await app.audit('email.change_requested', user.id)).toHaveLength(3);
  });

  it('wrong codes count per account and per address: at most ten, then 429', async () => {
    const user = await app.createUser('code-guess@example.com');
    const b = app.browser();
    await signIn(app, b, user.email);
    const statuses: number[] = [];
    // Each code allows a few tries of its own; new codes are asked for until the account's limit is reached.
    for (let round = 0; round < 4 && !statuses.includes(429); round++) {
      const issued = await app.services.codes.issue({ purpose: 'email-change', subject: user.id, payload: { newEmail: `new-${round}@example.com` } });
      const verify = await open(app, b, `/account/email/verify?id=${encodeURIComponent(issued.id)}`);
      for (let i = 0; i < 3; i++) {
        const res = await post(b, verify, /\/account\/email\/verify$/, { code: issued.code === '000000' ? '111111' : '000000' });
        statuses.push(res.status);
        if (res.status === 429) {
          expect(fieldError(res, 'code')).toMatch(/Too many attempts/);
          break;
        }
      }
    }
    // Ten per account or per client address (other tests here try codes from this address too), whichever comes first.
    const wrong = statuses.filter((s) => s === 400).length;
    expect(wrong).toBeGreaterThan(0);
    expect(wrong).toBeLessThanOrEqual(10);
    expect(statuses).toEqual([...Array(wrong).fill(400), 429]);
    expect((await app.user(user.id))?.email).toBe('code-guess@example.com');
  });
});

describe('deleting the account', () => {
  it('needs the word DELETE (or the password), then removes the account with its sessions, apps, tokens, codes and app data', async () => {
    const user = await app.createUser('delete@example.com');
    const b = app.browser();
    const other = app.browser();
    await signIn(app, other, user.email);
    await signIn(app, b, user.email);
    const tokens = await connectShop(app, b);
    await app.appMetadata.set(user.id, 'shop', { tier: 'gold' });
    const code = await app.services.codes.issue({ purpose: 'email-change', subject: user.id, payload: { newEmail: 'x@example.com' } });

    const page = await open(app, b, '/account/delete');
    const attempts: Record<string, string>[] = [{ confirm: '' }, { confirm: 'delete' }, { confirm: 'yes' }, { confirm: '', password: 'wrong password' }];
    for (const values of attempts) {
      const res = await post(b, page, /\/account\/delete$/, values);
      expect(res.status).toBe(400);
      expect(fieldError(res, 'confirm')).toContain('Type DELETE in capital letters');
    }
    expect(await app.user(user.id)).not.toBeNull();

    const res = await post(b, page, /\/account\/delete$/, { confirm: 'DELETE' });
    expect(res.status).toBe(303);
    expect(res.location?.pathname).toBe('/account/deleted');
    const done = (await b.navigate(res.location as URL)).page;
    expect(textOf(done.body)).toContain('Your account has been deleted');

    expect(await app.user(user.id)).toBeNull();
    for (const model of ['Session', 'Grant', 'AccessToken', 'RefreshToken']) {
      expect([model, await app.services.adapter.collection(model).countDocuments({ accountId: user.id })]).toEqual([model, 0]);
    }
    expect(await app.appMetadata.get(user.id, 'shop')).toBeUndefined();
    expect(await app.services.codes.peek(code.id, 'email-change')).toBeNull();
    expect(await app.services.db.connection.collection('session_meta').countDocuments({ accountId: user.id })).toBe(0);
    expect((await refresh(app, String(tokens.refresh_token))).status).toBe(400);
    // Erasure keeps the audit trail under a pseudonym (test/integration/privacy covers the rest).
    expect(await app.audit('account.deleted', user.id)).toEqual([]);
    expect((await app.audit('account.deleted', app.services.erasure.pseudonym(user.id)))[0]).toMatchObject({ outcome: 'success', reason: 'account_center' });
    // Both browsers are signed out.
    for (const browser of [b, other]) expect((await browser.request(new URL('/account', app.url))).location?.pathname).toBe('/auth');
    // The address is free again.
    await app.createUser('delete@example.com');
  });

  it('accepts the current password instead of the word', async () => {
    const user = await app.createUser('delete-pw@example.com');
    const b = app.browser();
    await signIn(app, b, user.email);
    const res = await post(b, await open(app, b, '/account/delete'), /\/account\/delete$/, { confirm: '', password: PASSWORD });
    expect(res.status).toBe(303);
    expect(await app.user(user.id)).toBeNull();
  });
});
