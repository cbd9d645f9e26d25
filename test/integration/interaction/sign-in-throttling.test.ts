// Sign-in throttling through the pages, as attackers and customers meet it (issue 13): failures from one address
// block that address for that account only; a browser the owner signed in on keeps its own allowance; beyond the
// account's threshold an attempt from anywhere else needs a proof of work, which the page asks for and a solution
// passes; the owner is mailed; an address without an account gets the very same answers and no mail.
import { startTestApp, type TestApp } from '../../support/app.ts';
import { solveProof } from '../../../src/services/proof-of-work.ts';
import { browser, locationOf, pkce, readPage, type Client } from './harness.ts';

const REDIRECT = 'https://shop.example.com/cb';
const PASSWORD = 'correct horse battery staple';
let t: TestApp;
let n = 0;
const unique = (name: string) => `${name}-${Date.now()}-${n++}@example.com`;

beforeAll(async () => {
  // Behind a proxy, so that each browser can come from an address of its own (X-Forwarded-For).
  t = await startTestApp({ TRUST_PROXY: 'true', LOGIN_PROOF_BITS: '6', MFA_POLICY: 'off' });
  await t.services.clients.create({ clientId: 'shop', redirectUris: [REDIRECT], grantTypes: ['authorization_code'], scope: 'openid email', clientSecret: 's'.repeat(40) });
});

afterAll(async () => {
  await t.close();
});

const from = (ip: string) => browser(t.url, undefined, { 'x-forwarded-for': ip });

async function loginPage(c: Client): Promise<{ path: string; csrf: string }> {
  const { challenge } = pkce();
  const query = new URLSearchParams({ client_id: 'shop', response_type: 'code', scope: 'openid email', redirect_uri: REDIRECT, code_challenge: challenge, code_challenge_method: 'S256' });
  const res = await c.request(`/auth?${query}`);
  expect(res.status).toBe(303);
  const path = locationOf(res, t.url).pathname;
  return { path, csrf: (await readPage(c, path)).csrf };
}

async function attempt(c: Client, email: string, password: string, extra: Record<string, string> = {}): Promise<{ status: number; html: string; retryAfter: string | null }> {
  const { path, csrf } = await loginPage(c);
  const res = await c.request(`${path}/login`, { form: { _csrf: csrf, email, password, ...extra } });
  return { status: res.status, html: res.status === 303 ? '' : await res.text(), retryAfter: res.headers.get('retry-after') };
}

const proofOf = (html: string) => {
  const challenge = /name="proof_challenge" value="([^"]+)"/.exec(html)?.[1];
  const bits = Number(/data-proof-bits="(\d+)"/.exec(html)?.[1]);
  if (!challenge) throw new Error('the page asks for no proof');
  return { proof_challenge: challenge, proof_nonce: solveProof(challenge, bits) };
};

// What legitimately differs between two answers: the form's tokens and the address typed.
const normalise = (html: string, email: string) =>
  html
    .replaceAll(email, 'EMAIL')
    .replace(/name="_csrf" value="[^"]+"/g, 'CSRF')
    .replace(/\/interaction\/[A-Za-z0-9_-]+/g, '/interaction/UID')
    .replace(/"(?:challenge|options)[^>]*>/g, 'PASSKEY');

describe('sign-in throttling', () => {
  it('blocks the address that guessed, not the owner elsewhere; the owner is mailed, an unknown address answers the same and gets nothing', async () => {
    const owner = unique('owner');
    const ghost = unique('ghost');
    await t.services.users.create({ email: owner, password: PASSWORD, emailVerified: true });
    const answers: Record<string, string[]> = {};
    for (const email of [ghost, owner]) {
      const attacker = from('198.51.100.9');
      const seen: string[] = [];
      let last: Awaited<ReturnType<typeof attempt>> | undefined;
      for (let i = 0; i < 6; i++) {
        last = await attempt(attacker, email, `wrong guess ${i}`);
        seen.push(`${last.status} ${normalise(last.html, email).length}`);
      }
      expect(last!.status).toBe(429);
      expect(Number(last!.retryAfter)).toBeGreaterThan(0);
      expect(last!.html).toMatch(/Try again in \d+ seconds/);
      // Even the right password waits, from that address.
      expect((await attempt(attacker, email, PASSWORD)).status).toBe(429);
      answers[email] = seen;
    }
    expect(answers[ghost]).toEqual(answers[owner]);

    // The owner, from anywhere else, signs in as usual.
    expect((await attempt(from('203.0.113.9'), owner, PASSWORD)).status).toBe(303);
    const mail = await t.smtp.waitFor(owner, { subject: /failed sign-in attempts/i });
    expect(mail.text).toMatch(/\/recover/);
    await t.services.mailer.drain();
    expect(t.smtp.messages.some((m) => m.to.includes(ghost))).toBe(false);
  });

  it('lets a browser the owner signed in on keep signing in behind the very address that is blocked', async () => {
    const owner = unique('known');
    await t.services.users.create({ email: owner, password: PASSWORD, emailVerified: true });
    const laptop = from('192.0.2.44');
    expect((await attempt(laptop, owner, PASSWORD)).status).toBe(303);
    const attacker = from('192.0.2.44');
    for (let i = 0; i < 5; i++) await attempt(attacker, owner, `wrong ${i}`);
    expect((await attempt(attacker, owner, PASSWORD)).status).toBe(429);
    expect((await attempt(laptop, owner, 'one typo')).status).toBe(400);
    expect((await attempt(laptop, owner, PASSWORD)).status).toBe(303);
  });

  it('beyond twenty failures from anywhere, asks for a proof of work that the page carries and a solution passes once', async () => {
    const owner = unique('sprayed');
    await t.services.users.create({ email: owner, password: PASSWORD, emailVerified: true });
    for (const ip of ['198.51.100.21', '198.51.100.22', '198.51.100.23', '198.51.100.24', '198.51.100.25']) {
      const bot = from(ip);
      for (let i = 0; i < 4; i++) await attempt(bot, owner, `spray ${i}`);
    }
    const phone = from('203.0.113.77');
    const asked = await attempt(phone, owner, PASSWORD);
    expect(asked.status).toBe(429);
    expect(asked.retryAfter).toBeNull();
    expect(asked.html).toMatch(/security puzzle/);
    expect(asked.html).toMatch(/<script src="\/assets\/proof\.js\?v=[^"]+" defer><\/script>/);
    expect(asked.html).toMatch(/<noscript>/);
    const proof = proofOf(asked.html);
    // Without the solution (no JavaScript): asked again; with it: signed in.
    expect((await attempt(phone, owner, PASSWORD, { proof_challenge: proof.proof_challenge })).status).toBe(429);
    expect((await attempt(phone, owner, PASSWORD, proof)).status).toBe(303);
    // Spent: a bot replaying the solution is asked again.
    const replay = await attempt(from('198.51.100.26'), owner, 'spray again', proof);
    expect(replay.status).toBe(429);
    expect(replay.html).toMatch(/name="proof_challenge"/);
    // A wrong password with a valid proof is counted and answered as one, with the next puzzle.
    const wrong = await attempt(from('198.51.100.27'), owner, 'spray with proof', proofOf(replay.html));
    expect(wrong.status).toBe(429);
    expect(wrong.html).toMatch(/name="proof_challenge"/);
  });
});
