import { maskPhone, normalisePhone } from '../../../src/auth/sms.ts';

describe('normalisePhone', () => {
  it.each([
    ['+4915112345678', '+4915112345678'],
    ['+49 151 12345678', '+4915112345678'],
    ['+49 (151) 123-456-78', '+4915112345678'],
    ['  +48 512 345 678 ', '+48512345678'],
    ['0048512345678', '+48512345678'],
    ['+45 30 12 34 56', '+4530123456'],
    ['+1 650 253 0000', '+16502530000'],
  ])('%s → %s', (input, e164) => {
    expect(normalisePhone(input)).toBe(e164);
  });

  it.each([
    ['national form without country', '015112345678'],
    ['letters', '+49 151 CALL ME'],
    ['too short', '+49151'],
    ['too long', '+491511234567890123'],
    ['no such country code', '+999 12345678'],
    ['a landline (cannot receive a text)', '+49 30 12345678'],
    ['premium rate', '+49 900 1234567'],
    ['toll free', '+45 80 80 80 80'],
    ['empty', ''],
    ['absurdly long input', `+49${'1'.repeat(100)}`],
  ])('refuses %s', (_why, input) => {
    expect(normalisePhone(input)).toBeUndefined();
  });

  it('refuses what is not a string', () => {
    expect(normalisePhone({ $gt: '' } as never)).toBeUndefined();
    expect(normalisePhone(undefined as never)).toBeUndefined();
  });
});

describe('maskPhone', () => {
  it('keeps the country code and the last two digits', () => {
    expect(maskPhone('+4915112345678')).toBe('+49 ••• ••78');
    expect(maskPhone('+16502530000')).toBe('+1 ••• ••00');
    expect(maskPhone('+48512345678')).toBe('+48 ••• ••78');
  });
});
