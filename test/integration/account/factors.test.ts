// Sign-in security in the account center: second factors added, renamed and removed by the customer — an
// authenticator app (codes from otplib), a phone (the code read from the Twilio stand-in), e-mail codes (read from
// the test SMTP server), passkeys (a software authenticator) and recovery codes (shown once). Every change needs a
// recent sign-in, is audited and is mailed to the account address; a refused form changes nothing.
import { generate } from 'otplib';
import { textOf, type Page } from '../../support/http.ts';
import { codeFrom } from '../../support/smtp.ts';
import { SoftPasskey } from '../../support/soft-passkey.ts';
import { startTwilioRecorder, type TwilioRecorder } from '../../support/twilio.ts';
import { ageLogin, fieldError, open, post, signIn, startAccountApp, type AccountApp } from './helpers.ts';

let app: AccountApp;
let twilio: TwilioRecorder;

beforeAll(async () => {
  twilio = await startTwilioRecorder();
  app = await startAccountApp({
    REAUTH_MAX_AGE_SECONDS: '300',
    TWILIO_ACCOUNT_SID: twilio.accountSid,
    TWILIO_AUTH_TOKEN: twilio.authToken,
    TWILIO_FROM: '+15005550006',
    TWILIO_API_URL: twilio.url,
  });
});
afterAll(async () => {
  await app.close();
  await twilio.close();
});

const list = (id: string) => app.services.factors.list(id);
const text = (page: Page) => textOf(page.body);
const formError = (page: Page) => /<div class="alert" role="alert" id="form-error"[^>]*>([\s\S]*?)<\/div>/.exec(page.body)?.[1];
/** The manual key shown next to the QR code, without its spaces. */
const manualKey = (page: Page) => {
  const match = /<code class="secret">([A-Z2-7 ]+)<\/code>/.exec(page.body);
  if (!match?.[1]) throw new Error(`no key on ${page.url.pathname}: ${text(page).slice(0, 300)}`);
  return match[1].replace(/ /g, '');
};
const totpCode = (secret: string, offsetSteps = 0) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + offsetSteps * 30 });
/** The CSRF token of this browser (the cookie the hidden fields repeat), for posts no rendered form offers. */
const csrfToken = (b: ReturnType<AccountApp['browser']>) => b.cookies().find((c) => c.name === 'csrf')?.value ?? '';
const wrongCode = (code: string) => String((Number(code) + 500_000) % 1_000_000).padStart(6, '0');
/** The WebAuthn options the passkey page hands passkey.js. */
const webauthnOptions = (page: Page) => {
  const match = /<script type="application\/json" id="webauthn-register-options">([\s\S]*?)<\/script>/.exec(page.body);
  if (!match?.[1]) throw new Error('no WebAuthn options on the page');
  return JSON.parse(match[1]) as { challenge: string; rp: { id: string }; user: { id: string; name: string } };
};

/** The first mail to `to` since `after` with this subject whose text contains `needle`, waiting up to 5 s. */
async function mailWith(to: string, after: number, subject: RegExp, needle: string) {
  for (const deadline = Date.now() + 5000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    const found = app.smtp.messages.find((m) => m.to.includes(to) && m.receivedAt >= after && subject.test(m.subject) && m.text.includes(needle));
    if (found) return found;
  }
  throw new Error(`no mail to ${to} containing ${needle}`);
}

async function signedIn(email: string, start = '/account/security') {
  const user = await app.createUser(email);
  const b = app.browser();
  await signIn(app, b, user.email, start);
  return { user, b };
}

async function addTotp(b: ReturnType<AccountApp['browser']>, name = '') {
  const page = await open(app, b, '/account/security/totp');
  const secret = manualKey(page);
  const res = await post(b, page, /\/account\/security\/totp$/, { code: await totpCode(secret), name });
  expect(res.status).toBe(303);
  return secret;
}

async function addPasskey(b: ReturnType<AccountApp['browser']>, accountId: string, name: string) {
  const page = await open(app, b, '/account/security/passkeys/new');
  const key = new SoftPasskey(accountId, app.url);
  const response = JSON.stringify(key.create({ challenge: webauthnOptions(page).challenge }));
  const res = await post(b, page, /\/account\/security\/passkeys$/, { response, name });
  expect(res.status).toBe(303);
  return key;
}

describe('the sign-in security page', () => {
  it('is in the navigation, lists no factor at first and offers every kind the operator enabled', async () => {
    const { b } = await signedIn('list@example.com');
    const page = await open(app, b, '/account/security');
    expect(page.body).toMatch(/<a href="\/account\/security" aria-current="page">Sign-in security<\/a>/);
    expect(text(page)).toContain('You have not added a second step yet.');
    for (const href of ['/account/security/passkeys/new', '/account/security/totp', '/account/security/phone', '/account/security/email']) {
      expect(page.body).toContain(`href="${href}"`);
    }
    expect(text(page)).toContain('Create recovery codes');
    expect(text(await open(app, b, '/account'))).toContain('Sign-in security');
  });

  it('speaks the customer’s language', async () => {
    const user = await app.createUser('sprache@example.com', { locale: 'de' });
    const b = app.browser();
    await signIn(app, b, user.email, '/account/security');
    const page = await open(app, b, '/account/security');
    expect(text(page)).toContain('Sie haben noch keinen zweiten Schritt hinzugefügt.');
    expect(text(await open(app, b, '/account/security/totp'))).toContain('Öffnen Sie Ihre Authenticator-App');
  });
});

describe('authenticator apps', () => {
  it('shows a QR code (inline SVG) and the key, and adds the app with a code from it', async () => {
    const { user, b } = await signedIn('totp@example.com');
    const since = Date.now();
    const page = await open(app, b, '/account/security/totp');
    expect(page.body).toMatch(/<figure class="qr"[^>]*><svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(page.body).not.toContain('data:image');
    const secret = manualKey(page);
    // A link for someone on their phone; a reload shows the same secret (an app may already hold it).
    expect(page.body).toMatch(new RegExp(`href="otpauth://totp/[^"]*secret=${secret.replace(/ /g, '')}`));
    expect(manualKey(await open(app, b, '/account/security/totp'))).toBe(secret);

    const res = await post(b, page, /\/account\/security\/totp$/, { code: await totpCode(secret), name: ' My phone ' });
    expect(res.status).toBe(303);
    expect(res.location?.pathname).toBe('/account/security');
    const after = (await b.navigate(res.location as URL)).page;
    expect(text(after)).toContain('The second step has been added.');
    expect(text(after)).toContain('My phone');
    expect(await list(user.id)).toEqual([expect.objectContaining({ type: 'totp', label: 'My phone' })]);
    expect(await app.audit('factor.added', user.id)).toEqual([expect.objectContaining({ outcome: 'success', details: expect.objectContaining({ factorType: 'totp' }) })]);
    const mail = await app.smtp.waitFor(user.email, { after: since, subject: /added/ });
    expect(mail.text).toContain('Authenticator app "My phone"');

    // The app's codes now work for this account (and the enrolling code is used up).
    expect(await app.services.totp.verify(user.id, await totpCode(secret, 1))).toMatchObject({ ok: true });
    // The next enrollment (a second app) starts with a new secret.
    expect(manualKey(await open(app, b, '/account/security/totp'))).not.toBe(secret);
  });

  it('names it "Authenticator app" when no name is given', async () => {
    const { user, b } = await signedIn('totp-unnamed@example.com');
    await addTotp(b);
    expect(await list(user.id)).toEqual([expect.objectContaining({ type: 'totp', label: 'Authenticator app' })]);
  });

  it('refuses an empty, malformed or wrong code, keeping the same QR code and key and the name; nothing is stored', async () => {
    const { user, b } = await signedIn('totp-bad@example.com');
    const page = await open(app, b, '/account/security/totp');
    const secret = manualKey(page);
    const qr = /<svg[\s\S]*?<\/svg>/.exec(page.body)?.[0];

    const empty = await post(b, page, /\/account\/security\/totp$/, { code: '', name: 'Tablet' });
    expect(empty.status).toBe(400);
    expect(fieldError(empty, 'code')).toBe('Enter the code.');
    expect(manualKey(empty)).toBe(secret);
    expect(empty.body).toContain(qr);
    expect(empty.body).toContain('value="Tablet"');

    const malformed = await post(b, page, /\/account\/security\/totp$/, { code: '12ab56' });
    expect(fieldError(malformed, 'code')).toBe('The code has 6 digits.');

    const wrong = await post(b, page, /\/account\/security\/totp$/, { code: wrongCode(await totpCode(secret)), name: 'Tablet' });
    expect(wrong.status).toBe(400);
    expect(fieldError(wrong, 'code')).toBe('That code is not correct. Check that the time on your phone is right and enter the newest code.');
    expect(manualKey(wrong)).toBe(secret);

    const long = await post(b, page, /\/account\/security\/totp$/, { code: await totpCode(secret), name: 'x'.repeat(65) });
    expect(long.status).toBe(400);
    expect(fieldError(long, 'name')).toBe('Use at most 64 characters.');
    expect(await list(user.id)).toEqual([]);

    // A form whose enrollment is not (or no longer) valid starts over with a new key.
    const forged = await post(b, page, /\/account\/security\/totp$/, { token: 'forged', code: await totpCode(secret) });
    expect(forged.status).toBe(400);
    expect(text(forged)).toContain('This setup has expired. Scan the new QR code below');
    expect(manualKey(forged)).not.toBe(secret);
    expect(await list(user.id)).toEqual([]);

    // The corrected form still works.
    expect((await post(b, wrong, /\/account\/security\/totp$/, { code: await totpCode(secret) })).status).toBe(303);
    expect(await list(user.id)).toHaveLength(1);
  });

  it('does not take another account’s enrollment', async () => {
    const { b: mallory } = await signedIn('totp-mallory@example.com');
    const theirs = await open(app, mallory, '/account/security/totp');
    const token = /name="token" value="([^"]+)"/.exec(theirs.body)?.[1] ?? '';
    const { user, b } = await signedIn('totp-victim@example.com');
    const page = await open(app, b, '/account/security/totp');
    const res = await post(b, page, /\/account\/security\/totp$/, { token, code: await totpCode(manualKey(theirs)) });
    expect(res.status).toBe(400);
    expect(await list(user.id)).toEqual([]);
  });
});

describe('phones', () => {
  it('sends a code by text message through Twilio; the code adds the phone', async () => {
    const { user, b } = await signedIn('sms@example.com');
    const since = Date.now();
    const page = await open(app, b, '/account/security/phone');
    const sent = await post(b, page, /\/account\/security\/phone$/, { phone: '+49 151 23456789' });
    expect(sent.status).toBe(200);
    expect(text(sent)).toMatch(/We have sent a 6-digit code by text message to \+49 .*89\./);
    const sms = await twilio.waitFor('+4915123456789', { after: since });
    const code = /\b(\d{6})\b/.exec(sms.body)?.[1] ?? '';
    expect(code).toMatch(/^\d{6}$/);
    expect(sms.from).toBe('+15005550006');

    const wrong = await post(b, sent, /\/account\/security\/code$/, { code: wrongCode(code) });
    expect(wrong.status).toBe(400);
    expect(fieldError(wrong, 'code')).toBe('That code is not correct. Check it and try again.');
    expect(await list(user.id)).toEqual([]);

    const done = await post(b, wrong, /\/account\/security\/code$/, { code });
    expect(done.status).toBe(303);
    const factors = await list(user.id);
    expect(factors).toEqual([expect.objectContaining({ type: 'sms' })]);
    expect(factors[0]?.label).not.toContain('23456');
    expect(text((await b.navigate(done.location as URL)).page)).toContain(factors[0]?.label ?? '?');
    const mail = await app.smtp.waitFor(user.email, { after: since, subject: /added/ });
    expect(mail.text).toContain(`Text messages to ${factors[0]?.label}`);

    // The same number cannot be added twice.
    const again = await post(b, await open(app, b, '/account/security/phone'), /\/account\/security\/phone$/, { phone: '+4915123456789' });
    expect(again.status).toBe(400);
    expect(fieldError(again, 'phone')).toBe('This number has already been added.');
  });

  it('refuses an empty or impossible number with the input kept, sending nothing', async () => {
    const { user, b } = await signedIn('sms-bad@example.com');
    const page = await open(app, b, '/account/security/phone');
    const before = twilio.messages.length;
    const empty = await post(b, page, /\/account\/security\/phone$/, { phone: '  ' });
    expect(empty.status).toBe(400);
    expect(fieldError(empty, 'phone')).toBe('Enter your mobile number.');
    for (const phone of ['12345', 'call me', '+1 900 555 0100']) {
      const res = await post(b, page, /\/account\/security\/phone$/, { phone });
      expect(res.status).toBe(400);
      expect(fieldError(res, 'phone')).toMatch(/^This is not a mobile number we can send to/);
      expect(res.body).toContain(`value="${phone}"`);
    }
    expect(twilio.messages.length).toBe(before);
    expect(await list(user.id)).toEqual([]);
  });
});

describe('e-mail codes', () => {
  it('mails a code to the account address; the code turns e-mail codes on, after which they are no longer offered', async () => {
    const { user, b } = await signedIn('mailcodes@example.com');
    const since = Date.now();
    const page = await open(app, b, '/account/security/email');
    expect(text(page)).toContain('we can send a code to mailcodes@example.com');
    const sent = await post(b, page, /\/account\/security\/email$/);
    expect(sent.status).toBe(200);
    expect(text(sent)).toMatch(/We have sent a 6-digit code to m•••@example\.com\./);
    const code = codeFrom(await app.smtp.waitFor(user.email, { after: since }));

    const empty = await post(b, sent, /\/account\/security\/code$/, { code: '' });
    expect(fieldError(empty, 'code')).toBe('Enter the code.');
    const done = await post(b, sent, /\/account\/security\/code$/, { code: ` ${code.slice(0, 3)} ${code.slice(3)} ` });
    expect(done.status).toBe(303);
    expect(await list(user.id)).toEqual([expect.objectContaining({ type: 'email' })]);
    await app.smtp.waitFor(user.email, { after: since, subject: /added/ });

    const listPage = await open(app, b, '/account/security');
    expect(listPage.body).not.toContain('href="/account/security/email"');
    const again = await b.request(new URL('/account/security/email', app.url));
    expect(again.status).toBe(303);
    expect(again.location?.pathname).toBe('/account/security');
  });

  it('answers a used-up code with a way to start again', async () => {
    const { user, b } = await signedIn('mailcodes-used@example.com');
    const since = Date.now();
    const sent = await post(b, await open(app, b, '/account/security/email'), /\/account\/security\/email$/);
    const code = codeFrom(await app.smtp.waitFor(user.email, { after: since }));
    expect((await post(b, sent, /\/account\/security\/code$/, { code })).status).toBe(303);
    const replay = await post(b, sent, /\/account\/security\/code$/, { code });
    expect(replay.status).toBe(400);
    expect(replay.body).toContain('href="/account/security/email"');
    expect(await list(user.id)).toHaveLength(1);
  });
});

describe('passkeys', () => {
  it('registers a passkey from the page’s options, then renames it', async () => {
    const { user, b } = await signedIn('passkey@example.com');
    const since = Date.now();
    const page = await open(app, b, '/account/security/passkeys/new');
    const options = webauthnOptions(page);
    expect(options.rp.id).toBe('127.0.0.1');
    expect(options.user.name).toBe(user.email);
    expect(page.body).toMatch(/<form method="post" action="\/account\/security\/passkeys"[^>]*data-webauthn="register"/);
    // A name to start from: the device's system.
    expect(page.body).toContain('value="Windows');

    const key = new SoftPasskey(user.id, app.url);
    const res = await post(b, page, /\/account\/security\/passkeys$/, { response: JSON.stringify(key.create({ challenge: options.challenge })), name: 'Work laptop' });
    expect(res.status).toBe(303);
    expect(await list(user.id)).toEqual([expect.objectContaining({ type: 'passkey', id: key.credentialId, label: 'Work laptop' })]);
    expect((await app.smtp.waitFor(user.email, { after: since, subject: /added/ })).text).toContain('Passkey "Work laptop"');

    const listPage = await open(app, b, '/account/security');
    const renameAction = new RegExp(`/account/security/passkeys/${key.credentialId}/rename$`);
    const empty = await post(b, listPage, renameAction, { name: '   ' });
    expect(empty.status).toBe(400);
    expect(text(empty)).toContain('Enter a name.');
    const renamed = await post(b, listPage, renameAction, { name: 'Home PC' });
    expect(renamed.status).toBe(303);
    expect(text((await b.navigate(renamed.location as URL)).page)).toContain('The passkey has been renamed.');
    expect(await list(user.id)).toEqual([expect.objectContaining({ label: 'Home PC' })]);
  });

  it('explains an empty or refused response and stores nothing; the page gets a fresh challenge', async () => {
    const { user, b } = await signedIn('passkey-bad@example.com');
    const page = await open(app, b, '/account/security/passkeys/new');
    const options = webauthnOptions(page);
    const empty = await post(b, page, /\/account\/security\/passkeys$/, { name: 'Phone' });
    expect(empty.status).toBe(400);
    expect(formError(empty)).toContain('This browser cannot create passkeys');
    expect(empty.body).toContain('value="Phone"');
    expect(webauthnOptions(empty).challenge).not.toBe(options.challenge);

    // Signed for another site: refused.
    const key = new SoftPasskey(user.id, 'https://evil.example');
    const phished = await post(b, page, /\/account\/security\/passkeys$/, { response: JSON.stringify(key.create({ challenge: options.challenge })) });
    expect(phished.status).toBe(400);
    expect(formError(phished)).toContain('The passkey could not be checked');
    expect(await list(user.id)).toEqual([]);
  });

  it('does not rename another account’s passkey', async () => {
    const { user: owner, b: ownerBrowser } = await signedIn('passkey-owner@example.com');
    const key = await addPasskey(ownerBrowser, owner.id, 'Mine');
    const { b } = await signedIn('passkey-other@example.com');
    await open(app, b, '/account/security');
    const csrf = csrfToken(b);
    const rename = await b.request(new URL(`/account/security/passkeys/${key.credentialId}/rename`, app.url), {
      method: 'POST',
      body: new URLSearchParams({ _csrf: csrf, name: 'Stolen' }),
    });
    expect(rename.status).toBe(404);
    expect(await list(owner.id)).toEqual([expect.objectContaining({ label: 'Mine' })]);
  });
});

describe('recovery codes', () => {
  it('shows ten codes once; they work once each; the page counts what is left; new codes replace the old', async () => {
    const { user, b } = await signedIn('recovery@example.com');
    const since = Date.now();
    const status = await open(app, b, '/account/security/recovery');
    expect(text(status)).toContain('You have no recovery codes.');
    const shown = await post(b, status, /\/account\/security\/recovery$/);
    expect(shown.status).toBe(200);
    expect(shown.headers.get('cache-control')).toContain('no-store');
    expect(text(shown)).toContain('This is the only time we show them.');
    const codes = [...shown.body.matchAll(/<li><code>([a-z0-9-]+)<\/code><\/li>/g)].map((m) => m[1] as string);
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    // Kept as the page offers: a text file to download (a plain link, no script needed), and copy and print buttons
    // that the page's script shows.
    const download = /<a [^>]*download="(recovery-codes-[^"]+\.txt)" href="data:text\/plain;charset=utf-8,([^"]+)"/.exec(shown.body);
    expect(download?.[1]).toMatch(/^recovery-codes-127\.0\.0\.1-\d+\.txt$/);
    const file = decodeURIComponent(download![2]!);
    expect(file).toContain(user.email);
    for (const code of codes) expect(file).toContain(`\n${code}`);
    expect(shown.body).toMatch(/<button type="button" id="recovery-copy"[^>]* hidden/);
    expect(shown.body).toMatch(/<script src="\/assets\/recovery\.js\?v=[\w-]+" defer><\/script>/);
    expect((await app.smtp.waitFor(user.email, { after: since, subject: /added/ })).text).toContain('Recovery codes');

    // Not shown again: the status page only counts them.
    const later = await open(app, b, '/account/security/recovery');
    for (const code of codes) expect(later.body).not.toContain(code);
    expect(text(later)).toContain('10 codes left');

    expect(await app.services.recoveryCodes.use(user.id, codes[0] as string)).toMatchObject({ ok: true, remaining: 9 });
    expect(await app.services.recoveryCodes.use(user.id, codes[0] as string)).toEqual({ ok: false });
    expect(text(await open(app, b, '/account/security'))).toContain('9 codes left');

    const renewed = await post(b, later, /\/account\/security\/recovery$/);
    const fresh = [...renewed.body.matchAll(/<li><code>([a-z0-9-]+)<\/code><\/li>/g)].map((m) => m[1] as string);
    expect(fresh).toHaveLength(10);
    expect(await app.services.recoveryCodes.use(user.id, codes[1] as string)).toEqual({ ok: false });
    expect(await app.services.recoveryCodes.use(user.id, fresh[0] as string)).toMatchObject({ ok: true, remaining: 9 });
  });
});

describe('removing factors', () => {
  it('removes each kind, tells the customer by mail and audits it', async () => {
    const { user, b } = await signedIn('remove@example.com');
    await addTotp(b, 'Old phone');
    await addPasskey(b, user.id, 'Old laptop');
    await post(b, await open(app, b, '/account/security/recovery'), /\/account\/security\/recovery$/);
    const before = await list(user.id);
    expect(before.map((f) => f.type).sort()).toEqual(['passkey', 'recovery', 'totp']);

    const since = Date.now();
    for (const factor of before) {
      const page = await open(app, b, '/account/security');
      const res = await post(b, page, new RegExp(`/account/security/factors/${encodeURIComponent(factor.id)}/remove$`));
      expect(res.status).toBe(303);
      expect(text((await b.navigate(res.location as URL)).page)).toContain('The second step has been removed.');
    }
    // Mail leaves off the request path, so the three may arrive in any order.
    const mails = await Promise.all(
      ['Authenticator app "Old phone"', 'Passkey "Old laptop"', 'Recovery codes can no longer'].map((factor) =>
        mailWith(user.email, since, /removed/, factor),
      ),
    );
    expect(mails).toHaveLength(3);
    expect(await list(user.id)).toEqual([]);
    expect(await app.services.passkeys.list(user.id)).toEqual([]);
    expect(await app.audit('factor.removed', user.id)).toHaveLength(3);
  });

  it('answers 404 for an unknown id or another account’s factor, and removes nothing', async () => {
    const { user: owner, b: ownerBrowser } = await signedIn('remove-owner@example.com');
    await addTotp(ownerBrowser);
    const [factor] = await list(owner.id);
    const { b } = await signedIn('remove-other@example.com');
    await open(app, b, '/account/security');
    const csrf = csrfToken(b);
    for (const id of [factor?.id ?? '', 'recovery', 'no-such-factor', 'x'.repeat(300)]) {
      const res = await b.request(new URL(`/account/security/factors/${encodeURIComponent(id)}/remove`, app.url), {
        method: 'POST',
        body: new URLSearchParams({ _csrf: csrf }),
      });
      expect(res.status).toBe(404);
    }
    expect(await list(owner.id)).toHaveLength(1);
  });
});

describe('deleting the account', () => {
  it('removes every factor with it', async () => {
    const { user, b } = await signedIn('delete-mfa@example.com');
    await addTotp(b);
    await addPasskey(b, user.id, 'Laptop');
    await post(b, await open(app, b, '/account/security/recovery'), /\/account\/security\/recovery$/);
    expect(await list(user.id)).toHaveLength(3);
    const res = await post(b, await open(app, b, '/account/delete'), /\/account\/delete$/, { confirm: 'DELETE' });
    expect(res.location?.pathname).toBe('/account/deleted');
    expect(await list(user.id)).toEqual([]);
    expect(await app.services.passkeys.list(user.id)).toEqual([]);
    expect(await app.services.recoveryCodes.remaining(user.id)).toBe(0);
  });
});

describe('guards', () => {
  it('refuses every form without its CSRF token, storing nothing', async () => {
    const { user, b } = await signedIn('csrf-mfa@example.com');
    await addTotp(b);
    const [factor] = await list(user.id);
    const posts: [string, Record<string, string>][] = [
      [`/account/security/factors/${factor?.id}/remove`, {}],
      ['/account/security/totp', { code: '123456' }],
      ['/account/security/phone', { phone: '+4915123456780' }],
      ['/account/security/email', {}],
      ['/account/security/code', { kind: 'email', id: 'x', code: '123456' }],
      ['/account/security/passkeys', { response: '{}' }],
      ['/account/security/recovery', {}],
    ];
    const sent = twilio.messages.length;
    for (const [path, fields] of posts) {
      const res = await b.request(new URL(path, app.url), { method: 'POST', body: new URLSearchParams(fields) });
      expect([path, res.status]).toEqual([path, 403]);
    }
    expect(await list(user.id)).toHaveLength(1);
    expect(twilio.messages.length).toBe(sent);
    expect(await app.services.recoveryCodes.remaining(user.id)).toBe(0);
  });

  it('sends a stale sign-in to enter the password again before any change, and back afterwards', async () => {
    const { user, b } = await signedIn('stale-mfa@example.com');
    await addTotp(b);
    const page = await open(app, b, '/account/security');
    const [factor] = await list(user.id);
    await ageLogin(app, user.id, 3600);

    // Looking is fine; changing is not.
    expect((await b.request(new URL('/account/security', app.url))).status).toBe(200);
    for (const path of ['/account/security/totp', '/account/security/phone', '/account/security/email', '/account/security/passkeys/new']) {
      const res = await b.request(new URL(path, app.url));
      expect([path, res.status, res.location?.searchParams.get('prompt')]).toEqual([path, 303, 'login']);
    }
    const remove = await post(b, page, new RegExp(`/account/security/factors/${factor?.id}/remove$`));
    expect(remove.status).toBe(303);
    expect(remove.location?.pathname).toBe('/auth');
    expect(remove.location?.searchParams.get('prompt')).toBe('login');
    const recovery = await post(b, await open(app, b, '/account/security/recovery'), /\/account\/security\/recovery$/);
    expect(recovery.location?.searchParams.get('prompt')).toBe('login');
    expect(await list(user.id)).toHaveLength(1);
    expect(await app.services.recoveryCodes.remaining(user.id)).toBe(0);

    // After the password, the customer is back where they were.
    const back = await signIn(app, b, user.email, '/account/security/totp');
    expect(back.url.pathname).toBe('/account/security/totp');
  });
});

describe('what the operator offers', () => {
  let narrow: AccountApp;
  beforeAll(async () => {
    narrow = await startAccountApp({ MFA_FACTORS: 'totp,passkey' });
  });
  afterAll(() => narrow.close());

  it('offers only the enabled kinds and refuses the others', async () => {
    const user = await narrow.createUser('narrow@example.com');
    const b = narrow.browser();
    await signIn(narrow, b, user.email, '/account/security');
    const page = await open(narrow, b, '/account/security');
    expect(page.body).toContain('href="/account/security/totp"');
    expect(page.body).toContain('href="/account/security/passkeys/new"');
    expect(page.body).not.toContain('href="/account/security/phone"');
    expect(page.body).not.toContain('href="/account/security/email"');
    expect(page.body).not.toContain('href="/account/security/recovery"');
    for (const path of ['/account/security/phone', '/account/security/email', '/account/security/recovery']) {
      expect([path, (await b.request(new URL(path, narrow.url))).status]).toEqual([path, 404]);
    }
  });
});
