// The customer's own profile, as the account center edits it: the standard name, picture, language, time zone,
// birth date and phone claims, the postal addresses (one primary, released as the `address` claim) and the
// confirmed change of the sign-in e-mail. Form parsing lives here too so that every rule (and its message key) is
// in one place; values are re-checked against claimsSchema, the rules every other writer of claims obeys.
import type { AuditEventType } from './audit-events.ts';
import { randomUUID } from 'node:crypto';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { normaliseEmail, type Address, type PostalAddress, type User, type UserModel } from '../db/models/user.ts';
import type { MessageKey } from '../i18n/index.ts';
import type { Logger } from '../log.ts';
import type { AuditLog } from './audit.ts';
import { claimsSchema } from './user-input.ts';
import type { EmailLookup } from './user-emails.ts';
import { isDuplicateKey } from '../db/duplicate-key.ts';

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

function isPastDate(value: string, now = new Date()): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  // Round-trips only for real calendar days (2023-02-30 does not).
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value) && value >= '1900-01-01' && date < now;
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
 * partial post never wipes the rest of the profile), and so does the stored value sent back as it is.
 */
export function parseProfileForm(
  input: unknown,
  opts: { region?: CountryCode; current?: Partial<Record<ProfileField, unknown>> } = {},
): Parsed<ProfileField, ProfileChanges> {
  const body = asBody(input);
  const values = {} as FormValues<ProfileField>;
  const errors: FieldErrors<ProfileField> = {};
  const changes: ProfileChanges = {};
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
    const checked = checkProfileField(field, value, opts);
    if ('error' in checked) errors[field] = checked.error;
    else changes[field] = checked.value;
  }
  return Object.keys(errors).length ? { ok: false, errors, values } : { ok: true, value: changes, values };
}

export type AddressInput = Address & { label?: string };
const REQUIRED_ADDRESS: readonly AddressField[] = ['street_address', 'locality', 'country'];

export function parseAddressForm(input: unknown): Parsed<AddressField, AddressInput> {
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
    else address[field] = value;
  }
  if (Object.keys(errors).length === 0) {
    const { label: _label, ...claim } = address;
    // The same rules as the `address` claim everywhere else.
    if (!claimsSchema.shape.address.safeParse(claim).success) errors.street_address = 'account.error.text';
  }
  return Object.keys(errors).length ? { ok: false, errors, values } : { ok: true, value: address, values };
}

export type AddressResult = { ok: true; address: PostalAddress } | { ok: false; reason: 'limit' | 'not_found' };
export type EmailChangeResult = { ok: true; oldEmail: string } | { ok: false; reason: 'taken' | 'same' | 'not_found' };

export interface ProfileService {
  get(accountId: string): Promise<User | null>;
  /** Applies the changes that differ from what is stored; resolves with the names of the fields that changed. */
  update(accountId: string, changes: ProfileChanges, meta?: ChangeMeta): Promise<ProfileField[]>;
  /** The account's postal addresses, primary first (an address from before the list existed counts as one). */
  addresses(user: User): PostalAddress[];
  addAddress(accountId: string, input: AddressInput, meta?: ChangeMeta): Promise<AddressResult>;
  updateAddress(accountId: string, id: string, input: AddressInput, meta?: ChangeMeta): Promise<AddressResult>;
  removeAddress(accountId: string, id: string, meta?: ChangeMeta): Promise<boolean>;
  setPrimaryAddress(accountId: string, id: string, meta?: ChangeMeta): Promise<boolean>;
  /** Replaces the sign-in e-mail with a verified one; never takes an address another account has. */
  changeEmail(accountId: string, newEmail: string, meta?: ChangeMeta): Promise<EmailChangeResult>;
  /** Removes the account record itself (account deletion does the rest). */
  deleteUser(accountId: string): Promise<boolean>;
}

const LEGACY_ADDRESS_ID = 'primary';

export function createProfileService(deps: {
  users: UserModel;
  emails: Pick<EmailLookup, 'claim' | 'release'>;
  audit: Pick<AuditLog, 'record'>;
  logger?: Logger;
}): ProfileService {
  const { users, emails, audit } = deps;
  const load = (accountId: string) => users.findById(accountId).lean<User>();

  function addresses(user: User): PostalAddress[] {
    if (user.addresses?.length) {
      const list = user.addresses.map((a) => ({ ...a }));
      if (!list.some((a) => a.primary) && list[0]) list[0].primary = true;
      return list.sort((a, b) => Number(b.primary) - Number(a.primary));
    }
    // Accounts created with a single `address` claim (CLI, older sign-ups): shown, and moved into the list on
    // the first change.
    return user.address && Object.keys(user.address).length ? [{ id: LEGACY_ADDRESS_ID, primary: true, ...user.address }] : [];
  }

  async function saveAddresses(accountId: string, list: PostalAddress[]): Promise<void> {
    const clean = list.map((a) => Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined && v !== '')) as unknown as PostalAddress);
    await users.updateOne({ _id: accountId }, { $set: { addresses: clean }, $unset: { address: 1 } });
  }

  const record = (type: AuditEventType, accountId: string, meta: ChangeMeta, details?: Record<string, unknown>) =>
    audit.record({ type, outcome: 'success', accountId, ip: meta.ip, userAgent: meta.userAgent, ...(details ? { details } : {}) });

  function fromInput(id: string, primary: boolean, input: AddressInput): PostalAddress {
    const out: PostalAddress = { id, primary };
    for (const field of ADDRESS_FIELDS) {
      const value = input[field];
      if (value) out[field] = value;
    }
    return out;
  }

  return {
    get: load,

    async update(accountId, changes, meta = {}) {
      const user = await load(accountId);
      if (!user) return [];
      const set: Record<string, unknown> = {};
      const unset: Record<string, 1> = {};
      const changed: ProfileField[] = [];
      for (const field of PROFILE_FIELDS) {
        if (!(field in changes)) continue;
        const next = changes[field];
        const current = user[field];
        if (next === undefined || (next === null && (current === undefined || current === null || current === ''))) continue;
        if (next === current) continue;
        changed.push(field);
        if (next === null) unset[field] = 1;
        else set[field] = next;
      }
      if (changed.length === 0) return [];
      // A new number is unconfirmed until it is verified; no number, no verification state.
      if (changed.includes('phone_number')) {
        if (changes.phone_number === null) unset.phone_number_verified = 1;
        else set.phone_number_verified = false;
      }
      const update: Record<string, unknown> = {};
      if (Object.keys(set).length) update.$set = set;
      if (Object.keys(unset).length) update.$unset = unset;
      await users.updateOne({ _id: accountId }, update);
      // Field names only: the values are personal data and stay out of the audit log.
      await record('profile.updated', accountId, meta, { fields: changed });
      return changed;
    },

    addresses,

    async addAddress(accountId, input, meta = {}) {
      const user = await load(accountId);
      if (!user) return { ok: false, reason: 'not_found' };
      const list = addresses(user);
      if (list.length >= MAX_ADDRESSES) return { ok: false, reason: 'limit' };
      const address = fromInput(randomUUID(), list.length === 0, input);
      await saveAddresses(accountId, [...list, address]);
      await record('address.added', accountId, meta, { addressId: address.id, primary: address.primary });
      return { ok: true, address };
    },

    async updateAddress(accountId, id, input, meta = {}) {
      const user = await load(accountId);
      const list = user ? addresses(user) : [];
      const index = list.findIndex((a) => a.id === id);
      const existing = list[index];
      if (!existing) return { ok: false, reason: 'not_found' };
      const address = fromInput(existing.id === LEGACY_ADDRESS_ID ? randomUUID() : existing.id, existing.primary, input);
      list[index] = address;
      await saveAddresses(accountId, list);
      await record('address.updated', accountId, meta, { addressId: address.id });
      return { ok: true, address };
    },

    async removeAddress(accountId, id, meta = {}) {
      const user = await load(accountId);
      const list = user ? addresses(user) : [];
      const removed = list.find((a) => a.id === id);
      if (!removed) return false;
      const rest = list.filter((a) => a.id !== id);
      // The primary one goes: the next one (the oldest remaining) takes its place.
      if (removed.primary && rest[0]) rest[0].primary = true;
      await saveAddresses(accountId, rest);
      await record('address.removed', accountId, meta, { addressId: id, ...(removed.primary && rest[0] ? { promoted: rest[0].id } : {}) });
      return true;
    },

    async setPrimaryAddress(accountId, id, meta = {}) {
      const user = await load(accountId);
      const list = user ? addresses(user) : [];
      if (!list.some((a) => a.id === id)) return false;
      if (list.find((a) => a.id === id)?.primary) return true;
      await saveAddresses(
        accountId,
        list.map((a) => ({ ...a, primary: a.id === id })),
      );
      await record('address.primary_changed', accountId, meta, { addressId: id });
      return true;
    },

    async changeEmail(accountId, newEmail, meta = {}) {
      const email = normaliseEmail(newEmail);
      const user = await load(accountId);
      if (!user) return { ok: false, reason: 'not_found' };
      if (user.email === email) return { ok: false, reason: 'same' };
      // The new address is claimed in the e-mail lookup first (a sign-up or another change racing for it loses
      // there), the old one released only once the account has let go of it: the account is findable throughout.
      if ((await emails.claim(email, accountId)) === 'taken') return { ok: false, reason: 'taken' };
      try {
        // The unique e-mail index stays the second guard.
        const result = await users.updateOne({ _id: accountId }, { $set: { email, email_verified: true } });
        if (result.matchedCount === 0) {
          await emails.release(email, accountId);
          return { ok: false, reason: 'not_found' };
        }
      } catch (err) {
        await emails.release(email, accountId);
        if (isDuplicateKey(err)) return { ok: false, reason: 'taken' };
        throw err;
      }
      await emails.release(user.email, accountId);
      await record('email.changed', accountId, meta);
      return { ok: true, oldEmail: user.email };
    },

    async deleteUser(accountId) {
      const user = await load(accountId);
      const { deletedCount } = await users.deleteOne({ _id: accountId });
      if (user) await emails.release(user.email, accountId);
      return deletedCount === 1;
    },
  };
}
