import { pickLocale, SUPPORTED_LOCALES, translator } from '../../../src/i18n/index.ts';
import { da } from '../../../src/i18n/messages/da.ts';
import { de } from '../../../src/i18n/messages/de.ts';
import { en } from '../../../src/i18n/messages/en.ts';
import { pl } from '../../../src/i18n/messages/pl.ts';

describe('pickLocale', () => {
  it('prefers ui_locales, in its order, falling back from regional variants', () => {
    expect(pickLocale('de')).toBe('de');
    expect(pickLocale('fr-CA da pl')).toBe('da');
    expect(pickLocale('pl-PL')).toBe('pl');
    expect(pickLocale('DE-at', 'da')).toBe('de');
  });

  it('uses Accept-Language by weight when ui_locales has nothing we speak', () => {
    expect(pickLocale('fr', 'fr-FR, da;q=0.5, de;q=0.8')).toBe('de');
    expect(pickLocale(undefined, 'pl,en;q=0.9')).toBe('pl');
    expect(pickLocale(undefined, 'de;q=0, da')).toBe('da');
  });

  it('falls back to English for anything else, including junk', () => {
    expect(pickLocale(undefined, undefined)).toBe('en');
    expect(pickLocale('xx yy', 'zz;q=abc')).toBe('en');
    expect(pickLocale(['de'], '')).toBe('en');
    expect(pickLocale(`${'x '.repeat(10_000)}de`)).toBe('en');
  });
});

describe('catalogs', () => {
  it('exist for every supported locale with every key filled and every placeholder kept', () => {
    const catalogs = { en, de, da, pl };
    expect(Object.keys(catalogs).sort()).toEqual([...SUPPORTED_LOCALES].sort());
    for (const catalog of Object.values(catalogs)) {
      for (const [key, english] of Object.entries(en)) {
        const text = catalog[key as keyof typeof en];
        expect(text.trim()).not.toBe('');
        const vars = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
        expect([key, vars(text)]).toEqual([key, vars(english)]);
      }
    }
  });

  it('fills placeholders with plain text', () => {
    expect(translator('en')('login.lead', { client: '<b>Shop</b>' })).toBe('to continue to <b>Shop</b>');
    expect(translator('de')('consent.lead', { client: 'Shop' })).toBe('Shop möchte:');
  });
});
