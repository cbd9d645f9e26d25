// Bot protection on the forms an operator protects (BOT_PROTECTION, src/services/bot-check.ts), through the real
// application: each protected form carries a puzzle bound to it; a submission without a valid, unspent answer is
// refused with what was typed kept (never a password) and audited; a solution passes once; without JavaScript the
// form passes after the delay, a few times an hour per address.
import { createHash } from 'node:crypto';
import { solveProof, leadingZeroBits, proofDigest } from '../../../src/services/proof-of-work.ts';
import { Browser, findForm, forms, textOf, type Form, type Page } from '../../support/http.ts';
import { startAccountApp, PASSWORD, SHOP, type AccountApp } from '../account/helpers.ts';

const BITS = 4;
const DELAY = 5;
let app: AccountApp;
let offset = 0;
let n = 0;
const unique = (name: string) => `${name}-${Date.now().toString(36)}-${n++}@example.com`;
/** Moves the application's clock (every service reads it) forward. */
const later = (seconds: number) => void (offset += seconds * 1000);

beforeAll(async () => {
  app = await startAccountApp(
    {
      BOT_PROTECTION: 'signup,recover,codes,login',
      BOT_PROTECTION_BITS: String(BITS),
      BOT_PROTECTION_DELAY_SECONDS: String(DELAY),
      BOT_PROTECTION_NOSCRIPT_PER_HOUR: '3',
      // Behind a proxy, so that a test can come from an address of its own (X-Forwarded-For).
      TRUST_PROXY: 'true',
    },
    { clock: () => Date.now() + offset },
  );
  // An app that asks every sign-in for a second step.
  await app.services.clients.create({ clientId: 'bank', public: true, redirectUris: [SHOP.redirectUri], grantTypes: ['authorization_code'], scope: 'openid email', mfaPolicy: 'required' });
  // An app that wants a verified address: the sign-in mails a code, and "send a new code" is a code request.
  await app.services.clients.create({ clientId: 'verified-only', public: true, redirectUris: [SHOP.redirectUri], grantTypes: ['authorization_code'], scope: 'openid email', requireVerifiedEmail: true });
});
afterAll(() => app.close());

/** Starts a sign-in at the shop; the login page it lands on. */
async function loginPage(b: Browser, clientId = SHOP.id): Promise<Page> {
  const verifier = createHash('sha256').update(String(Math.random())).digest('base64url');
  const query = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    scope: 'openid email',
    redirect_uri: SHOP.redirectUri,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  const { page } = await b.navigate(new URL(`/auth?${query}`, app.url));
  expect(page.url.pathname).toMatch(/^\/interaction\/[^/]+$/);
  return page;
}

const open = async (b: Browser, path: string) => (await b.navigate(new URL(path, app.url))).page;

/** The puzzle a form carries, as the page's script reads it. */
function puzzleOf(page: Page, form: Form): { challenge: string; bits: number; subject?: string } {
  const challenge = form.fields.bot_challenge;
  if (!challenge) throw new Error(`the form posting to ${form.action.pathname} carries no bot check`);
  const tag = new RegExp(`<input type="hidden" name="bot_challenge" value="${challenge.replace(/[.]/g, '\\.')}" data-proof="[^"]+" data-proof-bits="(\\d+)" data-proof-nonce="bot_nonce"(?: data-proof-subject="([a-z_]+)")?>`).exec(page.body);
  if (!tag) throw new Error('the bot check has no puzzle markup');
  return { challenge, bits: Number(tag[1]), ...(tag[2] ? { subject: tag[2] } : {}) };
}

/** What proof.js puts in the form: the nonce for the subject field's value, trimmed and in lower case. */
const solution = (page: Page, form: Form, subject?: string) => {
  const { challenge, bits } = puzzleOf(page, form);
  return { bot_nonce: solveProof(challenge, bits, subject?.trim().toLowerCase()) };
};

/** A nonce that does not solve the form's puzzle (with few bits a fixed guess like "1" solves one time in 2^bits). */
function wrongAnswer(page: Page, form: Form): { bot_nonce: string } {
  const { challenge, bits, subject } = puzzleOf(page, form);
  if (subject) throw new Error('this puzzle is bound to a field: use solutionOnlyFor');
  for (let i = 0; ; i++) if (!leadingZeroBits(proofDigest(challenge, String(i)), bits)) return { bot_nonce: String(i) };
}

/** A nonce that solves the puzzle for `subject` and not for `not`. */
function solutionOnlyFor(challenge: string, bits: number, subject: string, not: string): string {
  for (let i = 0; ; i++) {
    const hits = (s: string) => leadingZeroBits(proofDigest(challenge, String(i), s), bits);
    if (hits(subject) && !hits(not)) return String(i);
  }
}

/** Posts a form as a browser would (without following redirects), optionally from another address. */
async function send(b: Browser, form: Form, values: Record<string, string>, opts: { omit?: string[]; ip?: string } = {}): Promise<Page> {
  const data = { ...form.fields, ...values };
  for (const k of opts.omit ?? []) delete data[k];
  return b.request(form.action, { method: 'POST', body: new URLSearchParams(data), ...(opts.ip ? { headers: { 'x-forwarded-for': opts.ip } } : {}) });
}

const alert = (page: Page) => textOf(/<div class="alert"[^>]*id="form-error"[^>]*>([\s\S]*?)<\/div>/.exec(page.body)?.[1] ?? '');

async function refusals(action: string) {
  return (await app.services.audit.list({ type: 'bot_check.refused' })).filter((e) => e.details?.action === action);
}

async function mailsTo(address: string) {
  await app.services.mailer.drain();
  return app.smtp.messages.filter((m) => m.to.includes(address));
}

describe('bot protection on sign-up', () => {
  it('refuses a sign-up without an answer (input kept, nothing mailed, audited); a solution passes once; a replay is refused', async () => {
    const b = app.browser();
    const login = await loginPage(b);
    const signup = await open(b, `${login.url.pathname}/signup`);
    const { form } = findForm(signup, /\/signup$/);
    expect(puzzleOf(signup, form)).toMatchObject({ bits: BITS, subject: 'email' });
    expect(signup.body).toMatch(/<script src="\/assets\/proof\.js\?v=[^"]+" defer><\/script>/);
    expect(textOf(signup.body)).toContain(`Without JavaScript, this form can be sent ${DELAY} seconds after the page opened.`);

    const email = unique('bot-signup');
    const refused = await send(b, form, { email, password: PASSWORD }, { omit: ['bot_challenge', 'bot_nonce'] });
    expect(refused.status).toBe(400);
    expect(alert(refused)).toContain('The security check of this form did not succeed. Please send the form again.');
    expect(refused.body).toContain(`value="${email}"`);
    expect(await mailsTo(email)).toEqual([]);
    const [audited] = await refusals('signup');
    expect(audited).toMatchObject({ type: 'bot_check.refused', outcome: 'failure', reason: 'missing', clientId: SHOP.id, details: { action: 'signup' } });
    expect(JSON.stringify(audited)).not.toContain(email);

    // The refused page carries a fresh puzzle; its solution for the address typed goes through.
    const again = findForm(refused, /\/signup$/).form;
    const answer = { email, password: PASSWORD, bot_challenge: again.fields.bot_challenge!, ...solution(refused, again, email) };
    const accepted = await send(b, again, answer);
    expect(accepted.status).toBe(303);
    expect(accepted.location?.pathname).toMatch(/\/signup\/verify$/);
    await app.smtp.waitFor(email);

    // The same answer again, on a fresh form (a bot replaying one solution): refused as spent.
    const fresh = await open(b, `${login.url.pathname}/signup`);
    const replay = await send(b, findForm(fresh, /\/signup$/).form, answer);
    expect(replay.status).toBe(400);
    expect(alert(replay)).toContain('did not succeed');
    expect((await refusals('signup'))[0]).toMatchObject({ reason: 'spent' });
  });

  it('without JavaScript: too early is refused with what was typed and the same puzzle; after the delay it goes through', async () => {
    const b = app.browser();
    const login = await loginPage(b);
    const signup = await open(b, `${login.url.pathname}/signup`);
    const { form } = findForm(signup, /\/signup$/);
    const email = unique('noscript-signup');
    const early = await send(b, form, { email, password: PASSWORD });
    expect(early.status).toBe(400);
    // The wait is counted in whole seconds from the page's issue, rounded up.
    expect(alert(early)).toMatch(/Please wait [1-6] seconds?, then send the form again\./);
    expect(early.body).toContain(`value="${email}"`);
    const kept = findForm(early, /\/signup$/).form;
    expect(kept.fields.bot_challenge).toBe(form.fields.bot_challenge);
    expect((await refusals('signup'))[0]).toMatchObject({ reason: 'early' });

    later(DELAY + 1);
    const accepted = await send(b, kept, { email, password: PASSWORD });
    expect(accepted.status).toBe(303);
    expect(accepted.location?.pathname).toMatch(/\/signup\/verify$/);

    // "Send a new code" is a code request: it needs its own answer; the sent code is not resent without one.
    const verify = await open(b, accepted.location!.pathname + accepted.location!.search);
    await app.smtp.waitFor(email);
    const resend = findForm(verify, /\/signup\/resend$/).form;
    expect(puzzleOf(verify, resend).subject).toBeUndefined();
    const refused = await send(b, resend, {}, { omit: ['bot_challenge', 'bot_nonce'] });
    expect(refused.status).toBe(400);
    expect(alert(refused)).toContain('did not succeed');
    expect(await mailsTo(email)).toHaveLength(1);
    expect((await refusals('codes'))[0]).toMatchObject({ reason: 'missing', details: { action: 'codes' } });
    const again = findForm(refused, /\/signup\/resend$/).form;
    const resent = await send(b, again, solution(refused, again));
    expect(resent.status).toBe(200);
    expect(textOf(resent.body)).toMatch(/new code/i);
    await app.smtp.waitFor(email, { after: Date.now() - 1000 });
    expect(await mailsTo(email)).toHaveLength(2);
  });
});

describe('bot protection on recovery', () => {
  it('binds the puzzle to the address typed: another address\'s solution is refused, the right one passes', async () => {
    const b = app.browser();
    const login = await loginPage(b);
    const forgot = await open(b, `${login.url.pathname}/forgot`);
    const { form } = findForm(forgot, /\/forgot$/);
    const { challenge, bits, subject } = puzzleOf(forgot, form);
    expect(subject).toBe('email');
    const email = unique('bot-forgot');
    const other = unique('bot-other');

    const wrong = await send(b, form, { email, bot_nonce: solutionOnlyFor(challenge, bits, other, email) });
    expect(wrong.status).toBe(400);
    expect(alert(wrong)).toContain('did not succeed');
    expect(wrong.body).toContain(`value="${email}"`);
    expect((await refusals('recover'))[0]).toMatchObject({ reason: 'invalid' });

    const again = findForm(wrong, /\/forgot$/).form;
    const accepted = await send(b, again, { email: ` ${email.toUpperCase()} `, ...solution(wrong, again, email) });
    expect(accepted.status).toBe(303);
    expect(accepted.location?.pathname).toMatch(/\/reset$/);
  });

  it('without JavaScript, counts the delay path per address: a few an hour, then the puzzle is needed', async () => {
    const b = app.browser();
    const ip = '198.51.100.77';
    const login = await loginPage(b);
    const pages: Page[] = [];
    for (let i = 0; i < 4; i++) pages.push(await open(b, `${login.url.pathname}/forgot`));
    later(DELAY + 1);
    const statuses: number[] = [];
    let last: Page | undefined;
    for (const page of pages) {
      last = await send(b, findForm(page, /\/forgot$/).form, { email: unique('noscript-forgot') }, { ip });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([303, 303, 303, 400]);
    expect(alert(last!)).toContain('Many forms have been sent without JavaScript from your network.');
    expect((await refusals('recover'))[0]).toMatchObject({ reason: 'noscript_limit', ip });
    // The puzzle still passes from that address.
    const form = findForm(last!, /\/forgot$/).form;
    const email = unique('solved-forgot');
    expect((await send(b, form, { email, ...solution(last!, form, email) }, { ip })).status).toBe(303);
  });
});

describe('bot protection on sign-in and in the account center', () => {
  it('asks every password sign-in for an answer (the address kept, never the password; nothing counted), then an e-mail change', async () => {
    const user = await app.createUser(unique('bot-login'));
    const b = app.browser();
    const { page: login } = await b.navigate(new URL('/account', app.url));
    const { form, button } = findForm(login, /\/login$/);
    expect(puzzleOf(login, form).subject).toBe('email');
    const refused = await send(b, form, { email: user.email, password: PASSWORD }, { omit: ['bot_nonce'] });
    // Sent at once without a solution: too early for the path without JavaScript.
    expect(refused.status).toBe(400);
    expect(alert(refused)).toMatch(/Please wait/);
    expect(refused.body).toContain(`value="${user.email}"`);
    expect(refused.body).not.toContain(PASSWORD);
    expect(await app.audit('login.success', user.id)).toEqual([]);
    expect((await refusals('login'))[0]).toMatchObject({ reason: 'early', details: { action: 'login' } });

    const again = findForm(refused, /\/login$/).form;
    let result = await b.follow(await send(b, again, { email: user.email, password: PASSWORD, ...solution(refused, again, user.email), ...(button?.name ? { [button.name]: button.value } : {}) }));
    const consent = forms(result.page).find((f) => /\/confirm$/.test(f.action.pathname));
    if (consent) result = await b.submit(consent);
    expect(result.page.url.pathname).toBe('/account');
    expect(await app.audit('login.success', user.id)).toHaveLength(1);

    // An e-mail change sends a code to the new address: a code request, bound to the account and the address typed.
    const page = await open(b, '/account/email');
    const change = findForm(page, /^\/account\/email$/).form;
    expect(puzzleOf(page, change).subject).toBe('email');
    const newEmail = unique('bot-new');
    const noAnswer = await send(b, change, { email: newEmail }, { omit: ['bot_challenge'] });
    expect(noAnswer.status).toBe(400);
    expect(textOf(noAnswer.body)).toContain('The security check of this form did not succeed.');
    expect(noAnswer.body).toContain(`value="${newEmail}"`);
    expect((await refusals('codes'))[0]).toMatchObject({ reason: 'missing', accountId: user.id });
    const retry = findForm(noAnswer, /^\/account\/email$/).form;
    const sent = await send(b, retry, { email: newEmail, ...solution(noAnswer, retry, newEmail) });
    expect(sent.status).toBe(303);
    expect(sent.location?.pathname).toBe('/account/email/verify');
    await app.smtp.waitFor(newEmail);
  });

  it('asks "send a code" of a second step for an answer: a text or mail goes out only with one', async () => {
    const user = await app.createUser(unique('bot-mfa'));
    const b = app.browser();
    const login = await loginPage(b, 'bank');
    const { form } = findForm(login, /\/login$/);
    const { page: mfa } = await b.follow(await send(b, form, { email: user.email, password: PASSWORD, ...solution(login, form, user.email) }));
    expect(mfa.url.pathname).toMatch(/\/mfa$/);
    const sendForm = findForm(mfa, /\/mfa\/send$/).form;
    expect(puzzleOf(mfa, sendForm).subject).toBeUndefined();
    const refused = await send(b, sendForm, {}, { omit: ['bot_challenge'] });
    expect(refused.status).toBe(400);
    expect(alert(refused)).toContain('did not succeed');
    expect(await mailsTo(user.email)).toEqual([]);
    expect((await refusals('codes'))[0]).toMatchObject({ reason: 'missing', accountId: user.id, clientId: 'bank' });
    const again = findForm(refused, /\/mfa\/send$/).form;
    const sent = await send(b, again, solution(refused, again));
    expect(sent.status).toBe(303);
    expect(sent.location?.search).toBe('?method=email');
    await app.smtp.waitFor(user.email);
  });

  it('asks "E-mail me a sign-in code" (the login form\'s second button) and its "send a new code" for an answer', async () => {
    const user = await app.createUser(unique('bot-code'));
    const b = app.browser();
    const login = await loginPage(b);
    const { form } = findForm(login, /\/login$/);
    const codeAction = new URL(`${login.url.pathname}/email-code`, app.url);
    expect(login.body).toContain(`formaction="${codeAction.pathname}"`);
    const asCodeRequest = { ...form, action: codeAction };
    const refused = await send(b, asCodeRequest, { email: user.email }, { omit: ['bot_challenge'] });
    expect(refused.status).toBe(400);
    expect(alert(refused)).toContain('did not succeed');
    expect(refused.body).toContain(`value="${user.email}"`);
    expect(await mailsTo(user.email)).toEqual([]);

    const again = findForm(refused, /\/login$/).form;
    const sent = await send(b, { ...again, action: codeAction }, { email: user.email, ...solution(refused, again, user.email) });
    expect(sent.status).toBe(303);
    expect(sent.location?.pathname).toBe(codeAction.pathname);
    await app.smtp.waitFor(user.email);

    // The code page's "send a new code" is a code request of its own.
    const codePage = await open(b, sent.location!.pathname + sent.location!.search);
    const resend = findForm(codePage, /\/email-code\/resend$/).form;
    const noAnswer = await send(b, resend, {}, { omit: ['bot_challenge'] });
    expect(noAnswer.status).toBe(400);
    expect(alert(noAnswer)).toContain('did not succeed');
    expect(await mailsTo(user.email)).toHaveLength(1);
    const retry = findForm(noAnswer, /\/email-code\/resend$/).form;
    const resent = await send(b, retry, solution(noAnswer, retry));
    expect(resent.status).toBe(303);
    await app.smtp.waitFor(user.email, { after: Date.now() - 1 });
  });

  it('asks "send a new code" of the e-mail verification step for an answer', async () => {
    const user = await app.createUser(unique('bot-verify'), { emailVerified: false });
    const b = app.browser();
    const login = await loginPage(b, 'verified-only');
    const { form } = findForm(login, /\/login$/);
    const { page: verify } = await b.follow(await send(b, form, { email: user.email, password: PASSWORD, ...solution(login, form, user.email) }));
    // The sign-in's current step (at /interaction/:uid) asks for the code it just mailed.
    expect(textOf(verify.body)).toContain('Confirm your e-mail address');
    await app.smtp.waitFor(user.email);
    const resend = findForm(verify, /\/verify-email\/resend$/).form;
    const refused = await send(b, resend, wrongAnswer(verify, resend));
    expect(refused.status).toBe(400);
    expect(alert(refused)).toContain('did not succeed');
    expect(await mailsTo(user.email)).toHaveLength(1);
    const again = findForm(refused, /\/verify-email\/resend$/).form;
    const resent = await send(b, again, solution(refused, again));
    expect(resent.status).toBe(200);
    expect(textOf(resent.body)).toContain('We sent you a new code.');
    expect(await mailsTo(user.email)).toHaveLength(2);
  });
});
