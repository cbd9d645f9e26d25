// Attempt budgets on the real database server: exact under concurrency, across connections (processes), and after
// claims expire.
import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import { createAttemptBudget, SWEEP_GRACE_MS, type AttemptBudget } from '../../../src/auth/attempts.ts';
import { dropAndClose, openTestConnection } from '../../support/db.ts';

const dbName = `t_attempts_${randomBytes(4).toString('hex')}`;
let conn: Connection;
let other: Connection;
let budget: AttemptBudget;
let clock = Date.now();

const key = () => `k:${randomBytes(6).toString('hex')}`;
const inMinutes = (m: number) => new Date(clock + m * 60_000);
const count = (results: boolean[]) => results.filter(Boolean).length;

beforeAll(async () => {
  conn = await openTestConnection(dbName);
  // A second connection stands for a second server process sharing the database.
  other = await openTestConnection(dbName);
  budget = createAttemptBudget({ conn, now: () => clock });
  await budget.ensureIndexes();
});
afterAll(async () => {
  await other.close();
  await dropAndClose(conn);
});
beforeEach(() => {
  clock = Date.now();
});

// Claim rows of a key (its head row, where the next caller starts, is not a claim).
const claims = (collection: string, k: string) => conn.collection(collection).countDocuments({ key: k, _id: { $ne: `${k}:head` } as never });

describe('take', () => {
  it('grants exactly max claims, then refuses', async () => {
    const k = key();
    const results: boolean[] = [];
    for (let i = 0; i < 5; i++) results.push(await budget.take(k, 3, inMinutes(15)));
    expect(results).toEqual([true, true, true, false, false]);
  });

  it('grants exactly max of 20 concurrent claims', async () => {
    const k = key();
    const results = await Promise.all(Array.from({ length: 20 }, () => budget.take(k, 5, inMinutes(15))));
    expect(count(results)).toBe(5);
    expect(await claims('mfa_attempts', k)).toBe(5);
  });

  it('is exact across processes sharing the database', async () => {
    const k = key();
    const second = createAttemptBudget({ conn: other, now: () => clock });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? budget : second).take(k, 4, inMinutes(15))),
    );
    expect(count(results)).toBe(4);
  });

  it('keeps keys apart', async () => {
    const [a, b] = [key(), key()];
    expect(await budget.take(a, 1, inMinutes(1))).toBe(true);
    expect(await budget.take(a, 1, inMinutes(1))).toBe(false);
    expect(await budget.take(b, 1, inMinutes(1))).toBe(true);
  });

  it('counts a claim only until it expires, and stays exact for the freed slots', async () => {
    const k = key();
    expect(count(await Promise.all(Array.from({ length: 6 }, () => budget.take(k, 3, inMinutes(10)))))).toBe(3);
    clock += 5 * 60_000;
    expect(await budget.take(k, 3, inMinutes(10))).toBe(false);
    clock += 5 * 60_000 + 1;
    // All three claims have expired (their rows are still there): three new ones, however many ask at once.
    expect(count(await Promise.all(Array.from({ length: 20 }, () => budget.take(k, 3, inMinutes(10)))))).toBe(3);
  });

  it('frees slots one by one as claims with different expiries lapse', async () => {
    const k = key();
    expect(await budget.take(k, 2, inMinutes(1))).toBe(true);
    expect(await budget.take(k, 2, inMinutes(5))).toBe(true);
    expect(await budget.take(k, 2, inMinutes(5))).toBe(false);
    clock += 2 * 60_000;
    expect(count(await Promise.all(Array.from({ length: 5 }, () => budget.take(k, 2, inMinutes(5)))))).toBe(1);
  });

  it('refuses a bad key, budget or expiry', async () => {
    await expect(budget.take('', 3, inMinutes(1))).rejects.toThrow(/key/);
    await expect(budget.take({ $ne: null } as never, 3, inMinutes(1))).rejects.toThrow(/key/);
    await expect(budget.take(key(), 0, inMinutes(1))).rejects.toThrow(/budget/);
    await expect(budget.take(key(), 1.5, inMinutes(1))).rejects.toThrow(/budget/);
    await expect(budget.take(key(), 3, new Date(clock - 1))).rejects.toThrow(/expiry/);
  });

  it('uses the collection it is given', async () => {
    const custom = createAttemptBudget({ conn, collection: 'custom_attempts', now: () => clock });
    const k = key();
    expect(await custom.take(k, 1, inMinutes(1))).toBe(true);
    expect(await claims('custom_attempts', k)).toBe(1);
    expect(await claims('mfa_attempts', k)).toBe(0);
  });
});

describe('sweepExpired', () => {
  it('deletes rows only a grace period after they stopped counting, and the budget stays exact', async () => {
    const k = key();
    expect(count(await Promise.all(Array.from({ length: 4 }, () => budget.take(k, 2, inMinutes(1)))))).toBe(2);
    clock += 2 * 60_000;
    await budget.sweepExpired();
    // Expired, but within the grace period: kept, so that a stalled caller's view cannot make it re-use an id.
    expect(await claims('mfa_attempts', k)).toBe(2);
    clock += SWEEP_GRACE_MS;
    expect(await budget.sweepExpired()).toBeGreaterThanOrEqual(2);
    expect(await claims('mfa_attempts', k)).toBe(0);
    expect(count(await Promise.all(Array.from({ length: 10 }, () => budget.take(k, 2, inMinutes(1)))))).toBe(2);
  });
});
