import { randomBytes } from 'node:crypto';
import { createCipher, isEncrypted } from '../../src/services/crypto.ts';

describe('createCipher', () => {
  const cipher = createCipher(randomBytes(32));

  it('round-trips and never returns the plaintext', () => {
    const sealed = cipher.encrypt('s3cret-value');
    expect(sealed).not.toContain('s3cret');
    expect(isEncrypted(sealed)).toBe(true);
    expect(cipher.decrypt(sealed)).toBe('s3cret-value');
  });

  it('uses a fresh IV each time', () => {
    expect(cipher.encrypt('x')).not.toBe(cipher.encrypt('x'));
  });

  it('rejects tampering and the wrong key', () => {
    const sealed = cipher.encrypt('value');
    const parts = sealed.split('.');
    parts[3] = Buffer.from('other').toString('base64url');
    expect(() => cipher.decrypt(parts.join('.'))).toThrow();
    expect(() => createCipher(randomBytes(32)).decrypt(sealed)).toThrow();
    expect(() => cipher.decrypt('plain')).toThrow('not an encrypted value');
  });
});
