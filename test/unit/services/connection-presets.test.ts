// Ready settings for the providers customers name most; the operator's own fields win.
import { presetConnection } from '../../../src/services/connection-presets.ts';

it('fills in Google, trusting its verified e-mail', () => {
  expect(presetConnection('google', {})).toEqual({ id: 'google', name: 'Google', issuer: 'https://accounts.google.com', trustEmail: true });
  expect(presetConnection('google', { id: 'google-work', name: 'Google Workspace', issuer: undefined })).toMatchObject({ id: 'google-work', name: 'Google Workspace', issuer: 'https://accounts.google.com' });
});

it('fills in one Microsoft tenant, not trusting its e-mail unless told, and refuses multi-tenant names', () => {
  expect(presetConnection('microsoft', { tenant: 'contoso.onmicrosoft.com' })).toEqual({
    id: 'microsoft',
    name: 'Microsoft',
    issuer: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0',
    trustEmail: false,
  });
  expect(presetConnection('microsoft', { tenant: 'contoso.onmicrosoft.com', trustEmail: true }).trustEmail).toBe(true);
  for (const tenant of [undefined, 'common', 'organizations', 'a/b']) {
    expect(() => presetConnection('microsoft', { tenant })).toThrow(/tenant/);
  }
});

it('names the presets it knows when given another', () => {
  expect(() => presetConnection('myspace', {})).toThrow(/google, microsoft/);
});
