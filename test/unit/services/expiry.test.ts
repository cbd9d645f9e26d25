// One registry of stores whose rows expire: TTL indexes where the server has them, a sweep where it refuses them.
import { jest } from '@jest/globals';
import { createExpiry, type ExpiringStore } from '../../../src/services/expiry.ts';

function store(ttl: boolean): ExpiringStore & { sweeps: number; indexed: number } {
  const s = {
    sweeps: 0,
    indexed: 0,
    async ensureIndexes() {
      s.indexed += 1;
      return { ttl };
    },
    async sweepExpired() {
      s.sweeps += 1;
      return 0;
    },
  };
  return s;
}

afterEach(() => jest.useRealTimers());

it('indexes every store and, once started, sweeps only those without a TTL index until stopped', async () => {
  jest.useFakeTimers();
  const expiry = createExpiry({ intervalSeconds: 60 });
  const [timed, untimed, other] = [store(true), store(false), store(false)];
  await expiry.add(timed);
  await expiry.add(untimed, other);
  expect([timed.indexed, untimed.indexed, other.indexed]).toEqual([1, 1, 1]);
  expect(expiry.swept).toBe(2);

  await jest.advanceTimersByTimeAsync(120_000);
  expect(untimed.sweeps).toBe(0); // nothing is swept before start()
  expiry.start();
  expiry.start(); // once only
  await jest.advanceTimersByTimeAsync(120_000);
  expect([timed.sweeps, untimed.sweeps, other.sweeps]).toEqual([0, 2, 2]);
  expiry.stop();
  await jest.advanceTimersByTimeAsync(120_000);
  expect(untimed.sweeps).toBe(2);
});
