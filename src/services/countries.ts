// Countries as the profile forms take them: the ISO 3166-1 alpha-2 code is what is stored (the address claim's
// country), the customer picks from names in their own language (Intl.DisplayNames), and a country typed as text
// before the list existed ("Germany", "UK", "Danmark") is read as its code where that is unambiguous.
import { SUPPORTED_LOCALES } from '../i18n/index.ts';
import { byLabel, type Choice } from './choices.ts';

// Every officially assigned ISO 3166-1 alpha-2 code (249), plus XK (Kosovo: user-assigned, but what CLDR, phone
// numbering and most registries use).
export const COUNTRY_CODES: readonly string[] = (
  'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ ' +
  'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR ' +
  'GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP ' +
  'KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS ' +
  'MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS ' +
  'RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW ' +
  'TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW'
).split(' ');
const CODES = new Set(COUNTRY_CODES);

export const isCountryCode = (value: string): boolean => CODES.has(value);

// Names one of our languages gives a single country although people use them for two (Spanish and Polish name only
// the Republic of the Congo "Congo"/"Kongo").
const AMBIGUOUS: readonly string[] = ['Congo', 'Kongo'];

// Names people write that CLDR does not list as a country's name in any of our languages.
const ALIASES: Readonly<Record<string, string>> = {
  uk: 'GB',
  'great britain': 'GB',
  britain: 'GB',
  england: 'GB',
  scotland: 'GB',
  wales: 'GB',
  'northern ireland': 'GB',
  usa: 'US',
  us: 'US',
  'united states of america': 'US',
  holland: 'NL',
  'czech republic': 'CZ',
  turkey: 'TR',
  'ivory coast': 'CI',
  swaziland: 'SZ',
  macedonia: 'MK',
  'east timor': 'TL',
  vatican: 'VA',
  'russian federation': 'RU',
  'republic of korea': 'KR',
  uae: 'AE',
};

/** How a typed name is compared: case, accents, punctuation, "the" and "Saint"/"St." do not matter. */
function normalise(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replaceAll('&', ' and ')
    .replace(/[.'’]/g, '')
    .replace(/[,()-]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^the /, '')
    .replace(/\bsaint\b/g, 'st');
}

let byName: Map<string, string> | undefined;

// Every country's name in every language of the pages (and the part before a bracket: "Myanmar (Burma)"), minus
// any name two countries share.
function names(): Map<string, string> {
  if (byName) return byName;
  const found = new Map<string, string | null>();
  const add = (name: string, code: string) => {
    const key = normalise(name);
    if (!key) return;
    const seen = found.get(key);
    found.set(key, seen === undefined || seen === code ? code : null);
  };
  for (const locale of SUPPORTED_LOCALES) {
    const display = new Intl.DisplayNames(locale, { type: 'region', fallback: 'none' });
    for (const code of COUNTRY_CODES) {
      const name = display.of(code);
      if (!name) continue;
      add(name, code);
      const bracket = /^(.+?) \((.+)\)$/.exec(name);
      if (bracket) {
        add(bracket[1] ?? '', code);
        add(bracket[2] ?? '', code);
      }
    }
  }
  for (const [alias, code] of Object.entries(ALIASES)) add(alias, code);
  for (const name of AMBIGUOUS) found.set(normalise(name), null);
  byName = new Map([...found].filter((e): e is [string, string] => e[1] !== null));
  return byName;
}

/** The ISO code a country value stands for: a code in any case ("dk"), or a name that only one country has; else undefined. */
export function countryCodeOf(value: string): string | undefined {
  const trimmed = value.trim();
  if (/^[a-z]{2}$/i.test(trimmed) && CODES.has(trimmed.toUpperCase())) return trimmed.toUpperCase();
  return names().get(normalise(trimmed));
}

/** A stored country as the customer reads it: a code becomes its name in their language; other text stays as it is. */
export function countryName(value: string, locale: string): string {
  if (!CODES.has(value)) return value;
  return new Intl.DisplayNames(locale, { type: 'region', fallback: 'code' }).of(value) ?? value;
}

const lists = new Map<string, readonly Choice[]>();

/** Every country, by its name in `locale`, sorted the way that language sorts. */
export function countryChoices(locale: string): readonly Choice[] {
  let list = lists.get(locale);
  if (!list) {
    const display = new Intl.DisplayNames(locale, { type: 'region', fallback: 'code' });
    list = COUNTRY_CODES.map((code) => ({ value: code, label: display.of(code) ?? code })).sort(byLabel(locale));
    lists.set(locale, list);
  }
  return list;
}
