// Adding and removing a second factor is one use case for the sign-in's enrollment step and the account center:
// the owner is told by the same mail, naming the factor the same way, exactly when the change happened. No
// database: the factor services are stand-ins that record what they were asked.
import { createFactorUseCases, type FactorOwner } from '../../../src/usecases/factors.ts';

const OWNER: FactorOwner = { accountId: 'acct-1', email: 'ada@example.com', locale: 'de' };

function setup() {
  const mails: { to: string; template: string; locale: string; data: Record<string, string> }[] = [];
  const asked: string[] = [];
  const useCases = createFactorUseCases({
    totp: {
      async confirm(accountId, token, code, name) {
        asked.push(`totp ${accountId} ${token} ${code} ${name ?? '-'}`);
        return code === '123456' ? { ok: true, factorId: 'f-totp' } : { ok: false, reason: 'invalid' };
      },
    },
    factors: {
      async confirm(accountId, codeId, code) {
        asked.push(`code ${accountId} ${codeId}`);
        return code === '123456'
          ? { ok: true, factor: { id: 'f-sms', type: 'sms', label: '+49 ••• ••12', createdAt: new Date() } }
          : { ok: false, reason: 'expired' };
      },
      async remove(accountId, id) {
        asked.push(`remove ${accountId} ${id}`);
        return id === 'f-sms' ? { id, type: 'sms', label: '+49 ••• ••12', createdAt: new Date() } : undefined;
      },
    },
    passkeys: {
      async register(accountId, challengeId, _response, name) {
        asked.push(`passkey ${accountId} ${challengeId}`);
        return challengeId === 'good'
          ? { ok: true, passkey: { id: 'p1', name: name ?? 'Passkey', createdAt: new Date(), backedUp: true } }
          : { ok: false, reason: 'invalid' };
      },
    },
    recoveryCodes: {
      async generate(accountId) {
        asked.push(`recovery ${accountId}`);
        return ['aaaa-bbbb-cc'];
      },
    },
    mailer: { queue: (msg) => void mails.push(msg) },
  });
  return { useCases, mails, asked };
}

it('tells the owner of each added factor, in their language, naming it as the account center lists it', async () => {
  const { useCases, mails } = setup();
  expect((await useCases.confirmTotp(OWNER, 'sealed', '123456', 'Phone')).ok).toBe(true);
  expect((await useCases.confirmCode(OWNER, 'code-1', '123456')).ok).toBe(true);
  expect((await useCases.registerPasskey(OWNER, 'good', {}, 'Work laptop')).ok).toBe(true);
  expect(await useCases.generateRecoveryCodes(OWNER)).toEqual(['aaaa-bbbb-cc']);
  expect(mails.map((m) => [m.to, m.template, m.locale])).toEqual(Array(4).fill(['ada@example.com', 'factor-added', 'de']));
  expect(mails.map((m) => m.data.factor)).toEqual([
    expect.stringContaining('Phone'),
    expect.stringContaining('+49 ••• ••12'),
    expect.stringContaining('Work laptop'),
    expect.any(String),
  ]);
});

it('tells nobody when nothing changed: a wrong code, a refused passkey, an unknown factor', async () => {
  const { useCases, mails, asked } = setup();
  expect(await useCases.confirmTotp(OWNER, 'sealed', '000000')).toEqual({ ok: false, reason: 'invalid' });
  expect(await useCases.confirmCode(OWNER, 'code-1', '000000')).toEqual({ ok: false, reason: 'expired' });
  expect((await useCases.registerPasskey(OWNER, 'bad', {})).ok).toBe(false);
  expect(await useCases.remove(OWNER, 'nope')).toBeUndefined();
  expect(mails).toEqual([]);
  expect(asked).toEqual(['totp acct-1 sealed 000000 -', 'code acct-1 code-1', 'passkey acct-1 bad', 'remove acct-1 nope']);
});

it('tells the owner of a removal, and mails nothing where the owner has no address', async () => {
  const { useCases, mails } = setup();
  expect(await useCases.remove(OWNER, 'f-sms')).toMatchObject({ id: 'f-sms' });
  expect(mails.map((m) => m.template)).toEqual(['factor-removed']);
  await useCases.remove({ ...OWNER, email: undefined }, 'f-sms');
  await useCases.confirmTotp({ ...OWNER, email: undefined }, 'sealed', '123456');
  expect(mails).toHaveLength(1);
});
