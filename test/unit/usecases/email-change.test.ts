// Changing the sign-in address is one use case: the same throttle, mails and audit trail whichever page (or, later,
// API) asks. No database: codes, throttle, profile and mailer are stand-ins that record what they were asked.
import { createCodeChallenges } from '../../../src/usecases/code-challenge.ts';
import { createEmailChange, type EmailOwner } from '../../../src/usecases/email-change.ts';
import type { ThrottleVerdict } from '../../../src/services/throttle.ts';

const OWNER: EmailOwner = { accountId: 'acct-1', email: 'old@example.com', locale: 'da' };
const meta = { ip: '198.51.100.7', userAgent: 'UA/1' };

function setup(opts: { blocked?: boolean; taken?: boolean } = {}) {
  const mails: { to: string; template: string; data: Record<string, string> }[] = [];
  const audit: { type: string; reason?: string }[] = [];
  const changed: string[] = [];
  const verified: string[] = [];
  let issued = 0;
  const live = new Map<string, { subject: string; payload: Record<string, unknown> }>();
  const verdict = (): ThrottleVerdict => (opts.blocked ? { allowed: false, retryAfterSeconds: 30 } : { allowed: true });
  const throttle = { check: async () => verdict(), fail: async () => verdict(), succeed: async () => {} };
  const codes = {
    async issue(input: { subject: string; payload?: Record<string, unknown> }) {
      const id = `code-${++issued}`;
      live.set(id, { subject: input.subject, payload: input.payload ?? {} });
      return { id, code: '123456', expiresAt: new Date(Date.now() + 600_000) };
    },
    async peek(id: string) {
      const c = live.get(id);
      return c ? { ...c, expiresAt: new Date(Date.now() + 600_000) } : null;
    },
    async verify(input: { id: string; code: string; subject?: string }) {
      const c = live.get(input.id);
      if (!c || input.code !== '123456') return { ok: false as const, reason: 'invalid' as const };
      live.delete(input.id);
      return { ok: true as const, subject: c.subject, payload: c.payload };
    },
  };
  const change = createEmailChange({
    issuer: 'https://id.example.com',
    throttle,
    codes: codes as never,
    codeChallenges: createCodeChallenges({ codes: codes as never, throttle }),
    profile: {
      async changeEmail(_accountId, newEmail) {
        if (newEmail === OWNER.email) return { ok: false, reason: 'same' };
        if (opts.taken) return { ok: false, reason: 'taken' };
        changed.push(newEmail);
        return { ok: true, oldEmail: OWNER.email };
      },
    },
    users: {
      async markEmailVerified(_accountId, email) {
        verified.push(email);
        return true;
      },
    },
    mailer: { queue: (m) => void mails.push(m) },
    audit: { record: async (e) => void audit.push({ type: e.type, ...(e.reason ? { reason: e.reason } : {}) }) },
  });
  return { change, mails, audit, changed, verified };
}

it('mails a code with a link to the new address, then changes it and tells the old address', async () => {
  const { change, mails, audit, changed } = setup();
  const requested = await change.request(OWNER, 'new@example.com', meta);
  expect(requested).toEqual({ ok: true, pending: { id: 'code-1', newEmail: 'new@example.com' } });
  expect(mails).toEqual([{ to: 'new@example.com', template: 'email-change-verify', locale: 'da', data: { code: '123456', link: 'https://id.example.com/account/email/verify?id=code-1&code=123456' } }]);
  expect(await change.pending('acct-1', 'code-1')).toEqual({ id: 'code-1', newEmail: 'new@example.com' });
  expect(await change.pending('someone-else', 'code-1')).toBeUndefined();

  expect(await change.confirm(OWNER, requested.ok ? requested.pending : never(), '123 456', meta)).toEqual({ ok: true, changed: true });
  expect(changed).toEqual(['new@example.com']);
  expect(mails[1]).toEqual({ to: 'old@example.com', template: 'email-changed', locale: 'da', data: { newEmail: 'new@example.com' } });
  expect(audit).toEqual([{ type: 'email.change_requested' }]);
});

it('refuses the same address and a throttled sender without mailing anything', async () => {
  const same = setup();
  expect(await same.change.request(OWNER, 'old@example.com', meta)).toEqual({ ok: false, reason: 'same' });
  const blocked = setup({ blocked: true });
  expect(await blocked.change.request(OWNER, 'new@example.com', meta)).toEqual({ ok: false, reason: 'throttled', retryAfterSeconds: 30 });
  expect([...same.mails, ...blocked.mails]).toEqual([]);
});

it('audits a wrong code and an address taken meanwhile, and changes nothing', async () => {
  const wrong = setup();
  const first = await wrong.change.request(OWNER, 'new@example.com', meta);
  expect(await wrong.change.confirm(OWNER, first.ok ? first.pending : never(), '000000', meta)).toEqual({ ok: false, reason: 'invalid' });
  expect(await wrong.change.confirm(OWNER, first.ok ? first.pending : never(), 'abc', meta)).toEqual({ ok: false, reason: 'format' });
  expect(wrong.audit.slice(1)).toEqual([{ type: 'email.change_failed', reason: 'code_invalid' }]);

  const taken = setup({ taken: true });
  const second = await taken.change.request(OWNER, 'new@example.com', meta);
  expect(await taken.change.confirm(OWNER, second.ok ? second.pending : never(), '123456', meta)).toEqual({ ok: false, reason: 'taken' });
  expect(taken.audit.slice(1)).toEqual([{ type: 'email.change_failed', reason: 'address_taken' }]);
  expect(taken.mails.map((m) => m.template)).toEqual(['email-change-verify']);
  expect([...wrong.changed, ...taken.changed]).toEqual([]);
});

it('mails an operator\'s "resend verification" to the unverified address itself; its code marks the address verified', async () => {
  const { change, mails, audit, changed, verified } = setup();
  const operator = { source: 'console' as const, operatorId: 'op-1', ...meta };
  expect(await change.requestVerification({ ...OWNER, emailVerified: true }, operator)).toEqual({ ok: false, reason: 'verified' });
  const sent = await change.requestVerification({ ...OWNER, emailVerified: false }, operator);
  expect(sent).toEqual({ ok: true, pending: { id: 'code-1', newEmail: 'old@example.com' } });
  expect(mails).toEqual([{ to: 'old@example.com', template: 'verify-email', locale: 'da', data: { code: '123456', link: 'https://id.example.com/account/email/verify?id=code-1&code=123456' } }]);
  expect(audit).toEqual([{ type: 'email.verification_sent', reason: 'console' }]);
  expect(await change.confirm(OWNER, sent.ok ? sent.pending : never(), '123456', meta)).toEqual({ ok: true, changed: false });
  expect(verified).toEqual(['old@example.com']);
  expect(changed).toEqual([]);
  // No "your address changed" notice: nothing changed.
  expect(mails).toHaveLength(1);
  const blocked = setup({ blocked: true });
  expect(await blocked.change.requestVerification({ ...OWNER, emailVerified: false }, operator)).toEqual({ ok: false, reason: 'throttled', retryAfterSeconds: 30 });
  expect(blocked.mails).toEqual([]);
});

function never(): never {
  throw new Error('unreachable');
}
