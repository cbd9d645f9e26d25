import { MESSAGE_KEYS, pickLocale, pluralKey, SUPPORTED_LOCALES, translator, type PluralBase } from '../../../src/i18n/index.ts';

describe('pickLocale', () => {
  it('prefers ui_locales, in its order, falling back from regional variants', () => {
    expect(pickLocale('de')).toBe('de');
    expect(pickLocale('ja-JP da pl')).toBe('da');
    expect(pickLocale('fr-CA da pl')).toBe('fr');
    expect(pickLocale('pl-PL')).toBe('pl');
    expect(pickLocale('DE-at', 'da')).toBe('de');
    expect(pickLocale('nl-BE')).toBe('nl');
    expect(pickLocale('es-419')).toBe('es');
  });

  it('uses Accept-Language by weight when ui_locales has nothing we speak', () => {
    expect(pickLocale('ja', 'ja-JP, da;q=0.5, de;q=0.8')).toBe('de');
    expect(pickLocale(undefined, 'pl,en;q=0.9')).toBe('pl');
    expect(pickLocale(undefined, 'de;q=0, da')).toBe('da');
    expect(pickLocale(undefined, 'it-CH, fr;q=0.9')).toBe('it');
  });

  it('falls back to English for anything else, including junk', () => {
    expect(pickLocale(undefined, undefined)).toBe('en');
    expect(pickLocale('xx yy', 'zz;q=abc')).toBe('en');
    expect(pickLocale(['de'], '')).toBe('en');
    expect(pickLocale(`${'x '.repeat(10_000)}de`)).toBe('en');
  });
});

// The raw text of a message (placeholders left as they are: the translator keeps an unfilled one).
const raw = (locale: (typeof SUPPORTED_LOCALES)[number], key: (typeof MESSAGE_KEYS)[number]) => translator(locale)(key);
const vars = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();

describe('catalogs', () => {
  it('speak eight languages', () => {
    expect([...SUPPORTED_LOCALES].sort()).toEqual(['da', 'de', 'en', 'es', 'fr', 'it', 'nl', 'pl']);
  });

  it.each(SUPPORTED_LOCALES)('%s has every key filled, with every placeholder of the English kept', (locale) => {
    expect(MESSAGE_KEYS.length).toBeGreaterThan(1000);
    const problems: string[] = [];
    for (const key of MESSAGE_KEYS) {
      const text = raw(locale, key);
      if (text.trim() === '') problems.push(`${key}: empty`);
      else if (vars(text).join() !== vars(raw('en', key)).join()) problems.push(`${key}: {${vars(text).join()}} instead of {${vars(raw('en', key)).join()}}`);
    }
    expect(problems).toEqual([]);
  });

  // Every plural message exists in every form its language's rules can pick (Intl.PluralRules), each with the count in
  // it: French picks "one" for 0 as well, so no form may say "1" where the number belongs. (Polish "other" is for
  // fractions only.)
  it.each(SUPPORTED_LOCALES)('%s has every plural form its language needs, each naming the number', (locale) => {
    const bases = [...new Set(MESSAGE_KEYS.filter((k) => k.endsWith('.other')).map((k) => k.slice(0, -'.other'.length)))].filter((b) =>
      MESSAGE_KEYS.includes(`${b}.one` as (typeof MESSAGE_KEYS)[number]),
    ) as PluralBase[];
    expect(bases.length).toBeGreaterThan(5);
    const rules = new Intl.PluralRules(locale);
    const samples = [0, 1, 2, 3, 5, 11, 21, 22, 25, 100, 101, 1_000_000, 1.5];
    const needed = new Set(samples.map((n) => rules.select(n)));
    for (const category of rules.resolvedOptions().pluralCategories) if (['one', 'few', 'many', 'other'].includes(category)) expect(needed.has(category)).toBe(true);
    const problems: string[] = [];
    for (const base of bases) {
      for (const n of samples) {
        const key = pluralKey(locale, base, n);
        const text = raw(locale, key);
        const placeholders = vars(raw('en', `${base}.other` as (typeof MESSAGE_KEYS)[number]));
        if (text.trim() === '' || vars(text).join() !== placeholders.join()) problems.push(`${key} (for ${n})`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('fills placeholders with plain text', () => {
    expect(translator('en')('login.lead', { client: '<b>Shop</b>' })).toBe('to continue to <b>Shop</b>');
    expect(translator('de')('consent.lead', { client: 'Shop' })).toBe('Shop möchte:');
  });
});
