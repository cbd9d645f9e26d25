import { translator } from '../../../src/i18n/index.ts';
import { describeClaim, describeConsent, describeScope, missingFromPrompt } from '../../../src/interaction/describe.ts';

describe('consent descriptions', () => {
  const t = translator('en');

  it('describes standard scopes and claims in plain language', () => {
    expect(describeScope(t, 'email')).toBe('See your e-mail address');
    expect(describeScope(t, 'offline_access')).toBe('Stay connected to your account while you are not using the application');
    expect(describeClaim(t, 'birthdate')).toBe('Your date of birth');
  });

  it('names unknown scopes and claims literally, including ones that look like catalog keys', () => {
    expect(describeScope(t, 'invoices:read')).toBe('Use the permission “invoices:read”');
    expect(describeScope(t, 'other')).toBe('Use the permission “other”');
    expect(describeClaim(t, 'other')).toBe('The detail “other”');
  });

  it('reads only well-typed entries from the prompt details', () => {
    expect(
      missingFromPrompt({
        missingOIDCScope: ['openid', 5, 'email'],
        missingOIDCClaims: 'name',
        missingResourceScopes: { 'https://api.example/': ['read', {}], 'https://empty.example/': [] },
      }),
    ).toEqual({ scope: ['openid', 'email'], claims: [], resources: { 'https://api.example/': ['read'] } });
    expect(missingFromPrompt({})).toEqual({ scope: [], claims: [], resources: {} });
  });

  it("keeps a resource server's scopes as its own words", () => {
    const request = describeConsent(translator('de'), {
      missingOIDCScope: ['openid', 'profile'],
      missingOIDCClaims: ['given_name'],
      missingResourceScopes: { 'https://api.example/': ['email'] },
    });
    expect(request).toEqual({
      scopes: ['Sie mit Ihrem Konto anmelden', 'Ihr Basisprofil sehen (Name, Spitzname, Bild und ähnliche Angaben)'],
      claims: ['Ihr Vorname'],
      resources: [{ name: 'https://api.example/', scopes: ['Die Berechtigung „email“ nutzen'] }],
    });
  });
});
