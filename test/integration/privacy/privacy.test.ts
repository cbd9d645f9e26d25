// Export and erasure through the real application: the account center's "Your data" page and its download, deleting
// with and without a grace period (disabled at once, apps told by back-channel logout, kept or erased later), the
// sign-in of an account scheduled for deletion, and the operator CLI (ciam users export / erase / cancel-erasure).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt } from 'jose';
import { generate } from 'otplib';
import { runCli } from '../../../src/cli/run.ts';
import { findForm, forms, textOf } from '../../support/http.ts';
import { ageLogin, connectShop, csrfOf, open, post, rawPost, refresh, signIn, startAccountApp, PASSWORD, type AccountApp } from '../account/helpers.ts';

let app: AccountApp;
let grace: AccountApp;
let receiver: Server;
const received: { app: string; body: string }[] = [];

const BCL = { id: 'bcl-app', redirectUri: 'https://bcl.example/cb' };

async function registerBcl(target: AccountApp): Promise<void> {
  await new target.services.adapter.Adapter('Client').upsert(BCL.id, {
    client_id: BCL.id,
    token_endpoint_auth_method: 'none',
    redirect_uris: [BCL.redirectUri],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    scope: 'openid email offline_access',
    backchannel_logout_uri: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/logout`,
  });
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push({ app: String(req.url), body });
      res.statusCode = 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  [app, grace] = await Promise.all([startAccountApp({ REAUTH_MAX_AGE_SECONDS: '300' }), startAccountApp({ ERASURE_GRACE_DAYS: '14' })]);
  await Promise.all([registerBcl(app), registerBcl(grace)]);
});
afterAll(async () => {
  await Promise.all([app.close(), grace.close()]);
  await new Promise((closed) => receiver.close(closed));
});

const logoutSubjects = () => received.map((r) => decodeJwt(String(new URLSearchParams(r.body).get('logout_token'))).sub);

async function cli(target: AccountApp, argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, async () => ({ ...target.services, close: async () => {} }), {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    readStdin: async () => '',
  });
  return { code, stdout, stderr, json: () => JSON.parse(stdout) as Record<string, unknown> };
}

describe('your data: the export', () => {
  it('is offered in the navigation and downloads one JSON document with every category and no secret', async () => {
    const user = await app.createUser('export@example.com', { given_name: 'Ada', phone_number: '+4915112345678' });
    const b = app.browser();
    await signIn(app, b, user.email, '/account/privacy');
    const page = await open(app, b, '/account/privacy');
    expect(page.body).toMatch(/<a href="\/account\/privacy" aria-current="page">Your data<\/a>/);
    // No inline script (the pages' own scripts come from /assets/).
    expect(page.body).not.toMatch(/<script(?![^>]*(type="application\/json"|src="\/assets\/))/);

    const tokens = await connectShop(app, b);
    await app.appMetadata.set(user.id, 'shop', { tier: 'gold' });
    const totp = await app.services.totp.begin({ accountId: user.id, email: user.email });
    await app.services.totp.confirm(user.id, totp.token, await generate({ secret: totp.secret }), 'Phone');
    const recovery = await app.services.recoveryCodes.generate(user.id);

    const res = await post(b, page, /\/account\/privacy\/export$/);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="account-data-\d{4}-\d{2}-\d{2}\.json"$/);
    expect(res.headers.get('cache-control')).toContain('no-store');
    const doc = JSON.parse(res.body) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(
      expect.arrayContaining(['format', 'exportedAt', 'account', 'appMetadata', 'connectedApps', 'consents', 'legal', 'preferences', 'factors', 'sessions', 'auditEvents']),
    );
    expect(doc.account).toMatchObject({ id: user.id, email: user.email, given_name: 'Ada', phone_number: '+4915112345678' });
    expect(doc.appMetadata).toEqual([expect.objectContaining({ clientId: 'shop', data: { tier: 'gold' } })]);
    expect(doc.connectedApps).toEqual([expect.objectContaining({ clientId: 'shop', scopes: expect.arrayContaining(['openid', 'email']) })]);
    expect(doc.factors).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'totp', label: 'Phone' }), expect.objectContaining({ type: 'recovery', remaining: 10 })]));
    expect(doc.sessions).toEqual([expect.objectContaining({ loginAt: expect.any(String) })]);
    expect((doc.auditEvents as { type: string }[]).map((e) => e.type)).toEqual(expect.arrayContaining(['user.created', 'login.success', 'factor.added', 'account.exported']));
    // No secret: password hash, TOTP seed, recovery codes, tokens, sealed values.
    const text = res.body;
    expect(text).not.toMatch(/passwordHash|\$argon2|"sealed"|codeHash/);
    for (const secret of [totp.secret, ...recovery, tokens.access_token, String(tokens.refresh_token)]) expect(text).not.toContain(secret);
  });

  it('needs a recent sign-in and the CSRF token', async () => {
    const user = await app.createUser('export-guard@example.com');
    const b = app.browser();
    await signIn(app, b, user.email, '/account/privacy');
    const page = await open(app, b, '/account/privacy');
    const token = csrfOf(page);
    const forged = await rawPost(b, app, '/account/privacy/export', '');
    expect(forged.status).toBe(403);
    await ageLogin(app, user.id, 3600);
    const stale = await rawPost(b, app, '/account/privacy/export', `_csrf=${token}`);
    expect(stale.status).toBe(303);
    expect(stale.location?.pathname).toBe('/auth');
    expect(await app.audit('account.exported', user.id)).toEqual([]);
  });
});

describe('erasure without a grace period', () => {
  it('tells every app holding a grant by back-channel logout, including one whose session is gone', async () => {
    const user = await app.createUser('erase-bcl@example.com');
    const b = app.browser();
    await signIn(app, b, user.email);
    await connectShop(app, b, 'openid offline_access', BCL);
    // The session ends without a logout (expired): only the grant still names the app.
    await app.services.adapter.collection('Session').deleteMany({ accountId: user.id });
    const before = received.length;
    await app.services.erasure.request(user.id, { source: 'operator' });
    expect(logoutSubjects().slice(before)).toEqual([user.id]);
    expect(await app.user(user.id)).toBeNull();
  });
});

describe('erasure with a grace period', () => {
  it('disables the account at once, ends its sessions and tokens, tells the apps, and shows when it goes', async () => {
    const user = await grace.createUser('grace@example.com');
    const b = grace.browser();
    await signIn(grace, b, user.email);
    const tokens = await connectShop(grace, b, 'openid offline_access', BCL);
    const before = received.length;
    const res = await post(b, await open(grace, b, '/account/delete'), /\/account\/delete$/, { confirm: 'DELETE' });
    expect(res.location?.pathname).toBe('/account/deletion-scheduled');
    const shown = (await b.navigate(res.location as URL)).page;
    expect(textOf(shown.body)).toMatch(/Your account is disabled and will be deleted on \w+ \d+, \d{4}\./);

    const stored = await grace.user(user.id);
    expect(stored).toMatchObject({ disabled: true, erasure: { source: 'account_center' } });
    expect(stored!.erasure!.dueAt.getTime() - Date.now()).toBeGreaterThan(13.9 * 24 * 3600 * 1000);
    expect(logoutSubjects().slice(before)).toEqual([user.id]);
    expect(await grace.services.sessions.listForAccount(user.id)).toEqual([]);
    expect((await refresh(grace, String(tokens.refresh_token))).status).toBe(400);
    expect((await grace.audit('account.erasure_scheduled', user.id))[0]).toMatchObject({ reason: 'account_center' });
    // Scheduling again changes nothing.
    expect(await grace.services.erasure.request(user.id, { source: 'operator' })).toEqual({ status: 'scheduled', dueAt: stored!.erasure!.dueAt });
  });

  it('offers to keep the account at sign-in: keeping it enables it and continues the sign-in', async () => {
    const user = await grace.createUser('keep@example.com');
    await grace.services.erasure.request(user.id, { source: 'account_center' });
    const b = grace.browser();
    const { page: login } = await b.navigate(new URL('/account', grace.url));
    // A wrong password learns nothing.
    const wrong = await b.submit(findForm(login, /\/login$/).form, { email: user.email, password: 'wrong password' });
    expect(wrong.page.status).toBe(400);
    expect(textOf(wrong.page.body)).not.toContain('scheduled');
    const offer = await b.submit(findForm(wrong.page, /\/login$/).form, { email: user.email, password: PASSWORD });
    expect(offer.page.status).toBe(200);
    expect(textOf(offer.page.body)).toContain('Your account is scheduled for deletion');
    expect(offer.page.body).not.toMatch(/<script(?![^>]*src="\/assets\/)/);
    expect((await grace.user(user.id))?.disabled).toBe(true);

    let kept = await b.submit(findForm(offer.page, /\/keep-account$/).form);
    const consent = forms(kept.page).find((f) => /\/confirm$/.test(f.action.pathname));
    if (consent) kept = await b.submit(consent);
    expect(kept.page.url.pathname).toBe('/account');
    expect(kept.page.status).toBe(200);
    const stored = await grace.user(user.id);
    expect(stored?.disabled).toBe(false);
    expect(stored?.erasure).toBeUndefined();
    expect((await grace.audit('account.erasure_cancelled', user.id))[0]).toMatchObject({ reason: 'sign_in' });
    // The offer was used up.
    const replay = await b.request(findForm(offer.page, /\/keep-account$/).form.action, { method: 'POST', body: new URLSearchParams(findForm(offer.page, /\/keep-account$/).form.fields) });
    expect([303, 400]).toContain(replay.status);
  });

  it('leaving it scheduled ends the sign-in with access_denied', async () => {
    const user = await grace.createUser('leave@example.com');
    await grace.services.erasure.request(user.id, { source: 'account_center' });
    const b = grace.browser();
    const params = new URLSearchParams({ client_id: 'shop', response_type: 'code', scope: 'openid', redirect_uri: 'https://shop.example/cb', state: 's', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' });
    const { page: login } = await b.navigate(new URL(`/auth?${params}`, grace.url));
    const offer = await b.submit(findForm(login, /\/login$/).form, { email: user.email, password: PASSWORD });
    const left = await b.submit(findForm(offer.page, /\/abort$/).form);
    expect(left.redirect?.searchParams.get('error')).toBe('access_denied');
    expect((await grace.user(user.id))?.disabled).toBe(true);
  });

  it('erases the account when it is due (the sweeper)', async () => {
    const user = await grace.createUser('due@example.com');
    await grace.services.erasure.request(user.id, { source: 'account_center' });
    expect(await grace.services.erasure.sweepDue()).toBe(0);
    await grace.services.db.connection.collection('users').updateOne({ _id: user.id as never }, { $set: { 'erasure.dueAt': new Date(Date.now() - 1000) } });
    expect(await grace.services.erasure.sweepDue()).toBe(1);
    expect(await grace.user(user.id)).toBeNull();
    expect(await grace.audit('account.erasure_scheduled', user.id)).toEqual([]);
    const rows = await grace.services.audit.forAccount(grace.services.erasure.pseudonym(user.id));
    expect(rows.map((r) => r.type)).toEqual(expect.arrayContaining(['user.created', 'account.erasure_scheduled', 'account.deleted']));
    expect(rows.find((r) => r.type === 'account.deleted')).toMatchObject({ reason: 'grace_period_ended' });
  });
});

describe('ciam users export / erase / cancel-erasure', () => {
  it('exports by e-mail or id, and refuses unknown customers and bad arguments', async () => {
    const user = await app.createUser('cli-export@example.com');
    const byEmail = await cli(app, ['users', 'export', '--email', user.email]);
    expect(byEmail.code).toBe(0);
    expect(byEmail.json()).toMatchObject({ format: 'ciam-account-export/1', account: { id: user.id, email: user.email } });
    expect((await cli(app, ['users', 'export', '--id', user.id])).json()).toMatchObject({ account: { id: user.id } });
    expect((await app.audit('account.exported', user.id)).map((e) => e.reason)).toEqual(['operator', 'operator']);

    const unknown = await cli(app, ['users', 'export', '--email', 'nobody@example.com']);
    expect([unknown.code, unknown.stderr]).toEqual([1, 'ciam: No account has this e-mail address\n']);
    for (const argv of [['users', 'export'], ['users', 'export', '--id', 'a', '--email', 'b@example.com'], ['users', 'erase', 'x']]) {
      const r = await cli(app, argv);
      expect([r.code, r.stdout]).toEqual([2, '']);
    }
  });

  it('erases at once without a grace period', async () => {
    const user = await app.createUser('cli-erase@example.com');
    const r = await cli(app, ['users', 'erase', '--email', user.email]);
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ accountId: user.id, status: 'erased', pseudonym: app.services.erasure.pseudonym(user.id) });
    expect(await app.user(user.id)).toBeNull();
    expect((await cli(app, ['users', 'erase', '--id', user.id])).code).toBe(1);
    // The address's lookup row went with the account: it finds no one and is free at once.
    expect(await app.services.db.connection.collection('user_emails').findOne({ _id: user.email as never })).toBeNull();
    await app.createUser(user.email);
  });

  it('schedules with a grace period (or erases with --now), and cancels', async () => {
    const user = await grace.createUser('cli-grace@example.com');
    const scheduled = await cli(grace, ['users', 'erase', '--id', user.id]);
    expect(scheduled.json()).toMatchObject({ accountId: user.id, status: 'scheduled', dueAt: expect.stringMatching(/^\d{4}-/) });
    expect((await grace.user(user.id))?.disabled).toBe(true);
    const cancelled = await cli(grace, ['users', 'cancel-erasure', '--email', user.email]);
    expect(cancelled.json()).toEqual({ accountId: user.id, status: 'active' });
    expect((await grace.user(user.id))?.disabled).toBe(false);
    const none = await cli(grace, ['users', 'cancel-erasure', '--id', user.id]);
    expect([none.code, none.stderr]).toEqual([1, 'ciam: No erasure is scheduled for this account\n']);
    const now = await cli(grace, ['users', 'erase', '--id', user.id, '--now']);
    expect(now.json()).toMatchObject({ status: 'erased' });
    expect(await grace.user(user.id)).toBeNull();
  });
});

