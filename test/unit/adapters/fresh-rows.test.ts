import { createFreshRows } from '../../../adapters/fresh-rows.ts';
import type { StoredDocument } from '../../../adapters/types.ts';

const row = (id: string, payload: Record<string, unknown> = {}, expiresAt?: Date): StoredDocument => ({ _id: id, payload, ...(expiresAt ? { expiresAt } : {}) });

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('sessions and grants just written or read (fresh-rows)', () => {
  it('serves a written row as a copy of its own until the bound, then reads again', () => {
    const time = clock();
    const fresh = createFreshRows(2000, time.now);
    fresh.wrote('Grant', [row('g1', { scope: 'openid' })]);
    const first = fresh.get('Grant', 'g1')!;
    expect(first.payload).toEqual({ scope: 'openid' });
    first.payload.scope = 'changed by a caller';
    expect(fresh.get('Grant', 'g1')!.payload.scope).toBe('openid');
    time.advance(1999);
    expect(fresh.get('Grant', 'g1')).toBeDefined();
    time.advance(1);
    expect(fresh.get('Grant', 'g1')).toBeUndefined();
  });

  it('a hit does not extend the bound: only a database read or a write does', () => {
    const time = clock();
    const fresh = createFreshRows(2000, time.now);
    fresh.read('Session', [row('s1')], fresh.ticket());
    time.advance(1500);
    expect(fresh.get('Session', 's1')).toBeDefined();
    time.advance(600);
    expect(fresh.get('Session', 's1')).toBeUndefined();
  });

  it('never serves a row past its own expiry', () => {
    const fresh = createFreshRows(5000);
    fresh.wrote('Session', [row('s1', {}, new Date(Date.now() - 1))]);
    expect(fresh.get('Session', 's1')).toBeUndefined();
  });

  it('a read that was in flight while the row changed is not kept (the change wins)', () => {
    const fresh = createFreshRows(2000);
    const before = fresh.ticket();
    fresh.wrote('Grant', [row('g1', { version: 2 })]);
    fresh.read('Grant', [row('g1', { version: 1 })], before);
    expect(fresh.get('Grant', 'g1')!.payload.version).toBe(2);

    const beforeDelete = fresh.ticket();
    fresh.dropped('Grant', ['g1']);
    fresh.read('Grant', [row('g1', { version: 2 })], beforeDelete);
    expect(fresh.get('Grant', 'g1')).toBeUndefined();
    // A read begun after the change is kept.
    fresh.read('Grant', [row('g1', { version: 3 })], fresh.ticket());
    expect(fresh.get('Grant', 'g1')!.payload.version).toBe(3);
  });

  it('dropping a whole model forgets every row of it and refuses reads begun before, leaving other models alone', () => {
    const fresh = createFreshRows(2000);
    fresh.wrote('Session', [row('s1'), row('s2')]);
    fresh.wrote('Grant', [row('g1')]);
    const before = fresh.ticket();
    fresh.droppedAll('Session');
    fresh.read('Session', [row('s3')], before);
    expect(fresh.get('Session', 's1')).toBeUndefined();
    expect(fresh.get('Session', 's2')).toBeUndefined();
    expect(fresh.get('Session', 's3')).toBeUndefined();
    expect(fresh.get('Grant', 'g1')).toBeDefined();
  });

  it('keeps nothing of other models (tokens, codes, clients), nor anything at all with a bound of 0', () => {
    const fresh = createFreshRows(2000);
    fresh.wrote('AccessToken', [row('t1')]);
    fresh.read('RefreshToken', [row('r1')], fresh.ticket());
    expect(fresh.get('AccessToken', 't1')).toBeUndefined();
    expect(fresh.get('RefreshToken', 'r1')).toBeUndefined();
    const off = createFreshRows(0);
    off.wrote('Session', [row('s1')]);
    expect(off.get('Session', 's1')).toBeUndefined();
  });
});
