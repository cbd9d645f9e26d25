import { ofGrant, rowOf, wireOf, type WireDocument } from '../../../adapters/wire.ts';

describe('rows at rest (wire.ts)', () => {
  const expiresAt = new Date('2030-01-01T00:00:00Z');

  it('stores the payload as one JSON string, with what is queried beside it', () => {
    const wire = wireOf({ _id: 'h1', payload: { grantId: 'g1', accountId: 'a1', scope: 'openid' }, expiresAt, accountId: 'a1' });
    expect(wire).toEqual({ _id: 'h1', data: JSON.stringify({ grantId: 'g1', accountId: 'a1', scope: 'openid' }), grantId: 'g1', expiresAt, accountId: 'a1' });
    expect(wire).not.toHaveProperty('payload');
    expect(wireOf({ _id: 'h2', payload: { uid: 'u' } })).not.toHaveProperty('grantId');
  });

  it('gives back exactly what was stored, keys MongoDB would refuse included, and drops what JSON drops', () => {
    const payload = {
      resources: { 'https://api.example.com': 'read' },
      claims: { userinfo: { $weird: null, 'a.b': { essential: true } } },
      authorizations: { 'client.with.dots': { sid: 's' } },
      ['__proto__']: 'data, not a prototype',
      n: 1.5,
      list: [1, 'two', null],
    };
    const back = rowOf(wireOf({ _id: 'h1', payload: JSON.parse(JSON.stringify(payload)), expiresAt }));
    expect(back).toEqual({ _id: 'h1', payload: JSON.parse(JSON.stringify(payload)), expiresAt });
    expect(Object.getPrototypeOf(back.payload)).toBe(Object.prototype);
    expect(rowOf(wireOf({ _id: 'h1', payload: { gone: undefined, kept: 1 } })).payload).toEqual({ kept: 1 });
  });

  it('reads rows written before: a nested payload with its keys escaped, and no grantId of its own', () => {
    const old: WireDocument = { _id: 'h1', payload: { resources: { 'https://api%2Eexample%2Ecom': 'read' }, extra: { '%24weird': 1, '50%25': 2 } }, expiresAt, accountId: 'a1' };
    expect(rowOf(old)).toEqual({ _id: 'h1', payload: { resources: { 'https://api.example.com': 'read' }, extra: { $weird: 1, '50%': 2 } }, expiresAt, accountId: 'a1' });
    expect(rowOf({ _id: 'empty' })).toEqual({ _id: 'empty', payload: {} });
  });

  it('finds a grant\'s rows in both shapes', () => {
    expect(ofGrant('g1')).toEqual({ $or: [{ grantId: 'g1' }, { 'payload.grantId': 'g1' }] });
  });
});
