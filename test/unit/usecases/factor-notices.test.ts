// One way to name a factor in the "added"/"removed" notices, whether the sign-in or the account center made the change.
import { announceFactorChange, factorName } from '../../../src/usecases/factor-notices.ts';
import { translator } from '../../../src/i18n/index.ts';

const t = translator('en');

it.each([
  [{ type: 'totp' as const }, 'Authenticator app'],
  [{ type: 'totp' as const, label: 'Authenticator app' }, 'Authenticator app'],
  [{ type: 'totp' as const, label: 'Work phone' }, 'Authenticator app "Work phone"'],
  [{ type: 'sms' as const, label: '+49 ••• ••89' }, 'Text messages to +49 ••• ••89'],
  [{ type: 'passkey' as const, label: 'MacBook' }, 'Passkey "MacBook"'],
  [{ type: 'recovery' as const, label: 'ignored' }, 'Recovery codes'],
])('names %j as %s', (factor, name) => {
  expect(factorName(t, factor)).toBe(name);
});

it('queues the added or removed notice to the given address, in its language', () => {
  const sent: unknown[] = [];
  const mailer = { queue: (m: unknown) => void sent.push(m) };
  announceFactorChange(mailer, { to: 'a@example.com', locale: 'de', change: 'added', factor: { type: 'passkey', label: 'iPhone' } });
  announceFactorChange(mailer, { to: 'a@example.com', locale: 'en', change: 'removed', factor: { type: 'totp' } });
  expect(sent).toEqual([
    { to: 'a@example.com', template: 'factor-added', locale: 'de', data: { factor: translator('de')('account.mfa.factorName.passkey', { label: 'iPhone' }) } },
    { to: 'a@example.com', template: 'factor-removed', locale: 'en', data: { factor: 'Authenticator app' } },
  ]);
});
