// A phone number as the profile forms take it: a country picker (which gives the calling code) beside the number as
// people write it at home, or a whole number starting with + typed into the number field (then the picker does not
// matter). The server reads the two together into E.164 (checkProfileField), so the form needs no script.
import { getCountries, getCountryCallingCode, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { byLabel, type Choice } from './choices.ts';

export const PHONE_COUNTRY_FIELD = 'phone_country';

const REGIONS = new Set<string>(getCountries());

/** A country (or territory) with its own calling code and numbering plan, as the picker's values are. */
export const isPhoneRegion = (value: string | undefined): value is CountryCode => value !== undefined && REGIONS.has(value);

/**
 * The picker's value from a form: none ('' or absent), a known country, or a problem (anything else, so that a
 * national number is never read as some other country's).
 */
export function readPhoneCountry(raw: unknown): { region?: CountryCode } | { error: true } {
  if (raw === undefined || raw === '') return {};
  return typeof raw === 'string' && isPhoneRegion(raw) ? { region: raw } : { error: true };
}

const lists = new Map<string, readonly Choice[]>();

/** "Denmark (+45)" for every country with a calling code, by name in `locale`. */
export function callingCodeChoices(locale: string): readonly Choice[] {
  let list = lists.get(locale);
  if (!list) {
    const display = new Intl.DisplayNames(locale, { type: 'region', fallback: 'code' });
    list = getCountries()
      .map((code) => ({ value: code, label: `${display.of(code) ?? code} (+${getCountryCallingCode(code)})` }))
      .sort(byLabel(locale));
    lists.set(locale, list);
  }
  return list;
}

/**
 * What the two inputs show for a stored number: its country in the picker and the national number beside it. A
 * number today's rules would not accept, or one of no single country (+800), stays whole in the number field, so
 * that saving the form unchanged keeps it as it is.
 */
export function phoneForEntry(stored: string): { country?: CountryCode; number: string } {
  const phone = stored ? parsePhoneNumberFromString(stored) : undefined;
  if (!phone?.country || !phone.isValid() || phone.number !== stored) return { number: stored };
  return { country: phone.country, number: phone.formatNational() };
}
