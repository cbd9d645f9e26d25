// Validation of account data at the service boundary: every caller (CLI, pages, seeds) gets the same rules and
// the same clear messages.
import { z } from 'zod';
import { badRequest } from '../errors.ts';
import type { UserClaims } from '../db/models/user.ts';

// Not blank (a character other than white space), at most `max` characters as given; stored trimmed. Said this way
// (a pattern and a length, before the trim) the published OpenAPI schemas describe exactly what is accepted.
const text = (max: number) => z.string().max(max).regex(/\S/, { message: 'must not be blank' }).trim();
const url = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(2048);

export const claimsSchema = z.object({
  name: text(200).optional(),
  given_name: text(100).optional(),
  family_name: text(100).optional(),
  middle_name: text(100).optional(),
  nickname: text(100).optional(),
  preferred_username: text(100).optional(),
  profile: url.optional(),
  picture: url.optional(),
  website: url.optional(),
  gender: text(50).optional(),
  birthdate: z.string().regex(/^(\d{4}|\d{4}-\d{2}-\d{2}|0000-\d{2}-\d{2})$/, { message: 'must be YYYY, YYYY-MM-DD or 0000-MM-DD' }).optional(),
  zoneinfo: text(64).optional(),
  locale: z.string().regex(/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/, { message: 'must be a BCP 47 language tag such as en-US' }).optional(),
  phone_number: z.string().regex(/^\+[1-9]\d{1,14}(;ext=\d+)?$/, { message: 'must be in E.164 format such as +4512345678' }).optional(),
  phone_number_verified: z.boolean().optional(),
  address: z
    .object({
      formatted: text(500).optional(),
      street_address: text(300).optional(),
      locality: text(100).optional(),
      region: text(100).optional(),
      postal_code: text(20).optional(),
      country: text(100).optional(),
    })
    .strict()
    .optional(),
});

// NIST SP 800-63B: at least 8 characters, long passphrases allowed; the cap only stops absurd inputs.
export const passwordSchema = z
  .string()
  .min(8, { message: 'must be at least 8 characters' })
  .max(1024, { message: 'must be at most 1024 characters' });

const createSchema = claimsSchema
  .extend({
    email: z
      .string()
      .trim()
      .pipe(z.email({ message: 'must be a valid e-mail address' }))
      .pipe(z.string().max(254))
      // RFC 5321: a local part has at most 64 octets (longer ones are refused by mail servers, and by `format: email`).
      .refine((e) => Buffer.byteLength(e.slice(0, e.lastIndexOf('@'))) <= 64, { message: 'the part before @ must be at most 64 characters' }),
    // Absent: an account without a password yet (an operator's import, an invitation); "Forgot your password?"
    // sets one.
    password: passwordSchema.optional(),
    emailVerified: z.boolean().optional(),
  })
  .strict();

export type CreateUserInput = z.input<typeof createSchema>;
export type ValidCreateUserInput = z.output<typeof createSchema> & UserClaims;

/** Standard claims of an existing account (CLI, API): the same rules as at creation; at least one claim. */
export function parseClaims(input: unknown): UserClaims {
  const parsed = claimsSchema.strict().refine((v) => Object.keys(v).length > 0, { message: 'give at least one claim' }).safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
    throw badRequest(`Invalid claims: ${problems.join('; ')}`, { problems });
  }
  return parsed.data as UserClaims;
}

export function parseCreateUser(input: unknown): ValidCreateUserInput {
  const parsed = createSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
    throw badRequest(`Invalid user: ${problems.join('; ')}`, { problems });
  }
  return parsed.data;
}
