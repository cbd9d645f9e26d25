// How a credential's id becomes the key it is stored under: a keyed hash (HMAC-SHA256 under a sub-key of the data
// encryption key). Whoever reads the database learns neither the tokens nor anything to present at an endpoint; only
// a process holding the key can go from a presented value to its row.
import { createKeyedHash } from '../src/services/crypto.ts';
import { HASHED } from './models.ts';

/** Stored ids of hashed rows start with this; raw ids never contain a dot (nanoid's alphabet), so the two never mix. */
export const STORED_PREFIX = 'h1.';

/**
 * A consumable row's consumption marker is stored beside it, under its stored id with this prefix: a unique insert that
 * exactly one consumer can win, read together with the row in one `_id: {$in}` lookup.
 */
export const CONSUMED_PREFIX = 'c.';

export const consumedMarkerOf = (storedId: string): string => `${CONSUMED_PREFIX}${storedId}`;

/**
 * A session's copy keyed by its uid (how oidc-provider finds a session from an interaction, a code or a token) lives
 * beside the session row under this prefix, so that a save writes both in one command and an end deletes both in one.
 */
export const SESSION_UID_PREFIX = 'uid.';

/** A device flow's user-code lookup row: this prefix and the keyed hash of the code. */
const USER_CODE_PREFIX = 'uc.';

export const sessionUidRowOf = (uid: string): string => `${SESSION_UID_PREFIX}${uid}`;

/** True for the `_id` of a companion row (a consumption marker, a user-code lookup, a session's uid copy). */
export const isCompanionId = (id: string): boolean =>
  id.startsWith(CONSUMED_PREFIX) || id.startsWith(USER_CODE_PREFIX) || id.startsWith(SESSION_UID_PREFIX);

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
    ofUserCode: (userCode) => `${USER_CODE_PREFIX}${mac('user-code', userCode)}`,
  };
}

/** True for an `_id` written before ids were hashed (a row to migrate). */
export const isLegacyId = (model: string, id: string): boolean => HASHED.has(model) && !id.startsWith(STORED_PREFIX) && !isCompanionId(id);
