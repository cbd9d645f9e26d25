// Where the account center may send a browser after signing in, and when a sign-in is recent enough.
import { isRecentLogin, localAccountPath } from '../../../src/account/auth.ts';

describe('localAccountPath', () => {
  it.each([
    ['/account', '/account'],
    ['/account/', '/account/'],
    ['/account/sessions', '/account/sessions'],
    ['/account/email/verify?id=abc&code=123456', '/account/email/verify?id=abc&code=123456'],
    ['/account?x=1', '/account?x=1'],
    // The callback is never a destination: it would consume a state again.
    ['/account/callback?state=x', '/account'],
  ])('keeps %s as %s', (input, expected) => {
    expect(localAccountPath(input)).toBe(expected);
  });

  it.each([
    ['another origin', 'https://evil.example/account'],
    ['protocol-relative', '//evil.example/account'],
    ['double slash inside', '/account//evil.example'],
    ['backslash', '/account\\..\\admin'],
    ['a look-alike prefix', '/accounts'],
    ['a look-alike prefix 2', '/accountx/y'],
    ['dot segments leaving /account', '/account/../admin'],
    ['encoded dot segments', '/account/%2e%2e/admin'],
    ['outside', '/interaction/abc'],
    ['empty', ''],
    ['not a string', ['/account']],
    ['too long', `/account/${'a'.repeat(600)}`],
  ])('refuses %s', (_what, input) => {
    expect(localAccountPath(input)).toBeUndefined();
  });
});

describe('isRecentLogin', () => {
  const now = Date.UTC(2025, 0, 1, 12);
  const loginTs = now / 1000 - 300;
  it('accepts a sign-in up to the maximum age and refuses an older one', () => {
    expect(isRecentLogin({ loginTs }, 300, now)).toBe(true);
    expect(isRecentLogin({ loginTs }, 299, now)).toBe(false);
  });
});
