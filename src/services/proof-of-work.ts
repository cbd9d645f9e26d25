// Proof of work for sign-in attempts beyond a threshold (src/services/throttle.ts): instead of locking an account
// or a shared address for everyone, the next attempt has to bring the solution of a small puzzle, which the login
// page's script finds in a second or two (views/assets/proof.js) and a guessing bot must pay for on every guess.
//
// A challenge is stateless until it is spent: "<bits>.<expiry>.<random>.<mac>", the MAC (a sub-key of the data
// encryption key) binding it to the login name it was issued for, so that a solved puzzle serves that name only.
// A solution is a nonce such that SHA-256("<challenge>:<nonce>") starts with `bits` zero bits (2^bits hashes on
// average). Each challenge is spent once, in any process: the caller claims it (a unique-_id insert).
import { systemClock, type Clock } from '../clock.ts';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { subKey } from './crypto.ts';

export interface ProofChallenge {
  challenge: string;
  bits: number;
}

export interface ProofOfWork {
  readonly bits: number;
  issue(binding: string): ProofChallenge;
  /**
   * Whether `nonce` solves `challenge`, issued for `binding` and unexpired. Checks only: the caller spends it
   * (`spend`) when it lets the attempt through.
   */
  solves(binding: string, challenge: string, nonce: string): { ok: true; id: string; expiresAt: Date } | { ok: false };
}

const CHALLENGE = /^(\d{1,2})\.(\d{1,12})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{22})$/;
const NONCE = /^\d{1,16}$/;

/** Whether the first `bits` bits of the digest are zero. */
export function leadingZeroBits(digest: Buffer, bits: number): boolean {
  const whole = Math.floor(bits / 8);
  for (let i = 0; i < whole; i++) if (digest[i] !== 0) return false;
  const rest = bits % 8;
  return rest === 0 || (digest[whole]! >> (8 - rest)) === 0;
}

export const proofDigest = (challenge: string, nonce: string) => createHash('sha256').update(`${challenge}:${nonce}`).digest();

/** Finds a solution by brute force, as the page's script does (tests, and the CLI's own checks). */
export function solveProof(challenge: string, bits: number): string {
  for (let n = 0; ; n++) if (leadingZeroBits(proofDigest(challenge, String(n)), bits)) return String(n);
}

export function createProofOfWork(deps: { key: Buffer; bits: number; ttlSeconds?: number; now?: Clock }): ProofOfWork {
  const { bits } = deps;
  if (!Number.isInteger(bits) || bits < 1 || bits > 32) throw new RangeError('proof-of-work bits must be an integer from 1 to 32');
  const ttlMs = (deps.ttlSeconds ?? 600) * 1000;
  const now = deps.now ?? systemClock;
  const macKey = subKey(deps.key, 'login-proof-of-work');
  const mac = (binding: string, body: string) => createHmac('sha256', macKey).update(`${binding}\0${body}`).digest().subarray(0, 16);

  return {
    bits,
    issue(binding) {
      const body = `${bits}.${Math.ceil((now() + ttlMs) / 1000)}.${randomBytes(16).toString('base64url')}`;
      return { challenge: `${body}.${mac(binding, body).toString('base64url')}`, bits };
    },
    solves(binding, challenge, nonce) {
      const m = typeof challenge === 'string' ? CHALLENGE.exec(challenge) : null;
      if (!m || typeof nonce !== 'string' || !NONCE.test(nonce)) return { ok: false };
      const [, bitsText, expiry, , tag] = m;
      const expiresAt = new Date(Number(expiry) * 1000);
      // A challenge issued before the difficulty was changed is still judged by the difficulty it was issued with.
      const issuedBits = Number(bitsText);
      if (expiresAt.getTime() <= now() || issuedBits < 1 || issuedBits > 32) return { ok: false };
      const body = challenge.slice(0, challenge.length - tag!.length - 1);
      const expected = mac(binding, body);
      const given = Buffer.from(tag!, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false };
      if (!leadingZeroBits(proofDigest(challenge, nonce), issuedBits)) return { ok: false };
      return { ok: true, id: createHash('sha256').update(challenge).digest('base64url'), expiresAt };
    },
  };
}
