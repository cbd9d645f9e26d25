// Profile attributes asked for inside the sign-in (required at sign-up by the operator, or needed by a client:
// progressive profiling): which inputs to show for each attribute, and how their values are checked.
import { PROFILE_ATTRIBUTES, type ProfileAttribute } from '../config/index.ts';
import type { Address, UserClaims } from '../db/models/user.ts';
import type { MessageKey } from '../i18n/index.ts';
import { checkProfileField, PROFILE_FIELDS, type ProfileField } from '../services/profile.ts';
import { claimsSchema } from '../services/user-input.ts';
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

/** The names of every input an attribute can have on a form (an address has one per part). */
export const ATTRIBUTE_INPUTS: readonly string[] = PROFILE_ATTRIBUTES.flatMap((a) => (a === 'address' ? ADDRESS_PARTS.map(inputName) : [a]));

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
export function checkAttribute(attribute: Exclude<ProfileAttribute, 'address'>, raw: string): { value: string } | { error: MessageKey } {
  const value = raw.trim();
  if (value.length > INPUTS[attribute].maxLength) return { error: 'field.error.tooLong' };
  if (isProfileField(attribute)) {
    const checked = checkProfileField(attribute, value, {});
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
