// Sign in with Microsoft for any tenant (…/common/v2.0): discovery names a template issuer, each ID token is checked
// against it filled with the token's own tenant, and a connection may let in only some tenants. Microsoft is a local
// stand-in reached through the federation's fetch (test/support/microsoft-standin.ts); everything else is real.
import { randomBytes } from 'node:crypto';
import { startTestApp, type TestApp } from '../../support/app.ts';
import { Browser } from '../../support/http.ts';
import { startMicrosoftStandin, type MicrosoftAccount, type MicrosoftStandin } from '../../support/microsoft-standin.ts';
import { presetConnection } from '../../../src/services/connection-presets.ts';

const REDIRECT = 'https://app.example/cb';
const TENANT_A = '11111111-2222-3333-4444-555555555555';
const TENANT_B = '99999999-8888-7777-6666-555555555555';

let t: TestApp;
let ms: MicrosoftStandin;
let n = 0;
const unique = (name: string) => `${name}-${Date.now().toString(36)}-${n++}@contoso.example`;

beforeAll(async () => {
  ms = await startMicrosoftStandin();
  t = await startTestApp({}, () => [], { upstreamFetch: ms.fetch });
  await t.services.clients.create({ clientId: 'own-app', redirectUris: [REDIRECT], grantTypes: ['authorization_code'], clientSecret: 'o'.repeat(40), firstParty: true, scope: 'openid email profile' });
  const secrets = { clientId: ms.clientId, clientSecret: ms.clientSecret };
  await t.services.connections.create({ ...presetConnection('microsoft', { tenant: 'common', trustEmail: true }), ...secrets });
  await t.services.connections.create({ ...presetConnection('microsoft', { id: 'contoso', name: 'Contoso', tenant: 'organizations', tenants: [TENANT_A], trustEmail: true }), ...secrets });
  await t.services.connections.create({ ...presetConnection('microsoft', { id: 'ms-mfa', name: 'Microsoft (MFA)', tenant: 'common', trustEmail: true }), ...secrets, upstreamMfa: { amr: ['mfa'], acr: [] } });
  await t.services.connections.create({
    ...presetConnection('microsoft', { id: 'ms-attrs', name: 'Microsoft (profile)', tenant: 'common', trustEmail: true }),
    ...secrets,
    attributes: { nickname: 'preferred_username', zoneinfo: 'tz', birthdate: 'dob', phone_number: 'mobile' },
  });
  await t.services.clients.create({ clientId: 'strict-app', redirectUris: [REDIRECT], grantTypes: ['authorization_code'], clientSecret: 's'.repeat(40), firstParty: true, scope: 'openid email', mfaPolicy: 'required' });
}, 60_000);

afterAll(async () => {
  await t.close();
  await ms.close();
});

/** Our login page for `connection=<id>`, through Microsoft signed in as `account`, back to us. */
async function signInWith(connection: string, account: MicrosoftAccount, clientId = 'own-app') {
  const url = new URL('/auth', t.url);
  url.search = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    scope: 'openid email',
    redirect_uri: REDIRECT,
    state: randomBytes(6).toString('hex'),
    code_challenge: randomBytes(32).toString('base64url'),
    code_challenge_method: 'S256',
    connection,
  }).toString();
  const b = new Browser(t.url);
  const out = await b.navigate(url);
  expect(out.redirect?.origin).toBe('https://login.microsoftonline.com');
  ms.next = account;
  return b.navigate(await ms.authorize(out.redirect!));
}

describe('Microsoft for any tenant', () => {
  it('signs up an account of any tenant, its ID token checked against the template issuer filled with its own tid', async () => {
    const email = unique('anyone');
    const done = await signInWith('microsoft', { tid: TENANT_B, sub: `sub-${n}`, email, name: 'Any One', edov: true });
    expect(done.redirect?.searchParams.get('code')).toBeTruthy();
    const user = await t.services.users.findByEmail(email);
    expect(user).toMatchObject({ email, name: 'Any One' });
    expect(await t.services.identities.listForAccount(user!.id)).toEqual([expect.objectContaining({ connectionId: 'microsoft' })]);
  });

  it('refuses an ID token whose issuer names another tenant than its tid, creating nothing', async () => {
    const email = unique('forged');
    const done = await signInWith('microsoft', { tid: TENANT_A, issuedBy: TENANT_B, sub: `sub-${n}`, email, edov: true });
    expect(done.redirect).toBeUndefined();
    expect(done.page.body).toContain('did not work');
    expect(await t.services.users.findByEmail(email)).toBeNull();
  });

  it('refuses an ID token carrying another nonce than its request (a token replayed from another sign-in), creating nothing', async () => {
    const email = unique('replayed');
    const done = await signInWith('microsoft', { tid: TENANT_A, sub: `sub-${n}`, email, edov: true, nonce: 'a-nonce-from-another-sign-in' });
    expect(done.redirect).toBeUndefined();
    expect(done.page.body).toContain('did not work');
    expect(await t.services.users.findByEmail(email)).toBeNull();
  });

  it('takes the e-mail as verified only with xms_edov (Microsoft sends no email_verified): without, nothing is created', async () => {
    const email = unique('unverified');
    const done = await signInWith('microsoft', { tid: TENANT_A, sub: `sub-${n}`, email });
    expect(done.redirect).toBeUndefined();
    expect(await t.services.users.findByEmail(email)).toBeNull();
  });

  it('lets in only the tenants a connection names, saying so to the others', async () => {
    const outsider = unique('outsider');
    const refused = await signInWith('contoso', { tid: TENANT_B, sub: `sub-${n}`, email: outsider, edov: true });
    expect(refused.redirect).toBeUndefined();
    expect(refused.page.body).toContain('Accounts of your organisation cannot sign in here with Contoso');
    expect(await t.services.users.findByEmail(outsider)).toBeNull();

    const member = unique('member');
    const allowed = await signInWith('contoso', { tid: TENANT_A, sub: `sub-${n}`, email: member, edov: true });
    expect(allowed.redirect?.searchParams.get('code')).toBeTruthy();
    expect(await t.services.users.findByEmail(member)).not.toBeNull();
  });

  it('counts a multi-factor sign-in Microsoft asserts (amr "mfa") as ours where the connection is told to, and only there', async () => {
    const strong = await signInWith('ms-mfa', { tid: TENANT_A, sub: `sub-${n}`, email: unique('strong'), edov: true, amr: ['pwd', 'mfa'] }, 'strict-app');
    expect(strong.redirect?.searchParams.get('code')).toBeTruthy();
    // The same assertion through a connection not told to believe it, and none at all: our second factor is asked for.
    const untrusted = await signInWith('microsoft', { tid: TENANT_A, sub: `sub-${n}`, email: unique('untrusted'), edov: true, amr: ['pwd', 'mfa'] }, 'strict-app');
    expect(untrusted.redirect).toBeUndefined();
    expect(untrusted.page.url.pathname).toMatch(/\/mfa/);
    const single = await signInWith('ms-mfa', { tid: TENANT_A, sub: `sub-${n}`, email: unique('single'), edov: true, amr: ['pwd'] }, 'strict-app');
    expect(single.redirect).toBeUndefined();
    expect(single.page.url.pathname).toMatch(/\/mfa/);
  });

  it('fills a new account\'s profile from the claims the connection maps, leaving out values the profile page would refuse', async () => {
    const email = unique('mapped');
    const extra = { preferred_username: 'annie', tz: 'Europe/Berlin', dob: '1990-04-23', mobile: 'call me maybe' };
    const done = await signInWith('ms-attrs', { tid: TENANT_A, sub: `sub-${n}`, email, name: 'Ann Example', edov: true, extra });
    expect(done.redirect?.searchParams.get('code')).toBeTruthy();
    const user = await t.services.users.findByEmail(email);
    expect(user).toMatchObject({ name: 'Ann Example', nickname: 'annie', zoneinfo: 'Europe/Berlin', birthdate: '1990-04-23' });
    expect(user?.phone_number).toBeUndefined();
    await expect(t.services.connections.create({ ...presetConnection('microsoft', { id: 'bad-map', tenant: 'common' }), clientId: 'x', clientSecret: 'y', attributes: { email: 'mail' } as never })).rejects.toThrow(/profile fields/);
  });

  it('is configured by the preset: a tenant list only with a multi-tenant tenant, tenant ids only', async () => {
    expect(() => presetConnection('microsoft', { tenant: TENANT_A, tenants: [TENANT_B] })).toThrow(/multi-tenant/);
    await expect(t.services.connections.create({ ...presetConnection('microsoft', { id: 'bad-list', tenant: 'common', tenants: ['contoso.example'] }), clientId: 'x', clientSecret: 'y' })).rejects.toThrow(/GUID/);
  });
});
