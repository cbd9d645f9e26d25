import { factorsFor, factorsInAmr, LEVEL, missingLevel, mfaSettings, outcome, policyLevel, requestedLevel } from '../../../src/auth/requirement.ts';
import { ACR, FACTOR_TYPES } from '../../../src/auth/types.ts';

const operator = { policy: 'adaptive' as const, factors: FACTOR_TYPES };

describe('mfaSettings', () => {
  it('takes the client policy over the operator default, and the client factors within the operator list', () => {
    expect(mfaSettings(undefined, operator)).toEqual({ policy: 'adaptive', factors: [...FACTOR_TYPES], upstream: true });
    expect(mfaSettings({ mfa_policy: 'required', mfa_factors: ['passkey', 'totp'] }, operator)).toEqual({ policy: 'required', factors: ['totp', 'passkey'], upstream: false });
    // A factor the operator switched off stays off whatever the client asks.
    expect(mfaSettings({ mfa_factors: ['sms', 'totp'] }, { policy: 'off', factors: ['totp'] })).toEqual({ policy: 'off', factors: ['totp'], upstream: false });
  });
});

describe('requestedLevel', () => {
  it('reads acr_values (the lowest known value wins) and essential acr claims, ignoring unknown values', () => {
    expect(requestedLevel({})).toBe(0);
    expect(requestedLevel({ acr_values: 'urn:other' })).toBe(0);
    expect(requestedLevel({ acr_values: `${ACR.phishingResistant} ${ACR.mfa}` })).toBe(LEVEL.mfa);
    expect(requestedLevel({ acr_values: ACR.phishingResistant })).toBe(LEVEL.phishingResistant);
    expect(requestedLevel({}, { id_token: { acr: { essential: true, values: [ACR.mfa] } } })).toBe(LEVEL.mfa);
    expect(requestedLevel({}, { id_token: { acr: { essential: true, value: ACR.phishingResistant } } })).toBe(LEVEL.phishingResistant);
    // A voluntary claim request is a preference, not a requirement.
    expect(requestedLevel({}, { id_token: { acr: { values: [ACR.mfa] } } })).toBe(0);
    expect(requestedLevel({ acr_values: 42 })).toBe(0);
  });
});

describe('missingLevel', () => {
  const all = mfaSettings(undefined, operator);
  it('is satisfied by an equal or higher level with an acceptable factor', () => {
    expect(missingLevel({ acr: ACR.password, amr: ['pwd'] }, LEVEL.password, all)).toBeUndefined();
    expect(missingLevel({ acr: ACR.password, amr: ['pwd'] }, LEVEL.mfa, all)).toBe(LEVEL.mfa);
    expect(missingLevel({ acr: ACR.mfa, amr: ['pwd', 'otp', 'mfa'] }, LEVEL.mfa, all)).toBeUndefined();
    expect(missingLevel({ acr: ACR.mfa, amr: ['pwd', 'otp', 'mfa'] }, LEVEL.phishingResistant, all)).toBe(LEVEL.phishingResistant);
    expect(missingLevel({ acr: ACR.phishingResistant, amr: ['swk', 'user', 'mfa'] }, LEVEL.mfa, all)).toBeUndefined();
    expect(missingLevel({}, LEVEL.mfa, all)).toBe(LEVEL.mfa);
  });
  it('asks again when the session reached MFA with a factor the client does not accept', () => {
    const passkeysOnly = mfaSettings({ mfa_factors: ['passkey'] }, operator);
    expect(missingLevel({ acr: ACR.mfa, amr: ['pwd', 'sms', 'mfa'] }, LEVEL.mfa, passkeysOnly)).toBe(LEVEL.mfa);
    expect(missingLevel({ acr: ACR.phishingResistant, amr: ['pwd', 'hwk', 'mfa'] }, LEVEL.mfa, passkeysOnly)).toBeUndefined();
  });
  it('takes a multi-factor sign-in another provider asserted for MFA, unless the client named its factors; never for phishing resistance', () => {
    const upstream = { ...outcome(['fed', 'mfa']) };
    expect(upstream).toEqual({ acr: ACR.mfa, amr: ['fed', 'mfa'] });
    expect(missingLevel(upstream, LEVEL.mfa, all)).toBeUndefined();
    expect(missingLevel(upstream, LEVEL.phishingResistant, all)).toBe(LEVEL.phishingResistant);
    expect(missingLevel(upstream, LEVEL.mfa, mfaSettings({ mfa_factors: ['totp'] }, operator))).toBe(LEVEL.mfa);
    expect(missingLevel({ acr: ACR.password, amr: ['fed'] }, LEVEL.mfa, all)).toBe(LEVEL.mfa);
  });
});

describe('policyLevel and factorsFor', () => {
  it('demands MFA only for the required policy and limits the phishing-resistant level to passkeys', () => {
    expect(policyLevel({ policy: 'required', factors: [], upstream: true })).toBe(LEVEL.mfa);
    expect(policyLevel({ policy: 'adaptive', factors: [], upstream: true })).toBe(LEVEL.password);
    expect(policyLevel({ policy: 'off', factors: [], upstream: true })).toBe(LEVEL.password);
    const all = mfaSettings(undefined, operator);
    expect(factorsFor(LEVEL.mfa, all)).toEqual([...FACTOR_TYPES]);
    expect(factorsFor(LEVEL.phishingResistant, all)).toEqual(['passkey']);
    expect(factorsFor(LEVEL.phishingResistant, mfaSettings({ mfa_factors: ['totp'] }, operator))).toEqual([]);
  });
});

describe('outcome', () => {
  it('maps the methods used to acr and RFC 8176 amr', () => {
    expect(outcome(['pwd'])).toEqual({ acr: ACR.password, amr: ['pwd'] });
    expect(outcome(['pwd', 'otp'])).toEqual({ acr: ACR.mfa, amr: ['pwd', 'otp', 'mfa'] });
    expect(outcome(['pwd', 'sms'])).toEqual({ acr: ACR.mfa, amr: ['pwd', 'sms', 'mfa'] });
    expect(outcome(['swk', 'user'])).toEqual({ acr: ACR.phishingResistant, amr: ['swk', 'user', 'mfa'] });
    expect(outcome(['pwd', 'hwk'])).toEqual({ acr: ACR.phishingResistant, amr: ['pwd', 'hwk', 'mfa'] });
    // A passkey without user verification is one factor: no more than a password.
    expect(outcome(['hwk'])).toEqual({ acr: ACR.password, amr: ['hwk'] });
    // A step-up keeps what the session had and adds the new factor once.
    expect(outcome(['pwd', 'otp', 'mfa', 'otp'])).toEqual({ acr: ACR.mfa, amr: ['pwd', 'otp', 'mfa'] });
  });
  it('reads factors back from amr', () => {
    expect(factorsInAmr(['pwd', 'otp', 'mfa'])).toEqual(['totp', 'email', 'recovery']);
    expect(factorsInAmr(['swk', 'user'])).toEqual(['passkey']);
    expect(factorsInAmr(undefined)).toEqual([]);
  });
});
