// Pairwise subject identifiers (OIDC Core 8.1): an app registered with subject_type=pairwise sees each customer under
// an identifier of its own sector (the host of its redirect URIs, or its sector_identifier_uri), so that apps of
// different sectors cannot correlate a customer by `sub`.
//
// The identifier is the account id (a UUID, 16 bytes) encrypted as one AES-256 block under a key derived for the
// sector from the data encryption key: stable for a (customer, sector), unlinkable across sectors without the key,
// and — unlike a hash — reversible by this server, so that an app's back end can name the customer by the `sub` it
// knows when it calls the API (src/api/app-metadata.ts) and the data export can list what each app calls them. An
// account id that is not a UUID (none is written so) gets a keyed hash instead: stable and unlinkable, not reversible.
import { createCipheriv, createDecipheriv, type KeyObject } from 'node:crypto';
import { createKeyedHash, subKey } from './crypto.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ENCRYPTED = /^[A-Za-z0-9_-]{22}$/;

export interface PairwiseSubjects {
  /** What an app of `sector` calls this account. */
  subjectOf(accountId: string, sector: string): string;
  /**
   * The account an app of `sector` means by `sub`, or undefined when it names none this server issued. Another
   * sector's identifier decrypts to 16 other bytes: 1 time in 64 they form a v4 UUID, an id no account has (2^122
   * possible), so callers always look the account up (the API finds no grant and answers 404).
   */
  accountOf(sub: string, sector: string): string | undefined;
}

export function createPairwiseSubjects(key: Buffer): PairwiseSubjects {
  // One key per sector, derived once: every ID token of a pairwise app needs it.
  const keys = new Map<string, KeyObject>();
  const keyOf = (sector: string) => {
    let sectorKey = keys.get(sector);
    if (!sectorKey) {
      sectorKey = subKey(key, `pairwise-subject\0${sector}`);
      if (keys.size >= 10_000) keys.clear();
      keys.set(sector, sectorKey);
    }
    return sectorKey;
  };
  const hashed = createKeyedHash(key, 'pairwise-subject-hash');
  return {
    subjectOf(accountId, sector) {
      if (!UUID.test(accountId)) return `h.${hashed(sector, accountId)}`;
      const cipher = createCipheriv('aes-256-ecb', keyOf(sector), null).setAutoPadding(false);
      const block = Buffer.from(accountId.replace(/-/g, ''), 'hex');
      return Buffer.concat([cipher.update(block), cipher.final()]).toString('base64url');
    },
    accountOf(sub, sector) {
      if (typeof sub !== 'string' || !ENCRYPTED.test(sub)) return undefined;
      const block = Buffer.from(sub, 'base64url');
      if (block.length !== 16) return undefined;
      const decipher = createDecipheriv('aes-256-ecb', keyOf(sector), null).setAutoPadding(false);
      const hex = Buffer.concat([decipher.update(block), decipher.final()]).toString('hex');
      const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
      // Any 16 bytes decrypt to some 16 bytes: only a well-formed v4 UUID counts (what randomUUID writes).
      return /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id) ? id : undefined;
    },
  };
}
