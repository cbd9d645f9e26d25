import { STEP_FORMS } from '../../../src/interaction/step-forms.ts';

describe("the sign-in pages' forms, as the step registrar parses them", () => {
  it('hands a page only the fields it reads', () => {
    const parsed = STEP_FORMS.login.parse({ _csrf: 't', email: 'a@b.c', password: 'pw', accountId: 'someone-else', isAdmin: 'yes' });
    expect(parsed).toEqual({ email: 'a@b.c', password: 'pw' });
    expect(STEP_FORMS.none.parse({ anything: 'x' })).toEqual({});
  });

  it("passes a wrong-shaped value on, for the page's own rule to refuse in the customer's language", () => {
    // What a urlencoded body can hold: a repeated field's list, a bracketed field's object.
    expect(STEP_FORMS.login.parse({ email: ['a@b.c', 'd@e.f'], password: { $ne: 'x' } })).toEqual({ email: ['a@b.c', 'd@e.f'], password: { $ne: 'x' } });
    expect(STEP_FORMS.consent.parse({ scope: ['email', 'phone'], claim: 'name' })).toEqual({ scope: ['email', 'phone'], claim: 'name' });
  });

  it('refuses a body that is no form at all', () => {
    expect(STEP_FORMS.login.safeParse('email=a@b.c').success).toBe(false);
    expect(STEP_FORMS.login.safeParse({ email: 42 }).success).toBe(false);
  });

  it('the sign-up and profile forms carry every attribute input (an address has one per part)', () => {
    const body = { given_name: 'Ada', address_street_address: '1 Road', address_country: 'GB', birthdate: '1990-04-23', optin: ['news:email'] };
    expect(STEP_FORMS.signup.parse({ ...body, email: 'a@b.c', password: 'pw', accept_legal: 'yes', legal_shown: 'f' })).toEqual({
      ...body,
      email: 'a@b.c',
      password: 'pw',
      accept_legal: 'yes',
      legal_shown: 'f',
    });
    const { optin: _optin, ...attributes } = body;
    expect(STEP_FORMS.profile.parse(body)).toEqual(attributes);
  });
});
