// What each kind of one-time code carries, declared once: the page that issues a code and the page that reads it
// back share these types, and a code's payload is parsed against its purpose's schema whenever it is read (peek,
// verify), not cast. A sealed payload only ever holds what this process wrote, so a payload that does not parse
// means a code issued by another version with another shape: it reads as no code ('invalid'), and the customer asks
// for a new one, rather than a page failing halfway on a missing field.
import { z } from 'zod';
import type { UserClaims } from '../db/models/user.ts';
import type { CodePurpose } from '../db/models/one-time-code.ts';

const claims = z.custom<UserClaims>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), 'claims must be an object');

/** A communication opt-in ticked on the sign-up form: a topic on one channel. */
const signupOptIn = z.object({ topic: z.string(), channel: z.string() });
export type SignupOptIn = z.infer<typeof signupOptIn>;

/** The legal documents accepted on the sign-up form (ids and versions), when and from where. */
const signupAcceptance = z.object({
  documents: z.array(z.object({ id: z.string(), version: z.string() })),
  at: z.string(),
  ip: z.string().optional(),
  userAgent: z.string().optional(),
});
export type SignupAcceptance = z.infer<typeof signupAcceptance>;

/** An SMS or e-mail second-factor code: its channel, and the phone or address (enrollment) or factor (challenge). */
const factorCode = z.object({ type: z.enum(['sms', 'email']), destination: z.string().optional(), factorId: z.string().optional() });

export const CODE_PAYLOADS = {
  /**
   * Sign-up: the account to create once the code comes back, or, for an address that already has an account,
   * only that (its owner was mailed a note instead of a code).
   */
  signup: z.union([
    z.object({ existing: z.literal(true) }),
    z.object({
      passwordHash: z.string(),
      claims: claims.optional(),
      preferences: z.array(signupOptIn).optional(),
      legal: signupAcceptance.optional(),
    }),
  ]),
  /** The address the code was mailed to: it is marked verified only if it is still the account's. */
  'verify-email': z.object({ email: z.string() }),
  /** The address asked for; `unknown`: it has no account, the code exists only so that both cases look the same. */
  'password-reset': z.object({ email: z.string(), unknown: z.literal(true).optional() }),
  'email-change': z.object({ newEmail: z.string() }),
  'mfa-code': factorCode,
  'factor-enroll': factorCode,
  /** Linking a sign-in through another provider to the account the code was mailed to: which identity. */
  'link-identity': z.object({ connectionId: z.string(), subject: z.string() }),
  /** A sign-in with a mailed code (no password): the address asked for; `unknown` as for a reset. */
  'email-signin': z.object({ email: z.string(), unknown: z.literal(true).optional() }),
} satisfies Record<CodePurpose, z.ZodType>;

export type CodePayload<P extends CodePurpose> = z.infer<(typeof CODE_PAYLOADS)[P]>;

/** A sign-up code for a new address: the account to create (the other kind only says the address has one). */
export type NewAccountPayload = Exclude<CodePayload<'signup'>, { existing: true }>;
export const isNewAccount = (p: CodePayload<'signup'>): p is NewAccountPayload => 'passwordHash' in p;

/** The payload read back from a code of `purpose`, or undefined when it does not have that purpose's shape. */
export function readCodePayload<P extends CodePurpose>(purpose: P, payload: unknown): CodePayload<P> | undefined {
  const parsed = CODE_PAYLOADS[purpose].safeParse(payload);
  return parsed.success ? (parsed.data as CodePayload<P>) : undefined;
}
