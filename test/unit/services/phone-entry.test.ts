// The phone number as a country picker and the number: what the picker offers, what it accepts, and how a stored
// number is shown in the two inputs.
import { callingCodeChoices, phoneForEntry, readPhoneCountry } from '../../../src/services/phone-entry.ts';

describe('phone entry', () => {
  it('offers every country with a calling code, by name in the language', () => {
    const de = callingCodeChoices('de');
    expect(de.length).toBeGreaterThan(240);
    expect(de.find((c) => c.value === 'DK')).toEqual({ value: 'DK', label: 'Dänemark (+45)' });
    expect(de.find((c) => c.value === 'US')?.label).toBe('Vereinigte Staaten (+1)');
  });

  it('reads the picker: nothing, a known country, or a problem', () => {
    expect(readPhoneCountry(undefined)).toEqual({});
    expect(readPhoneCountry('')).toEqual({});
    expect(readPhoneCountry('DK')).toEqual({ region: 'DK' });
    for (const bad of ['dk', 'XX', 'DEU', ['DK'], { $ne: 'x' }]) expect(readPhoneCountry(bad)).toEqual({ error: true });
  });

  it('shows a valid stored number as its country and the national number; anything else whole', () => {
    expect(phoneForEntry('+4532123456')).toEqual({ country: 'DK', number: '32 12 34 56' });
    expect(phoneForEntry('+49301234567')).toEqual({ country: 'DE', number: '030 1234567' });
    // Not valid by today's rules, or of no single country: left as stored, so that saving it unchanged keeps it.
    expect(phoneForEntry('+4512345678')).toEqual({ number: '+4512345678' });
    expect(phoneForEntry('+80012345678')).toEqual({ number: '+80012345678' });
    expect(phoneForEntry('')).toEqual({ number: '' });
  });
});
