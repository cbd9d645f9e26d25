// The bot check of protected forms (src/services/bot-check.ts) with its counters in memory: what a challenge is bound
// to, when it expires, that it is spent once, the no-JavaScript path's wait and allowance, and what is audited.
import type { AuditEvent } from '../../../src/services/audit.ts';
import { createBotCheck, type BotCheckAction, type BotChallenge } from '../../../src/services/bot-check.ts';
import { createProofOfWork, solveProof } from '../../../src/services/proof-of-work.ts';

let clock = 1_800_000_000_000;
const WHO = { ip: '203.0.113.7', userAgent: 'test-agent', clientId: 'shop' };

function memoryCounters() {
  const rows = new Map<string, { points: number; expire: number }>();
  return {
    rows,
    async add(key: string, points: number, windowMs: number) {
      const row = rows.get(key);
      const next = row && row.expire > clock ? { points: row.points + points, expire: row.expire } : { points, expire: clock + windowMs };
      rows.set(key, next);
      return { points: next.points, msBeforeNext: next.expire - clock };
    },
    async claim(key: string, expire: Date) {
      if (rows.has(key)) return false;
      rows.set(key, { points: 1, expire: expire.getTime() });
      return true;
    },
  };
}

function setup(opts: { actions?: BotCheckAction[]; noscriptPerHour?: number } = {}) {
  const audit: AuditEvent[] = [];
  const counters = memoryCounters();
  const check = createBotCheck({
    actions: opts.actions ?? ['signup', 'recover', 'codes'],
    proofOfWork: createProofOfWork({ key: Buffer.alloc(32, 7), bits: 6, ttlSeconds: 1800, purpose: 'bot-check', now: () => clock }),
    waitSeconds: 5,
    noscriptPerHour: opts.noscriptPerHour ?? 2,
    counters,
    audit: { record: async (e) => void audit.push(e) },
  });
  return { check, audit, counters };
}

const solved = (c: BotChallenge, subject?: string) => ({ challenge: c.challenge, nonce: solveProof(c.challenge, c.bits, subject?.trim().toLowerCase()), ...(subject !== undefined ? { subject } : {}) });

describe('the bot check', () => {
  it('leaves forms of unprotected actions alone: no challenge, every submission passes, nothing audited', async () => {
    const { check, audit } = setup({ actions: ['signup'] });
    expect(check.protects('login')).toBe(false);
    expect(check.challenge('login', 'uid-1', 'email')).toBeUndefined();
    expect(await check.verify('login', 'uid-1', {}, WHO)).toEqual({ ok: true });
    expect(audit).toEqual([]);
  });

  it('issues a challenge per form, stateless, saying how long a browser without JavaScript waits', () => {
    const { check, counters } = setup();
    const a = check.challenge('signup', 'uid-1', 'email')!;
    expect(a).toEqual({ challenge: expect.stringMatching(/^6\.\d+\.\d+\./), bits: 6, waitSeconds: 5, subjectField: 'email' });
    expect(check.challenge('signup', 'uid-1', 'email')!.challenge).not.toBe(a.challenge);
    expect(counters.rows.size).toBe(0);
  });

  it('accepts a solution for the address typed once, in any case and spacing; a replay is refused as spent', async () => {
    const { check, audit } = setup();
    const c = check.challenge('recover', 'uid-1', 'email')!;
    const answer = solved(c, 'Ann@Example.com');
    expect(await check.verify('recover', 'uid-1', { ...answer, subject: '  ann@example.COM ' }, WHO)).toEqual({ ok: true });
    const replay = await check.verify('recover', 'uid-1', { ...answer, subjectField: 'email' }, WHO);
    expect(replay).toMatchObject({ ok: false, reason: 'spent', next: { bits: 6, waitSeconds: 5, subjectField: 'email' } });
    expect(replay.ok === false && replay.next.challenge).not.toBe(c.challenge);
    // The refusal is audited with who asked, as similar events record it: never the address typed.
    expect(audit).toEqual([{ type: 'bot_check.refused', outcome: 'failure', reason: 'spent', ip: WHO.ip, userAgent: WHO.userAgent, clientId: 'shop', details: { action: 'recover' } }]);
    expect(JSON.stringify(audit)).not.toMatch(/ann@example/i);
  });

  it('binds a challenge to its action, its context and its subject', async () => {
    const { check } = setup();
    const c = check.challenge('signup', 'uid-1', 'email')!;
    const answer = solved(c, 'ann@example.com');
    expect(await check.verify('recover', 'uid-1', answer, WHO)).toMatchObject({ ok: false, reason: 'invalid' });
    expect(await check.verify('signup', 'uid-2', answer, WHO)).toMatchObject({ ok: false, reason: 'invalid' });
    // Another address: solved for ann, sent for bob (unless the nonce happens to solve both: try the next challenge).
    let refused = false;
    for (let i = 0; i < 5 && !refused; i++) {
      const next = check.challenge('signup', 'uid-1', 'email')!;
      const forAnn = solved(next, 'ann@example.com');
      if (solveProof(next.challenge, next.bits, 'bob@example.com') === forAnn.nonce) continue;
      refused = !(await check.verify('signup', 'uid-1', { ...forAnn, subject: 'bob@example.com' }, WHO)).ok;
    }
    expect(refused).toBe(true);
    // Still unspent: the right address passes.
    expect(await check.verify('signup', 'uid-1', answer, WHO)).toEqual({ ok: true });
  });

  it('refuses a form sent without the challenge, and a challenge that has expired', async () => {
    const { check } = setup();
    expect(await check.verify('codes', 'acc-1', { nonce: '12' }, WHO)).toMatchObject({ ok: false, reason: 'missing' });
    const c = check.challenge('codes', 'acc-1')!;
    const answer = solved(c);
    clock += 1801_000;
    expect(await check.verify('codes', 'acc-1', answer, WHO)).toMatchObject({ ok: false, reason: 'invalid' });
  });

  it('without JavaScript: too early is refused with the same challenge; after the wait it passes once', async () => {
    const { check, audit } = setup();
    const c = check.challenge('signup', 'uid-9', 'email')!;
    const early = await check.verify('signup', 'uid-9', { challenge: c.challenge, nonce: '', subject: 'ann@example.com', subjectField: 'email' }, WHO);
    expect(early).toEqual({ ok: false, reason: 'early', waitSeconds: 5, next: { ...c } });
    clock += 5_000;
    expect(await check.verify('signup', 'uid-9', { challenge: c.challenge, subject: 'ann@example.com' }, WHO)).toEqual({ ok: true });
    expect(await check.verify('signup', 'uid-9', { challenge: c.challenge }, WHO)).toMatchObject({ ok: false, reason: 'spent' });
    expect(audit.map((e) => e.reason)).toEqual(['early', 'spent']);
  });

  it('without JavaScript: counts per address (IPv6 by its /64) and refuses beyond the hourly allowance', async () => {
    const { check } = setup({ noscriptPerHour: 2 });
    const waitedOut = () => {
      const c = check.challenge('codes', 'acc-1')!;
      return { challenge: c.challenge };
    };
    const pending = [waitedOut(), waitedOut(), waitedOut(), waitedOut()];
    clock += 5_000;
    const from = (ip: string) => ({ ...WHO, ip });
    expect(await check.verify('codes', 'acc-1', pending[0]!, from('2001:db8:1:2::10'))).toEqual({ ok: true });
    expect(await check.verify('codes', 'acc-1', pending[1]!, from('2001:db8:1:2::99'))).toEqual({ ok: true });
    expect(await check.verify('codes', 'acc-1', pending[2]!, from('2001:db8:1:2:ffff::1'))).toMatchObject({ ok: false, reason: 'noscript_limit' });
    // Another address still has its allowance; a solved puzzle is never counted.
    expect(await check.verify('codes', 'acc-1', pending[3]!, from('198.51.100.4'))).toEqual({ ok: true });
    const c = check.challenge('codes', 'acc-1')!;
    expect(await check.verify('codes', 'acc-1', solved(c), from('2001:db8:1:2::10'))).toEqual({ ok: true });
    // An hour later the allowance is back.
    clock += 3600_000;
    const later = check.challenge('codes', 'acc-1')!;
    clock += 5_000;
    expect(await check.verify('codes', 'acc-1', { challenge: later.challenge }, from('2001:db8:1:2::10'))).toEqual({ ok: true });
  });

  it('with the fallback off, forms need the puzzle: the page says so and a bare challenge is missing its answer', async () => {
    const { check } = setup({ noscriptPerHour: 0 });
    const c = check.challenge('signup', 'uid-1', 'email')!;
    expect(c.waitSeconds).toBeNull();
    clock += 60_000;
    expect(await check.verify('signup', 'uid-1', { challenge: c.challenge, subject: 'a@example.com' }, WHO)).toMatchObject({ ok: false, reason: 'missing', next: { waitSeconds: null } });
    expect(await check.verify('signup', 'uid-1', solved(c, 'a@example.com'), WHO)).toEqual({ ok: true });
  });
});
