// Password hashing with argon2id at the OWASP Password Storage Cheat Sheet parameters (m=19 MiB, t=2, p=1) unless
// configured otherwise.
// Stored hashes are PHC strings that carry their own parameters, so old hashes keep verifying after the parameters
// change and are upgraded at the next successful login (needsRehash).
import argon2 from 'argon2';
import pLimit from 'p-limit';
import { isForeignHash, verifyForeignHash } from './foreign-hashes.ts';

export interface PasswordParams {
  memoryCost: number; // KiB
  timeCost: number;
  parallelism: number;
}

export const PASSWORD_PARAMS: Readonly<PasswordParams> = Object.freeze({ memoryCost: 19_456, timeCost: 2, parallelism: 1 });

/** OWASP's argon2id floor: 46 MiB × 1 pass … 7 MiB × 5 passes, i.e. memory × passes ≥ 35 MiB with at least 7 MiB. */
export function meetsOwaspMinimum(memoryKib: number, passes: number): boolean {
  return memoryKib >= 7_168 && memoryKib * passes >= 35_840;
}

// The parameters new hashes are made with and stored hashes are upgraded to: PASSWORD_PARAMS unless the process's
// configuration says otherwise (PASSWORD_HASH_MEMORY_KIB, PASSWORD_HASH_PASSES; set once at start, by createServices).
let current: Readonly<PasswordParams> = PASSWORD_PARAMS;

export function usePasswordParams(params: PasswordParams): void {
  current = Object.freeze({ ...params });
}

// Hashes and verifications computed at once (each takes a core and its memory for tens of milliseconds); the others
// queue in order. Unbounded, a burst of sign-ins — or a credential-stuffing run — takes every core, and token
// requests, pages and the embedded database wait behind it. PASSWORD_HASH_CONCURRENCY, set once at start.
const hashing = pLimit(4);

/** Password hashes and verifications running now, and waiting for their turn (for the metrics endpoint). */
export function passwordHashQueue(): { running: number; waiting: number } {
  return { running: hashing.activeCount, waiting: hashing.pendingCount };
}

export function usePasswordHashConcurrency(concurrency: number): void {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new TypeError('password hash concurrency must be a positive integer');
  hashing.concurrency = concurrency;
}

/**
 * The form passwords are hashed and compared in (NFKC), so that the same characters typed differently match: macOS
 * keyboards may send "é" decomposed, others composed. The password policy checks this form too.
 */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

export function hashPassword(password: string, params: PasswordParams = current): Promise<string> {
  return hashing(() => argon2.hash(normalizePassword(password), { type: argon2.argon2id, ...params }));
}

async function verifyExactly(hash: string, password: string): Promise<boolean> {
  try {
    return await hashing(() => argon2.verify(hash, password));
  } catch {
    // A malformed stored hash must read as "wrong password", never as a server error that reveals the account.
    return false;
  }
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  // An imported account's hash from another system, until its first sign-in here replaces it (needsRehash).
  if (isForeignHash(hash)) return hashing(() => verifyForeignHash(hash, password));
  const normalized = normalizePassword(password);
  if (await verifyExactly(hash, normalized)) return true;
  // Hashes made before normalisation hold the password exactly as typed. Only non-normalised input takes this
  // second hash, and an unknown account's dummy check does the same for the same input, so timing stays level.
  return normalized !== password && verifyExactly(hash, password);
}

// PHC string: $argon2id$v=19$m=19456,p=1,t=2$<salt>$<hash> (parameter order varies between implementations).
function parsePhc(hash: string): { type: string; version: number; params: Map<string, number> } | undefined {
  const [empty, type, version, params] = hash.split('$');
  if (empty !== '' || !type || !version?.startsWith('v=') || !params) return undefined;
  const entries = params.split(',').map((kv) => kv.split('=') as [string, string | undefined]);
  return { type, version: Number(version.slice(2)), params: new Map(entries.map(([k, v]) => [k, Number(v)])) };
}

export function needsRehash(hash: string, params: PasswordParams = current): boolean {
  const phc = parsePhc(hash);
  if (!phc) return true;
  return (
    phc.type !== 'argon2id' ||
    phc.version !== 0x13 ||
    phc.params.get('m') !== params.memoryCost ||
    phc.params.get('t') !== params.timeCost ||
    phc.params.get('p') !== params.parallelism
  );
}
