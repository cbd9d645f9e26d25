// The sign-in's profile step asks for attributes with the account center's lists: time zones by region, countries,
// a phone number's country picker and a date input for the birth date; what it stores is the same (IANA id, ISO
// code, E.164).
import { ATTRIBUTE_INPUTS, attributeFields, parseAttributes } from '../../../src/interaction/profile-fields.ts';

describe('profile step fields', () => {
  it('shows lists in the page’s language and a date input with its range', () => {
    const fields = attributeFields(['zoneinfo', 'birthdate', 'phone_number', 'address'], { address_country: 'Atlantis' }, 'de');
    expect(fields.map((f) => [f.name, f.type])).toEqual([
      ['zoneinfo', 'select'],
      ['birthdate', 'date'],
      ['phone_country', 'select'],
      ['phone_number', 'tel'],
      ['address_street_address', 'text'],
      ['address_postal_code', 'text'],
      ['address_locality', 'text'],
      ['address_region', 'text'],
      ['address_country', 'select'],
    ]);
    const [zones, birthdate, picker, , , , , , country] = fields;
    expect(zones?.choices?.some((g) => g.label === 'Europa' && g.options.some((o) => o.value === 'Europe/Berlin'))).toBe(true);
    expect(birthdate).toMatchObject({ min: '1900-01-01', max: new Date().toISOString().slice(0, 10) });
    expect(picker?.choices?.[0]?.options.find((o) => o.value === 'DK')?.label).toBe('Dänemark (+45)');
    // A value the list does not have is shown first, as it was sent.
    expect(country?.choices?.[0]?.options).toEqual([{ value: 'Atlantis', label: 'Atlantis' }]);
    expect(country?.choices?.[1]?.options.find((o) => o.value === 'DE')?.label).toBe('Deutschland');
    expect(ATTRIBUTE_INPUTS).toEqual(expect.arrayContaining(['phone_country', 'phone_number', 'address_country']));
  });

  it('stores the ISO code, the IANA id and E.164 from the picker and the national number', () => {
    const parsed = parseAttributes(['zoneinfo', 'phone_number', 'address'], {
      zoneinfo: 'Europe/Berlin',
      phone_country: 'DK',
      phone_number: '32 12 34 56',
      address_street_address: 'Vesterbrogade 2',
      address_postal_code: '1620',
      address_locality: 'København V',
      address_country: 'Denmark',
    });
    expect(parsed).toMatchObject({
      ok: true,
      claims: { zoneinfo: 'Europe/Berlin', phone_number: '+4532123456', address: { country: 'DK', locality: 'København V' } },
    });
  });

  it('refuses a country no list has, a wrong number for the chosen country and a picker value it does not offer', () => {
    const base = { address_street_address: 'x', address_postal_code: '1', address_locality: 'y' };
    expect(parseAttributes(['address'], { ...base, address_country: 'Narnia' })).toMatchObject({
      ok: false,
      error: { key: 'field.error.country', field: 'address_country' },
      values: { address_country: 'Narnia' },
    });
    expect(parseAttributes(['phone_number'], { phone_country: 'DK', phone_number: '1234' })).toMatchObject({
      ok: false,
      error: { key: 'field.error.phone', field: 'phone_number' },
      values: { phone_country: 'DK', phone_number: '1234' },
    });
    expect(parseAttributes(['phone_number'], { phone_country: 'XX', phone_number: '32 12 34 56' })).toMatchObject({
      ok: false,
      error: { key: 'field.error.invalid', field: 'phone_country' },
    });
    expect(parseAttributes(['zoneinfo'], { zoneinfo: 'Mars/Olympus_Mons' })).toMatchObject({ ok: false, error: { key: 'field.error.zoneinfo' } });
  });
});
