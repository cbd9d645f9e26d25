import { createHash, pbkdf2Sync, scryptSync } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { foreignHashSchema, portableHash, storedForeignHash, verifyForeignHash } from '../../../src/services/foreign-hashes.ts';
import { hashPassword, needsRehash, verifyPassword } from '../../../src/services/passwords.ts';
import { FIREBASE_SCRYPT_VECTOR } from '../../support/firebase-scrypt-vector.ts';

const b64 = (b: Buffer) => b.toString('base64');
const salt = Buffer.from('a-salt-of-16-byt');

/** Each form as an import row gives it, for the password "correct horse". */
const FORMS = {
  bcrypt: bcrypt.hashSync('correct horse', 4),
  pbkdf2: { algorithm: 'pbkdf2-sha256', iterations: 1000, salt: b64(salt), hash: b64(pbkdf2Sync('correct horse', salt, 1000, 32, 'sha256')) },
  pbkdf2_512: { algorithm: 'pbkdf2-sha512', iterations: 1000, salt: b64(salt), hash: b64(pbkdf2Sync('correct horse', salt, 1000, 64, 'sha512')) },
  sha256: { algorithm: 'sha256', salt: b64(salt), hash: b64(createHash('sha256').update(Buffer.concat([salt, Buffer.from('correct horse')])).digest()), salt_position: 'prefix' },
  scrypt: { algorithm: 'scrypt', n: 1024, r: 8, p: 1, salt: b64(salt), hash: b64(scryptSync('correct horse', salt, 32, { N: 1024, r: 8, p: 1 })) },
} as const;

describe('password hashes of other systems', () => {
  it.each(Object.entries(FORMS))('%s: the right password matches, a wrong one does not, and the hash is replaced at sign-in', async (_name, form) => {
    const stored = storedForeignHash(foreignHashSchema.parse(form));
    expect(await verifyPassword(stored, 'correct horse')).toBe(true);
    expect(await verifyPassword(stored, 'correct horsE')).toBe(false);
    expect(needsRehash(stored)).toBe(true);
  });

  it("Firebase's scrypt variant, with the test vector of Firebase's own scrypt tool", async () => {
    const stored = storedForeignHash(
      foreignHashSchema.parse(FIREBASE_SCRYPT_VECTOR.hash),
    );
    expect(await verifyForeignHash(stored, FIREBASE_SCRYPT_VECTOR.password)).toBe(true);
    expect(await verifyForeignHash(stored, 'user2password')).toBe(false);
  });

  it('argon2 hashes are taken as they are; ours need no rehash, an argon2i one does', async () => {
    const ours = await hashPassword('correct horse');
    expect(foreignHashSchema.parse(ours)).toBe(ours);
    expect(needsRehash(ours)).toBe(false);
    const argon2i = '$argon2i$v=19$m=4096,t=3,p=1$c2FsdHNhbHRzYWx0$YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXo';
    expect(foreignHashSchema.parse(argon2i)).toBe(argon2i);
    expect(needsRehash(argon2i)).toBe(true);
  });

  it('refuses what is no hash it knows, and a malformed stored hash never matches', async () => {
    expect(foreignHashSchema.safeParse('5f4dcc3b5aa765d61d8327deb882cf99').success).toBe(false);
    expect(foreignHashSchema.safeParse({ algorithm: 'md5', hash: 'x' }).success).toBe(false);
    expect(foreignHashSchema.safeParse({ algorithm: 'pbkdf2-sha256', iterations: 10, salt: 'c2FsdA==', hash: 'aGFzaA==' }).success).toBe(false);
    expect(await verifyForeignHash('$pbkdf2-sha256$i=1000$$', 'x')).toBe(false);
    expect(await verifyForeignHash('$scrypt$n=0,r=0,p=0$c2FsdA==$aGFzaA==', 'x')).toBe(false);
  });

  it.each([...Object.entries(FORMS), ['firebase', FIREBASE_SCRYPT_VECTOR.hash]])('%s: an export gives the stored hash back in the form an import row gives it', (_name, form) => {
    const parsed = foreignHashSchema.parse(form);
    expect(portableHash(storedForeignHash(parsed))).toEqual(parsed);
  });

  it('an export carries our own argon2id as it is, and nothing for what is no hash', async () => {
    const ours = await hashPassword('correct horse');
    expect(portableHash(ours)).toBe(ours);
    expect(portableHash('')).toBeUndefined();
    expect(portableHash('$pbkdf2-sha256$i=1000$$')).toBeUndefined();
    expect(portableHash('plain text')).toBeUndefined();
  });
});
