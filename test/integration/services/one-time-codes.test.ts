import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import { createCipher } from '../../../src/services/crypto.ts';
import { createOneTimeCodes, type CodeCheck, type OneTimeCodes } from '../../../src/services/one-time-codes.ts';
import { dropAndClose, openTestConnection } from '../../support/db.ts';

let conn: Connection;
let codes: OneTimeCodes;
const key = randomBytes(32);
const cipher = createCipher(key);
const MAX_ATTEMPTS = 5;

// A clock the test moves: expiry without sleeping.
let clock = Date.now();
const make = (over: Partial<Parameters<typeof createOneTimeCodes>[0]> = {}) =>
  createOneTimeCodes({ conn, cipher, key, ttlSeconds: 600, maxAttempts: MAX_ATTEMPTS, now: () => clock, ...over });

const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');
const reasons = (results: CodeCheck[]) => results.map((r) => (r.ok ? 'ok' : r.reason)).sort();
const count = (values: string[], v: string) => values.filter((x) => x === v).length;

beforeAll(async () => {
  conn = await openTestConnection();
  codes = make();
  await codes.ensureIndexes();
});
afterAll(() => dropAndClose(conn));
beforeEach(() => {
  clock = Date.now();
});

describe('issue', () => {
  it('returns a six-digit code, a random id of at least 128 bits and the expiry', async () => {
    const a = await codes.issue({ purpose: 'signup', payload: { existing: true }, subject: 'a@example.com' });
    const b = await codes.issue({ purpose: 'signup', payload: { existing: true }, subject: 'b@example.com' });
    expect(a.code).toMatch(/^\d{6}$/);
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    expect(Buffer.from(a.id, 'base64url').length * 8).toBeGreaterThanOrEqual(128);
    expect(a.id).not.toBe(b.id);
    expect(a.expiresAt.getTime()).toBe(clock + 600_000);
  });

  it('stores neither the code, the subject nor the payload in clear', async () => {
    const issued = await codes.issue({ purpose: 'password-reset', subject: 'secret-subject@example.com', payload: { email: 'payload-marker@example.com' } });
    const raw = await conn.collection('one_time_codes').findOne({ _id: issued.id as never });
    expect(raw).not.toBeNull();
    const dump = JSON.stringify(raw);
    expect(dump).not.toContain(issued.code);
    expect(dump).not.toContain('secret-subject');
    expect(dump).not.toContain('payload-marker');
    expect(raw?.codeHash).toMatch(/^[A-Za-z0-9_-]{43}$/); // HMAC-SHA256, base64url
    expect(raw?.sealed).toMatch(/^v1\./);
  });

  it('refuses an unknown purpose, an empty subject and a non-positive lifetime', async () => {
    await expect(codes.issue({ purpose: 'nope' as never, payload: { existing: true } as never, subject: 's' })).rejects.toThrow(/purpose/);
    await expect(codes.issue({ purpose: 'signup', payload: { existing: true }, subject: '' })).rejects.toThrow(/subject/);
    await expect(codes.issue({ purpose: 'signup', payload: { existing: true }, subject: 's', ttlSeconds: 0 })).rejects.toThrow(/lifetime/);
  });

  it('refuses a payload that is not of its purpose\'s shape, and stores nothing', async () => {
    const before = await conn.collection('one_time_codes').countDocuments();
    await expect(codes.issue({ purpose: 'email-change', payload: { email: 'x@example.com' } as never, subject: 'shape' })).rejects.toThrow(/payload/);
    expect(await conn.collection('one_time_codes').countDocuments()).toBe(before);
  });

  it('reads a code whose sealed payload has another shape (another version wrote it) as no code', async () => {
    const issued = await codes.issue({ purpose: 'verify-email', subject: 'acct-shape', payload: { email: 'shape@example.com' } });
    const sealed = cipher.encrypt(JSON.stringify({ id: issued.id, subject: 'acct-shape', payload: { address: 'shape@example.com' } }));
    await conn.collection('one_time_codes').updateOne({ _id: issued.id as never }, { $set: { sealed } });
    await expect(codes.peek(issued.id, 'verify-email')).resolves.toBeNull();
    await expect(codes.verify({ id: issued.id, purpose: 'verify-email', code: issued.code })).resolves.toEqual({ ok: false, reason: 'invalid' });
  });
});

describe('verify', () => {
  it('accepts the right code once and hands back subject and payload', async () => {
    const payload = { email: 'p@example.com' };
    const issued = await codes.issue({ purpose: 'verify-email', subject: 'acct-1', payload });
    await expect(codes.verify({ id: issued.id, purpose: 'verify-email', code: issued.code })).resolves.toEqual({
      ok: true,
      subject: 'acct-1',
      payload,
    });
    await expect(codes.verify({ id: issued.id, purpose: 'verify-email', code: issued.code })).resolves.toEqual({ ok: false, reason: 'invalid' });
  });

  it('tolerates spaces and dashes a user may type, and nothing else', async () => {
    const issued = await codes.issue({ purpose: 'signup', payload: { existing: true }, subject: 'typing@example.com' });
    const spaced = `${issued.code.slice(0, 3)} - ${issued.code.slice(3)}`;
    await expect(codes.verify({ id: issued.id, purpose: 'signup', code: `${issued.code}0` })).resolves.toEqual({ ok: false, reason: 'invalid' });
    await expect(codes.verify({ id: issued.id, purpose: 'signup', code: spaced })).resolves.toMatchObject({ ok: true });
  });

  it('answers invalid for an unknown id, a wrong purpose and non-string input, without using attempts', async () => {
    const issued = await codes.issue({ purpose: 'password-reset', payload: { email: 'reset@example.com' }, subject: 'acct-2' });
    const answers = await Promise.all([
      codes.verify({ id: 'unknown-id', purpose: 'password-reset', code: issued.code }),
      codes.verify({ id: issued.id, purpose: 'email-change', code: issued.code }),
      codes.verify({ id: { $ne: '' } as never, purpose: 'password-reset', code: issued.code }),
      codes.verify({ id: issued.id, purpose: 'password-reset', code: 12 as never }),
    ]);
    expect(reasons(answers)).toEqual(['invalid', 'invalid', 'invalid', 'invalid']);
    expect(await conn.collection('one_time_code_attempts').countDocuments({ codeId: issued.id })).toBe(0);
    await expect(codes.verify({ id: issued.id, purpose: 'password-reset', code: issued.code })).resolves.toMatchObject({ ok: true });
  });

  it('lets exactly one of 20 concurrent verifiers with the right code through', async () => {
    const issued = await codes.issue({ purpose: 'signup', subject: 'race@example.com', payload: { existing: true } });
    const results = await Promise.all(
      Array.from({ length: 20 }, () => make({ maxAttempts: 20 }).verify({ id: issued.id, purpose: 'signup', code: issued.code })),
    );
    const r = reasons(results);
    expect(count(r, 'ok')).toBe(1);
    expect(count(r, 'invalid')).toBe(19);
    expect(await conn.collection('one_time_codes').countDocuments({ _id: issued.id as never })).toBe(0);
  });

  it('compares at most maxAttempts guesses under concurrency; then even the right code is refused', async () => {
    const issued = await codes.issue({ purpose: 'password-reset', payload: { email: 'reset@example.com' }, subject: 'brute@example.com' });
    const results = await Promise.all(
      Array.from({ length: 20 }, () => make().verify({ id: issued.id, purpose: 'password-reset', code: wrong(issued.code) })),
    );
    const r = reasons(results);
    expect(count(r, 'invalid')).toBe(MAX_ATTEMPTS);
    expect(count(r, 'exhausted')).toBe(20 - MAX_ATTEMPTS);
    expect(await conn.collection('one_time_code_attempts').countDocuments({ codeId: issued.id })).toBe(MAX_ATTEMPTS);
    await expect(codes.verify({ id: issued.id, purpose: 'password-reset', code: issued.code })).resolves.toEqual({ ok: false, reason: 'exhausted' });
    await expect(codes.peek(issued.id, 'password-reset')).resolves.toBeNull();
  });

  it('answers invalid for a code of another subject, without using its owner\'s attempts', async () => {
    const issued = await codes.issue({ purpose: 'email-change', subject: 'acct-owner', payload: { newEmail: 'o@example.com' } });
    for (let i = 0; i < MAX_ATTEMPTS + 1; i++) {
      await expect(codes.verify({ id: issued.id, purpose: 'email-change', code: issued.code, subject: 'acct-intruder' })).resolves.toEqual({ ok: false, reason: 'invalid' });
    }
    expect(await conn.collection('one_time_code_attempts').countDocuments({ codeId: issued.id })).toBe(0);
    await expect(codes.verify({ id: issued.id, purpose: 'email-change', code: issued.code, subject: 'acct-owner' })).resolves.toMatchObject({ ok: true, subject: 'acct-owner' });
  });

  it('still accepts the right code after fewer than maxAttempts failures', async () => {
    const issued = await codes.issue({ purpose: 'email-change', subject: 'acct-3', payload: { newEmail: 'n@example.com' } });
    for (let i = 0; i < MAX_ATTEMPTS - 1; i++) {
      await expect(codes.verify({ id: issued.id, purpose: 'email-change', code: wrong(issued.code) })).resolves.toEqual({ ok: false, reason: 'invalid' });
    }
    await expect(codes.verify({ id: issued.id, purpose: 'email-change', code: issued.code })).resolves.toMatchObject({
      ok: true,
      payload: { newEmail: 'n@example.com' },
    });
  });

  it('answers expired once the lifetime is over, even for the right code', async () => {
    const issued = await codes.issue({ purpose: 'signup', payload: { existing: true }, subject: 'late@example.com', ttlSeconds: 60 });
    clock += 59_000;
    await expect(codes.peek(issued.id, 'signup')).resolves.not.toBeNull();
    clock += 1_000;
    await expect(codes.verify({ id: issued.id, purpose: 'signup', code: issued.code })).resolves.toEqual({ ok: false, reason: 'expired' });
    await expect(codes.peek(issued.id, 'signup')).resolves.toBeNull();
  });

  it('refuses a row whose sealed subject and payload were copied from another code', async () => {
    const victim = await codes.issue({ purpose: 'password-reset', payload: { email: 'reset@example.com' }, subject: 'victim-account' });
    const attacker = await codes.issue({ purpose: 'password-reset', payload: { email: 'reset@example.com' }, subject: 'attacker-account' });
    const rows = conn.collection('one_time_codes');
    const victimRow = await rows.findOne({ _id: victim.id as never });
    await rows.updateOne({ _id: attacker.id as never }, { $set: { sealed: victimRow?.sealed } });
    await expect(codes.verify({ id: attacker.id, purpose: 'password-reset', code: attacker.code })).resolves.toEqual({ ok: false, reason: 'invalid' });
    await expect(codes.peek(attacker.id, 'password-reset')).resolves.toBeNull();
  });

  it('cannot be verified with a different key (the HMAC and the seal depend on it)', async () => {
    const issued = await codes.issue({ purpose: 'signup', payload: { existing: true }, subject: 'keyed@example.com' });
    const otherKey = randomBytes(32);
    const other = make({ key: otherKey, cipher: createCipher(otherKey) });
    await expect(other.verify({ id: issued.id, purpose: 'signup', code: issued.code })).resolves.toEqual({ ok: false, reason: 'invalid' });
  });
});

describe('re-issue and revocation', () => {
  it('a new code for the same purpose and subject ends the earlier ones; other purposes and subjects keep theirs', async () => {
    const first = await codes.issue({ purpose: 'signup', payload: { existing: true }, subject: 'again@example.com' });
    const reset = await codes.issue({ purpose: 'password-reset', payload: { email: 'reset@example.com' }, subject: 'again@example.com' });
    const someoneElse = await codes.issue({ purpose: 'signup', payload: { existing: true }, subject: 'else@example.com' });
    clock += 1;
    const second = await codes.issue({ purpose: 'signup', payload: { existing: true }, subject: 'again@example.com' });
    await expect(codes.verify({ id: first.id, purpose: 'signup', code: first.code })).resolves.toEqual({ ok: false, reason: 'invalid' });
    await expect(codes.peek(first.id, 'signup')).resolves.toBeNull();
    await expect(codes.verify({ id: second.id, purpose: 'signup', code: second.code })).resolves.toMatchObject({ ok: true });
    await expect(codes.peek(reset.id, 'password-reset')).resolves.not.toBeNull();
    await expect(codes.peek(someoneElse.id, 'signup')).resolves.not.toBeNull();
  });

  it('only the newest code works even when a racing issue failed to delete the older one', async () => {
    // The interleaving of two racing issues where the older code is inserted after the newer one's delete ran.
    const start = clock;
    clock = start + 1_000;
    const newer = await codes.issue({ purpose: 'password-reset', payload: { email: 'reset@example.com' }, subject: 'interleaved' });
    clock = start;
    const older = await codes.issue({ purpose: 'password-reset', payload: { email: 'reset@example.com' }, subject: 'interleaved' });
    expect(await conn.collection('one_time_codes').countDocuments({ _id: { $in: [newer.id, older.id] as never[] } })).toBe(2);
    await expect(codes.peek(older.id, 'password-reset')).resolves.toBeNull();
    await expect(codes.verify({ id: older.id, purpose: 'password-reset', code: older.code })).resolves.toEqual({ ok: false, reason: 'invalid' });
    await expect(codes.verify({ id: newer.id, purpose: 'password-reset', code: newer.code })).resolves.toMatchObject({ ok: true });
    // Using the newest code clears the older ones: they do not come back to life as "the newest".
    await expect(codes.verify({ id: older.id, purpose: 'password-reset', code: older.code })).resolves.toEqual({ ok: false, reason: 'invalid' });
    expect(await conn.collection('one_time_codes').countDocuments({ _id: older.id as never })).toBe(0);
  });

  it('concurrent issues for one subject leave exactly one live code', async () => {
    const issued = await Promise.all(Array.from({ length: 8 }, () => make().issue({ purpose: 'verify-email', payload: { email: 'verify@example.com' }, subject: 'burst' })));
    const live = await Promise.all(issued.map((i) => codes.peek(i.id, 'verify-email')));
    expect(live.filter(Boolean)).toHaveLength(1);
  });

  it('revokeSubject ends every code of the subject, whatever the purpose', async () => {
    const a = await codes.issue({ purpose: 'password-reset', payload: { email: 'reset@example.com' }, subject: 'acct-revoked' });
    const b = await codes.issue({ purpose: 'email-change', payload: { newEmail: 'new@example.com' }, subject: 'acct-revoked' });
    const keep = await codes.issue({ purpose: 'email-change', payload: { newEmail: 'new@example.com' }, subject: 'acct-kept' });
    await codes.revokeSubject('acct-revoked');
    await expect(codes.verify({ id: a.id, purpose: 'password-reset', code: a.code })).resolves.toEqual({ ok: false, reason: 'invalid' });
    await expect(codes.verify({ id: b.id, purpose: 'email-change', code: b.code })).resolves.toEqual({ ok: false, reason: 'invalid' });
    await expect(codes.peek(keep.id, 'email-change')).resolves.not.toBeNull();
  });
});

describe('peek', () => {
  it('shows subject, payload and expiry without consuming anything, and only for the right purpose', async () => {
    const issued = await codes.issue({ purpose: 'signup', subject: 'peek@example.com', payload: { existing: true } });
    await expect(codes.peek(issued.id, 'signup')).resolves.toEqual({
      subject: 'peek@example.com',
      payload: { existing: true },
      expiresAt: issued.expiresAt,
    });
    await expect(codes.peek(issued.id, 'password-reset')).resolves.toBeNull();
    await expect(codes.peek('missing', 'signup')).resolves.toBeNull();
    expect(await conn.collection('one_time_code_attempts').countDocuments({ codeId: issued.id })).toBe(0);
    await expect(codes.verify({ id: issued.id, purpose: 'signup', code: issued.code })).resolves.toMatchObject({ ok: true });
    await expect(codes.peek(issued.id, 'signup')).resolves.toBeNull();
  });
});

describe('sweepExpired', () => {
  it('removes expired codes and their attempt rows, and nothing live', async () => {
    const old = await codes.issue({ purpose: 'signup', payload: { existing: true }, subject: 'sweep-old', ttlSeconds: 30 });
    await codes.verify({ id: old.id, purpose: 'signup', code: wrong(old.code) });
    const live = await codes.issue({ purpose: 'signup', payload: { existing: true }, subject: 'sweep-live', ttlSeconds: 3600 });
    await codes.verify({ id: live.id, purpose: 'signup', code: wrong(live.code) });
    clock += 31_000;
    expect(await codes.sweepExpired()).toBeGreaterThanOrEqual(2);
    expect(await conn.collection('one_time_codes').countDocuments({ _id: old.id as never })).toBe(0);
    expect(await conn.collection('one_time_code_attempts').countDocuments({ codeId: old.id })).toBe(0);
    expect(await conn.collection('one_time_codes').countDocuments({ _id: live.id as never })).toBe(1);
    expect(await conn.collection('one_time_code_attempts').countDocuments({ codeId: live.id })).toBe(1);
  });
});
