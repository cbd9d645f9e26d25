// Customers in the operator console: search and paging, a customer's page, every action taking effect through its
// use case with the operator recorded as actor, and the audit log with its filters.
import { generate } from 'otplib';
import { CONSOLE_CLIENT_ID } from '../../../src/console/client.ts';
import { findForm, forms, textOf, type Browser, type Page } from '../../support/http.ts';
import { connectShop, PASSWORD, signIn, startAccountApp } from '../account/helpers.ts';
import { makeOperator, open, signInConsole, type ConsoleApp, type TestOperator, foundByCode, rawPost, csrfToken } from './helpers.ts';

let app: ConsoleApp;
let admin: TestOperator;
let support: TestOperator;
let b: Browser;
let s: Browser;

beforeAll(async () => {
  app = await startAccountApp({ REAUTH_MAX_AGE_SECONDS: '300', ERASURE_GRACE_DAYS: '30' });
  [admin, support] = await Promise.all([makeOperator(app, 'admin@ops.example', 'admin'), makeOperator(app, 'support@ops.example', 'support')]);
  b = app.browser();
  s = app.browser();
  await signInConsole(app, b, admin);
  await signInConsole(app, s, support);
});
afterAll(() => app.close());

const text = (page: Page) => textOf(page.body);
const rows = (page: Page) => [...page.body.matchAll(/<a href="\/console\/customers\/([^"]+)">/g)].map((m) => decodeURIComponent(m[1]!));

/** Opens the action's confirmation page from the customer's page and confirms it; the customer's page after. */
async function act(browser: Browser, id: string, action: string): Promise<Page> {
  const customer = await open(app, browser, `/console/customers/${id}`);
  const link = customer.body.match(new RegExp(`href="(/console/customers/[^"]+/actions/${action})"`))?.[1];
  if (!link) throw new Error(`no ${action} on the customer's page: ${text(customer).slice(0, 400)}`);
  const confirm = await open(app, browser, link);
  const { page } = await browser.submit(findForm(confirm, new RegExp(`/actions/${action}$`)).form);
  expect(page.url.pathname).toBe(`/console/customers/${id}`);
  return page;
}

describe('finding customers', () => {
  it('by exact e-mail, by part of the name or address, and by phone number in any usual writing', async () => {
    const ada = await app.createUser('ada.lovelace@example.com', { name: 'Ada Lovelace', phone_number: '+4915112345678' });
    await app.createUser('charles@example.com', { name: 'Charles Babbage' });
    expect(rows(await open(app, b, '/console/customers?email=ADA.LOVELACE%40example.com'))).toEqual([ada.id]);
    expect(rows(await open(app, b, '/console/customers?q=lovel'))).toEqual([ada.id]);
    for (const phone of ['+4915112345678', '+49 151 1234 5678', '0049 (151) 12345678']) {
      expect([phone, rows(await open(app, b, `/console/customers?phone=${encodeURIComponent(phone)}`))]).toEqual([phone, [ada.id]]);
    }
    const none = await open(app, b, '/console/customers?q=nobody-by-this-name');
    expect(text(none)).toContain('No customer matches.');
  });

  it('says what is wrong with a search it cannot run (400), keeping what was typed', async () => {
    const res = await b.request(new URL('/console/customers?phone=0151-123&email=not-an-address', app.url));
    expect(res.status).toBe(400);
    expect(text(res)).toContain('Enter the number in international form');
    expect(text(res)).toContain('Enter a whole e-mail address');
    expect(res.body).toContain('value="0151-123"');
    expect(res.body).toContain('aria-invalid="true" aria-describedby="e-phone"');
  });

  it('pages through many matches with the directory\'s cursor, without skipping or repeating', async () => {
    const made: string[] = [];
    for (let i = 0; i < 30; i++) made.push((await app.createUser(`pager${i}@example.com`, { name: `Pager Person ${i}` })).id);
    const first = await open(app, b, '/console/customers?q=Pager+Person');
    expect(rows(first)).toHaveLength(25);
    const next = first.body.match(/href="(\/console\/customers\?[^"]*cursor=[^"]+)" rel="next"/)?.[1];
    expect(next).toBeDefined();
    const second = await open(app, b, next!.replace(/&amp;/g, '&'));
    expect(rows(second)).toHaveLength(5);
    expect(second.body).not.toContain('rel="next"');
    expect([...rows(first), ...rows(second)].sort()).toEqual([...made].sort());
  });
});

describe('a customer\'s page', () => {
  it('shows the profile, sessions, connected apps, factors (metadata only) and linked identities', async () => {
    const who = await app.createUser('whole@example.com', { name: 'Whole Picture', phone_number: '+4915199990000' });
    const customer = app.browser();
    await signIn(app, customer, who.email);
    await connectShop(app, customer);
    const enrollment = await app.services.totp.begin({ accountId: who.id, email: who.email });
    await app.services.totp.confirm(who.id, enrollment.token, await generate({ secret: enrollment.secret, epoch: Math.floor(Date.now() / 1000) - 30 }));
    await app.services.identities.link({ connectionId: 'acme', subject: 'upstream-sub-1', accountId: who.id, email: 'whole@acme.example' });

    const page = text(await open(app, b, `/console/customers/${who.id}`));
    for (const shown of ['whole@example.com', 'Whole Picture', '+4915199990000', 'Firefox', 'Shop <Test>', 'Authenticator app', 'acme', 'whole@acme.example', who.id]) {
      expect([shown, page.includes(shown)]).toEqual([shown, true]);
    }
    expect(page).not.toContain(enrollment.secret);
    expect((await b.request(new URL('/console/customers/nobody', app.url))).status).toBe(404);
    // Reading a customer's personal data is audited, with the operator as actor.
    expect(await app.audit('console.customer_viewed', who.id)).toEqual([expect.objectContaining({ reason: 'console', clientId: CONSOLE_CLIENT_ID, actorId: admin.id })]);
  });
});

describe('actions, through the use cases, audited with the operator as actor', () => {
  const asOperator = (op: TestOperator) => expect.objectContaining({ reason: 'console', clientId: CONSOLE_CLIENT_ID, actorId: op.id });

  it('disables a customer (sessions end, sign-in refused) and enables them again', async () => {
    const who = await app.createUser('disable-me@example.com');
    const customer = app.browser();
    await signIn(app, customer, who.email);
    // Support acts on a customer found by their support code.
    await foundByCode(app, support, who.id);

    const after = await act(s, who.id, 'disable');
    expect(text(after)).toContain('The account is disabled.');
    expect(text(after)).toContain('Disabled');
    expect((await app.user(who.id))?.disabled).toBe(true);
    expect((await customer.request(new URL('/account', app.url))).status).toBe(303);
    expect(await app.services.users.authenticate(who.email, PASSWORD, {})).toBeNull();
    expect(await app.audit('account.disabled', who.id)).toEqual([asOperator(support)]);
    expect(await app.audit('session.revoked', who.id)).toEqual([expect.objectContaining({ actorId: support.id })]);

    const enabled = await act(s, who.id, 'enable');
    expect(text(enabled)).toContain('The account is enabled.');
    expect((await app.user(who.id))?.disabled).toBe(false);
    expect(await app.audit('account.enabled', who.id)).toEqual([asOperator(support)]);
  });

  it('ends every session of a customer', async () => {
    const who = await app.createUser('sessions@example.com');
    const [one, two] = [app.browser(), app.browser()];
    await signIn(app, one, who.email);
    await signIn(app, two, who.email);
    const after = await act(b, who.id, 'end-sessions');
    expect(text(after)).toContain('Every session of the customer has ended.');
    expect(text(after)).toContain('Not signed in anywhere.');
    expect(await app.services.sessions.listForAccount(who.id)).toEqual([]);
    const revoked = await app.audit('session.revoked', who.id);
    expect(revoked).toHaveLength(2);
    expect(revoked.every((e) => (e as { actorId?: string }).actorId === admin.id && e.reason === 'console')).toBe(true);
  });

  it('resets MFA (the customer is told) and mails a password reset link', async () => {
    const who = await app.createUser('helpme@example.com');
    await app.services.recoveryCodes.generate(who.id);
    const since = Date.now();
    const reset = await act(b, who.id, 'reset-mfa');
    expect(text(reset)).toContain('Every second factor was removed');
    expect(await app.services.factors.list(who.id)).toEqual([]);
    await app.smtp.waitFor(who.email, { subject: /second factors/i, after: since });
    expect(await app.audit('factors.reset', who.id)).toEqual([asOperator(admin)]);

    await foundByCode(app, support, who.id);
    const sent = await act(s, who.id, 'password-reset');
    expect(text(sent)).toContain('The password reset link is on its way.');
    const mail = await app.smtp.waitFor(who.email, { subject: /reset/i, after: since });
    expect(mail.text).toContain(`${app.url}/recover?email=helpme%40example.com`);
    expect(await app.audit('password.reset_link_sent', who.id)).toEqual([asOperator(support)]);
  });

  it('offers only what fits the customer as they are', async () => {
    const who = await app.createUser('plain@example.com');
    const actions = (page: Page) => [...page.body.matchAll(/\/actions\/([a-z-]+)"/g)].map((m) => m[1]);
    expect(actions(await open(app, b, `/console/customers/${who.id}`))).toEqual(['disable', 'end-sessions', 'password-reset', 'erase']);
    await act(b, who.id, 'disable');
    expect(actions(await open(app, b, `/console/customers/${who.id}`))).toEqual(['enable', 'end-sessions', 'erase']);
    // Support does not erase.
    await foundByCode(app, support, who.id);
    expect(actions(await open(app, s, `/console/customers/${who.id}`))).toEqual(['enable', 'end-sessions']);
  });

  it('an admin erases a customer (after the grace period) and cancels it; support may not', async () => {
    const who = await app.createUser('erase-console@example.com');
    await foundByCode(app, support, who.id);
    expect((await s.request(new URL(`/console/customers/${who.id}/actions/erase`, app.url))).status).toBe(403);
    expect((await rawPost(s, app, `/console/customers/${who.id}/actions/erase`, `_csrf=${encodeURIComponent(csrfToken(s))}`)).status).toBe(403);
    expect(await app.audit('account.erasure_scheduled', who.id)).toEqual([]);

    const scheduled = await act(b, who.id, 'erase');
    expect(text(scheduled)).toContain('The customer will be erased after the grace period');
    expect((await app.user(who.id))?.disabled).toBe(true);
    expect(await app.audit('account.erasure_scheduled', who.id)).toEqual([expect.objectContaining({ reason: 'operator', clientId: CONSOLE_CLIENT_ID, actorId: admin.id })]);
    const cancelled = await act(b, who.id, 'cancel-erasure');
    expect(text(cancelled)).toContain('The erasure is cancelled.');
    expect((await app.user(who.id))?.disabled).toBe(false);
    expect(await app.audit('account.erasure_cancelled', who.id)).toEqual([expect.objectContaining({ actorId: admin.id })]);
  });

  it('downloads everything held on a customer, audited with the operator', async () => {
    const who = await app.createUser('sar-console@example.com', { name: 'Subject Access' });
    const page = await open(app, b, `/console/customers/${who.id}`);
    const href = /href="([^"]+\/export)" download/.exec(page.body)?.[1];
    expect(href).toBe(`/console/customers/${who.id}/export`);
    const res = await b.request(new URL(href!, app.url));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="account-${who.id}.json"`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(JSON.parse(res.body)).toMatchObject({ format: 'ciam-account-export/1', account: { email: 'sar-console@example.com' } });
    expect(await app.audit('account.exported', who.id)).toEqual([expect.objectContaining({ reason: 'operator', clientId: CONSOLE_CLIENT_ID, actorId: admin.id })]);
  });
});

describe('the audit log', () => {
  it('filters by event, account (id or e-mail), operator and day, newest first', async () => {
    const who = await app.createUser('audited@example.com');
    await act(b, who.id, 'disable');
    await act(b, who.id, 'enable');

    const byAccount = await open(app, b, `/console/audit?account=${encodeURIComponent('audited@example.com')}`);
    // The changes (each opening of the customer's page is an event of its own, console.customer_viewed).
    const types = (page: Page) => [...page.body.matchAll(/<td><code>([a-z_.]+)<\/code>/g)].map((m) => m[1]).filter((t) => t !== 'console.customer_viewed');
    expect(types(byAccount)).toEqual(['account.enabled', 'account.disabled', 'user.created']);
    expect(byAccount.body).toContain(`<code>${admin.id}</code>`);

    const byType = await open(app, b, `/console/audit?type=account.disabled&account=${who.id}`);
    expect(types(byType)).toEqual(['account.disabled']);
    const byActor = types(await open(app, b, `/console/audit?actor=${encodeURIComponent(admin.email)}&account=${who.id}`));
    expect(byActor).toEqual(['account.enabled', 'account.disabled']);

    const today = new Date().toISOString().slice(0, 10);
    expect(types(await open(app, b, `/console/audit?account=${who.id}&from=${today}&to=${today}`))).toHaveLength(3);
    expect(types(await open(app, b, `/console/audit?account=${who.id}&to=2000-01-01`))).toEqual([]);
    const bad = await b.request(new URL('/console/audit?from=31.12.2024&type=no.such', app.url));
    expect(bad.status).toBe(400);
    expect(textOf(bad.body)).toContain('Enter a day as YYYY-MM-DD.');
    expect(textOf(bad.body)).toContain('Choose an event from the list.');
    expect(textOf((await open(app, b, '/console/audit?account=nobody%40example.com')).body)).toContain('No account has this e-mail address now');
    // The filter form offers every event type.
    expect(forms(byAccount).find((f) => f.action.pathname === '/console/audit')?.names).toEqual(expect.arrayContaining(['type', 'account', 'actor', 'from', 'to']));
  });
});
