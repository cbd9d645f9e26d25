import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { createLocalJWKSet, importJWK, jwtVerify, SignJWT } from 'jose';
import type { Connection } from 'mongoose';
import { createAuditLog } from '../../../src/services/audit.ts';
import { createCipher, isEncrypted } from '../../../src/services/crypto.ts';
import { createKeyStore, type KeyStoreDeps } from '../../../src/services/keys.ts';
import { dropAndClose, openTestConnection } from '../../support/db.ts';

const cipher = createCipher(randomBytes(32));
const conns: Connection[] = [];

async function store(overrides: Partial<KeyStoreDeps> = {}) {
  const conn = overrides.conn ?? (await openTestConnection());
  if (!overrides.conn) conns.push(conn);
  return { conn, keys: createKeyStore({ conn, cipher, audit: createAuditLog(conn), ...overrides }) };
}

afterAll(async () => {
  for (const conn of conns) await dropAndClose(conn);
});

const publicOnly = ({ d, p, q, dp, dq, qi, ...pub }: Record<string, unknown>) => pub;

describe('key store', () => {
  it('creates a current and a next key per algorithm on first start, once', async () => {
    const { conn, keys } = await store();
    await keys.ensureKeys();
    await keys.ensureKeys();
    const listed = await keys.list();
    expect(listed.map((k) => `${k.alg}:${k.state}`)).toEqual(['ES256:current', 'RS256:current', 'EdDSA:current', 'ES256:next', 'RS256:next', 'EdDSA:next']);
    expect(listed.every((k) => k.createdAt instanceof Date)).toBe(true);
    expect(listed.filter((k) => k.state === 'current').every((k) => k.activatedAt instanceof Date)).toBe(true);
    expect(JSON.stringify(listed)).not.toMatch(/"d"|privateJwk/);
    const created = await createAuditLog(conn).list({ type: 'key.created' });
    expect(created).toHaveLength(3);
  });

  it('creates no duplicates when two processes start at the same time', async () => {
    const { conn, keys } = await store();
    // A second connection stands for the second process: separate pool, same database.
    const other = await openTestConnection(conn.name);
    conns.push(other);
    const second = createKeyStore({ conn: other, cipher, audit: createAuditLog(other) });
    await Promise.all([keys.ensureKeys(), second.ensureKeys(), keys.ensureKeys()]);
    const listed = await keys.list();
    expect(listed).toHaveLength(6);
    expect(await second.fingerprint()).toBe(await keys.fingerprint());
    expect((await keys.providerJwks()).keys.map((k) => k.kid)).toEqual((await second.providerJwks()).keys.map((k) => k.kid));
  });

  it('stores private parts only encrypted', async () => {
    const { conn, keys } = await store();
    await keys.ensureKeys();
    const raw = await conn.collection('signing_keys').find().toArray();
    expect(raw).toHaveLength(3);
    for (const ring of raw) {
      for (const key of ring.keys as Record<string, unknown>[]) {
        expect(isEncrypted(key.privateJwk)).toBe(true);
        expect(key.publicJwk).not.toHaveProperty('d');
        expect(JSON.parse(cipher.decrypt(key.privateJwk as string))).toHaveProperty('d');
      }
    }
  });

  it('hands oidc-provider current keys first, signing only with current ones, publishable by jose', async () => {
    const { keys } = await store();
    await keys.ensureKeys();
    const jwks = await keys.providerJwks();
    const states = new Map((await keys.list()).map((k) => [k.kid, k.state]));
    expect(jwks.keys.map((k) => [k.alg, states.get(k.kid!), k.key_ops])).toEqual([
      ['ES256', 'current', undefined],
      ['RS256', 'current', undefined],
      ['EdDSA', 'current', undefined],
      ['ES256', 'next', undefined],
      ['RS256', 'next', undefined],
      ['EdDSA', 'next', undefined],
    ]);
    expect(jwks.keys.every((k) => k.use === 'sig' && typeof k.d === 'string' && typeof k.kid === 'string')).toBe(true);

    // What the JWKS endpoint publishes (public parts, key_ops kept) must verify what the current keys sign.
    const published = createLocalJWKSet({ keys: jwks.keys.map((k) => publicOnly(k as Record<string, unknown>)) });
    for (const jwk of jwks.keys.slice(0, 3)) {
      const token = await new SignJWT({ sub: 'x' }).setProtectedHeader({ alg: jwk.alg!, kid: jwk.kid! }).sign(await importJWK(jwk, jwk.alg));
      await expect(jwtVerify(token, published)).resolves.toBeDefined();
    }
  });

  it('is accepted by oidc-provider, which publishes every live key without private parts', async () => {
    const { keys } = await store();
    await keys.ensureKeys();
    await keys.rotate({ retainSeconds: 60 });
    const jwks = await keys.providerJwks();
    const provider = new Provider('http://127.0.0.1', { jwks });
    const server = createServer(provider.callback()).listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`);
      const published = (await res.json()) as { keys: Record<string, unknown>[] };
      expect(published.keys.map((k) => k.kid)).toEqual(jwks.keys.map((k) => k.kid));
      expect(published.keys.some((k) => 'd' in k)).toBe(false);
      expect(published.keys.filter((k) => k.key_ops !== undefined)).toHaveLength(0);
    } finally {
      server.close();
    }
  });

  it('rotates: next becomes current, current retires for retainSeconds, a new next appears', async () => {
    let clock = new Date('2030-01-01T00:00:00Z');
    const { conn, keys } = await store({ now: () => clock.getTime(), algs: ['ES256', 'EdDSA'] });
    await keys.ensureKeys();
    const before = await keys.list();
    const fp0 = await keys.fingerprint();
    const kid = (alg: string, state: string, list = before) => list.find((k) => k.alg === alg && k.state === state)!.kid;

    clock = new Date('2030-01-02T00:00:00Z');
    const result = await keys.rotate({ retainSeconds: 3600 });
    expect(result.activated).toEqual([kid('ES256', 'next'), kid('EdDSA', 'next')]);
    expect(result.retired).toEqual([kid('ES256', 'current'), kid('EdDSA', 'current')]);
    expect(result.created).toHaveLength(2);
    expect(result.removed).toEqual([]);

    const after = await keys.list();
    expect(after.map((k) => `${k.alg}:${k.state}`)).toEqual(['ES256:current', 'EdDSA:current', 'ES256:next', 'EdDSA:next', 'ES256:retired', 'EdDSA:retired']);
    const retired = after.find((k) => k.kid === kid('ES256', 'current'))!;
    expect(retired.retiredAt).toEqual(clock);
    expect(retired.removeAfter).toEqual(new Date(clock.getTime() + 3600_000));
    expect(after.find((k) => k.kid === kid('ES256', 'next'))!.activatedAt).toEqual(clock);
    expect(await keys.fingerprint()).not.toBe(fp0);

    const jwks = await keys.providerJwks();
    // The newly current keys lead (oidc-provider signs with the first key of each algorithm).
    expect(jwks.keys.slice(0, 2).map((k) => k.kid)).toEqual([kid('ES256', 'next'), kid('EdDSA', 'next')]);
    const [event] = await createAuditLog(conn).list({ type: 'key.rotated' });
    expect(event?.details).toMatchObject({ retainSeconds: 3600, activated: result.activated });

    // Past removeAfter the retired key is no longer published, and the next rotation deletes it.
    const fp1 = await keys.fingerprint();
    clock = new Date(clock.getTime() + 3601_000);
    expect((await keys.list()).some((k) => k.state === 'retired')).toBe(false);
    expect(await keys.fingerprint()).not.toBe(fp1);
    const second = await keys.rotate({ retainSeconds: 0 });
    expect(second.removed.sort()).toEqual([kid('ES256', 'current'), kid('EdDSA', 'current')].sort());
    const raw = await conn.collection('signing_keys').find().toArray();
    expect(raw.flatMap((r) => (r.keys as { state: string }[]).map((k) => k.state)).sort()).toEqual(['current', 'current', 'next', 'next', 'retired', 'retired']);
  });

  it('lets two concurrent rotations both land in full instead of interleaving', async () => {
    const { conn, keys } = await store({ algs: ['ES256'] });
    await keys.ensureKeys();
    const other = createKeyStore({ conn, cipher, audit: createAuditLog(conn), algs: ['ES256'] });
    await Promise.all([keys.rotate({ retainSeconds: 60 }), other.rotate({ retainSeconds: 60 })]);
    const states = (await keys.list()).map((k) => k.state);
    expect(states).toEqual(['current', 'next', 'retired', 'retired']);
    // Superseded versions of the ring are deleted once a newer one exists.
    expect(await conn.collection('signing_keys').countDocuments()).toBe(1);
  });

  it('rejects a negative or fractional retention', async () => {
    const { keys } = await store({ algs: ['ES256'] });
    await expect(keys.rotate({ retainSeconds: -1 })).rejects.toMatchObject({ status: 400 });
    await expect(keys.rotate({ retainSeconds: 1.5 })).rejects.toMatchObject({ status: 400 });
  });
});
