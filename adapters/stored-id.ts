// How a credential's id becomes the key it is stored under: a keyed hash (HMAC-SHA256 under a sub-key of the data
// encryption key). Whoever reads the database learns neither the tokens nor anything to present at an endpoint; only
// a process holding the key can go from a presented value to its row.
import { createKeyedHash } from '../src/services/crypto.ts';
import { HASHED } from './models.ts';

/** Stored ids of hashed rows start with this; raw ids never contain a dot (nanoid's alphabet), so the two never mix. */
export const STORED_PREFIX = 'h1.';

export interface StoredIds {
  /** The `_id` a row of `model` with this id is stored under. */
  of(model: string, id: string): string;
  /** The `_id` of the lookup row of a device flow's user code. */
  ofUserCode(userCode: string): string;
}

export function createStoredIds(key: Buffer): StoredIds {
  const mac = createKeyedHash(key, 'oidc-stored-ids');
  return {
    of: (model, id) => (HASHED.has(model) ? `${STORED_PREFIX}${mac(id)}` : id),
    ofUserCode: (userCode) => `uc.${mac('user-code', userCode)}`,
  };
}

/** True for an `_id` written before ids were hashed (a row to migrate). */
export const isLegacyId = (model: string, id: string): boolean =>
  HASHED.has(model) && !id.startsWith(STORED_PREFIX) && !id.startsWith('uc.');
