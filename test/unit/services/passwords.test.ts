import argon2 from 'argon2';
import { hashPassword, needsRehash, PASSWORD_PARAMS, passwordHashQueue, usePasswordHashConcurrency, verifyPassword } from '../../../src/services/passwords.ts';

describe('passwords', () => {
  it('hashes with argon2id at the OWASP parameters', async () => {
    const hash = await hashPassword('correct horse battery staple');
    const [, type, version, params] = hash.split('$');
    expect([type, version]).toEqual(['argon2id', 'v=19']);
    expect(params?.split(',').sort()).toEqual(['m=19456', 'p=1', 't=2']);
    expect(hash).not.toContain('correct horse');
    expect(PASSWORD_PARAMS).toEqual({ memoryCost: 19456, timeCost: 2, parallelism: 1 });
  });

  it('verifies the right password and rejects a wrong one', async () => {
    const hash = await hashPassword('s3cret-password');
    await expect(verifyPassword(hash, 's3cret-password')).resolves.toBe(true);
    await expect(verifyPassword(hash, 's3cret-passwor')).resolves.toBe(false);
  });

  it('treats a malformed stored hash as a failed verification', async () => {
    await expect(verifyPassword('not-a-hash', 'x')).resolves.toBe(false);
  });

  it('asks for a rehash when stored parameters differ from the current ones', async () => {
    const current = await hashPassword('pw-12345678');
    expect(needsRehash(current)).toBe(false);

    const weaker = await hashPassword('pw-12345678', { memoryCost: 4096, timeCost: 1, parallelism: 1 });
    expect(needsRehash(weaker)).toBe(true);
    expect(needsRehash(current, { ...PASSWORD_PARAMS, timeCost: 3 })).toBe(true);
    expect(needsRehash(current, { ...PASSWORD_PARAMS, parallelism: 2 })).toBe(true);

    const argon2i = await argon2.hash('pw-12345678', { type: argon2.argon2i, ...PASSWORD_PARAMS });
    expect(needsRehash(argon2i)).toBe(true);
    expect(needsRehash('garbage')).toBe(true);
  });
});

describe('password normalisation', () => {
  it('accepts the same characters however they were composed, and still verifies hashes of the raw form', async () => {
    const composed = 'caf\u00e9 au lait tous les jours';
    const decomposed = 'cafe\u0301 au lait tous les jours';
    const hash = await hashPassword(composed);
    expect(await verifyPassword(hash, decomposed)).toBe(true);
    expect(await verifyPassword(hash, 'cafe au lait tous les jours')).toBe(false);
    const legacy = await argon2.hash(decomposed, { type: argon2.argon2id });
    expect(await verifyPassword(legacy, decomposed)).toBe(true);
  });
});

describe('password hashing concurrency', () => {
  afterEach(() => usePasswordHashConcurrency(4));

  const cheap = { memoryCost: 1024, timeCost: 1, parallelism: 1 };
  const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

  it('computes at most PASSWORD_HASH_CONCURRENCY hashes at once; the others wait their turn and all finish', async () => {
    usePasswordHashConcurrency(1);
    const hashes = Array.from({ length: 4 }, (_, i) => hashPassword(`password ${i}`, cheap));
    const verified = hashes[0]!.then((h) => verifyPassword(h, 'password 0'));
    await tick();
    expect(passwordHashQueue()).toEqual({ running: 1, waiting: 3 });
    const done = await Promise.all(hashes);
    expect(new Set(done).size).toBe(4);
    expect(await verified).toBe(true);
    expect(passwordHashQueue()).toEqual({ running: 0, waiting: 0 });

    usePasswordHashConcurrency(2);
    const two = Array.from({ length: 3 }, (_, i) => hashPassword(`again ${i}`, cheap));
    await tick();
    expect(passwordHashQueue()).toEqual({ running: 2, waiting: 1 });
    await Promise.all(two);
  });

  it('refuses a concurrency that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => usePasswordHashConcurrency(bad)).toThrow(/positive integer/);
  });
});
