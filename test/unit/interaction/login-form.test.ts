import { MAX_EMAIL, MAX_PASSWORD, parseLogin } from '../../../src/interaction/login.ts';

describe('parseLogin', () => {
  it('accepts an e-mail and a password, trimming only the e-mail', () => {
    expect(parseLogin({ email: '  Alice@Example.com ', password: ' pass word ', _csrf: 'x' })).toEqual({
      ok: true,
      value: { email: 'Alice@Example.com', password: ' pass word ' },
    });
  });

  it.each([
    [{}, 'login.error.emailInvalid', 'email'],
    [{ email: '', password: 'x' }, 'login.error.emailMissing', 'email'],
    [{ email: '   ', password: 'x' }, 'login.error.emailMissing', 'email'],
    [{ email: 'alice', password: 'x' }, 'login.error.emailInvalid', 'email'],
    [{ email: `${'a'.repeat(MAX_EMAIL)}@x.io`, password: 'x' }, 'login.error.emailTooLong', 'email'],
    [{ email: ['a@b.c', 'd@e.f'], password: 'x' }, 'login.error.emailInvalid', 'email'],
    [{ email: { $ne: '' }, password: 'x' }, 'login.error.emailInvalid', 'email'],
    [{ email: 'a@b.c' }, 'login.error.passwordMissing', 'password'],
    [{ email: 'a@b.c', password: '' }, 'login.error.passwordMissing', 'password'],
    [{ email: 'a@b.c', password: ['x', 'y'] }, 'login.error.passwordMissing', 'password'],
    [{ email: 'a@b.c', password: 'p'.repeat(MAX_PASSWORD + 1) }, 'login.error.passwordTooLong', 'password'],
  ])('rejects %j with %s', (body, error, field) => {
    expect(parseLogin(body)).toEqual({ ok: false, error: { key: error, field } });
  });

  it('treats a missing body like an empty form', () => {
    expect(parseLogin(undefined)).toMatchObject({ ok: false, error: { field: 'email' } });
  });
});
