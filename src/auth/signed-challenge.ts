// WebAuthn challenges that need no stored row until they are used: the login page is viewed far more often than a
// passkey is used on it, and a row per view would be a database write per view.
//
// A challenge is `version | expiry (ms, 8 bytes) | nonce (16 bytes) | HMAC-SHA256(expiry | nonce, bound to the
// interaction uid)`, base64url. The authenticator signs it like any random challenge; on the way back the MAC proves
// this server made it for this interaction and the expiry that it is fresh. Single use is enforced where it is
// used: the caller inserts the challenge's hash under a unique `_id` (see passkeys.ts signIn), so a replay finds it.
import { systemClock, type Clock } from '../clock.ts';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { subKey } from '../services/crypto.ts';

const VERSION = 1;
const NONCE_BYTES = 16;
const MAC_BYTES = 32;
const LENGTH = 1 + 8 + NONCE_BYTES + MAC_BYTES;
// base64url of LENGTH bytes, without padding.
export const SIGNED_CHALLENGE_CHARS = Math.ceil((LENGTH * 4) / 3);

export interface SignedChallenges {
  /** A fresh challenge for interaction `uid`, good until `ttlMs` from now. */
  issue(uid: string, ttlMs: number): { challenge: Uint8Array<ArrayBuffer>; expiresAt: Date };
  /** The challenge's expiry when it is one of ours, for this uid, and not expired; undefined otherwise. */
  open(uid: string, challenge: unknown): Date | undefined;
}

/** What single use is recorded under: a hash, so the stored row is no challenge anyone could answer. */
export function challengeKey(challenge: string): string {
  return createHash('sha256').update(challenge).digest('base64url');
}

export function createSignedChallenges(deps: { key: Buffer; now?: Clock }): SignedChallenges {
  const macKey = subKey(deps.key, 'webauthn-login-challenge');
  const now = deps.now ?? systemClock;
  // The uid goes into the MAC, not the value: a challenge made for one interaction is worthless in another.
  const mac = (uid: string, signed: Buffer) => createHmac('sha256', macKey).update(uid).update('\0').update(signed).digest();

  return {
    issue(uid, ttlMs) {
      const expiresAt = new Date(now() + ttlMs);
      const head = Buffer.alloc(1 + 8);
      head.writeUInt8(VERSION, 0);
      head.writeBigUInt64BE(BigInt(expiresAt.getTime()), 1);
      const signed = Buffer.concat([head, randomBytes(NONCE_BYTES)]);
      return { challenge: Uint8Array.from(Buffer.concat([signed, mac(uid, signed)])), expiresAt };
    },

    open(uid, challenge) {
      if (typeof uid !== 'string' || typeof challenge !== 'string' || challenge.length !== SIGNED_CHALLENGE_CHARS) return undefined;
      if (!/^[A-Za-z0-9_-]+$/.test(challenge)) return undefined;
      const bytes = Buffer.from(challenge, 'base64url');
      if (bytes.length !== LENGTH || bytes.readUInt8(0) !== VERSION) return undefined;
      const signed = bytes.subarray(0, LENGTH - MAC_BYTES);
      if (!timingSafeEqual(bytes.subarray(LENGTH - MAC_BYTES), mac(uid, signed))) return undefined;
      const expiresAt = Number(bytes.readBigUInt64BE(1));
      return expiresAt > now() ? new Date(expiresAt) : undefined;
    },
  };
}
