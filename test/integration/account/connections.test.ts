// "Other sign-in methods" in the account center: identities at other providers linked to the account, listed and
// unlinked (recent sign-in, audited, mailed). Linking (at sign-in and from here, through a real upstream) is tested in
// test/integration/interaction/federation.test.ts.
import { csrfOf, open, PASSWORD, post, rawPost, signIn, startAccountApp, type AccountApp } from './helpers.ts';

let app: AccountApp;

beforeAll(async () => {
  app = await startAccountApp({ REAUTH_MAX_AGE_SECONDS: '300' });
  await app.services.connections.create({ id: 'acme', name: 'Acme ID', issuer: 'https://id.acme.example', clientId: 'ours', clientSecret: 's' });
});
afterAll(() => app.close());

it('lists the linked identities and unlinks one, telling the owner by mail', async () => {
  const user = await app.createUser('linked@example.com');
  await app.services.identities.link({ connectionId: 'acme', subject: 'acme-sub-1', accountId: user.id, email: 'linked@acme.example' });
  await app.services.identities.link({ connectionId: 'other', subject: 'o-1', accountId: user.id });
  const b = app.browser();
  await signIn(app, b, user.email);
  const page = await open(app, b, '/account/connections');
  expect(page.body).toContain('Acme ID');
  expect(page.body).toContain('linked@acme.example');
  expect(page.body).toContain('Unlink Acme ID');

  const after = Date.now();
  const res = await post(b, page, /\/account\/connections\/unlink$/, { connection: 'acme', subject: 'acme-sub-1' });
  expect(res.status).toBe(303);
  const shown = await open(app, b, '/account/connections');
  expect(shown.body).toContain('The sign-in method has been unlinked.');
  expect(shown.body).not.toContain('linked@acme.example');
  expect((await app.services.identities.listForAccount(user.id)).map((i) => i.connectionId)).toEqual(['other']);
  expect(await app.audit('identity.unlinked', user.id)).toEqual([expect.objectContaining({ outcome: 'success', details: { connection: 'acme' } })]);
  const mail = await app.smtp.waitFor(user.email, { after, subject: /removed/i });
  expect(mail.text).toContain('Sign-in with Acme ID');
});

it('refuses to unlink an identity of another account', async () => {
  const owner = await app.createUser('owner-of-id@example.com');
  await app.services.identities.link({ connectionId: 'acme', subject: 'acme-sub-2', accountId: owner.id });
  const someone = await app.createUser('someone@example.com');
  const b = app.browser();
  await signIn(app, b, someone.email);
  // This account's page offers nothing to unlink; the form is forged with a token of its own session.
  const csrf = csrfOf(await open(app, b, '/account/sessions'));
  const res = await rawPost(b, app, '/account/connections/unlink', new URLSearchParams({ _csrf: csrf, connection: 'acme', subject: 'acme-sub-2' }).toString());
  expect(res.status).toBe(404);
  expect(await app.services.identities.listForAccount(owner.id)).toHaveLength(1);
});

it('refuses to unlink the only way in of an account made through the provider, saying why, and keeps it', async () => {
  const user = await app.services.users.createFromFederation({ email: 'only-way@example.com' });
  await app.services.identities.link({ connectionId: 'acme', subject: 'acme-only', accountId: user.id });
  // The test signs in to the account center with a password it sets underneath; the account stays marked as having
  // none of its own (as one made through the provider is until "Forgot your password?").
  await app.services.users.setPassword(user.id, PASSWORD, { ip: '127.0.0.1', reason: 'reset' });
  await app.services.db.connection.collection('users').updateOne({ _id: user.id as never }, { $set: { noPassword: true } });
  const b = app.browser();
  await signIn(app, b, user.email);
  const page = await open(app, b, '/account/connections');
  const res = await post(b, page, /\/account\/connections\/unlink$/, { connection: 'acme', subject: 'acme-only' });
  expect(res.status).toBe(303);
  const { page: shown } = await b.navigate(new URL(res.headers.get('location')!, app.url));
  expect(shown.status).toBe(409);
  expect(shown.body).toContain('This is your only way to sign in.');
  expect(await app.services.identities.listForAccount(user.id)).toHaveLength(1);
});
