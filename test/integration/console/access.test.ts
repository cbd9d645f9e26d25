// Getting into the operator console and what each role may do there: sign-in through the provider as ciam-console,
// the step-up to MFA (also of a session the account center started), a 403 page for accounts that are no operators,
// the role matrix enforced on the server (not only hidden), CSRF, and a recent sign-in before every change.
import { ACR } from '../../../src/auth/types.ts';
import { CONSOLE_CLIENT_ID } from '../../../src/console/client.ts';
import { findForm, textOf, type Browser } from '../../support/http.ts';
import { ageLogin, signIn } from '../account/helpers.ts';
import { csrfOf, csrfToken, isSecondFactorPage, makeOperator, open, passMfa, rawPost, signInConsole, startConsoleApp, submitLogin, type ConsoleApp, type TestOperator, foundByCode } from './helpers.ts';
import { rowOf } from '../../../adapters/wire.ts';

let app: ConsoleApp;
let admin: TestOperator;
let support: TestOperator;
let auditor: TestOperator;
const browsers = new Map<string, Browser>();

beforeAll(async () => {
  app = await startConsoleApp({ REAUTH_MAX_AGE_SECONDS: '300' });
  [admin, support, auditor] = await Promise.all([
    makeOperator(app, 'admin@ops.example', 'admin'),
    makeOperator(app, 'support@ops.example', 'support'),
    makeOperator(app, 'auditor@ops.example', 'auditor'),
  ]);
  for (const op of [admin, support, auditor]) {
    const b = app.browser();
    await signInConsole(app, b, op);
    browsers.set(op.role, b);
  }
});
afterAll(() => app.close());

const as = (op: TestOperator) => browsers.get(op.role)!;
const text = (body: string) => textOf(body);
const customer = (() => {
  let n = 0;
  return (extra: Record<string, unknown> = {}) => app.createUser(`customer${++n}@example.com`, { name: `Customer ${n}`, ...extra });
})();

describe('signing in to the console', () => {
  it('goes through the provider as ciam-console, steps up to MFA, and lands where it was going', async () => {
    const op = await makeOperator(app, 'fresh-admin@ops.example', 'admin');
    const b = app.browser();
    const first = await b.request(new URL('/console/customers?q=x', app.url));
    expect(first.status).toBe(303);
    const to = first.location as URL;
    expect(Object.fromEntries(to.searchParams)).toMatchObject({ client_id: CONSOLE_CLIENT_ID, response_type: 'none', redirect_uri: `${app.url}/console/callback` });
    expect(to.searchParams.has('acr_values')).toBe(false);
    expect(b.cookies().find((c) => c.name === 'console_auth')?.path).toBe('/console');

    const landed = await signInConsole(app, b, op, '/console/customers?q=x');
    expect(landed.url.pathname + landed.url.search).toBe('/console/customers?q=x');
    expect(text(landed.body)).toContain('Operator console');
    expect(text(landed.body)).toContain('Admin');
    // The session is at the MFA level now; the console is not a connected app of the operator.
    const [session] = await app.services.adapter.collection('Session').find({ accountId: op.id }).toArray();
    expect(session && rowOf(session).payload.acr).toBe(ACR.mfa);
    expect((await app.services.grants.listForAccount(op.id)).map((a) => a.clientId)).not.toContain(CONSOLE_CLIENT_ID);
    expect(await app.audit('mfa.success', op.id)).toEqual([expect.objectContaining({ details: expect.objectContaining({ stepUp: true }) })]);
  });

  it('asks a browser signed in to the account center for the second factor only', async () => {
    const op = await makeOperator(app, 'sso-support@ops.example', 'support');
    const b = app.browser();
    await signIn(app, b, op.email, '/account');
    const res = await b.request(new URL('/console/code', app.url));
    const step = (await b.follow(res)).page;
    // Straight to the second factor: the password is not asked again.
    expect(isSecondFactorPage(step)).toBe(true);
    expect(step.body).not.toContain('name="password"');
    const landed = await passMfa(b, step, op);
    expect(landed.url.pathname).toBe('/console/code');
    expect(text(landed.body)).toContain('Support');
  });

  it('refuses an account that is no operator with a 403 page, without making it enrol a second factor, and audits it', async () => {
    const who = await customer();
    const b = app.browser();
    const { page } = await b.navigate(new URL('/console/customers', app.url));
    const refused = await submitLogin(b, page, who.email);
    expect(refused.status).toBe(403);
    expect(refused.url.pathname).toBe('/console/customers');
    expect(text(refused.body)).toContain('The operator console is for operators, and this account is not one.');
    expect(text(refused.body)).toContain(who.email);
    expect(await app.audit('console.denied', who.id)).toEqual([
      expect.objectContaining({ outcome: 'failure', clientId: CONSOLE_CLIENT_ID, details: { permission: 'customers.search' } }),
    ]);
    expect(await app.services.factors.list(who.id)).toEqual([]);
  });

  it('answers a callback with an unknown state with a page saying so', async () => {
    const res = await app.browser().request(new URL('/console/callback?state=forged', app.url));
    expect(res.status).toBe(400);
    expect(text(res.body)).toContain('This sign-in has expired or was started in another browser window');
  });
});

describe('the role matrix, on the server', () => {
  it('lets every role read customers (support: those it found by their support code); only admin and support see actions', async () => {
    const who = await customer();
    // Support may not search, nor open a customer it has not found by their code (the same 404 as for no customer).
    expect((await as(support).request(new URL('/console/customers?q=a', app.url))).status).toBe(403);
    expect((await as(support).request(new URL(`/console/customers/${who.id}`, app.url))).status).toBe(404);
    await foundByCode(app, support, who.id);
    for (const op of [admin, support, auditor]) {
      const page = await open(app, as(op), `/console/customers/${who.id}`);
      expect([op.role, text(page.body)]).toEqual([op.role, expect.stringContaining(who.email)]);
      expect([op.role, page.body.includes('/actions/disable')]).toEqual([op.role, op.role !== 'auditor']);
      expect([op.role, page.body.includes('href="/console/audit"')]).toEqual([op.role, op.role !== 'support']);
    }
  });

  it('shows the audit log to admin and auditor, and refuses support with a 403', async () => {
    for (const op of [admin, auditor]) expect((await open(app, as(op), '/console/audit')).status).toBe(200);
    const refused = await as(support).request(new URL('/console/audit', app.url));
    expect(refused.status).toBe(403);
    expect(text(refused.body)).toContain('Your role (Support) does not allow this page or change.');
    expect(await app.audit('console.denied', support.id)).toEqual(
      expect.arrayContaining([expect.objectContaining({ details: { permission: 'audit.read', role: 'support' } })]),
    );
  });

  it('refuses an auditor every change on the server, with a valid form and token, and changes nothing', async () => {
    const who = await customer();
    await open(app, as(auditor), `/console/customers/${who.id}`);
    const token = csrfToken(as(auditor));
    for (const action of ['disable', 'end-sessions', 'reset-mfa', 'password-reset']) {
      const confirm = await as(auditor).request(new URL(`/console/customers/${who.id}/actions/${action}`, app.url));
      expect([action, confirm.status]).toEqual([action, 403]);
      const res = await rawPost(as(auditor), app, `/console/customers/${who.id}/actions/${action}`, `_csrf=${encodeURIComponent(token)}`);
      expect([action, res.status]).toEqual([action, 403]);
    }
    expect((await app.user(who.id))?.disabled).toBe(false);
    expect(await app.audit('account.disabled', who.id)).toEqual([]);
    expect((await app.audit('console.denied', auditor.id)).filter((e) => e.details?.permission === 'customers.act')).toHaveLength(8);
  });

  it('keeps support away from an admin\'s account, and everyone from their own', async () => {
    await foundByCode(app, support, admin.id);
    await open(app, as(support), `/console/customers/${admin.id}`);
    expect((await as(support).request(new URL(`/console/customers/${admin.id}/actions/disable`, app.url))).status).toBe(403);
    expect((await rawPost(as(support), app, `/console/customers/${admin.id}/actions/disable`, `_csrf=${encodeURIComponent(csrfToken(as(support)))}`)).status).toBe(403);
    expect((await rawPost(as(admin), app, `/console/customers/${admin.id}/actions/disable`, `_csrf=${encodeURIComponent(csrfToken(as(admin)))}`)).status).toBe(403);
    expect((await app.user(admin.id))?.disabled).toBe(false);
  });
});

describe('changes need a form of ours and a recent sign-in', () => {
  it('refuses a post without the CSRF token, or with another browser\'s', async () => {
    const who = await customer();
    const missing = await rawPost(as(admin), app, `/console/customers/${who.id}/actions/disable`, '');
    expect(missing.status).toBe(403);
    const theirs = csrfToken(as(support));
    const forged = await rawPost(as(admin), app, `/console/customers/${who.id}/actions/disable`, `_csrf=${encodeURIComponent(theirs)}`);
    expect(forged.status).toBe(403);
    expect((await app.user(who.id))?.disabled).toBe(false);
  });

  it('sends an operator whose sign-in is old to sign in again (password and second factor), then back to the confirmation', async () => {
    const op = await makeOperator(app, 'reauth-admin@ops.example', 'admin');
    const b = app.browser();
    await signInConsole(app, b, op);
    const who = await customer();
    const confirmPath = `/console/customers/${who.id}/actions/disable`;
    const confirm = await open(app, b, confirmPath);
    await ageLogin(app, op.id, 3600);

    // The post is refused into a new sign-in; nothing changed.
    const res = await rawPost(b, app, confirmPath, `_csrf=${encodeURIComponent(csrfOf(confirm))}`);
    expect(res.status).toBe(303);
    const to = res.location as URL;
    expect(to.pathname).toBe('/auth');
    expect(Object.fromEntries(to.searchParams)).toMatchObject({ client_id: CONSOLE_CLIENT_ID, prompt: 'login', acr_values: ACR.mfa });
    expect((await app.user(who.id))?.disabled).toBe(false);

    // Reading is still allowed with the old sign-in; the confirmation page is not.
    expect((await b.request(new URL(`/console/customers/${who.id}`, app.url))).status).toBe(200);
    expect((await b.request(new URL(confirmPath, app.url))).status).toBe(303);

    const { page: login } = await b.navigate(to);
    const second = await submitLogin(b, login, op.email);
    expect(isSecondFactorPage(second)).toBe(true);
    const back = await passMfa(b, second, op);
    expect(back.url.pathname).toBe(confirmPath);
    const { form } = findForm(back, new RegExp(`${confirmPath}$`));
    const done = await b.submit(form);
    expect(done.page.url.pathname).toBe(`/console/customers/${who.id}`);
    expect(text(done.page.body)).toContain('The account is disabled.');
    expect((await app.user(who.id))?.disabled).toBe(true);
  });
});

describe('erasure without a grace period', () => {
  it('erases the customer at once and lands on the console with a notice (there is no customer page left)', async () => {
    const who = await customer();
    const confirm = await open(app, as(admin), `/console/customers/${who.id}/actions/erase`);
    const { page } = await as(admin).submit(findForm(confirm, /\/actions\/erase$/).form);
    expect(page.url.pathname).toBe('/console/customers');
    expect(text(page.body)).toContain('The customer is erased');
    expect(await app.user(who.id)).toBeNull();
    expect(await app.audit('account.deleted')).toEqual(expect.arrayContaining([expect.objectContaining({ reason: 'operator', actorId: admin.id })]));
  });
});
