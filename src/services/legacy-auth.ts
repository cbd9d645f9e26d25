// Lazy migration's line to the old system (LEGACY_AUTH_URL): one POST of {email, password} with a shared bearer token,
// answered 200 with the account's profile when the password is right there, 401, 403 or 404 when it is not. Anything
// else — no answer within the timeout, no connection, a redirect, another status, a body that is not the expected
// JSON — is "unavailable": the sign-in is refused as for a wrong password and the caller logs why. Nothing here logs
// or returns the password or the token.
import { z } from 'zod';
import type { UserClaims } from '../db/models/user.ts';
import { claimsSchema } from './user-input.ts';

export type LegacyVerdict =
  /** The old system knows the address and the password. `dropped`: claims it sent that our rules refuse. */
  | { outcome: 'verified'; emailVerified: boolean; claims: UserClaims; dropped: string[] }
  /** The old system does not know the address, or the password is wrong there. */
  | { outcome: 'refused'; status: number }
  | { outcome: 'unavailable'; reason: 'timeout' | 'network' | 'status' | 'malformed'; status?: number; detail?: string };

export interface LegacyAuth {
  check(email: string, password: string): Promise<LegacyVerdict>;
}

export interface LegacyAuthDeps {
  url: string;
  token: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

/** The largest answer read: a profile is a few hundred bytes; more is not what the old system should send. */
export const MAX_ANSWER_BYTES = 64 * 1024;
const REFUSED = new Set([401, 403, 404]);

const answerSchema = z.looseObject({ email_verified: z.boolean().nullish() });
const CLAIM_FIELDS = claimsSchema.shape;

/**
 * A 200 answer's body: a JSON object, `email_verified` a boolean when present (absent or null: not verified), and any
 * standard claims. A claim that our rules refuse is dropped (and named) rather than failing the customer's sign-in;
 * fields that are not claims are ignored.
 */
export function parseLegacyAnswer(text: string): LegacyVerdict {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { outcome: 'unavailable', reason: 'malformed', detail: 'the answer is not JSON' };
  }
  const parsed = answerSchema.safeParse(raw);
  if (!parsed.success) return { outcome: 'unavailable', reason: 'malformed', detail: 'the answer is not an object with a boolean email_verified' };
  const claims: Record<string, unknown> = {};
  const dropped: string[] = [];
  for (const [name, schema] of Object.entries(CLAIM_FIELDS)) {
    const value = parsed.data[name];
    if (value === undefined || value === null) continue;
    const claim = schema.safeParse(value);
    if (claim.success && claim.data !== undefined) claims[name] = claim.data;
    else dropped.push(name);
  }
  return { outcome: 'verified', emailVerified: parsed.data.email_verified ?? false, claims: claims as UserClaims, dropped };
}

/** The body, or undefined when it is longer than `max` bytes (then it is not read further). */
async function readCapped(res: Response, max: number): Promise<string | undefined> {
  if (Number(res.headers.get('content-length') ?? 0) > max) {
    await res.body?.cancel();
    return undefined;
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks).toString('utf8');
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
}

function failure(err: unknown): LegacyVerdict {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return { outcome: 'unavailable', reason: 'timeout' };
  return { outcome: 'unavailable', reason: 'network', detail: e.cause?.code ?? e.cause?.message ?? e.message ?? 'unknown error' };
}

export function createLegacyAuth(deps: LegacyAuthDeps): LegacyAuth {
  const doFetch = deps.fetch ?? fetch;
  return {
    async check(email, password) {
      try {
        // One deadline for the whole exchange, the body included; a redirect is refused (the password goes to this
        // URL and nowhere else).
        const res = await doFetch(deps.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${deps.token}` },
          body: JSON.stringify({ email, password }),
          redirect: 'error',
          signal: AbortSignal.timeout(deps.timeoutMs),
        });
        if (res.status !== 200) {
          await res.body?.cancel();
          return REFUSED.has(res.status) ? { outcome: 'refused', status: res.status } : { outcome: 'unavailable', reason: 'status', status: res.status };
        }
        const text = await readCapped(res, MAX_ANSWER_BYTES);
        if (text === undefined) return { outcome: 'unavailable', reason: 'malformed', detail: `the answer is longer than ${MAX_ANSWER_BYTES} bytes` };
        return parseLegacyAnswer(text);
      } catch (err) {
        return failure(err);
      }
    },
  };
}
