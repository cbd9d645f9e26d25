// Lazy migration through the sign-in pages (LEGACY_AUTH_URL), with a stand-in of the old system on 127.0.0.1: the
// first sign-in of an address unknown here asks it (bearer token, JSON) and creates the account with the typed
// password in argon2id; later sign-ins never ask again. A refused password, and an old system that is down, slow,
// cut off or garbled, create nothing and get the very answer a wrong password gets. Two first sign-ins at once make
// one account, and both sign in.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startTestApp, type TestApp } from '../../support/app.ts';
import { localServer, type LocalServer } from '../../support/local-server.ts';
import { browser, followRedirects, locationOf, pkce, readPage, type Client } from './harness.ts';

const REDIRECT = 'https://shop.example.com/cb';
const TOKEN = 'legacy-shared-secret-for-tests-0123';
const PASSWORD = 'old password 1';
let t: TestApp;
let legacy: LocalServer;
let n = 0;
const unique = (name: string) => `${name}-${Date.now().toString(36)}-${n++}@example.com`;
let ip = 10;
/** A browser from an address of its own, so that the login throttle of one test does not meet another's. */
const fresh = () => browser(t.url, undefined, { 'x-forwarded-for': `198.51.100.${ip++}` });

/** What the old system knows, and every request it was sent. */
const known = new Map<string, { password: string; profile: Record<string, unknown> }>();
const calls: { authorization?: string | undefined; contentType?: string | undefined; body: { email: string; password: string } }[] = [];
const callsFor = (email: string) => calls.filter((c) => c.body.email === email);
/** Requests for race-… addresses wait here until two have arrived, then both are answered. */
let raceWaiting: (() => void)[] = [];

function oldSystem(req: IncomingMessage, res: ServerResponse, body: string): void {
  const parsed = JSON.parse(body) as { email: string; password: string };
  calls.push({ authorization: req.headers.authorization, contentType: req.headers['content-type'], body: parsed });
  if (req.method !== 'POST' || req.headers.authorization !== `Bearer ${TOKEN}`) return void res.writeHead(401).end();
  const { email, password } = parsed;
  if (email.startsWith('down-')) return void res.writeHead(503).end('maintenance');
  if (email.startsWith('slow-')) return; // never answers: the sign-in's deadline ends the wait
  if (email.startsWith('cut-')) return void req.socket.destroy();
  if (email.startsWith('garbled-')) return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"email_verified": ');
  const answer = () => {
    const account = known.get(email);
    if (!account || account.password !== password) return void res.writeHead(account ? 401 : 404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(account.profile));
  };
  if (!email.startsWith('race-')) return answer();
  raceWaiting.push(answer);
  if (raceWaiting.length === 2) {
    for (const release of raceWaiting) release();
    raceWaiting = [];
  }
}

beforeAll(async () => {
  legacy = await localServer(oldSystem);
  t = await startTestApp({
    TRUST_PROXY: 'true',
    MFA_POLICY: 'off',
    LEGACY_AUTH_URL: `${legacy.base}/auth/check`,
    LEGACY_AUTH_TOKEN: TOKEN,
    LEGACY_AUTH_TIMEOUT_MS: '1000',
  });
  await t.services.clients.create({ clientId: 'shop', redirectUris: [REDIRECT], grantTypes: ['authorization_code'], scope: 'openid email profile', clientSecret: 's'.repeat(40), firstParty: true });
  await t.services.clients.create({ clientId: 'strict', redirectUris: [REDIRECT], grantTypes: ['authorization_code'], scope: 'openid email', clientSecret: 't'.repeat(40), firstParty: true, mfaPolicy: 'required' });
}, 60_000);

afterAll(async () => {
  await t.close();
  await legacy.close();
});

async function signIn(c: Client, email: string, password: string, clientId = 'shop'): Promise<{ status: number; html: string; res: Response }> {
  const query = new URLSearchParams({ client_id: clientId, response_type: 'code', scope: 'openid email', redirect_uri: REDIRECT, code_challenge: pkce().challenge, code_challenge_method: 'S256' });
  const start = await c.request(`/auth?${query}`);
  expect(start.status).toBe(303);
  const path = locationOf(start, t.url).pathname;
  const { csrf } = await readPage(c, path);
  const res = await c.request(`${path}/login`, { form: { _csrf: csrf, email, password } });
  return { status: res.status, html: res.status === 303 ? '' : await res.text(), res };
}

// What legitimately differs between two answers: the form's tokens, the interaction and the address typed.
const normalise = (html: string, email: string) =>
  html
    .replaceAll(email, 'EMAIL')
    .replaceAll(encodeURIComponent(email), 'EMAIL')
    .replace(/name="_csrf" value="[^"]+"/g, 'CSRF')
    .replace(/\/interaction\/[A-Za-z0-9_-]+/g, '/interaction/UID')
    .replace(/"(?:challenge|options)[^>]*>/g, 'PASSKEY');

const storedHash = async (email: string) =>
  (await t.services.db.connection.collection('users').findOne({ email }))?.passwordHash as string | undefined;
const accountsWith = (email: string) => t.services.db.connection.collection('users').countDocuments({ email });

/** The answer to a wrong password for an account that exists here: what every failed migration must look like. */
async function wrongPasswordAnswer(): Promise<string> {
  const owner = unique('owner');
  await t.services.users.create({ email: owner, password: PASSWORD, emailVerified: true });
  const wrong = await signIn(fresh(), owner, 'not the password');
  expect(wrong.status).toBe(400);
  expect(wrong.html).toMatch(/wrong e-mail address or password|e-mail address or password/i);
  return normalise(wrong.html, owner);
}

describe('lazy migration (LEGACY_AUTH_URL)', () => {
  it('creates the account at the first sign-in the old system vouches for; later sign-ins are checked here only', async () => {
    const ann = unique('ann');
    known.set(ann, { password: PASSWORD, profile: { email_verified: true, given_name: 'Ann', family_name: 'Lee', zoneinfo: 'Europe/Berlin', phone_number: '0171 123', legacy_id: 7 } });

    const first = await signIn(fresh(), ann, PASSWORD);
    expect(first.status).toBe(303);
    // The old system was asked once, as the protocol says: POST JSON with the shared secret as a bearer token.
    expect(callsFor(ann)).toEqual([{ authorization: `Bearer ${TOKEN}`, contentType: 'application/json', body: { email: ann, password: PASSWORD } }]);

    const user = await t.services.users.findByEmail(ann);
    expect(user).toMatchObject({ email: ann, email_verified: true, given_name: 'Ann', family_name: 'Lee', zoneinfo: 'Europe/Berlin' });
    // A claim our rules refuse is left out rather than failing the sign-in.
    expect(user?.phone_number).toBeUndefined();
    expect(await storedHash(ann)).toMatch(/^\$argon2id\$/);

    const events = await t.services.audit.list({ accountId: user!.id });
    expect(events.map((e) => e.type).sort()).toEqual(['login.success', 'user.created', 'user.migrated']);
    expect(events.find((e) => e.type === 'user.migrated')).toMatchObject({
      outcome: 'success',
      clientId: 'shop',
      details: { emailVerified: true, claims: ['given_name', 'family_name', 'zoneinfo'], dropped: ['phone_number'] },
    });
    expect(events.find((e) => e.type === 'user.created')?.details).toEqual({ source: 'legacy' });

    // From now on the password is ours: right or wrong, the old system is not asked again.
    expect((await signIn(fresh(), ann, PASSWORD)).status).toBe(303);
    expect((await signIn(fresh(), ann, 'a wrong password')).status).toBe(400);
    expect(callsFor(ann)).toHaveLength(1);
  });

  it('goes on like any right password: the sign-in reaches the app, or the second factor the app requires', async () => {
    const bea = unique('bea');
    known.set(bea, { password: PASSWORD, profile: { email_verified: true } });
    const c = fresh();
    const done = await signIn(c, bea, PASSWORD);
    expect(done.status).toBe(303);
    const landed = await followRedirects(c, done.res, t.url);
    expect(landed.href.startsWith(REDIRECT)).toBe(true);
    expect(landed.searchParams.get('code')).toBeTruthy();

    const cleo = unique('cleo');
    known.set(cleo, { password: PASSWORD, profile: { email_verified: true } });
    const strict = fresh();
    const asked = await signIn(strict, cleo, PASSWORD, 'strict');
    expect(asked.status).toBe(303);
    expect((await followRedirects(strict, asked.res, t.url)).pathname).toMatch(/\/mfa/);
    expect(await t.services.users.findByEmail(cleo)).not.toBeNull();
  });

  it('never asks about an address that has an account here', async () => {
    const dan = unique('dan');
    await t.services.users.create({ email: dan, password: 'the password here', emailVerified: true });
    known.set(dan, { password: PASSWORD, profile: { email_verified: true } });
    expect((await signIn(fresh(), dan, PASSWORD)).status).toBe(400);
    expect(callsFor(dan)).toEqual([]);
  });

  it('creates nothing for a password the old system refuses, and answers exactly as for a wrong password', async () => {
    const expected = await wrongPasswordAnswer();
    const eve = unique('eve');
    known.set(eve, { password: PASSWORD, profile: { email_verified: true } });
    const nobody = unique('nobody');
    for (const [email, password] of [[eve, 'not the old password'], [nobody, PASSWORD]] as const) {
      const answer = await signIn(fresh(), email, password);
      expect(answer.status).toBe(400);
      expect(normalise(answer.html, email)).toBe(expected);
      expect(callsFor(email)).toHaveLength(1);
      expect(await accountsWith(email)).toBe(0);
    }
  });

  it('creates nothing when the old system is down, slow, cut off or garbled: the same answer, a failure event each', async () => {
    const expected = await wrongPasswordAnswer();
    const reasons: Record<string, string> = { down: 'status', slow: 'timeout', cut: 'network', garbled: 'malformed' };
    for (const [prefix, reason] of Object.entries(reasons)) {
      const email = unique(prefix);
      const c = browser(t.url, undefined, { 'x-forwarded-for': '203.0.113.99' });
      const answer = await signIn(c, email, PASSWORD);
      expect([prefix, answer.status]).toEqual([prefix, 400]);
      expect(normalise(answer.html, email)).toBe(expected);
      expect(await accountsWith(email)).toBe(0);
      const failures = (await t.services.audit.list({ type: 'user.migrated' })).filter((e) => e.outcome === 'failure' && e.ip === '203.0.113.99');
      expect(failures[0]).toMatchObject({ reason, clientId: 'shop' });
      expect(failures[0]?.accountId).toBeUndefined();
    }
    // The old system back: the same address migrates at its next sign-in.
    const late = unique('late');
    known.set(late, { password: PASSWORD, profile: {} });
    expect((await signIn(fresh(), late, PASSWORD)).status).toBe(303);
    expect((await t.services.users.findByEmail(late))?.email_verified).toBe(false);
  });

  it('counts refused migrations in the login throttle, which stops guesses before they reach the old system', async () => {
    const gus = unique('gus');
    known.set(gus, { password: PASSWORD, profile: {} });
    const attacker = browser(t.url, undefined, { 'x-forwarded-for': '192.0.2.77' });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await signIn(attacker, gus, `guess number ${i}`)).status);
    expect(statuses.at(-1)).toBe(429);
    const asked = callsFor(gus).length;
    // Every attempt the throttle let through was asked about (the one that reached the limit is answered with the
    // block); the attempts it refused were not.
    expect(asked).toBe(statuses.indexOf(429) + 1);
    expect(asked).toBeLessThan(statuses.length);
    // Blocked, even the right password waits, and the old system hears nothing of it.
    expect((await signIn(attacker, gus, PASSWORD)).status).toBe(429);
    expect(callsFor(gus)).toHaveLength(asked);
    expect(await accountsWith(gus)).toBe(0);
  });

  it('makes one account of two first sign-ins at once, and signs both in', async () => {
    const fay = unique('race');
    known.set(fay, { password: PASSWORD, profile: { email_verified: true, given_name: 'Fay' } });
    const [a, b] = await Promise.all([signIn(fresh(), fay, PASSWORD), signIn(fresh(), fay, PASSWORD)]);
    expect([a.status, b.status]).toEqual([303, 303]);
    // Both asked the old system (the stand-in answered only when both had), one account came of it.
    expect(callsFor(fay)).toHaveLength(2);
    expect(await accountsWith(fay)).toBe(1);
    const user = await t.services.users.findByEmail(fay);
    const events = await t.services.audit.list({ accountId: user!.id });
    expect(events.filter((e) => e.type === 'user.migrated')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'login.success')).toHaveLength(2);
  });
});
