// Profile attributes asked for inside the sign-in (required at sign-up by the operator, or needed by a client:
// progressive profiling): which inputs to show for each attribute, and how their values are checked.
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { ProfileAttribute } from '../config/index.ts';
import type { Address, UserClaims } from '../db/models/user.ts';
import type { MessageKey } from '../i18n/index.ts';
import type { FormError } from './forms.ts';

const MAX_TEXT = 100;
const MAX_URL = 2048;
const ADDRESS_PARTS = ['street_address', 'postal_code', 'locality', 'region', 'country'] as const;
type AddressPart = (typeof ADDRESS_PARTS)[number];

export type AttributeValues = Record<string, string>;

export interface FieldView {
  name: string;
  label: MessageKey;
  type: 'text' | 'url' | 'date' | 'tel';
  autocomplete: string;
  value: string;
  maxLength: number;
  optional?: boolean;
}

const INPUTS: Record<Exclude<ProfileAttribute, 'address'>, Omit<FieldView, 'name' | 'value' | 'label'>> = {
  given_name: { type: 'text', autocomplete: 'given-name', maxLength: MAX_TEXT },
  family_name: { type: 'text', autocomplete: 'family-name', maxLength: MAX_TEXT },
  middle_name: { type: 'text', autocomplete: 'additional-name', maxLength: MAX_TEXT },
  nickname: { type: 'text', autocomplete: 'nickname', maxLength: MAX_TEXT },
  preferred_username: { type: 'text', autocomplete: 'username', maxLength: MAX_TEXT },
  name: { type: 'text', autocomplete: 'name', maxLength: 200 },
  picture: { type: 'url', autocomplete: 'photo', maxLength: MAX_URL },
  website: { type: 'url', autocomplete: 'url', maxLength: MAX_URL },
  gender: { type: 'text', autocomplete: 'sex', maxLength: 50 },
  birthdate: { type: 'date', autocomplete: 'bday', maxLength: 10 },
  zoneinfo: { type: 'text', autocomplete: 'off', maxLength: 64 },
  locale: { type: 'text', autocomplete: 'language', maxLength: 35 },
  phone_number: { type: 'tel', autocomplete: 'tel', maxLength: 32 },
};

const ADDRESS_INPUTS: Record<AddressPart, { autocomplete: string; maxLength: number; optional?: boolean }> = {
  street_address: { autocomplete: 'street-address', maxLength: 300 },
  postal_code: { autocomplete: 'postal-code', maxLength: 20 },
  locality: { autocomplete: 'address-level2', maxLength: 100 },
  region: { autocomplete: 'address-level1', maxLength: 100, optional: true },
  country: { autocomplete: 'country-name', maxLength: 100 },
};

const inputName = (part: AddressPart) => `address_${part}`;

export function attributeFields(attributes: readonly ProfileAttribute[], values: AttributeValues): FieldView[] {
  return attributes.flatMap((attribute): FieldView[] => {
    if (attribute === 'address') {
      return ADDRESS_PARTS.map((part) => ({
        name: inputName(part),
        label: `field.address.${part}` as MessageKey,
        type: 'text' as const,
        value: values[inputName(part)] ?? '',
        ...ADDRESS_INPUTS[part],
      }));
    }
    return [{ name: attribute, label: `field.${attribute}` as MessageKey, value: values[attribute] ?? '', ...INPUTS[attribute] }];
  });
}

let zones: Set<string> | undefined;
const timeZones = () => (zones ??= new Set(Intl.supportedValuesOf('timeZone')));

function isPastDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  // Round-trips only for real calendar days (2023-02-30 does not).
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value) && value >= '1900-01-01' && date.getTime() < Date.now();
}

function webUrl(value: string): boolean {
  const url = URL.parse(value);
  return url !== null && url.protocol === 'https:';
}

/** A single attribute's value, checked and normalised; an error key when it is not acceptable. */
export function checkAttribute(attribute: Exclude<ProfileAttribute, 'address'>, raw: string): { value: string } | { error: MessageKey } {
  const value = raw.trim();
  if (value.length > INPUTS[attribute].maxLength) return { error: 'field.error.tooLong' };
  switch (attribute) {
    case 'phone_number': {
      const phone = parsePhoneNumberFromString(value);
      return phone?.isValid() ? { value: phone.number } : { error: 'field.error.phone' };
    }
    case 'birthdate':
      return isPastDate(value) ? { value } : { error: 'field.error.birthdate' };
    case 'picture':
    case 'website':
      return webUrl(value) ? { value } : { error: 'field.error.url' };
    case 'zoneinfo':
      return timeZones().has(value) ? { value } : { error: 'field.error.zoneinfo' };
    case 'locale':
      return /^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/.test(value) ? { value: value.replace('_', '-') } : { error: 'field.error.locale' };
    default:
      // Names are free text: any script, any punctuation. Control characters are the only thing refused.
      // eslint-disable-next-line no-control-regex
      return /[\u0000-\u001f\u007f]/.test(value) ? { error: 'field.error.invalid' } : { value };
  }
}

export type ParsedAttributes =
  | { ok: true; values: AttributeValues; claims: UserClaims }
  | { ok: false; values: AttributeValues; error: FormError };

/** Reads the inputs for `attributes` from a form body; every listed attribute is required. */
export function parseAttributes(attributes: readonly ProfileAttribute[], body: Record<string, unknown>): ParsedAttributes {
  const values: AttributeValues = {};
  const claims: UserClaims = {};
  let error: FormError | undefined;
  const text = (name: string, max: number) => {
    const raw = body[name];
    const value = typeof raw === 'string' ? raw : '';
    // A huge value is not echoed back into the form either.
    values[name] = value.length <= max * 4 ? value : '';
    return value;
  };
  for (const attribute of attributes) {
    if (attribute === 'address') {
      const address: Address = {};
      for (const part of ADDRESS_PARTS) {
        const spec = ADDRESS_INPUTS[part];
        const value = text(inputName(part), spec.maxLength).trim();
        if (!value) {
          if (!spec.optional) error ??= { key: 'field.error.required', field: inputName(part) };
          continue;
        }
        if (value.length > spec.maxLength) error ??= { key: 'field.error.tooLong', field: inputName(part) };
        else address[part] = value;
      }
      claims.address = address;
      continue;
    }
    const raw = text(attribute, INPUTS[attribute].maxLength);
    if (!raw.trim()) {
      error ??= { key: 'field.error.required', field: attribute };
      continue;
    }
    const checked = checkAttribute(attribute, raw);
    if ('error' in checked) {
      error ??= { key: checked.error, field: attribute };
      continue;
    }
    (claims as Record<string, unknown>)[attribute] = checked.value;
    if (attribute === 'phone_number') claims.phone_number_verified = false;
  }
  return error ? { ok: false, values, error } : { ok: true, values, claims };
}
