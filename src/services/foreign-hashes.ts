// Password hashes of other systems, kept as imported (src/services/user-import.ts) until their owner next signs in:
// the password is then checked against them once and hashed again with our argon2id (users.authenticate's rehash).
// Stored forms: bcrypt and argon2 strings as they are ($2b$…, $argon2i$…), the others in a PHC-like string of ours:
//   $pbkdf2-sha256$i=<iterations>$<salt b64>$<hash b64>        (also -sha512)
//   $sha256$<prefix|suffix>$<salt b64>$<hash b64>               (one salted SHA-256: salt before or after the password)
//   $scrypt$n=<N>,r=<r>,p=<p>$<salt b64>$<hash b64>
//   $firebase-scrypt$r=<rounds>,m=<mem cost>$<salt b64>$<separator b64>$<signer key b64>$<hash b64>
// Every comparison is constant-time; a malformed hash never matches.
import { createCipheriv, createHash, pbkdf2, scrypt, timingSafeEqual, type BinaryLike } from 'node:crypto';
import { promisify } from 'node:util';
import bcrypt from 'bcryptjs';
import { z } from 'zod';

const pbkdf2Async = promisify(pbkdf2);
const scryptAsync = promisify(scrypt) as (password: BinaryLike, salt: BinaryLike, keylen: number, options: { N: number; r: number; p: number; maxmem: number }) => Promise<Buffer>;

const b64 = z.string().min(1).max(1024).regex(/^[A-Za-z0-9+/=_-]+$/, { message: 'must be base64' });
const fromB64 = (s: string) => Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');

/** A hash as an import row gives it: a bcrypt/argon2 string, or the parts of one of the other forms. */
export const foreignHashSchema = z.union([
  z.string().regex(/^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/, { message: 'a string hash must be bcrypt ($2a$/$2b$/$2y$) or argon2 ($argon2i$/$argon2id$)' }).or(z.string().regex(/^\$argon2(i|d|id)\$v=\d+\$[mtp]=\d+,[mtp]=\d+,[mtp]=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/)),
  z.object({ algorithm: z.enum(['pbkdf2-sha256', 'pbkdf2-sha512']), iterations: z.number().int().min(1000).max(10_000_000), salt: b64, hash: b64 }).strict(),
  z.object({ algorithm: z.literal('sha256'), salt: b64, hash: b64, salt_position: z.enum(['prefix', 'suffix']).default('suffix') }).strict(),
  z.object({ algorithm: z.literal('scrypt'), salt: b64, hash: b64, n: z.number().int().min(2).max(1 << 20), r: z.number().int().min(1).max(32), p: z.number().int().min(1).max(16) }).strict(),
  z
    .object({ algorithm: z.literal('firebase-scrypt'), salt: b64, hash: b64, salt_separator: b64, signer_key: b64, rounds: z.number().int().min(1).max(32), mem_cost: z.number().int().min(1).max(20) })
    .strict(),
]);

export type ForeignHash = z.infer<typeof foreignHashSchema>;

/** The stored form of an imported hash. */
export function storedForeignHash(hash: ForeignHash): string {
  if (typeof hash === 'string') return hash;
  switch (hash.algorithm) {
    case 'pbkdf2-sha256':
    case 'pbkdf2-sha512':
      return `$${hash.algorithm}$i=${hash.iterations}$${hash.salt}$${hash.hash}`;
    case 'sha256':
      return `$sha256$${hash.salt_position}$${hash.salt}$${hash.hash}`;
    case 'scrypt':
      return `$scrypt$n=${hash.n},r=${hash.r},p=${hash.p}$${hash.salt}$${hash.hash}`;
    case 'firebase-scrypt':
      return `$firebase-scrypt$r=${hash.rounds},m=${hash.mem_cost}$${hash.salt}$${hash.salt_separator}$${hash.signer_key}$${hash.hash}`;
  }
}

/**
 * A stored hash in the form an import row gives it (storedForeignHash's inverse): what an export for another system
 * carries. Our own argon2id strings and bcrypt/argon2 ones are strings already; undefined for anything else.
 */
export function portableHash(stored: string): ForeignHash | undefined {
  if (/^\$(2[aby]|argon2(i|d|id))\$/.test(stored)) return foreignHashSchema.safeParse(stored).data;
  const [, kind, a, b, c, d, e] = stored.split('$');
  const p = params(a);
  let hash: unknown;
  if (kind === 'pbkdf2-sha256' || kind === 'pbkdf2-sha512') hash = { algorithm: kind, iterations: p.get('i'), salt: b, hash: c };
  else if (kind === 'sha256') hash = { algorithm: 'sha256', salt_position: a, salt: b, hash: c };
  else if (kind === 'scrypt') hash = { algorithm: 'scrypt', n: p.get('n'), r: p.get('r'), p: p.get('p'), salt: b, hash: c };
  else if (kind === 'firebase-scrypt') hash = { algorithm: 'firebase-scrypt', rounds: p.get('r'), mem_cost: p.get('m'), salt: b, salt_separator: c, signer_key: d, hash: e };
  return foreignHashSchema.safeParse(hash).data;
}

const same = (a: Buffer, b: Buffer) => a.length === b.length && a.length > 0 && timingSafeEqual(a, b);
const params = (s: string | undefined) => new Map((s ?? '').split(',').map((kv) => kv.split('=') as [string, string]).map(([k, v]) => [k, Number(v)]));

/** Whether `hash` is one of the foreign forms (argon2 is ours to verify, with argon2 itself). */
export const isForeignHash = (hash: string) => /^\$(2[aby]|pbkdf2-sha(256|512)|sha256|scrypt|firebase-scrypt)\$/.test(hash);

/** Checks a password against a foreign hash; false for a wrong password and for anything malformed. */
export async function verifyForeignHash(hash: string, password: string): Promise<boolean> {
  try {
    if (/^\$2[aby]\$/.test(hash)) return await bcrypt.compare(password, hash);
    const [, kind, a, b, c, d, e] = hash.split('$');
    if (kind === 'pbkdf2-sha256' || kind === 'pbkdf2-sha512') {
      const iterations = params(a).get('i') ?? 0;
      const expected = fromB64(c ?? '');
      if (!(iterations >= 1000 && iterations <= 10_000_000)) return false;
      return same(await pbkdf2Async(password, fromB64(b ?? ''), iterations, expected.length, kind === 'pbkdf2-sha256' ? 'sha256' : 'sha512'), expected);
    }
    if (kind === 'sha256') {
      const salt = fromB64(b ?? '');
      const input = a === 'prefix' ? Buffer.concat([salt, Buffer.from(password)]) : Buffer.concat([Buffer.from(password), salt]);
      return same(createHash('sha256').update(input).digest(), fromB64(c ?? ''));
    }
    if (kind === 'scrypt') {
      const p = params(a);
      const expected = fromB64(c ?? '');
      const N = p.get('n') ?? 0;
      const r = p.get('r') ?? 0;
      return same(await scryptAsync(password, fromB64(b ?? ''), expected.length, { N, r, p: p.get('p') ?? 0, maxmem: 256 * N * r + (1 << 20) }), expected);
    }
    if (kind === 'firebase-scrypt') {
      // Firebase's variant: scrypt of the password with salt+separator, whose first 32 bytes key AES-256-CTR (zero IV)
      // over the project's signer key; the result is the stored hash.
      const p = params(a);
      const N = 2 ** (p.get('m') ?? 0);
      const r = p.get('r') ?? 0;
      const derived = await scryptAsync(password, Buffer.concat([fromB64(b ?? ''), fromB64(c ?? '')]), 64, { N, r, p: 1, maxmem: 256 * N * r + (1 << 20) });
      const cipher = createCipheriv('aes-256-ctr', derived.subarray(0, 32), Buffer.alloc(16));
      const signed = Buffer.concat([cipher.update(fromB64(d ?? '')), cipher.final()]);
      return same(signed, fromB64(e ?? ''));
    }
    return false;
  } catch {
    return false;
  }
}
