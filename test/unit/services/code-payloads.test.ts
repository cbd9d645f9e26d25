// Each kind of one-time code carries one declared shape (src/services/code-payloads.ts), read back by parsing.
import { CODE_PAYLOADS, isNewAccount, readCodePayload } from '../../../src/services/code-payloads.ts';
import { CODE_PURPOSES } from '../../../src/db/models/one-time-code.ts';

describe('code payloads', () => {
  it('declares a shape for every purpose a code can have', () => {
    expect(Object.keys(CODE_PAYLOADS).sort()).toEqual([...CODE_PURPOSES].sort());
  });

  it.each([
    ['signup', { existing: true }],
    ['signup', { passwordHash: '$argon2id$v=19$m=8,t=1,p=1$x$y', claims: { name: 'Ana' }, preferences: [{ topic: 'news', channel: 'email' }] }],
    ['verify-email', { email: 'a@example.com' }],
    ['password-reset', { email: 'a@example.com', unknown: true }],
    ['email-change', { newEmail: 'b@example.com' }],
    ['mfa-code', { type: 'sms', factorId: 'f1' }],
    ['factor-enroll', { type: 'email', destination: 'c@example.com' }],
  ] as const)('reads a %s payload back as written', (purpose, payload) => {
    expect(readCodePayload(purpose, JSON.parse(JSON.stringify(payload)))).toEqual(payload);
  });

  it.each([
    ['signup', { existing: false }],
    ['signup', { claims: {} }],
    ['verify-email', { newEmail: 'a@example.com' }],
    ['password-reset', { email: 42 }],
    ['email-change', {}],
    ['mfa-code', { type: 'voice' }],
    ['factor-enroll', null],
  ] as const)('refuses a %s payload of another shape: %j', (purpose, payload) => {
    expect(readCodePayload(purpose, payload)).toBeUndefined();
  });

  it('tells a sign-up for a new address from one for an address that has an account', () => {
    expect(isNewAccount({ existing: true })).toBe(false);
    expect(isNewAccount({ passwordHash: 'h' })).toBe(true);
  });
});
