// Argument parsing for the operator CLI: node:util parseArgs in strict mode, with its errors turned into usage
// errors that say what to fix.
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';

/** Bad command-line input: reported with a pointer to `ciam help`, before anything touches the database. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type Values = Record<string, string | boolean | string[] | undefined>;

export function parseCommandArgs(args: string[], options: ParseArgsOptionsConfig): { values: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals: true });
    return { values: values as Values, positionals };
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

export function requiredString(values: Values, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v.length === 0) throw new UsageError(`--${name} is required`);
  return v;
}

export function optionalString(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

export function list(values: Values, name: string): string[] {
  const v = values[name];
  return Array.isArray(v) ? v : [];
}

/** An on/off switch given as `on` or `off` (true/false, yes/no too). */
export function onOff(values: Values, name: string): boolean {
  const v = optionalString(values, name)?.toLowerCase();
  if (v === 'on' || v === 'true' || v === 'yes') return true;
  if (v === 'off' || v === 'false' || v === 'no') return false;
  throw new UsageError(`--${name} must be on or off, got "${String(values[name])}"`);
}

export function wholeSeconds(values: Values, name: string): number | undefined {
  const v = values[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) {
    throw new UsageError(`--${name} must be a whole number of seconds, got "${String(v)}"`);
  }
  return Number(v);
}

/** A JSON object given as an option's value, or undefined when the option is absent. */
export function jsonObject(values: Values, name: string): Record<string, unknown> | undefined {
  const v = optionalString(values, name);
  if (v === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(v);
  } catch {
    throw new UsageError(`--${name} must be a JSON object, e.g. '{"key":"value"}'`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError(`--${name} must be a JSON object`);
  return parsed as Record<string, unknown>;
}

/**
 * The standard claims (OIDC Core 5.1) as options: --given-name, --website, --phone-number, … and the address parts
 * --address-street, --address-locality, … Values are checked by the users service like every other writer's.
 */
export const CLAIM_OPTIONS: Record<string, string> = {
  name: 'name',
  'given-name': 'given_name',
  'family-name': 'family_name',
  'middle-name': 'middle_name',
  nickname: 'nickname',
  'preferred-username': 'preferred_username',
  profile: 'profile',
  picture: 'picture',
  website: 'website',
  gender: 'gender',
  birthdate: 'birthdate',
  zoneinfo: 'zoneinfo',
  locale: 'locale',
  'phone-number': 'phone_number',
};
export const ADDRESS_OPTIONS: Record<string, string> = {
  'address-formatted': 'formatted',
  'address-street': 'street_address',
  'address-locality': 'locality',
  'address-region': 'region',
  'address-postal-code': 'postal_code',
  'address-country': 'country',
};
export const claimOptionsConfig = Object.fromEntries(
  [...Object.keys(CLAIM_OPTIONS), ...Object.keys(ADDRESS_OPTIONS), 'phone-number-verified'].map((k) => [
    k,
    { type: k === 'phone-number-verified' ? ('boolean' as const) : ('string' as const) },
  ]),
);
export const CLAIM_USAGE =
  '[--name N] [--given-name N] [--family-name N] [--middle-name N] [--nickname N] [--preferred-username N]\n' +
  '        [--profile URL] [--picture URL] [--website URL] [--gender G] [--birthdate YYYY-MM-DD] [--zoneinfo TZ]\n' +
  '        [--locale L] [--phone-number +E164 [--phone-number-verified]] [--address-street S] [--address-locality L]\n' +
  '        [--address-region R] [--address-postal-code P] [--address-country C] [--address-formatted F]';

/** The claims given as options, in their claim names. */
export function claimsFrom(values: Values): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  for (const [option, claim] of Object.entries(CLAIM_OPTIONS)) {
    const v = optionalString(values, option);
    if (v !== undefined) claims[claim] = v;
  }
  const address: Record<string, string> = {};
  for (const [option, part] of Object.entries(ADDRESS_OPTIONS)) {
    const v = optionalString(values, option);
    if (v !== undefined) address[part] = v;
  }
  if (Object.keys(address).length) claims.address = address;
  if (values['phone-number-verified'] === true) claims.phone_number_verified = true;
  return claims;
}

export function noPositionals(positionals: string[]): void {
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
}
