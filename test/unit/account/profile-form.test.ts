// The profile and address forms as the account center reads them: what is accepted (and how it is normalised),
// what is refused with which message, and that a partial form changes only what it carries.
import { parseAddressForm, parseProfileForm, regionOf } from '../../../src/services/profile.ts';

describe('parseProfileForm', () => {
  it('normalises what it accepts and turns empty fields into removals', () => {
    const parsed = parseProfileForm(
      { given_name: '  Åse ', locale: 'pl_pl', picture: 'https://cdn.example/a b.png', phone_number: '22 123 45 67', nickname: '', zoneinfo: 'UTC' },
      { region: 'PL' },
    );
    expect(parsed).toMatchObject({
      ok: true,
      value: { given_name: 'Åse', locale: 'pl-PL', picture: 'https://cdn.example/a%20b.png', phone_number: '+48221234567', nickname: null, zoneinfo: 'UTC' },
    });
    // Fields not in the form are not in the changes.
    expect(parsed.ok && Object.keys(parsed.value).sort()).toEqual(['given_name', 'locale', 'nickname', 'phone_number', 'picture', 'zoneinfo']);
  });

  it('needs the country code when no region is known', () => {
    expect(parseProfileForm({ phone_number: '030 1234567' })).toMatchObject({ ok: false, errors: { phone_number: 'account.profile.error.phone' } });
    expect(parseProfileForm({ phone_number: '030 1234567' }, { region: 'DE' })).toMatchObject({ ok: true, value: { phone_number: '+49301234567' } });
  });

  it.each([
    ['birthdate', '2000-13-01', 'account.profile.error.birthdate'],
    ['birthdate', '1900-01-01T00:00', 'account.error.tooLong'],
    ['birthdate', '1990-1-1', 'account.profile.error.birthdate'],
    ['locale', 'en-', 'account.profile.error.locale'],
    ['locale', 'x'.repeat(36), 'account.error.tooLong'],
    ['zoneinfo', 'europe/berlin', 'account.profile.error.zoneinfo'],
    ['picture', 'https://', 'account.profile.error.picture'],
    ['picture', 'data:image/png;base64,AAAA', 'account.profile.error.picture'],
    ['name', 'line\nbreak', 'account.error.text'],
  ])('refuses %s %j', (field, value, key) => {
    expect(parseProfileForm({ [field]: value })).toMatchObject({ ok: false, errors: { [field]: key } });
  });

  it('reads a national number in the picker’s country, a whole +number in its own', () => {
    expect(parseProfileForm({ phone_country: 'DK', phone_number: '32 12 34 56' }, { region: 'DE' })).toMatchObject({
      ok: true,
      value: { phone_number: '+4532123456' },
      values: { phone_country: 'DK', phone_number: '32 12 34 56' },
    });
    expect(parseProfileForm({ phone_country: 'DK', phone_number: '+48 22 123 45 67' })).toMatchObject({ ok: true, value: { phone_number: '+48221234567' } });
    // No choice: the language's region, as before.
    expect(parseProfileForm({ phone_country: '', phone_number: '030 1234567' }, { region: 'DE' })).toMatchObject({ ok: true, value: { phone_number: '+49301234567' } });
    expect(parseProfileForm({ phone_country: 'DK', phone_number: '1234' })).toMatchObject({ ok: false, errors: { phone_number: 'account.profile.error.phone' } });
    expect(parseProfileForm({ phone_country: 'XX', phone_number: '32 12 34 56' })).toMatchObject({ ok: false, errors: { phone_number: 'account.error.invalid' } });
    // A picker beside an empty or unchanged number does not matter.
    expect(parseProfileForm({ phone_country: 'XX', phone_number: '' })).toMatchObject({ ok: true, value: { phone_number: null } });
  });

  it('does not judge a stored value sent back unchanged', () => {
    expect(parseProfileForm({ phone_number: '+4512345678', nickname: 'x' }, { current: { phone_number: '+4512345678' } })).toMatchObject({
      ok: true,
      value: { nickname: 'x' },
    });
  });

  it('reads a missing or odd body as an empty form', () => {
    expect(parseProfileForm(undefined)).toMatchObject({ ok: true, value: {} });
    expect(parseProfileForm(['given_name'])).toMatchObject({ ok: true, value: {} });
  });
});

describe('parseAddressForm', () => {
  it('keeps line breaks in the street only, normalised', () => {
    expect(parseAddressForm({ street_address: 'Main St 1\r\nBack house', locality: 'Town', country: 'DK', region: ' ', label: '' })).toMatchObject({
      ok: true,
      value: { street_address: 'Main St 1\nBack house', locality: 'Town', country: 'DK' },
    });
    expect(parseAddressForm({ street_address: 'x', locality: 'To\nwn', country: 'DK' })).toMatchObject({ ok: false, errors: { locality: 'account.error.text' } });
  });

  it('stores the country as its ISO code; other text only as the address already had it', () => {
    const address = { street_address: 'x', locality: 'y' };
    expect(parseAddressForm({ ...address, country: 'Germany' })).toMatchObject({ ok: true, value: { country: 'DE' }, values: { country: 'Germany' } });
    expect(parseAddressForm({ ...address, country: 'Atlantis' })).toMatchObject({ ok: false, errors: { country: 'account.address.error.country' } });
    expect(parseAddressForm({ ...address, country: 'Atlantis' }, { country: 'Atlantis' })).toMatchObject({ ok: true, value: { country: 'Atlantis' } });
    expect(parseAddressForm({ ...address, country: 'UK' }, { country: 'UK' })).toMatchObject({ ok: true, value: { country: 'GB' } });
  });
});

describe('regionOf', () => {
  it('finds the region of a locale, if it has one', () => {
    expect(regionOf('de-DE')).toBe('DE');
    expect(regionOf('da')).toBeUndefined();
    expect(regionOf('not a locale')).toBeUndefined();
    expect(regionOf(undefined)).toBeUndefined();
  });
});
