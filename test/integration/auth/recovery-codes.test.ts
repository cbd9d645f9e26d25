// Recovery codes against the real database: single use under concurrency, HMACs at rest, regeneration.
import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import { createRecoveryCodes, RECOVERY_CODE_COUNT, type RecoveryCodes } from '../../../src/auth/recovery-codes.ts';
import { createAuditLog, type AuditLog } from '../../../src/services/audit.ts';
import { dropAndClose, openTestConnection } from '../../support/db.ts';

let conn: Connection;
let audit: AuditLog;
let codes: RecoveryCodes;
const key = randomBytes(32);
const account = () => `acct-${randomBytes(6).toString('hex')}`;
const FORMAT = /^[2-9a-hjkmnp-z]{4}-[2-9a-hjkmnp-z]{4}-[2-9a-hjkmnp-z]{2}$/;

beforeAll(async () => {
  conn = await openTestConnection();
  audit = createAuditLog(conn);
  codes = createRecoveryCodes({ conn, key, audit });
  await codes.ensureIndexes();
});
afterAll(() => dropAndClose(conn));

describe('generate', () => {
  it('makes ten distinct codes like 7kq4-m2xd-9p from an alphabet without look-alikes', async () => {
    const accountId = account();
    const set = await codes.generate(accountId);
    expect(set).toHaveLength(RECOVERY_CODE_COUNT);
    expect(new Set(set).size).toBe(RECOVERY_CODE_COUNT);
    for (const code of set) expect(code).toMatch(FORMAT);
    expect(set.join('')).not.toMatch(/[01ilo]/);
    await expect(codes.status(accountId)).resolves.toEqual({ remaining: 10, createdAt: expect.any(Date) });
    const events = await audit.list({ accountId, type: 'recovery_codes.generated' });
    expect(events).toHaveLength(1);
    expect(JSON.stringify(events)).not.toContain(set[0]!.slice(0, 4));
  });

  it('stores HMACs only: the raw collection holds no code in any spelling', async () => {
    const accountId = account();
    const set = await codes.generate(accountId);
    const rows = await conn.collection('recovery_codes').find({ accountId }).toArray();
    expect(rows).toHaveLength(10);
    const dump = JSON.stringify(rows);
    for (const code of set) {
      expect(dump).not.toContain(code);
      expect(dump).not.toContain(code.replaceAll('-', ''));
      expect(dump).not.toContain(code.replaceAll('-', '').toUpperCase());
    }
    for (const row of rows) expect(row._id).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('replaces the previous set: old codes stop working at once', async () => {
    const accountId = account();
    const old = await codes.generate(accountId);
    const fresh = await codes.generate(accountId);
    await expect(codes.use(accountId, old[0]!)).resolves.toEqual({ ok: false });
    await expect(codes.remaining(accountId)).resolves.toBe(10);
    await expect(codes.use(accountId, fresh[0]!)).resolves.toEqual({ ok: true, remaining: 9 });
    expect(await conn.collection('recovery_codes').countDocuments({ accountId })).toBe(9);
  });

  it('leaves one working set when two generations race', async () => {
    const accountId = account();
    const [a, b] = await Promise.all([codes.generate(accountId), codes.generate(accountId)]);
    const works = async (set: string[]) => (await codes.use(accountId, set[0]!)).ok;
    const results = [await works(a), await works(b)];
    expect(results.filter(Boolean)).toHaveLength(1);
    await expect(codes.remaining(accountId)).resolves.toBe(9);
  });
});

describe('use', () => {
  it('accepts each code once and counts down', async () => {
    const accountId = account();
    const set = await codes.generate(accountId);
    await expect(codes.use(accountId, set[3]!)).resolves.toEqual({ ok: true, remaining: 9 });
    await expect(codes.use(accountId, set[3]!)).resolves.toEqual({ ok: false });
    await expect(codes.use(accountId, set[4]!)).resolves.toEqual({ ok: true, remaining: 8 });
    const used = await audit.list({ accountId, type: 'recovery_code.used' });
    expect(used.map((e) => e.details)).toEqual([{ remaining: 8 }, { remaining: 9 }]);
  });

  it('accepts exactly one of 10 concurrent uses of the same code', async () => {
    const accountId = account();
    const [code] = await codes.generate(accountId);
    const results = await Promise.all(Array.from({ length: 10 }, () => codes.use(accountId, code!)));
    expect(results.filter((r) => r.ok)).toEqual([{ ok: true, remaining: 9 }]);
    expect(await audit.list({ accountId, type: 'recovery_code.used' })).toHaveLength(1);
  });

  it('spends every code exactly once when all are used at once', async () => {
    const accountId = account();
    const set = await codes.generate(accountId);
    const results = await Promise.all([...set, ...set].map((c) => codes.use(accountId, c)));
    expect(results.filter((r) => r.ok)).toHaveLength(10);
    await expect(codes.status(accountId)).resolves.toEqual({ remaining: 0 });
  });

  it('ignores case, spaces and dashes, and refuses anything that cannot be a code', async () => {
    const accountId = account();
    const [a, b] = await codes.generate(accountId);
    await expect(codes.use(accountId, ` ${a!.toUpperCase().replaceAll('-', ' ')} `)).resolves.toMatchObject({ ok: true });
    await expect(codes.use(accountId, b!.replaceAll('-', ''))).resolves.toMatchObject({ ok: true });
    for (const bad of ['', 'abc', '0000-0000-00', `${a}x`, { $ne: null }]) {
      await expect(codes.use(accountId, bad as string)).resolves.toEqual({ ok: false });
    }
  });

  it("refuses another account's code", async () => {
    const [owner, stranger] = [account(), account()];
    const [code] = await codes.generate(owner);
    await codes.generate(stranger);
    await expect(codes.use(stranger, code!)).resolves.toEqual({ ok: false });
    await expect(codes.use(owner, code!)).resolves.toMatchObject({ ok: true });
  });
});

describe('removeAll', () => {
  it('deletes every code of the account and no other', async () => {
    const [a, b] = [account(), account()];
    const set = await codes.generate(a);
    await codes.generate(b);
    await codes.removeAll(a);
    await expect(codes.status(a)).resolves.toEqual({ remaining: 0 });
    await expect(codes.use(a, set[0]!)).resolves.toEqual({ ok: false });
    await expect(codes.remaining(b)).resolves.toBe(10);
  });
});
