// Profile attributes asked for inside the sign-in (required at sign-up by the operator, or needed by a client:
// progressive profiling): which inputs to show for each attribute, and how their values are checked.
import { PROFILE_ATTRIBUTES, type ProfileAttribute } from '../config/index.ts';
import type { Address, UserClaims } from '../db/models/user.ts';
import type { CountryCode } from 'libphonenumber-js/max';
import { translator, type Locale, type MessageKey } from '../i18n/index.ts';
import { withCurrent, type ChoiceGroup } from '../services/choices.ts';
import { countryChoices, countryCodeOf } from '../services/countries.ts';
import { callingCodeChoices, PHONE_COUNTRY_FIELD, readPhoneCountry } from '../services/phone-entry.ts';
import { birthdateRange, checkProfileField, PROFILE_FIELDS, type ProfileField } from '../services/profile.ts';
import { timeZoneChoices } from '../services/time-zone-choices.ts';
import { claimsSchema } from '../services/user-input.ts';
import { combine, type FormError } from './forms.ts';

const MAX_TEXT = 100;
const MAX_URL = 2048;
const ADDRESS_PARTS = ['street_address', 'postal_code', 'locality', 'region', 'country'] as const;
type AddressPart = (typeof ADDRESS_PARTS)[number];

export type AttributeValues = Record<string, string>;

export interface FieldView {
  name: string;
  label: MessageKey;
  type: 'text' | 'url' | 'date' | 'tel' | 'select';
  autocomplete: string;
  value: string;
  maxLength: number;
  optional?: boolean;
  /** A date's earliest and latest value. */
  min?: string;
  max?: string;
  /** A select's list (time zones, countries, calling codes), in the page's language. */
  choices?: readonly ChoiceGroup[];
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
  zoneinfo: { type: 'select', autocomplete: 'off', maxLength: 64 },
  locale: { type: 'text', autocomplete: 'language', maxLength: 35 },
  phone_number: { type: 'tel', autocomplete: 'tel', maxLength: 32 },
};

const ADDRESS_INPUTS: Record<AddressPart, { autocomplete: string; maxLength: number; optional?: boolean }> = {
  street_address: { autocomplete: 'street-address', maxLength: 300 },
  postal_code: { autocomplete: 'postal-code', maxLength: 20 },
  locality: { autocomplete: 'address-level2', maxLength: 100 },
  region: { autocomplete: 'address-level1', maxLength: 100, optional: true },
  country: { autocomplete: 'country', maxLength: 100 },
};

const inputName = (part: AddressPart) => `address_${part}`;

/** The names of every input an attribute can have on a form (an address has one per part, a phone number a picker). */
export const ATTRIBUTE_INPUTS: readonly string[] = PROFILE_ATTRIBUTES.flatMap((a) =>
  a === 'address' ? ADDRESS_PARTS.map(inputName) : a === 'phone_number' ? [PHONE_COUNTRY_FIELD, a] : [a],
);

/** The inputs for `attributes`, lists in the page's language: time zones by region, countries, calling codes. */
export function attributeFields(attributes: readonly ProfileAttribute[], values: AttributeValues, locale: Locale = 'en'): FieldView[] {
  return attributes.flatMap((attribute): FieldView[] => {
    if (attribute === 'address') {
      return ADDRESS_PARTS.map((part): FieldView => {
        const value = values[inputName(part)] ?? '';
        const field: FieldView = { name: inputName(part), label: `field.address.${part}` as MessageKey, type: 'text', value, ...ADDRESS_INPUTS[part] };
        return part === 'country' ? { ...field, type: 'select', choices: withCurrent([{ options: countryChoices(locale) }], value) } : field;
      });
    }
    const field: FieldView = { name: attribute, label: `field.${attribute}` as MessageKey, value: values[attribute] ?? '', ...INPUTS[attribute] };
    if (attribute === 'zoneinfo') return [{ ...field, choices: withCurrent(timeZoneChoices(locale, translator(locale)), field.value) }];
    if (attribute === 'birthdate') return [{ ...field, ...birthdateRange() }];
    if (attribute !== 'phone_number') return [field];
    // The number's country first (a national number is read in it); a whole number with + needs none.
    const picker: FieldView = {
      name: PHONE_COUNTRY_FIELD,
      label: 'field.phone_country',
      type: 'select',
      autocomplete: 'off',
      value: values[PHONE_COUNTRY_FIELD] ?? '',
      maxLength: 2,
      optional: true,
      choices: [{ options: callingCodeChoices(locale) }],
    };
    return [picker, field];
  });
}

// The sign-in's own wording for each kind of problem (its inputs are plain text fields, not the account center's).
const STEP_ERRORS: Partial<Record<ProfileField, MessageKey>> = {
  phone_number: 'field.error.phone',
  birthdate: 'field.error.birthdate',
  picture: 'field.error.url',
  zoneinfo: 'field.error.zoneinfo',
  locale: 'field.error.locale',
};

const isProfileField = (attribute: string): attribute is ProfileField => (PROFILE_FIELDS as readonly string[]).includes(attribute);

/**
 * A single attribute's value, checked and normalised by the same rules as the account center's profile form
 * (src/services/profile.ts); the few attributes that form does not edit get the equivalent rule here.
 */
export function checkAttribute(
  attribute: Exclude<ProfileAttribute, 'address'>,
  raw: string,
  opts: { region?: CountryCode } = {},
): { value: string } | { error: MessageKey } {
  const value = raw.trim();
  if (value.length > INPUTS[attribute].maxLength) return { error: 'field.error.tooLong' };
  if (isProfileField(attribute)) {
    const checked = checkProfileField(attribute, value, opts);
    return 'error' in checked ? { error: STEP_ERRORS[attribute] ?? 'field.error.invalid' } : checked;
  }
  if (attribute === 'website') {
    return URL.parse(value)?.protocol === 'https:' && claimsSchema.shape.website.safeParse(value).success ? { value } : { error: 'field.error.url' };
  }
  // preferred_username, gender: free text, like names.
  return claimsSchema.shape[attribute].safeParse(value).success && !/[\u0000-\u001f\u007f]/.test(value)
    ? { value }
    : { error: 'field.error.invalid' };
}

export type ParsedAttributes =
  | { ok: true; values: AttributeValues; claims: UserClaims }
  | { ok: false; values: AttributeValues; error: FormError };

/**
 * Reads the inputs for `attributes` from a form body; every listed attribute is required. A failed read names every
 * input with a problem (the first in `error`, the others in its `more`), in the form's order.
 */
export function parseAttributes(attributes: readonly ProfileAttribute[], body: Record<string, unknown>): ParsedAttributes {
  const values: AttributeValues = {};
  const claims: UserClaims = {};
  const problems: FormError[] = [];
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
          if (!spec.optional) problems.push({ key: 'field.error.required', field: inputName(part) });
          continue;
        }
        // The country is stored as its ISO code (the list sends one; a name only one country has is read as its code).
        const stored = part === 'country' ? countryCodeOf(value) : value;
        if (value.length > spec.maxLength) problems.push({ key: 'field.error.tooLong', field: inputName(part) });
        else if (!stored) problems.push({ key: 'field.error.country', field: inputName(part) });
        else address[part] = stored;
      }
      claims.address = address;
      continue;
    }
    const raw = text(attribute, INPUTS[attribute].maxLength);
    if (!raw.trim()) {
      problems.push({ key: 'field.error.required', field: attribute });
      continue;
    }
    const picked = attribute === 'phone_number' ? readPhoneCountry(text(PHONE_COUNTRY_FIELD, 2)) : {};
    if ('error' in picked) {
      problems.push({ key: 'field.error.invalid', field: PHONE_COUNTRY_FIELD });
      continue;
    }
    const checked = checkAttribute(attribute, raw, picked);
    if ('error' in checked) {
      problems.push({ key: checked.error, field: attribute });
      continue;
    }
    (claims as Record<string, unknown>)[attribute] = checked.value;
    if (attribute === 'phone_number') claims.phone_number_verified = false;
  }
  const error = combine(problems);
  return error ? { ok: false, values, error } : { ok: true, values, claims };
}
