// Countries as the profile forms take them: ISO 3166-1 alpha-2 codes stored, names in the customer's language shown,
// and a country typed as text before the list existed read as its code only where no other country has that name.
import { COUNTRY_CODES, countryChoices, countryCodeOf, countryName } from '../../../src/services/countries.ts';

describe('countries', () => {
  it('knows every assigned ISO 3166-1 alpha-2 code once (249, plus XK), each with a name', () => {
    expect(COUNTRY_CODES).toHaveLength(250);
    expect(new Set(COUNTRY_CODES).size).toBe(250);
    const names = new Intl.DisplayNames('en', { type: 'region', fallback: 'none' });
    expect(COUNTRY_CODES.filter((code) => !names.of(code))).toEqual([]);
    // Reserved and grouping codes are not countries one lives in.
    for (const code of ['UK', 'EU', 'UN', 'ZZ', 'QO', 'XA']) expect(COUNTRY_CODES).not.toContain(code);
  });

  it.each([
    ['DE', 'DE'],
    ['dk', 'DK'],
    [' Germany ', 'DE'],
    ['UK', 'GB'],
    ['U.K.', 'GB'],
    ['Great Britain', 'GB'],
    ['United States of America', 'US'],
    ['U.S.A.', 'US'],
    ['The Netherlands', 'NL'],
    ['Holland', 'NL'],
    ['Czech Republic', 'CZ'],
    ['Turkey', 'TR'],
    ['Cote d’Ivoire', 'CI'],
    ['Saint Lucia', 'LC'],
    ['St. Lucia', 'LC'],
    ['Bosnia and Herzegovina', 'BA'],
    ['Burma', 'MM'],
    // The pages' other languages.
    ['Deutschland', 'DE'],
    ['Danmark', 'DK'],
    ['Niemcy', 'DE'],
    ['Storbritannien', 'GB'],
  ])('reads %j as %s', (text, code) => {
    expect(countryCodeOf(text)).toBe(code);
  });

  it.each(['Korea', 'Congo', 'Kongo', 'Narnia', 'XX', 'EU', '', 'Berlin, Germany'])('leaves %j alone (no single country)', (text) => {
    expect(countryCodeOf(text)).toBeUndefined();
  });

  it('lists every country by its name in the language, sorted as that language sorts', () => {
    const da = countryChoices('da');
    expect(da).toHaveLength(250);
    expect(da.find((c) => c.value === 'DE')?.label).toBe('Tyskland');
    // Danish puts Æ, Ø and Å after Z.
    expect(da.slice(-3).map((c) => c.value)).toEqual(['GQ', 'AT', 'AX']);
    const pl = countryChoices('pl').map((c) => c.label);
    expect(pl.indexOf('Łotwa')).toBeGreaterThan(pl.indexOf('Luksemburg'));
    expect(countryChoices('da')).toBe(da);
  });

  it('shows a stored code as its name, and other text as it is', () => {
    expect(countryName('DE', 'pl')).toBe('Niemcy');
    expect(countryName('Atlantis', 'de')).toBe('Atlantis');
  });
});
