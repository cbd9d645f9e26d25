// Proof of work: a small puzzle a form has to bring the solution of, which the page's script finds in a second or two
// (views/assets/proof.js) and a bot must pay for on every submission. Two callers: the sign-in's throttle
// (src/services/throttle.ts), which asks for one beyond a threshold of failures instead of locking an account or a
// shared address for everyone, and the bot check an operator turns on per form (src/services/bot-check.ts).
//
// A challenge is stateless until it is spent: "<bits>.<waitUntil>.<expiry>.<random>.<mac>", the MAC (a sub-key of the
// data encryption key) binding it to what it was issued for (a login name; a form's action and context), so that a
// solved puzzle serves that only. A solution is a nonce such that SHA-256("<challenge>:<nonce>") starts with `bits`
// zero bits (2^bits hashes on average); a puzzle bound to a subject typed into the form (the e-mail address of a
// sign-up or a reset) hashes "<challenge>:<subject>:<nonce>" instead, so that a solution serves that subject only.
// `waitUntil` (0: none) is the bot check's path for browsers without JavaScript: from then on the challenge is good
// without a solution (see bot-check.ts for what that costs whom). Each challenge is spent once, in any process: the
// caller claims it (a unique-_id insert, throttle-counters.ts `claim`).
import { systemClock, type Clock } from '../clock.ts';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { subKey } from './crypto.ts';

export interface ProofChallenge {
  challenge: string;
  bits: number;
  /** From when the challenge is good without a solution; absent: never. */
  waitUntil?: Date;
}

/** A challenge that may be let through: its id to spend it by, and until when to keep it spent. */
export type ProofPass = { ok: true; id: string; expiresAt: Date };

export interface ProofOfWork {
  readonly bits: number;
  /** `waitSeconds`: the challenge is also good without a solution once this many seconds have passed. */
  issue(binding: string, opts?: { waitSeconds?: number }): ProofChallenge;
  /**
   * Whether `nonce` solves `challenge`, issued for `binding` and unexpired (with `subject`: solved for that subject).
   * Checks only: the caller spends it when it lets the attempt through.
   */
  solves(binding: string, challenge: string, nonce: string, subject?: string): ProofPass | { ok: false };
  /** Whether `challenge`, issued for `binding` with a wait, is unexpired and its wait is over (`early`: seconds left). */
  waited(binding: string, challenge: string): ProofPass | { ok: false; early?: number };
}

const CHALLENGE = /^(\d{1,2})\.(\d{1,12})\.(\d{1,12})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{22})$/;
const NONCE = /^\d{1,16}$/;

/** Whether the first `bits` bits of the digest are zero. */
export function leadingZeroBits(digest: Buffer, bits: number): boolean {
  const whole = Math.floor(bits / 8);
  for (let i = 0; i < whole; i++) if (digest[i] !== 0) return false;
  const rest = bits % 8;
  return rest === 0 || (digest[whole]! >> (8 - rest)) === 0;
}

export const proofDigest = (challenge: string, nonce: string, subject?: string) =>
  createHash('sha256').update(subject === undefined ? `${challenge}:${nonce}` : `${challenge}:${subject}:${nonce}`).digest();

/** Finds a solution by brute force, as the page's script does (tests, and the CLI's own checks). */
export function solveProof(challenge: string, bits: number, subject?: string): string {
  for (let n = 0; ; n++) if (leadingZeroBits(proofDigest(challenge, String(n), subject), bits)) return String(n);
}

/** `purpose` separates the MAC keys of the callers (a challenge of one is no challenge of another). */
export function createProofOfWork(deps: { key: Buffer; bits: number; ttlSeconds?: number; purpose?: string; now?: Clock }): ProofOfWork {
  const { bits } = deps;
  if (!Number.isInteger(bits) || bits < 1 || bits > 32) throw new RangeError('proof-of-work bits must be an integer from 1 to 32');
  const ttlMs = (deps.ttlSeconds ?? 600) * 1000;
  const now = deps.now ?? systemClock;
  const macKey = subKey(deps.key, deps.purpose ?? 'login-proof-of-work');
  const mac = (binding: string, body: string) => createHmac('sha256', macKey).update(`${binding}\0${body}`).digest().subarray(0, 16);

  /** The challenge's parts when it is one of ours, issued for `binding` and unexpired. */
  function authentic(binding: string, challenge: unknown) {
    const m = typeof challenge === 'string' ? CHALLENGE.exec(challenge) : null;
    if (!m) return undefined;
    const [, bitsText, waitText, expiry, , tag] = m;
    const expiresAt = new Date(Number(expiry) * 1000);
    // A challenge issued before the difficulty was changed is still judged by the difficulty it was issued with.
    const issuedBits = Number(bitsText);
    if (expiresAt.getTime() <= now() || issuedBits < 1 || issuedBits > 32) return undefined;
    const body = (challenge as string).slice(0, (challenge as string).length - tag!.length - 1);
    const expected = mac(binding, body);
    const given = Buffer.from(tag!, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const pass: ProofPass = { ok: true, id: createHash('sha256').update(challenge as string).digest('base64url'), expiresAt };
    return { issuedBits, waitUntil: Number(waitText) * 1000, pass };
  }

  return {
    bits,
    issue(binding, opts = {}) {
      const waitUntil = opts.waitSeconds === undefined ? 0 : Math.ceil((now() + opts.waitSeconds * 1000) / 1000);
      const body = `${bits}.${waitUntil}.${Math.ceil((now() + ttlMs) / 1000)}.${randomBytes(16).toString('base64url')}`;
      return { challenge: `${body}.${mac(binding, body).toString('base64url')}`, bits, ...(waitUntil ? { waitUntil: new Date(waitUntil * 1000) } : {}) };
    },
    solves(binding, challenge, nonce, subject) {
      const found = authentic(binding, challenge);
      if (!found || typeof nonce !== 'string' || !NONCE.test(nonce)) return { ok: false };
      return leadingZeroBits(proofDigest(challenge, nonce, subject), found.issuedBits) ? found.pass : { ok: false };
    },
    waited(binding, challenge) {
      const found = authentic(binding, challenge);
      if (!found || found.waitUntil === 0) return { ok: false };
      const left = found.waitUntil - now();
      return left > 0 ? { ok: false, early: Math.ceil(left / 1000) } : found.pass;
    },
  };
}
