// What the account center's profile forms accept: the standard name, picture, language, time zone, birth date and
// phone claims and the postal addresses, each rule with its message key in one place. Values are re-checked against
// claimsSchema, the rules every other writer of claims obeys. Pure: no database (services/profile.ts stores them).
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import type { Address } from '../db/models/user.ts';
import type { MessageKey } from '../i18n/index.ts';
import { countryCodeOf } from './countries.ts';
import { PHONE_COUNTRY_FIELD, readPhoneCountry } from './phone-entry.ts';
import { claimsSchema } from './user-input.ts';

export const PROFILE_FIELDS = [
  'given_name',
  'middle_name',
  'family_name',
  'name',
  'nickname',
  'picture',
  'locale',
  'zoneinfo',
  'birthdate',
  'phone_number',
] as const;
export type ProfileField = (typeof PROFILE_FIELDS)[number];
/** The profile form's inputs: the fields, and the phone number's country picker. */
export type ProfileInput = ProfileField | typeof PHONE_COUNTRY_FIELD;

export const ADDRESS_FIELDS = ['label', 'street_address', 'postal_code', 'locality', 'region', 'country'] as const;
export type AddressField = (typeof ADDRESS_FIELDS)[number];
export const MAX_ADDRESSES = 10;

export const MAX_LENGTH: Record<ProfileField | AddressField, number> = {
  given_name: 100,
  middle_name: 100,
  family_name: 100,
  name: 200,
  nickname: 100,
  picture: 2048,
  locale: 35,
  zoneinfo: 64,
  birthdate: 10,
  phone_number: 32,
  label: 50,
  street_address: 300,
  postal_code: 20,
  locality: 100,
  region: 100,
  country: 100,
};

/** A field's new value; null removes it. Fields not listed stay as they are. */
export type ProfileChanges = Partial<Record<ProfileField, string | null>>;
export type FieldErrors<F extends string> = Partial<Record<F, MessageKey>>;
export type FormValues<F extends string> = Record<F, string>;

export type Parsed<F extends string, T> =
  | { ok: true; value: T; values: FormValues<F> }
  | { ok: false; errors: FieldErrors<F>; values: FormValues<F> };

export interface ChangeMeta {
  ip?: string;
  userAgent?: string;
}

// Names are free text in any script; control characters (other than the line breaks a street may have) are the
// only thing refused. Markup is just text: templates escape it on output.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const CONTROL_EXCEPT_NEWLINE = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f]/;

let zones: Set<string> | undefined;
/** IANA time zones the runtime knows, plus UTC (which Intl lists only as an alias). */
export function timeZones(): Set<string> {
  return (zones ??= new Set([...Intl.supportedValuesOf('timeZone'), 'UTC']));
}

/** The range of birth dates the forms accept (a date input's min and max): from 1900 to today. */
export function birthdateRange(now = Date.now()): { min: string; max: string } {
  return { min: '1900-01-01', max: new Date(now).toISOString().slice(0, 10) };
}

/** A full date (YYYY-MM-DD), as a date input sends it; the year-only forms the claim also allows are not one. */
export const isFullDate = (value: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(value);

function isPastDate(value: string, now = new Date()): boolean {
  if (!isFullDate(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  // Round-trips only for real calendar days (2023-02-30 does not).
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value) && value >= birthdateRange().min && date < now;
}

function canonicalLocale(value: string): string | undefined {
  try {
    const [canonical] = Intl.getCanonicalLocales(value.replaceAll('_', '-'));
    return canonical;
  } catch {
    return undefined;
  }
}

/** The region of a locale such as de-DE, used to read national phone numbers ("030 1234567"). */
export function regionOf(locale: string | undefined): CountryCode | undefined {
  if (!locale) return undefined;
  try {
    const region = new Intl.Locale(locale).region;
    return region && /^[A-Z]{2}$/.test(region) ? (region as CountryCode) : undefined;
  } catch {
    return undefined;
  }
}

// The claimsSchema rule for a field, as the last word: a value the form accepted must also be one every other
// writer of claims could store.
function claimsAccept(field: ProfileField, value: string): boolean {
  return claimsSchema.shape[field].safeParse(value).success;
}

/** One profile field's value, checked and normalised (also used by the sign-in's profile step). */
export function checkProfileField(field: ProfileField, value: string, opts: { region?: CountryCode }): { value: string } | { error: MessageKey } {
  switch (field) {
    case 'picture': {
      const url = URL.parse(value);
      if (!url || url.protocol !== 'https:' || !claimsAccept(field, url.href)) return { error: 'account.profile.error.picture' };
      return { value: url.href };
    }
    case 'locale': {
      const canonical = canonicalLocale(value);
      if (!canonical || !claimsAccept(field, canonical)) return { error: 'account.profile.error.locale' };
      return { value: canonical };
    }
    case 'zoneinfo':
      return timeZones().has(value) && claimsAccept(field, value) ? { value } : { error: 'account.profile.error.zoneinfo' };
    case 'birthdate':
      return isPastDate(value) && claimsAccept(field, value) ? { value } : { error: 'account.profile.error.birthdate' };
    case 'phone_number': {
      // libphonenumber finds a number inside any text; only what people type into a phone field is accepted.
      if (!/^\+?[\d\s().\-/]+$/.test(value)) return { error: 'account.profile.error.phone' };
      const phone = parsePhoneNumberFromString(value, opts.region);
      if (!phone?.isValid() || !claimsAccept(field, phone.number)) return { error: 'account.profile.error.phone' };
      return { value: phone.number };
    }
    default:
      if (CONTROL.test(value) || !claimsAccept(field, value)) return { error: 'account.error.text' };
      return { value };
  }
}

/** Reads one text input: a string, or a problem (absent, repeated, nested). Huge values are not echoed back. */
function readText(body: Record<string, unknown>, name: string, max: number): { raw: string; echo: string; wrongType: boolean } {
  const raw = body[name];
  if (typeof raw !== 'string') return { raw: '', echo: '', wrongType: raw !== undefined };
  return { raw, echo: raw.length <= max * 4 ? raw : '', wrongType: false };
}

const asBody = (body: unknown): Record<string, unknown> =>
  body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};

/**
 * The profile form. An empty field removes the value; a field missing from the post leaves it unchanged (so a
 * partial post never wipes the rest of the profile), and so does the stored value sent back as it is. A national
 * phone number is read in the picker's country, else in `region` (the language's); one with + in its own.
 */
export function parseProfileForm(
  input: unknown,
  opts: { region?: CountryCode; current?: Partial<Record<ProfileField, unknown>> } = {},
): Parsed<ProfileInput, ProfileChanges> {
  const body = asBody(input);
  const values = {} as FormValues<ProfileInput>;
  const errors: FieldErrors<ProfileInput> = {};
  const changes: ProfileChanges = {};
  const picked = readPhoneCountry(body[PHONE_COUNTRY_FIELD]);
  values[PHONE_COUNTRY_FIELD] = 'region' in picked ? (picked.region ?? '') : '';
  const region = ('region' in picked ? picked.region : undefined) ?? opts.region;
  for (const field of PROFILE_FIELDS) {
    const max = MAX_LENGTH[field];
    const { raw, echo, wrongType } = readText(body, field, max);
    values[field] = echo;
    if (wrongType) {
      errors[field] = 'account.error.invalid';
      continue;
    }
    if (body[field] === undefined) continue;
    const value = raw.trim();
    if (value === '') {
      changes[field] = null;
      continue;
    }
    // A stored value sent back unchanged is not judged again: a value that an older rule or another writer let in
    // must not block saving the rest of the form.
    if (opts.current?.[field] === value) continue;
    if (value.length > max) {
      errors[field] = 'account.error.tooLong';
      continue;
    }
    if (field === 'phone_number' && 'error' in picked) {
      errors[field] = 'account.error.invalid';
      continue;
    }
    const checked = checkProfileField(field, value, { region });
    if ('error' in checked) errors[field] = checked.error;
    else changes[field] = checked.value;
  }
  return Object.keys(errors).length ? { ok: false, errors, values } : { ok: true, value: changes, values };
}

export type AddressInput = Address & { label?: string };
const REQUIRED_ADDRESS: readonly AddressField[] = ['street_address', 'locality', 'country'];

/**
 * An address form. The country is stored as its ISO code: the list sends one, and a name only one country has
 * ("Germany", "UK") is read as its code; other text is kept only as the address already had it (`current`).
 */
export function parseAddressForm(input: unknown, current: Partial<Record<AddressField, unknown>> = {}): Parsed<AddressField, AddressInput> {
  const body = asBody(input);
  const values = {} as FormValues<AddressField>;
  const errors: FieldErrors<AddressField> = {};
  const address: AddressInput = {};
  for (const field of ADDRESS_FIELDS) {
    const max = MAX_LENGTH[field];
    const { raw, echo, wrongType } = readText(body, field, max);
    values[field] = echo;
    if (wrongType) {
      errors[field] = 'account.error.invalid';
      continue;
    }
    // Line breaks are kept in the street (several lines), normalised to \n; anywhere else they are refused.
    const value = field === 'street_address' ? raw.replace(/\r\n?/g, '\n').trim() : raw.trim();
    if (value === '') {
      if (REQUIRED_ADDRESS.includes(field)) errors[field] = 'account.error.required';
      continue;
    }
    if (value.length > max) errors[field] = 'account.error.tooLong';
    else if ((field === 'street_address' ? CONTROL_EXCEPT_NEWLINE : CONTROL).test(value)) errors[field] = 'account.error.text';
    else if (field !== 'country') address[field] = value;
    else {
      const code = countryCodeOf(value) ?? (current.country === value ? value : undefined);
      if (code) address.country = code;
      else errors.country = 'account.address.error.country';
    }
  }
  if (Object.keys(errors).length === 0) {
    const { label: _label, ...claim } = address;
    // The same rules as the `address` claim everywhere else.
    if (!claimsSchema.shape.address.safeParse(claim).success) errors.street_address = 'account.error.text';
  }
  return Object.keys(errors).length ? { ok: false, errors, values } : { ok: true, value: address, values };
}
