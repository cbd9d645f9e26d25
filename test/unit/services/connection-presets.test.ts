// Ready settings for the providers customers name most; the operator's own fields win.
import { presetConnection } from '../../../src/services/connection-presets.ts';

it('fills in Google, trusting its verified e-mail', () => {
  expect(presetConnection('google', {})).toEqual({ id: 'google', name: 'Google', issuer: 'https://accounts.google.com', trustEmail: true });
  expect(presetConnection('google', { id: 'google-work', name: 'Google Workspace', issuer: undefined })).toMatchObject({ id: 'google-work', name: 'Google Workspace', issuer: 'https://accounts.google.com' });
});

it('fills in one Microsoft tenant, or any tenant (common, organizations, consumers) optionally restricted, never trusting its e-mail unless told', () => {
  expect(presetConnection('microsoft', { tenant: 'contoso.onmicrosoft.com' })).toEqual({
    id: 'microsoft',
    name: 'Microsoft',
    issuer: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0',
    trustEmail: false,
  });
  expect(presetConnection('microsoft', { tenant: 'contoso.onmicrosoft.com', trustEmail: true }).trustEmail).toBe(true);
  expect(presetConnection('microsoft', { tenant: 'organizations', tenants: ['11111111-2222-3333-4444-555555555555'] })).toEqual({
    id: 'microsoft',
    name: 'Microsoft',
    issuer: 'https://login.microsoftonline.com/organizations/v2.0',
    trustEmail: false,
    tenants: ['11111111-2222-3333-4444-555555555555'],
  });
  expect(presetConnection('microsoft', { tenant: 'common' }).issuer).toBe('https://login.microsoftonline.com/common/v2.0');
  for (const tenant of [undefined, '', 'a/b']) {
    expect(() => presetConnection('microsoft', { tenant })).toThrow(/tenant/);
  }
  expect(() => presetConnection('microsoft', { tenant: 'contoso.onmicrosoft.com', tenants: ['11111111-2222-3333-4444-555555555555'] })).toThrow(/multi-tenant/);
});

it('names the presets it knows when given another', () => {
  expect(() => presetConnection('myspace', {})).toThrow(/google, microsoft/);
});
