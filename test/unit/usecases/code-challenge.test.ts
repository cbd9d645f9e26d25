// The one way a mailed code is typed back (sign-up, e-mail verification, reset, e-mail change): throttle, format,
// single use and "usable here" decided in one place. No database: the code store and the throttle are stand-ins that
// record what they were asked.
import { createCodeChallenges } from '../../../src/usecases/code-challenge.ts';
import type { OneTimeCodes } from '../../../src/services/one-time-codes.ts';
import type { Throttle, ThrottleKeys, ThrottleVerdict } from '../../../src/services/throttle.ts';

const meta = { ip: '198.51.100.7', userAgent: 'UA/1' };
const OWNER = 'acct-owner';

function setup(opts: { blocked?: boolean; right?: string; subject?: string } = {}) {
  const calls: string[] = [];
  const keysSeen: ThrottleKeys[] = [];
  const verified: Parameters<OneTimeCodes['verify']>[0][] = [];
  const failMeta: unknown[] = [];
  const subject = opts.subject ?? OWNER;
  const codes: Pick<OneTimeCodes, 'peek' | 'verify'> = {
    // The stand-in answers for e-mail-change codes only (what these tests open).
    async peek(id) {
      return id === 'ref-1' ? { subject, payload: { newEmail: 'new@example.com' } as never, expiresAt: new Date(Date.now() + 60_000) } : null;
    },
    async verify(input) {
      verified.push(input);
      if (input.subject !== undefined && input.subject !== subject) return { ok: false, reason: 'invalid' };
      return input.id === 'ref-1' && input.code === (opts.right ?? '123456') ? { ok: true, subject, payload: { newEmail: 'new@example.com' } as never } : { ok: false, reason: 'invalid' };
    },
  };
  const throttle: Pick<Throttle, 'check' | 'fail' | 'succeed'> = {
    async check(_action, keys): Promise<ThrottleVerdict> {
      keysSeen.push(keys);
      calls.push('check');
      return opts.blocked ? { allowed: false, retryAfterSeconds: 42 } : { allowed: true };
    },
    async fail(action, keys, m) {
      calls.push(`fail ${action} ${keys.account}`);
      failMeta.push(m);
      return { allowed: true };
    },
    async succeed(action, keys) {
      calls.push(`succeed ${action} ${keys.account}`);
    },
  };
  return { challenges: createCodeChallenges({ codes, throttle }), calls, keysSeen, verified, failMeta };
}

describe('typing a mailed code back', () => {
  it('is refused while guessing is blocked, before anything is compared', async () => {
    const t = setup({ blocked: true });
    expect(await t.challenges.open({ ref: 'ref-1', purpose: 'signup', meta })).toEqual({ ok: false, reason: 'throttled', retryAfterSeconds: 42 });
    expect(t.verified).toEqual([]);
  });

  it('counts guesses against the subject the code was sent to (not the code), so a new code buys no new guesses', async () => {
    const t = setup();
    const open = await t.challenges.open({ ref: 'ref-1', purpose: 'signup', meta });
    expect(t.keysSeen).toEqual([{ ip: meta.ip, account: OWNER }]);
    if (!open.ok) throw new Error('blocked');
    expect(open.pending?.payload).toEqual({ newEmail: 'new@example.com' });
    expect(await open.verify('654 321')).toEqual({ ok: false, reason: 'invalid' });
    expect(await open.verify('123-456')).toMatchObject({ ok: true, subject: OWNER });
    expect(t.calls).toEqual(['check', `fail verify ${OWNER}`, `succeed verify ${OWNER}`]);
    // Unknown ref: counted against the ref itself.
    await t.challenges.open({ ref: 'nope', purpose: 'signup', meta });
    expect(t.keysSeen[1]).toEqual({ ip: meta.ip, account: 'nope' });
  });

  it('makes no guess of what is not six digits', async () => {
    const t = setup();
    const open = await t.challenges.open({ ref: 'ref-1', purpose: 'signup', meta });
    if (!open.ok) throw new Error('blocked');
    expect(await open.verify('')).toEqual({ ok: false, reason: 'missing' });
    expect(await open.verify('12345x')).toEqual({ ok: false, reason: 'format' });
    expect(await open.verify(['123456'])).toEqual({ ok: false, reason: 'format' });
    expect(t.verified).toEqual([]);
    expect(t.calls).toEqual(['check']);
  });

  it('counts a right code the page cannot use as a wrong one', async () => {
    const t = setup();
    const open = await t.challenges.open({ ref: 'ref-1', purpose: 'password-reset', meta });
    if (!open.ok) throw new Error('blocked');
    expect(await open.verify('123456', async () => false)).toEqual({ ok: false, reason: 'invalid' });
    expect(t.calls).toEqual(['check', `fail verify ${OWNER}`]);
  });

  it('with a known account: guesses count against it, a code of anyone else is as wrong as a wrong code', async () => {
    const t = setup({ subject: 'acct-someone-else' });
    const open = await t.challenges.open({ ref: 'ref-1', purpose: 'email-change', subject: OWNER, meta });
    if (!open.ok) throw new Error('blocked');
    expect(open.pending).toBeNull();
    expect(await open.verify('123456')).toEqual({ ok: false, reason: 'invalid' });
    expect(t.verified[0]).toMatchObject({ subject: OWNER });
    expect(t.keysSeen).toEqual([{ ip: meta.ip, account: OWNER }]);
    expect(t.failMeta).toEqual([{ ...meta, accountId: OWNER }]);
  });
});
