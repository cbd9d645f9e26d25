// Adding and removing a second factor is one use case for the sign-in's enrollment step and the account center:
// the owner is told by the same mail, naming the factor the same way, exactly when the change happened. No
// database: the factor services are stand-ins that record what they were asked.
import { createFactorUseCases, type FactorOwner } from '../../../src/usecases/factors.ts';

const OWNER: FactorOwner = { accountId: 'acct-1', email: 'ada@example.com', locale: 'de' };

function setup() {
  const mails: { to: string; template: string; locale: string; data?: Record<string, string> }[] = [];
  const asked: string[] = [];
  const audited: { type: string; accountId?: string; reason?: string; clientId?: string; details?: unknown }[] = [];
  let held: { id: string; type: 'totp' | 'sms' | 'passkey' | 'recovery'; label: string; createdAt: Date }[] = [
    { id: 'f-totp', type: 'totp', label: 'Phone', createdAt: new Date() },
    { id: 'p1', type: 'passkey', label: 'Work laptop', createdAt: new Date() },
    { id: 'p2', type: 'passkey', label: 'Key', createdAt: new Date() },
  ];
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
      list: async () => held,
      async removeAll(accountId) {
        asked.push(`remove all ${accountId}`);
        held = [];
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
    audit: { record: async (event) => void audited.push(event) },
  });
  return { useCases, mails, asked, audited };
}

it('tells the owner of each added factor, in their language, naming it as the account center lists it', async () => {
  const { useCases, mails } = setup();
  expect((await useCases.confirmTotp(OWNER, 'sealed', '123456', 'Phone')).ok).toBe(true);
  expect((await useCases.confirmCode(OWNER, 'code-1', '123456')).ok).toBe(true);
  expect((await useCases.registerPasskey(OWNER, 'good', {}, 'Work laptop')).ok).toBe(true);
  expect(await useCases.generateRecoveryCodes(OWNER)).toEqual(['aaaa-bbbb-cc']);
  expect(mails.map((m) => [m.to, m.template, m.locale])).toEqual(Array(4).fill(['ada@example.com', 'factor-added', 'de']));
  expect(mails.map((m) => m.data?.factor)).toEqual([
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

it("an operator's reset removes every factor, is audited with the operator, and tells the owner once; nothing to remove: no mail, no event", async () => {
  const { useCases, mails, asked, audited } = setup();
  const actor = { source: 'api' as const, clientId: 'crm', ip: '203.0.113.9' };
  expect(await useCases.resetAll(OWNER, actor)).toEqual({ totp: 1, passkey: 2 });
  expect(asked).toEqual(['remove all acct-1']);
  expect(audited).toEqual([expect.objectContaining({ type: 'factors.reset', accountId: 'acct-1', reason: 'api', clientId: 'crm', details: { removed: { totp: 1, passkey: 2 } } })]);
  expect(mails).toEqual([{ to: 'ada@example.com', template: 'factors-reset', locale: 'de' }]);

  expect(await useCases.resetAll(OWNER, actor)).toEqual({});
  expect(audited).toHaveLength(1);
  expect(mails).toHaveLength(1);
});
