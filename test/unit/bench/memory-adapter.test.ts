// The benchmark's baseline store: what makes the bare provider's figures comparable with ours is that it never loses
// a live row (no eviction), and that it expires and revokes like a real adapter.
import { createMapAdapter } from '../../../bench/memory-adapter.ts';

describe('bench Map adapter', () => {
  it('keeps every row however many are stored', async () => {
    const Adapter = createMapAdapter();
    const tokens = new Adapter('RefreshToken');
    for (let i = 0; i < 3000; i++) await tokens.upsert(`rt${i}`, { grantId: `g${i}` }, 3600);
    expect(await tokens.find('rt0')).toEqual({ grantId: 'g0' });
    expect(await tokens.find('rt2999')).toEqual({ grantId: 'g2999' });
  });

  it('forgets expired rows and rows of a revoked grant, in every model', async () => {
    const Adapter = createMapAdapter();
    const codes = new Adapter('AuthorizationCode');
    const access = new Adapter('AccessToken');
    await codes.upsert('gone', { grantId: 'g1' }, 0);
    expect(await codes.find('gone')).toBeUndefined();
    await codes.upsert('c1', { grantId: 'g2' }, 60);
    await access.upsert('a1', { grantId: 'g2' }, 60);
    await access.upsert('a2', { grantId: 'g3' }, 60);
    await codes.revokeByGrantId('g2');
    expect(await codes.find('c1')).toBeUndefined();
    expect(await access.find('a1')).toBeUndefined();
    expect(await access.find('a2')).toEqual({ grantId: 'g3' });
  });

  it('finds sessions by uid, marks consumption and destroys', async () => {
    const Adapter = createMapAdapter();
    const sessions = new Adapter('Session');
    await sessions.upsert('s1', { uid: 'u1', accountId: 'a' }, 60);
    expect(await sessions.findByUid('u1')).toEqual({ uid: 'u1', accountId: 'a' });
    const codes = new Adapter('AuthorizationCode');
    await codes.upsert('c1', {}, 60);
    await codes.consume('c1');
    expect(typeof (await codes.find('c1'))?.consumed).toBe('number');
    await sessions.destroy('s1');
    expect(await sessions.findByUid('u1')).toBeUndefined();
  });
});
