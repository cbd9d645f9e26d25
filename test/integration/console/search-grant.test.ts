// Support's customer search by an admin's grant: none by role; an admin lets a named support operator search for a
// bounded number of hours with a reason; the agent searches while it lasts (each search audited), and loses it when
// it is revoked or runs out (audited once, when noticed). Checked on the server: the grant lives on the operator's row
// and is read with the role on every console request; auditors and support cannot grant.
import { findForm, textOf, type Browser, type Page } from '../../support/http.ts';
import { csrfToken, makeOperator, open, rawPost, signInConsole, startConsoleApp, type ConsoleApp, type TestOperator } from './helpers.ts';

let app: ConsoleApp;
let admin: TestOperator;
let support: TestOperator;
let auditor: TestOperator;
let b: Browser;
let s: Browser;
let a: Browser;
let customer: { id: string; email: string };

beforeAll(async () => {
  app = await startConsoleApp({ REAUTH_MAX_AGE_SECONDS: '300' });
  [admin, support, auditor] = await Promise.all([
    makeOperator(app, 'admin@grant.example', 'admin'),
    makeOperator(app, 'support@grant.example', 'support'),
    makeOperator(app, 'auditor@grant.example', 'auditor'),
  ]);
  customer = await app.createUser('gwen.granted@example.com', { name: 'Gwen Granted' });
  [b, s, a] = [app.browser(), app.browser(), app.browser()];
  await signInConsole(app, b, admin);
  await signInConsole(app, s, support, '/console/code');
  await signInConsole(app, a, auditor);
});
afterAll(() => app.close());

const status = async (browser: Browser, path: string) => (await browser.navigate(new URL(path, app.url))).page.status;
const grantForm = (page: Page) => findForm(page, new RegExp(`/console/operators/${support.id}/search$`));
const operatorsRow = () => app.services.db.connection.collection<{ _id: string }>('operators');

async function grant(hours: string, reason: string): Promise<Page> {
  const page = await open(app, b, '/console/operators');
  const { form, button } = grantForm(page);
  return (await b.submit(form, { hours, reason }, { button })).page;
}

it('support has no search until an admin grants it', async () => {
  expect(await status(s, '/console/customers?q=gwen')).toBe(403);
  expect(await status(s, `/console/customers/${customer.id}`)).toBe(404);
  const code = await open(app, s, '/console/code');
  expect(code.body).not.toContain('href="/console/customers"');
});

it('an admin grants a named support operator search for some hours with a reason; the agent searches while it lasts, each search audited', async () => {
  const page = await open(app, b, '/console/operators');
  expect(textOf(page.body)).toContain('support@grant.example');
  const granted = await grant('2', 'Ticket 4711: customer lost access to their address');
  expect(textOf(granted.body)).toContain('The support operator may search every customer until the grant ends.');
  expect(granted.body).toContain(`data-testid="grant-${support.id}"`);
  const [event] = await app.services.audit.list({ type: 'operator.search_granted', accountId: support.id });
  expect(event).toMatchObject({ reason: 'console', actorId: admin.id, details: { hours: 2, reason: 'Ticket 4711: customer lost access to their address' } });
  const until = new Date((event!.details as { until: string }).until).getTime();
  expect(until - Date.now()).toBeGreaterThan(2 * 3600_000 - 60_000);
  expect(until - Date.now()).toBeLessThanOrEqual(2 * 3600_000);

  // The agent's console now opens on the search, says until when and why, and finds anyone.
  const { page: home } = await s.navigate(new URL('/console', app.url));
  expect(home.url.pathname).toBe('/console/customers');
  expect(home.body).toContain('data-testid="search-grant"');
  expect(textOf(home.body)).toContain('Ticket 4711');
  const found = await open(app, s, '/console/customers?q=gwen');
  expect(found.body).toContain(`href="/console/customers/${customer.id}"`);
  expect(await status(s, `/console/customers/${customer.id}`)).toBe(200);
  const searches = await app.services.audit.list({ type: 'console.customer_searched', actorId: support.id });
  expect(searches[0]).toMatchObject({ reason: 'console', actorId: support.id, details: { fields: ['q'], found: 1 } });
  // Admins and auditors search by role: nothing of theirs is recorded as a search under a grant.
  await open(app, a, '/console/customers?q=gwen');
  expect(await app.services.audit.list({ type: 'console.customer_searched', actorId: auditor.id })).toEqual([]);
});

it('refuses more than the bound, no reason, or an operator who is not support, keeping what was typed', async () => {
  const page = await open(app, b, '/console/operators');
  const { form, button } = grantForm(page);
  const tooLong = await b.submit(form, { hours: '9', reason: 'A long night' }, { button });
  expect(tooLong.page.status).toBe(400);
  expect(textOf(tooLong.page.body)).toContain('Choose between 1 and 8 hours.');
  expect(tooLong.page.body).toContain('value="A long night"');
  const noReason = await b.submit(form, { hours: '1', reason: ' ' }, { button });
  expect(noReason.page.status).toBe(400);
  expect(textOf(noReason.page.body)).toContain('Give a reason of 3 to 300 characters.');
  const notSupport = await rawPost(b, app, `/console/operators/${auditor.id}/search`, `_csrf=${encodeURIComponent(csrfToken(b))}&hours=1&reason=nope+nope`);
  expect(notSupport.status).toBe(400);
  expect(await app.services.audit.list({ type: 'operator.search_granted' })).toHaveLength(1);
});

it('auditors and support cannot grant or revoke, on the server', async () => {
  for (const [who, browser] of [['auditor', a], ['support', s]] as const) {
    expect([who, await status(browser, '/console/operators')]).toEqual([who, 403]);
    const refused = await rawPost(browser, app, `/console/operators/${support.id}/search`, `_csrf=${encodeURIComponent(csrfToken(browser))}&hours=8&reason=I+want+more`);
    expect([who, refused.status]).toEqual([who, 403]);
    const revoke = await rawPost(browser, app, `/console/operators/${support.id}/search/revoke`, `_csrf=${encodeURIComponent(csrfToken(browser))}`);
    expect([who, revoke.status]).toEqual([who, 403]);
  }
  expect(await app.services.audit.list({ type: 'operator.search_granted' })).toHaveLength(1);
});

it('an admin ends the grant early: the search is refused again at once', async () => {
  const page = await open(app, b, '/console/operators');
  const { page: revoked } = await b.submit(findForm(page, new RegExp(`/console/operators/${support.id}/search/revoke$`)).form);
  expect(textOf(revoked.body)).toContain('The search grant has ended.');
  expect(await status(s, '/console/customers?q=gwen')).toBe(403);
  expect(await status(s, `/console/customers/${customer.id}`)).toBe(404);
  const [event] = await app.services.audit.list({ type: 'operator.search_revoked', accountId: support.id });
  expect(event).toMatchObject({ reason: 'console', actorId: admin.id, details: { grantedBy: admin.id } });
});

it('a grant that runs out stops working, and its end is audited once', async () => {
  await grant('1', 'Ticket 4712');
  expect(await status(s, '/console/customers?q=gwen')).toBe(200);
  // An hour later (the row's end moved into the past, as time would).
  await operatorsRow().updateOne({ _id: support.id }, { $set: { 'searchGrant.until': new Date(Date.now() - 1000) } });
  expect(await status(s, '/console/customers?q=gwen')).toBe(403);
  expect(await status(s, '/console/customers?q=gwen')).toBe(403);
  await open(app, b, '/console/operators');
  const expired = await app.services.audit.list({ type: 'operator.search_expired', accountId: support.id });
  expect(expired).toHaveLength(1);
  expect(expired[0]).toMatchObject({ actorId: admin.id, details: { grantedBy: admin.id } });
});

it('a role change drops the grant', async () => {
  await grant('3', 'Ticket 4713');
  await app.services.operators.setRole(support.id, 'auditor', { source: 'cli' });
  await app.services.operators.setRole(support.id, 'support', { source: 'cli' });
  expect((await app.services.operators.access(support.id))?.searchGrant).toBeUndefined();
  expect(await status(s, '/console/customers?q=gwen')).toBe(403);
});
