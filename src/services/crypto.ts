// Encryption of secrets at rest (private signing keys, client secrets): AES-256-GCM with a key from configuration.
// The output is self-describing ("v1.<iv>.<tag>.<ciphertext>", base64url) so that the format can evolve.
import { createCipheriv, createDecipheriv, createHmac, createSecretKey, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';

export interface Cipher {
  encrypt(plaintext: string): string;
  decrypt(sealed: string): string;
}

const PREFIX = 'v1';

export function createCipher(raw: Buffer): Cipher {
  if (raw.length !== 32) throw new Error('data encryption key must be 32 bytes');
  // A KeyObject made once: handed a Buffer, every cipher would build (and check) one of its own (see subKey).
  const key = createSecretKey(raw);
  return {
    encrypt(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [PREFIX, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
    },
    decrypt(sealed) {
      const [prefix, iv, tag, body] = sealed.split('.');
      if (prefix !== PREFIX || !iv || !tag || body === undefined) throw new Error('not an encrypted value');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}

export function isEncrypted(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(`${PREFIX}.`) && value.split('.').length === 4;
}

/**
 * The key of one use of the data encryption key (HKDF-SHA256 with the use's name as info): HMACs and signatures of
 * one use say nothing about another's, and none reveals the key itself. A KeyObject, so that each HMAC or cipher
 * made with it skips the conversion (and checks) a raw Buffer key costs on every call (about 8× the HMAC itself).
 */
export function subKey(key: Buffer, purpose: string): KeyObject {
  return createSecretKey(Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), purpose, 32)));
}

/** A keyed hash (HMAC-SHA256, base64url) of the parts, joined by NUL, under the sub-key of one purpose. */
export function createKeyedHash(key: Buffer, purpose: string): (...parts: string[]) => string {
  const macKey = subKey(key, purpose);
  return (...parts) => createHmac('sha256', macKey).update(parts.join('\0')).digest('base64url');
}
