// Signing in through another provider (a connection), through the real redirects: our provider on localhost, a real
// upstream oidc-provider on 127.0.0.1 (two hosts, so each keeps its own cookies as in a browser), the browser being
// the tests' cookie-keeping client. Never a silent link by e-mail; nothing created when the upstream fails.
import { randomBytes } from 'node:crypto';
import { exportPKCS8, generateKeyPair, jwtVerify } from 'jose';
import { startTestApp, type TestApp } from '../../support/app.ts';
import { Browser, findForm, forms, type Page } from '../../support/http.ts';
import { startUpstream, type Upstream } from '../../support/upstream.ts';
import { SoftPasskey } from '../../support/soft-passkey.ts';
import { startGithubStandin } from '../../support/github-standin.ts';
import { startFacebookStandin } from '../../support/facebook-standin.ts';
import { presetConnection } from '../../../src/services/connection-presets.ts';

const REDIRECT = 'https://app.example/cb';
const PASSWORD = 'maple syrup on tuesday mornings';

let t: TestApp;
let upstream: Upstream;
let n = 0;
/** Answers the upstream posted back as a form (response_mode=form_post) rather than redirected with. */
let formPosts = 0;
const unique = (name: string) => `${name}-${Date.now().toString(36)}-${n++}@example.com`;

beforeAll(async () => {
  t = await startTestApp({}, () => [], { localhost: true });
  upstream = await startUpstream(`${t.url}/federation/callback`);
  await t.services.clients.create({ clientId: 'own-app', redirectUris: [REDIRECT], grantTypes: ['authorization_code'], clientSecret: 'o'.repeat(40), firstParty: true, scope: 'openid email profile' });
  await t.services.connections.create({ id: 'acme', name: 'Acme ID', issuer: upstream.issuer, clientId: upstream.clientId, clientSecret: upstream.clientSecret, trustEmail: true });
}, 60_000);

afterAll(async () => {
  await upstream.close();
  await t.close();
});

function authorizeUrl(clientId = 'own-app', extra: Record<string, string> = {}): URL {
  const url = new URL('/auth', t.url);
  url.search = new URLSearchParams({
    ...extra,
    client_id: clientId,
    response_type: 'code',
    scope: 'openid email',
    redirect_uri: REDIRECT,
    state: randomBytes(6).toString('hex'),
    code_challenge: randomBytes(32).toString('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  return url;
}

/**
 * Follows redirects across both providers. At the upstream's development pages it signs in as `login` (or cancels),
 * and consents. Ends at the app's redirect URI or at a page of ours that is not a redirect.
 */
async function travel(b: Browser, first: Page, login: string | 'cancel', posted: Record<string, string> = {}, at: Upstream = upstream): Promise<{ page: Page; redirect?: URL }> {
  let page = first;
  for (let hops = 0; hops < 30; hops++) {
    const next = page.location;
    // response_mode=form_post: the upstream's page posts the answer to our callback (a browser's script would).
    if (!next && page.url.origin === at.issuer && page.body.includes('/federation/callback')) {
      const { form } = findForm(page, /\/federation\/callback$/);
      formPosts++;
      page = await b.request(form.action, { method: 'POST', body: new URLSearchParams({ ...form.fields, ...posted }) });
      continue;
    }
    if (!next) return { page };
    if (next.href.startsWith(REDIRECT)) return { page, redirect: next };
    if (next.origin === at.issuer && /^\/interaction\/[^/]+$/.test(next.pathname)) {
      const shown = await b.request(next);
      if (login === 'cancel') {
        page = await b.request(new URL(`${next.pathname}/abort`, next));
        continue;
      }
      const body = shown.body.includes('name="login"') ? new URLSearchParams({ prompt: 'login', login, password: 'x' }) : new URLSearchParams({ prompt: 'consent' });
      page = await b.request(next, { method: 'POST', body });
      continue;
    }
    page = await b.request(next);
  }
  throw new Error('too many redirects');
}

/** Our login page, then "Continue with Acme ID", through the upstream signed in as `login`, back to us. */
async function viaAcme(b: Browser, login: string | 'cancel') {
  const { page: loginPage } = await b.navigate(authorizeUrl());
  expect(loginPage.body).toContain('Continue with Acme ID');
  const href = /href="([^"]*\/federated\/acme)"/.exec(loginPage.body)![1]!;
  return travel(b, await b.request(new URL(href, t.url)), login);
}

const accountsWith = async (email: string) => t.services.db.connection.collection('users').countDocuments({ email });

describe('a first sign-in through a connection', () => {
  it('creates an account for the verified upstream e-mail, links the identity, and signs in with it again later', async () => {
    const email = unique('fresh');
    upstream.accounts.set('up-fresh', { email, email_verified: true, name: 'Fresh Person' });
    const first = await viaAcme(new Browser(t.url), 'up-fresh');
    expect(first.redirect?.searchParams.get('code')).toBeTruthy();
    const user = await t.services.users.findByEmail(email);
    expect(user).toMatchObject({ email, email_verified: true, name: 'Fresh Person' });
    expect(await t.services.identities.listForAccount(user!.id)).toEqual([expect.objectContaining({ connectionId: 'acme', subject: 'up-fresh', email })]);
    const events = (await t.services.audit.forAccount(user!.id)).map((e) => `${e.type}${e.details ? ` ${JSON.stringify(e.details)}` : ''}`);
    expect(events).toEqual(expect.arrayContaining(['user.created {"source":"federation"}', 'identity.linked {"connection":"acme"}', 'login.success {"method":"federated","connection":"acme"}']));

    // Later, from another browser: the linked identity signs in to the same account; nothing new is created.
    const again = await viaAcme(new Browser(t.url), 'up-fresh');
    expect(again.redirect?.searchParams.get('code')).toBeTruthy();
    expect(await accountsWith(email)).toBe(1);
  });

  it('has the existing account proven with its password before it links, never silently', async () => {
    const email = unique('owner');
    const owner = await t.services.users.create({ email, password: PASSWORD, emailVerified: true });
    upstream.accounts.set('up-owner', { email, email_verified: true });
    const b = new Browser(t.url);
    const back = await viaAcme(b, 'up-owner');
    expect(back.redirect).toBeUndefined();
    expect(back.page.body).toContain('link your Acme ID sign-in');
    expect(await t.services.identities.listForAccount(owner.id)).toEqual([]);

    const { form } = findForm(back.page, /\/federation\/link$/);
    const wrong = await b.submit(form, { email, password: 'not the password at all' });
    expect(wrong.page.status).toBe(400);
    expect(wrong.page.body).toContain('link your Acme ID sign-in');
    expect(await t.services.identities.listForAccount(owner.id)).toEqual([]);

    const right = await b.submit(findForm(wrong.page, /\/federation\/link$/).form, { email, password: PASSWORD });
    expect(right.redirect?.searchParams.get('code')).toBeTruthy();
    expect(await t.services.identities.listForAccount(owner.id)).toEqual([expect.objectContaining({ connectionId: 'acme', subject: 'up-owner' })]);
    // From now on the upstream identity alone signs in to it.
    expect((await viaAcme(new Browser(t.url), 'up-owner')).redirect?.searchParams.get('code')).toBeTruthy();
  });

  it('has the existing account proven with a code mailed to its address instead, bound to the identity being linked', async () => {
    const email = unique('mailed');
    const owner = await t.services.users.create({ email, password: PASSWORD, emailVerified: true });
    upstream.accounts.set('up-mailed', { email, email_verified: true });
    upstream.accounts.set('up-other', { email, email_verified: true });
    const mailedCode = async (after: number) => /\b(\d{6})\b/.exec((await t.smtp.waitFor(email, { after, subject: /Link your Acme ID sign-in/ })).text)![1]!;
    const b = new Browser(t.url);
    const back = await viaAcme(b, 'up-mailed');
    let since = Date.now();
    const sent = await b.submit(findForm(back.page, /\/federation\/link\/code$/).form);
    expect(sent.page.status).toBe(200);
    expect(sent.page.body).toContain('Enter it to link your Acme ID sign-in');
    const codeForm = findForm(sent.page, /\/federation\/link\/verify$/).form;
    await mailedCode(since); // delivered: the next mail to this address is the next code

    // Another tab links another identity to the same account and asks for its code: that code, typed here, is
    // the account's live code but for the other identity, so it links nothing here (and is spent).
    const b2 = new Browser(t.url);
    const other = await viaAcme(b2, 'up-other');
    since = Date.now();
    const otherSent = await b2.submit(findForm(other.page, /\/federation\/link\/code$/).form);
    const otherCode = await mailedCode(since);
    const misplaced = await b.submit(codeForm, { ref: findForm(otherSent.page, /\/federation\/link\/verify$/).form.fields.ref!, code: otherCode });
    expect(misplaced.page.status).toBe(400);
    expect(await t.services.identities.listForAccount(owner.id)).toEqual([]);

    // A new code: a wrong guess, then the right one links and signs in.
    since = Date.now();
    const resent = await b.submit(findForm(sent.page, /\/federation\/link\/code$/).form);
    expect(resent.page.body).toContain('We sent you a new code');
    const code = await mailedCode(since);
    const wrong = await b.submit(findForm(resent.page, /\/federation\/link\/verify$/).form, { code: code === '000000' ? '111111' : '000000' });
    expect(wrong.page.status).toBe(400);
    expect(await t.services.identities.listForAccount(owner.id)).toEqual([]);
    const right = await b.submit(findForm(wrong.page, /\/federation\/link\/verify$/).form, { code });
    expect(right.redirect?.searchParams.get('code')).toBeTruthy();
    expect(await t.services.identities.listForAccount(owner.id)).toEqual([expect.objectContaining({ connectionId: 'acme', subject: 'up-mailed' })]);
    expect((await t.services.audit.forAccount(owner.id)).map((e) => e.type)).toContain('identity.linked');
    expect((await viaAcme(new Browser(t.url), 'up-mailed')).redirect?.searchParams.get('code')).toBeTruthy();
  });

  it('has the existing account proven with one of its passkeys instead', async () => {
    const email = unique('passkey');
    const owner = await t.services.users.create({ email, password: PASSWORD, emailVerified: true });
    const key = new SoftPasskey(owner.id, t.url);
    const enrolment = await t.services.passkeys.registrationOptions({ accountId: owner.id, email });
    expect((await t.services.passkeys.register(owner.id, enrolment.challengeId, key.create({ challenge: enrolment.options.challenge }))).ok).toBe(true);
    upstream.accounts.set('up-passkey', { email, email_verified: true });
    const b = new Browser(t.url);
    const back = await viaAcme(b, 'up-passkey');
    const options = JSON.parse(/<script type="application\/json" id="webauthn-authenticate-options">([^<]*)<\/script>/.exec(back.page.body)![1]!) as { challenge: string };
    const { form } = findForm(back.page, /\/passkey$/);
    const done = await b.submit(form, { response: JSON.stringify(key.get({ challenge: options.challenge })) });
    expect(done.redirect?.searchParams.get('code')).toBeTruthy();
    expect(await t.services.identities.listForAccount(owner.id)).toEqual([expect.objectContaining({ connectionId: 'acme', subject: 'up-passkey' })]);
  });

  it('lets an unverified upstream e-mail neither sign in to, link to nor create an account, saying the same either way', async () => {
    const victim = unique('victim');
    const victimAccount = await t.services.users.create({ email: victim, password: PASSWORD, emailVerified: true });
    const nobody = unique('nobody');
    upstream.accounts.set('up-attacker', { email: victim, email_verified: false });
    upstream.accounts.set('up-nobody', { email: nobody, email_verified: false });
    const answers: string[] = [];
    for (const login of ['up-attacker', 'up-nobody']) {
      const back = await viaAcme(new Browser(t.url), login);
      expect(back.redirect).toBeUndefined();
      expect(back.page.body).toContain('Acme ID did not confirm your e-mail address');
      // Per-page randomness aside (interaction ids, CSRF tokens, the passkey challenge), the pages are the same.
      answers.push(back.page.body.replace(/\/interaction\/[^/"]+/g, '/interaction/…').replace(/value="[^"]{20,}"/g, 'value="…"').replace(/"challenge":"[^"]+"/g, '"challenge":"…"'));
    }
    expect(answers[0]).toBe(answers[1]);
    expect(await t.services.identities.listForAccount(victimAccount.id)).toEqual([]);
    expect(await accountsWith(nobody)).toBe(0);
  });
});

describe('when the upstream does not let the customer through', () => {
  it('comes back to the login page saying the sign-in was cancelled, and creates nothing', async () => {
    const email = unique('cancel');
    upstream.accounts.set('up-cancel', { email, email_verified: true });
    const back = await viaAcme(new Browser(t.url), 'cancel');
    expect(back.page.body).toContain('Signing in with Acme ID was cancelled.');
    expect(await accountsWith(email)).toBe(0);
  });

  it('refuses a tampered state at the callback, and an answer meant for another sign-in', async () => {
    const tampered = await new Browser(t.url).request(new URL('/federation/callback?code=abc&state=v1.x.y.z', t.url));
    expect(tampered.status).toBe(400);

    // A real answer, replayed into another browser's sign-in: the state names the first interaction only.
    const email = unique('replay');
    upstream.accounts.set('up-replay', { email, email_verified: true });
    const b = new Browser(t.url);
    const { page: loginPage } = await b.navigate(authorizeUrl());
    const href = /href="([^"]*\/federated\/acme)"/.exec(loginPage.body)![1]!;
    let page = await b.request(new URL(href, t.url));
    while (page.location && !page.location.pathname.startsWith('/federation/callback')) {
      const next = page.location;
      if (next.origin === upstream.issuer && /^\/interaction\/[^/]+$/.test(next.pathname)) {
        const shown = await b.request(next);
        page = await b.request(next, { method: 'POST', body: new URLSearchParams(shown.body.includes('name="login"') ? { prompt: 'login', login: 'up-replay' } : { prompt: 'consent' }) });
      } else page = await b.request(next);
    }
    const callback = page.location!;
    const other = new Browser(t.url);
    await other.navigate(authorizeUrl());
    const stolen = await other.request(callback);
    // The callback hands the answer to the interaction it belongs to, whose cookie this browser lacks.
    const landed = await other.follow(stolen);
    expect(landed.redirect).toBeUndefined();
    expect(landed.page.status).toBeGreaterThanOrEqual(400);
    expect(await accountsWith(email)).toBe(0);
  });

  it('says the other provider cannot be reached when it is down', async () => {
    await t.services.connections.create({ id: 'down', name: 'Down ID', issuer: 'http://127.0.0.1:9', clientId: 'x', clientSecret: 'y' });
    try {
      const b = new Browser(t.url);
      const { page: loginPage } = await b.navigate(authorizeUrl());
      const href = /href="([^"]*\/federated\/down)"/.exec(loginPage.body)![1]!;
      const page = await b.request(new URL(href, t.url));
      expect(page.status).toBe(502);
      expect(page.body).toContain('Down ID cannot be reached right now');
    } finally {
      await t.services.connections.remove('down');
    }
  });
});

describe('an answer posted back (response_mode=form_post, as Apple sends it)', () => {
  it('signs in through a connection that answers with a form post', async () => {
    await t.services.connections.create({ id: 'acme-post', name: 'Acme Post', issuer: upstream.issuer, clientId: upstream.clientId, clientSecret: upstream.clientSecret, trustEmail: true, responseMode: 'form_post' });
    try {
      const email = unique('posted');
      upstream.accounts.set('up-posted', { email, email_verified: true });
      const b = new Browser(t.url);
      const before = formPosts;
      const landed = await travel(b, await b.request(authorizeUrl('own-app', { connection: 'acme-post' })), 'up-posted');
      expect(landed.redirect?.searchParams.get('code')).toBeTruthy();
      expect(formPosts).toBe(before + 1);
      expect(await accountsWith(email)).toBe(1);
    } finally {
      await t.services.connections.remove('acme-post');
    }
  });

  it('refuses a posted answer whose state is not ours', async () => {
    const res = await new Browser(t.url).request(new URL('/federation/callback', t.url), { method: 'POST', body: new URLSearchParams({ code: 'abc', state: 'forged' }) });
    expect(res.status).toBe(400);
  });
});

describe('Apple\'s way: a client secret signed for each use, the answer posted, the name sent once', () => {
  it('signs the client secret with the operator\'s key, and takes the posted name for the new account', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const seen: string[] = [];
    const verify = async (secret: string) => {
      try {
        const { protectedHeader } = await jwtVerify(secret, publicKey, { issuer: 'TEAM123456', subject: 'ours', audience: 'https://appleid.apple.com', algorithms: ['ES256'] });
        return protectedHeader.kid === 'KEY1ABCDEF';
      } catch {
        return false;
      }
    };
    const apple = await startUpstream(`${t.url}/federation/callback`, '127.0.0.1', { signedSecret: { verify, seen } });
    try {
      await t.services.connections.create({
        id: 'apple-like',
        name: 'Apple-like',
        issuer: apple.issuer,
        clientId: apple.clientId,
        trustEmail: true,
        responseMode: 'form_post',
        signedSecret: { issuer: 'TEAM123456', keyId: 'KEY1ABCDEF', audience: 'https://appleid.apple.com', privateKey: await exportPKCS8(privateKey) },
      });
      const listed = JSON.stringify(await t.services.connections.list());
      expect(listed).not.toContain('PRIVATE KEY');
      const email = unique('apple');
      apple.accounts.set('apple-sub', { email, email_verified: true });
      const b = new Browser(t.url);
      const user = JSON.stringify({ name: { firstName: 'Grace', lastName: 'Hopper' }, email: 'not-taken-from-here@example.com' });
      const landed = await travel(b, await b.request(authorizeUrl('own-app', { connection: 'apple-like' })), 'apple-sub', { user }, apple);
      expect(landed.redirect?.searchParams.get('code')).toBeTruthy();
      expect(seen).toHaveLength(1);
      expect(await verify(seen[0]!)).toBe(true);
      expect(await t.services.users.findByEmail(email)).toMatchObject({ name: 'Grace Hopper', given_name: 'Grace', family_name: 'Hopper' });
      expect(await accountsWith('not-taken-from-here@example.com')).toBe(0);

      // Signed with another key: the provider refuses the secret, the customer is told, nothing is created.
      const other = await generateKeyPair('ES256', { extractable: true });
      await t.services.connections.create({
        id: 'apple-wrong',
        name: 'Apple-wrong',
        issuer: apple.issuer,
        clientId: apple.clientId,
        trustEmail: true,
        responseMode: 'form_post',
        signedSecret: { issuer: 'TEAM123456', keyId: 'KEY1ABCDEF', audience: 'https://appleid.apple.com', privateKey: await exportPKCS8(other.privateKey) },
      });
      const stranger = unique('apple-wrong');
      apple.accounts.set('apple-wrong-sub', { email: stranger, email_verified: true });
      const b2 = new Browser(t.url);
      const refused = await travel(b2, await b2.request(authorizeUrl('own-app', { connection: 'apple-wrong' })), 'apple-wrong-sub', {}, apple);
      expect(refused.redirect).toBeUndefined();
      expect(refused.page.body).toContain('Signing in with Apple-wrong did not work');
      expect(seen).toHaveLength(2);
      expect(await accountsWith(stranger)).toBe(0);
    } finally {
      await t.services.connections.remove('apple-wrong').catch(() => undefined);
      await t.services.connections.remove('apple-like').catch(() => undefined);
      await apple.close();
    }
  });

  it('refuses a signing key that is not a P-256 private key, storing nothing', async () => {
    await expect(
      t.services.connections.create({ id: 'bad-key', name: 'X', issuer: upstream.issuer, clientId: 'c', signedSecret: { issuer: 'T', keyId: 'K', audience: 'https://appleid.apple.com', privateKey: '-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----' } }),
    ).rejects.toThrow(/ES256/);
    expect((await t.services.connections.list()).map((c) => c.id)).not.toContain('bad-key');
  });
});

describe('GitHub: OAuth 2 and its API instead of OpenID Connect', () => {
  it('signs up with the primary e-mail GitHub verified, and refuses one it did not', async () => {
    const github = await startGithubStandin();
    try {
      const { base } = github;
      await t.services.connections.create({
        ...presetConnection('github', {}),
        endpoints: { authorization: `${base}/login/oauth/authorize`, token: `${base}/login/oauth/access_token`, api: base },
        clientId: github.clientId,
        clientSecret: github.clientSecret,
      });
      const email = unique('octo');
      github.next = { id: 583231, login: 'octocat', name: 'The Octocat', emails: [{ email: 'old@example.com', primary: false, verified: true }, { email, primary: true, verified: true }] };
      const b = new Browser(t.url);
      const landed = await travel(b, await b.request(authorizeUrl('own-app', { connection: 'github' })), 'unused');
      expect(landed.redirect?.searchParams.get('code')).toBeTruthy();
      const user = await t.services.users.findByEmail(email);
      expect(user).toMatchObject({ email_verified: true, name: 'The Octocat' });
      expect(await t.services.identities.listForAccount(user!.id)).toEqual([expect.objectContaining({ connectionId: 'github', subject: '583231' })]);
      expect(github.refused).toEqual([]);

      const unverified = unique('octo-unverified');
      github.next = { id: 99, login: 'someone', emails: [{ email: unverified, primary: true, verified: false }] };
      const b2 = new Browser(t.url);
      const refused = await travel(b2, await b2.request(authorizeUrl('own-app', { connection: 'github' })), 'unused');
      expect(refused.page.body).toContain('GitHub did not confirm your e-mail address');
      expect(await accountsWith(unverified)).toBe(0);
    } finally {
      await t.services.connections.remove('github').catch(() => undefined);
      await github.close();
    }
  });
});

describe('Facebook: OAuth 2 and the Graph API with appsecret_proof', () => {
  it('signs up with the confirmed e-mail Meta returns, and refuses a sign-in without an e-mail', async () => {
    const facebook = await startFacebookStandin();
    try {
      const { base } = facebook;
      await t.services.connections.create({
        ...presetConnection('facebook', {}),
        endpoints: { authorization: `${base}/dialog/oauth`, token: `${base}/oauth/access_token`, api: base },
        clientId: facebook.appId,
        clientSecret: facebook.appSecret,
      });
      const email = unique('meta');
      facebook.next = { id: '10229384756', name: 'Mark Example', email };
      const b = new Browser(t.url);
      const landed = await travel(b, await b.request(authorizeUrl('own-app', { connection: 'facebook' })), 'unused');
      expect(landed.redirect?.searchParams.get('code')).toBeTruthy();
      expect(facebook.refused).toEqual([]);
      const user = await t.services.users.findByEmail(email);
      expect(user).toMatchObject({ email_verified: true, name: 'Mark Example', given_name: 'Mark', family_name: 'Example' });
      expect(await t.services.identities.listForAccount(user!.id)).toEqual([expect.objectContaining({ connectionId: 'facebook', subject: '10229384756' })]);

      // Declined (or has no) e-mail: nothing to find or create an account by.
      facebook.next = { id: '555', name: 'No Mail' };
      const b2 = new Browser(t.url);
      const refused = await travel(b2, await b2.request(authorizeUrl('own-app', { connection: 'facebook' })), 'unused');
      expect(refused.page.body).toContain('Facebook did not confirm your e-mail address');
    } finally {
      await t.services.connections.remove('facebook').catch(() => undefined);
      await facebook.close();
    }
  });
});

describe('which connections an app offers', () => {
  it('offers none on the login page of an app registered without connections, and refuses to start one there', async () => {
    await t.services.clients.create({ clientId: 'no-social', redirectUris: [REDIRECT], grantTypes: ['authorization_code'], clientSecret: 'n'.repeat(40), firstParty: true, connections: [] });
    const b = new Browser(t.url);
    const { page } = await b.navigate(authorizeUrl('no-social'));
    expect(page.body).toContain('name="password"');
    expect(page.body).not.toContain('Continue with');
    const uid = /\/interaction\/([^/"]+)\/login/.exec(page.body)![1]!;
    expect((await b.request(new URL(`/interaction/${uid}/federated/acme`, t.url))).status).toBe(404);
  });

  it('shows a connection\'s icon, letting only its origin into the page\'s images', async () => {
    await t.services.connections.create({ id: 'iconic', name: 'Iconic ID', icon: 'https://cdn.iconic.example/logo.svg', issuer: upstream.issuer, clientId: 'c', clientSecret: 's' });
    try {
      const { page } = await new Browser(t.url).navigate(authorizeUrl());
      expect(page.body).toContain('<img class="connection-icon" src="https://cdn.iconic.example/logo.svg"');
      const csp = page.headers.get('content-security-policy') ?? '';
      expect(csp.split(';').find((d) => d.trim().startsWith('img-src'))).toContain('https://cdn.iconic.example');
      expect(csp.split(';').find((d) => d.trim().startsWith('script-src'))).not.toContain('iconic');
      await expect(t.services.connections.create({ id: 'plain-icon', name: 'X', icon: 'http://cdn.example/x.svg', issuer: upstream.issuer, clientId: 'c' })).rejects.toThrow(/icon must be an https URL/);
    } finally {
      await t.services.connections.remove('iconic');
    }
  });

  it('goes straight to the connection an authorization request names with connection=<id>', async () => {
    const email = unique('hinted');
    upstream.accounts.set('up-hinted', { email, email_verified: true });
    const b = new Browser(t.url);
    const landed = await travel(b, await b.request(authorizeUrl('own-app', { connection: 'acme' })), 'up-hinted');
    expect(landed.redirect?.searchParams.get('code')).toBeTruthy();
    expect(await accountsWith(email)).toBe(1);
    // A connection the app does not offer is ignored: the login page shows.
    const { page } = await new Browser(t.url).navigate(authorizeUrl('own-app', { connection: 'elsewhere' }));
    expect(page.body).toContain('name="password"');
  });
});

describe('the provider\'s tokens', () => {
  it('are kept, sealed, only for a connection that asks, renewed at each sign-in, and never exported', async () => {
    await t.services.connections.create({ id: 'acme-keep', name: 'Acme Keep', issuer: upstream.issuer, clientId: upstream.clientId, clientSecret: upstream.clientSecret, trustEmail: true, keepTokens: true });
    const email = unique('kept');
    upstream.accounts.set('up-kept', { email, email_verified: true });
    const b = new Browser(t.url);
    const first = await travel(b, await b.request(authorizeUrl('own-app', { connection: 'acme-keep' })), 'up-kept');
    expect(first.redirect?.searchParams.get('code')).toBeTruthy();
    const user = (await t.services.users.findByEmail(email))!;
    const kept = await t.services.identities.tokensOf(user.id, 'acme-keep');
    expect(kept?.access_token).toBeTruthy();
    expect(kept?.expires_at).toBeGreaterThan(Date.now() / 1000);
    // It works at the provider, and the database holds it only sealed.
    const me = await fetch(`${upstream.issuer}/me`, { headers: { authorization: `Bearer ${kept!.access_token}` } });
    expect(((await me.json()) as { sub: string }).sub).toBe('up-kept');
    const row = await t.services.db.connection.collection('federated_identities').findOne({ accountId: user.id });
    expect(JSON.stringify(row)).not.toContain(kept!.access_token);
    expect(JSON.stringify(await t.services.identities.exportFor(user.id))).not.toContain(kept!.access_token);
    expect(Object.keys((await t.services.identities.listForAccount(user.id))[0]!)).not.toContain('tokens');

    const b2 = new Browser(t.url);
    await travel(b2, await b2.request(authorizeUrl('own-app', { connection: 'acme-keep' })), 'up-kept');
    expect((await t.services.identities.tokensOf(user.id, 'acme-keep'))?.access_token).not.toBe(kept!.access_token);

    // A connection that does not ask keeps nothing.
    const other = unique('not-kept');
    upstream.accounts.set('up-not-kept', { email: other, email_verified: true });
    expect((await viaAcme(new Browser(t.url), 'up-not-kept')).redirect?.searchParams.get('code')).toBeTruthy();
    const otherUser = (await t.services.users.findByEmail(other))!;
    expect(await t.services.identities.tokensOf(otherUser.id, 'acme')).toBeUndefined();
    expect(await t.services.db.connection.collection('federated_identities').findOne({ accountId: otherUser.id })).not.toHaveProperty('tokens');
  });
});

describe('linking from the account center', () => {
  /** Signs `email` in to the account center in `b`, and opens its "Other sign-in methods". */
  async function connectionsPage(b: Browser, email: string): Promise<Page> {
    const { page } = await b.navigate(new URL('/account/connections', t.url));
    const done = await b.submit(findForm(page, /\/login$/).form, { email, password: PASSWORD });
    expect(done.page.url.pathname).toBe('/account/connections');
    return done.page;
  }

  /** "Link Acme ID", then the page's way to the provider: its href. */
  async function startLink(b: Browser, page: Page): Promise<URL> {
    const form = forms(page).find((f) => /\/account\/connections\/link$/.test(f.action.pathname) && f.fields.connection === 'acme')!;
    const shown = await b.submit(form);
    expect(shown.page.status).toBe(200);
    return new URL(/href="([^"]*)">Continue to Acme ID</.exec(shown.page.body)![1]!.replaceAll('&amp;', '&'));
  }

  it('links another provider to the signed-in account through a round trip, and the identity then signs in to it', async () => {
    const email = unique('center');
    const owner = await t.services.users.create({ email, password: PASSWORD, emailVerified: true });
    // The provider's e-mail need not match, nor be verified: the account's owner is signed in here.
    upstream.accounts.set('up-center', { email: unique('elsewhere'), email_verified: false });
    const b = new Browser(t.url);
    const page = await connectionsPage(b, email);
    expect(page.body).toContain('Link Acme ID');
    const back = await travel(b, await b.request(await startLink(b, page)), 'up-center');
    expect(back.page.url.pathname).toBe('/account/connections');
    expect(back.page.body).toContain('The sign-in method has been linked.');
    expect(await t.services.identities.listForAccount(owner.id)).toEqual([expect.objectContaining({ connectionId: 'acme', subject: 'up-center' })]);
    expect((await t.services.audit.forAccount(owner.id)).map((e) => e.type)).toContain('identity.linked');
    expect((await viaAcme(new Browser(t.url), 'up-center')).redirect?.searchParams.get('code')).toBeTruthy();
  });

  it('refuses an identity linked to another account, and an answer completed in another signed-in browser', async () => {
    const email = unique('center-two');
    const owner = await t.services.users.create({ email, password: PASSWORD, emailVerified: true });
    const other = await t.services.users.create({ email: unique('center-other'), password: PASSWORD, emailVerified: true });
    await t.services.identities.link({ connectionId: 'acme', subject: 'up-taken', accountId: other.id });
    upstream.accounts.set('up-taken', { email, email_verified: true });
    upstream.accounts.set('up-stray', { email, email_verified: true });

    const b = new Browser(t.url);
    const page = await connectionsPage(b, email);
    const taken = await travel(b, await b.request(await startLink(b, page)), 'up-taken');
    expect(taken.page.status).toBe(409);
    expect(taken.page.body).toContain('already linked to another account');
    expect(await t.services.identities.listForAccount(owner.id)).toEqual([]);

    // A round trip started by this account, finished in a browser signed in as another: redeemed for neither.
    const href = await startLink(b, page);
    const elsewhere = new Browser(t.url);
    await connectionsPage(elsewhere, other.email);
    const stray = await travel(elsewhere, await elsewhere.request(href), 'up-stray');
    expect(stray.page.status).toBe(400);
    expect(stray.page.body).toContain('did not work');
    expect((await t.services.identities.listForAccount(other.id)).map((i) => i.subject)).toEqual(['up-taken']);
    expect(await t.services.identities.listForAccount(owner.id)).toEqual([]);
  });
});

describe('linked identities and the account', () => {
  it('are exported and erased with it', async () => {
    const email = unique('erase');
    upstream.accounts.set('up-erase', { email, email_verified: true });
    await viaAcme(new Browser(t.url), 'up-erase');
    const user = (await t.services.users.findByEmail(email))!;
    const exported = await t.services.privacyExport.build(user.id, { source: 'operator' });
    expect(JSON.stringify(exported)).toContain('up-erase');
    await t.services.erasure.eraseNow(user.id, { source: 'operator' });
    expect(await t.services.identities.listForAccount(user.id)).toEqual([]);
  });
});
