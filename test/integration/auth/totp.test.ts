// Authenticator apps against the real database, with codes made by otplib as an app makes them.
import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import { generate, generateSync } from 'otplib';
import { createTotp, TOTP_PERIOD_SECONDS, type TotpService } from '../../../src/auth/totp.ts';
import { createAuditLog, type AuditLog } from '../../../src/services/audit.ts';
import { createCipher } from '../../../src/services/crypto.ts';
import { dropAndClose, openTestConnection } from '../../support/db.ts';

const STEP_MS = TOTP_PERIOD_SECONDS * 1000;
const cipher = createCipher(randomBytes(32));
let conn: Connection;
let audit: AuditLog;
let totp: TotpService;
// The middle of a time step: ±1 step is then unambiguous.
let clock = 0;
const midStep = () => Math.floor(Date.now() / STEP_MS) * STEP_MS + STEP_MS / 2;

/** The code an app shows `steps` periods away from the server's clock. */
const codeAt = (secret: string, steps = 0) => generate({ secret, epoch: Math.floor(clock / 1000) + steps * TOTP_PERIOD_SECONDS });
const account = () => ({ accountId: `acct-${randomBytes(6).toString('hex')}`, email: 'jane@example.com' });

async function enrolled(name?: string) {
  const who = account();
  const started = await totp.begin(who);
  const confirmed = await totp.confirm(who.accountId, started.token, await codeAt(started.secret), name);
  if (!confirmed.ok) throw new Error('enrollment failed');
  // The confirming code used the current step: move on so that each test starts with fresh steps.
  clock += 3 * STEP_MS;
  return { ...who, secret: started.secret, factorId: confirmed.factorId, token: started.token };
}

beforeAll(async () => {
  conn = await openTestConnection();
  audit = createAuditLog(conn);
  totp = createTotp({ conn, cipher, issuerName: 'Acme ID', audit, now: () => clock });
  await totp.ensureIndexes();
});
afterAll(() => dropAndClose(conn));
beforeEach(() => {
  clock = midStep();
});

describe('begin', () => {
  it('makes a 160-bit base32 seed, the otpauth URI for apps and an SVG QR code, sealed in an opaque token', async () => {
    const started = await totp.begin(account());
    expect(started.secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(started.uri);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/Acme ID:jane@example.com');
    expect(uri.searchParams.get('secret')).toBe(started.secret);
    expect(uri.searchParams.get('issuer')).toBe('Acme ID');
    expect(started.qrSvg).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(started.qrSvg).not.toMatch(/<script|href=/);
    expect(started.token).toMatch(/^v1\./);
    expect(started.token).not.toContain(started.secret);
    expect((await totp.begin(account())).secret).not.toBe(started.secret);
  });

  it('reopens a pending enrollment for its own account only, until it expires', async () => {
    const who = account();
    const started = await totp.begin(who);
    await expect(totp.reopen(who.accountId, started.token)).resolves.toEqual(started);
    await expect(totp.reopen('someone-else', started.token)).resolves.toBeUndefined();
    // Two characters changed (a token that already ends in 'xx' gets 'yy': once in 4,096 runs it did).
    const tampered = `${started.token.slice(0, -2)}${started.token.endsWith('xx') ? 'yy' : 'xx'}`;
    await expect(totp.reopen(who.accountId, tampered)).resolves.toBeUndefined();
    clock += 15 * 60_000 + 1;
    await expect(totp.reopen(who.accountId, started.token)).resolves.toBeUndefined();
  });
});

describe('confirm', () => {
  it('stores the factor with the seed sealed: the raw collection holds no base32 secret', async () => {
    const { accountId, secret, factorId } = await enrolled('My phone');
    const raw = await conn.collection('mfa_factors').findOne({ _id: factorId as never });
    expect(raw).toMatchObject({ accountId, type: 'totp', label: 'My phone' });
    expect(raw?.sealed).toMatch(/^v1\./);
    const dump = JSON.stringify(raw);
    expect(dump).not.toContain(secret);
    expect(dump).not.toContain(secret.toLowerCase());
    expect(dump).not.toContain(Buffer.from(secret).toString('base64'));
    expect(cipher.decrypt(raw?.sealed as string)).toBe(secret);
    const events = await audit.list({ accountId, type: 'factor.added' });
    expect(events).toHaveLength(1);
    expect(events[0]?.details).toEqual({ factorType: 'totp', factorId });
    expect(JSON.stringify(events)).not.toContain(secret);
  });

  it('names the factor "Authenticator app" unless given a name, and bounds the name', async () => {
    const plain = await enrolled();
    const long = await enrolled(`  ${'x'.repeat(100)}  `);
    const rows = await conn.collection('mfa_factors').find({ _id: { $in: [plain.factorId, long.factorId] as never[] } }).toArray();
    expect(rows.map((r) => r.label).sort()).toEqual(['Authenticator app', 'x'.repeat(64)]);
  });

  it('refuses a wrong code, another account, a forged token and an expired enrollment', async () => {
    const who = account();
    const started = await totp.begin(who);
    const code = await codeAt(started.secret);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    await expect(totp.confirm(who.accountId, started.token, wrong)).resolves.toEqual({ ok: false, reason: 'invalid' });
    await expect(totp.confirm('other-account', started.token, code)).resolves.toEqual({ ok: false, reason: 'invalid' });
    await expect(totp.confirm(who.accountId, 'not-a-token', code)).resolves.toEqual({ ok: false, reason: 'invalid' });
    // Any other value sealed by the same key is not an enrollment.
    const sealed = cipher.encrypt(JSON.stringify({ accountId: who.accountId, secret: started.secret, factorId: 'f', exp: clock + 60_000 }));
    await expect(totp.confirm(who.accountId, sealed, code)).resolves.toEqual({ ok: false, reason: 'invalid' });
    clock += 15 * 60_000 + 1;
    await expect(totp.confirm(who.accountId, started.token, await codeAt(started.secret))).resolves.toEqual({ ok: false, reason: 'expired' });
    expect(await conn.collection('mfa_factors').countDocuments({ accountId: who.accountId })).toBe(0);
  });

  it('stores one factor when the same form is posted twice or concurrently', async () => {
    const who = account();
    const started = await totp.begin(who);
    const code = await codeAt(started.secret);
    const results = await Promise.all(Array.from({ length: 5 }, () => totp.confirm(who.accountId, started.token, code)));
    expect(new Set(results.map((r) => (r.ok ? r.factorId : 'failed')))).toEqual(new Set([results[0]?.ok && results[0].factorId]));
    expect(await conn.collection('mfa_factors').countDocuments({ accountId: who.accountId })).toBe(1);
    expect(await audit.list({ accountId: who.accountId, type: 'factor.added' })).toHaveLength(1);
  });

  it('uses up the confirming code: it cannot sign in right after', async () => {
    const who = account();
    const started = await totp.begin(who);
    const code = await codeAt(started.secret);
    expect((await totp.confirm(who.accountId, started.token, code)).ok).toBe(true);
    await expect(totp.verify(who.accountId, code)).resolves.toEqual({ ok: false });
  });
});

describe('verify', () => {
  it('accepts the current code and one step either side, not two', async () => {
    const { accountId, secret, factorId } = await enrolled();
    // Each accepted code uses its step; fresh steps for each check.
    for (const steps of [-1, 0, 1]) {
      clock += 3 * STEP_MS;
      await expect(totp.verify(accountId, await codeAt(secret, steps))).resolves.toEqual({ ok: true, factorId });
    }
    for (const steps of [-2, 2, -3, 3]) {
      clock += 3 * STEP_MS;
      await expect(totp.verify(accountId, await codeAt(secret, steps))).resolves.toEqual({ ok: false });
    }
  });

  it('holds at the edges of a step: the window is steps, not seconds', async () => {
    const { accountId, secret } = await enrolled();
    clock = Math.floor(clock / STEP_MS) * STEP_MS + 3 * STEP_MS; // the first millisecond of a step
    await expect(totp.verify(accountId, await codeAt(secret, -2))).resolves.toEqual({ ok: false });
    await expect(totp.verify(accountId, await codeAt(secret, -1))).resolves.toMatchObject({ ok: true });
    clock += STEP_MS * 3 - 1; // the last millisecond of a later step
    await expect(totp.verify(accountId, await codeAt(secret, 2))).resolves.toEqual({ ok: false });
    await expect(totp.verify(accountId, await codeAt(secret, 1))).resolves.toMatchObject({ ok: true });
  });

  it('rejects a replayed code', async () => {
    const { accountId, secret } = await enrolled();
    const code = await codeAt(secret);
    await expect(totp.verify(accountId, code)).resolves.toMatchObject({ ok: true });
    await expect(totp.verify(accountId, code)).resolves.toEqual({ ok: false });
    // Still refused when the step is one behind: the code is still inside the window.
    clock += STEP_MS;
    await expect(totp.verify(accountId, code)).resolves.toEqual({ ok: false });
  });

  it('accepts exactly one of 10 concurrent uses of the same code', async () => {
    const { accountId, secret } = await enrolled();
    const code = await codeAt(secret);
    const results = await Promise.all(Array.from({ length: 10 }, () => totp.verify(accountId, code)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
  });

  it('refuses an older code once a newer one was accepted (RFC 6238 §5.2)', async () => {
    const { accountId, secret } = await enrolled();
    await expect(totp.verify(accountId, await codeAt(secret, 1))).resolves.toMatchObject({ ok: true });
    await expect(totp.verify(accountId, await codeAt(secret, 0))).resolves.toEqual({ ok: false });
    await expect(totp.verify(accountId, await codeAt(secret, -1))).resolves.toEqual({ ok: false });
  });

  it('records when the factor was last used', async () => {
    const { accountId, secret, factorId } = await enrolled();
    await totp.verify(accountId, await codeAt(secret));
    const raw = await conn.collection('mfa_factors').findOne({ _id: factorId as never });
    expect(raw?.lastUsedAt).toEqual(new Date(clock));
  });

  it('tolerates spaces and dashes, and nothing else', async () => {
    const { accountId, secret } = await enrolled();
    const code = await codeAt(secret);
    await expect(totp.verify(accountId, `${code}0`)).resolves.toEqual({ ok: false });
    await expect(totp.verify(accountId, `${code.slice(0, 3)}x${code.slice(3)}`)).resolves.toEqual({ ok: false });
    await expect(totp.verify(accountId, { $ne: '' } as never)).resolves.toEqual({ ok: false });
    await expect(totp.verify(accountId, ` ${code.slice(0, 3)} - ${code.slice(3)} `)).resolves.toMatchObject({ ok: true });
  });

  it("finds the right one of several apps, and never another account's", async () => {
    const first = await enrolled('Phone');
    const started = await totp.begin(first);
    const second = await totp.confirm(first.accountId, started.token, await codeAt(started.secret), 'Tablet');
    clock += 3 * STEP_MS;
    expect(second.ok).toBe(true);
    await expect(totp.verify(first.accountId, await codeAt(started.secret))).resolves.toEqual({ ok: true, factorId: second.ok && second.factorId });
    await expect(totp.verify(first.accountId, await codeAt(first.secret))).resolves.toEqual({ ok: true, factorId: first.factorId });
    const stranger = await enrolled();
    await expect(totp.verify(stranger.accountId, await codeAt(first.secret, 1))).resolves.toEqual({ ok: false });
  });

  it('answers { ok: false } for an account without an app', async () => {
    await expect(totp.verify('nobody', generateSync({ secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' }))).resolves.toEqual({ ok: false });
  });
});

describe('sweepExpired', () => {
  it('drops used steps only once they have left the window, so a replay stays refused', async () => {
    const { accountId, secret, factorId } = await enrolled();
    const code = await codeAt(secret);
    await expect(totp.verify(accountId, code)).resolves.toMatchObject({ ok: true });
    const step = Math.floor(clock / STEP_MS);
    await totp.sweepExpired();
    expect(await conn.collection('totp_used_steps').countDocuments({ _id: `${factorId}:${step}` as never })).toBe(1);
    clock += 5 * 60_000;
    expect(await totp.sweepExpired()).toBeGreaterThanOrEqual(1);
    expect(await conn.collection('totp_used_steps').countDocuments({ _id: `${factorId}:${step}` as never })).toBe(0);
    await expect(totp.verify(accountId, code)).resolves.toEqual({ ok: false });
  });
});
