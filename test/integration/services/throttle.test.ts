import mongoose, { type Connection } from 'mongoose';
import { createLogger } from '../../../src/log.ts';
import { createAuditLog, type AuditLog } from '../../../src/services/audit.ts';
import { createProofOfWork, solveProof } from '../../../src/services/proof-of-work.ts';
import { createThrottle, THROTTLE_COLLECTION, type ThrottleDeps, type ThrottleLimitOverrides, type ThrottleVerdict } from '../../../src/services/throttle.ts';
import { dropAndClose, testDatabaseUri } from '../../support/db.ts';

let conn: Connection;
let audit: AuditLog;
const logger = createLogger('silent');

beforeAll(async () => {
  // Command monitoring on: one test checks the filters the throttle sends.
  conn = mongoose.createConnection(`${testDatabaseUri()}?monitorCommands=true`, { autoIndex: false });
  await conn.asPromise();
  audit = createAuditLog(conn);
});
afterAll(() => dropAndClose(conn));
beforeEach(async () => {
  await conn.collection(THROTTLE_COLLECTION).deleteMany({});
  await conn.collection('audit_events').deleteMany({});
});

// Time passes by the test's clock: every expiry of the throttle is decided in code, against it.
let clock = Date.now();
const sleep = async (ms: number) => {
  clock += ms;
};
const throttle = (limits?: ThrottleLimitOverrides, enabled = true) => createThrottle({ conn, audit, logger, enabled, limits, now: () => clock });
const rows = () => conn.collection(THROTTLE_COLLECTION);
const lockouts = async (reason: string) => (await audit.list({ type: 'throttle.lockout' })).filter((e) => e.reason === reason);

describe('throttle', () => {
  it('blocks an account from an address after consecutive failures, doubling the block up to the maximum, and audits each block', async () => {
    const t = throttle({
      login: { source: { points: 3, windowSeconds: 60, blockSeconds: 1 }, account: undefined, ip: undefined },
      backoff: { maxSeconds: 2 },
    });
    const keys = { ip: '192.0.2.1', account: 'lock@example.com' };
    expect(await t.fail('login', keys)).toEqual({ allowed: true });
    expect(await t.fail('login', keys)).toEqual({ allowed: true });
    expect(await t.check('login', keys)).toEqual({ allowed: true });
    expect(await t.fail('login', keys, { ip: keys.ip, userAgent: 'UA/1', accountId: 'acc-1' })).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(await t.check('login', keys)).toEqual({ allowed: false, retryAfterSeconds: 1 });

    const [first] = await lockouts('login.source');
    expect(first).toMatchObject({
      outcome: 'failure',
      accountId: 'acc-1',
      ip: '192.0.2.1',
      userAgent: 'UA/1',
      details: { action: 'login', retryAfterSeconds: 1 },
    });

    await sleep(1100);
    expect(await t.check('login', keys)).toEqual({ allowed: true });
    await t.fail('login', keys);
    await t.fail('login', keys);
    expect(await t.fail('login', keys)).toEqual({ allowed: false, retryAfterSeconds: 2 });

    await sleep(2100);
    await t.fail('login', keys);
    await t.fail('login', keys);
    // Third block: 4 s by doubling, capped at 2.
    expect(await t.fail('login', keys)).toEqual({ allowed: false, retryAfterSeconds: 2 });
    expect((await lockouts('login.source')).map((e) => e.details?.retryAfterSeconds)).toEqual([2, 2, 1]);
  });

  it('ends the run of failures and forgets earlier lockouts on a successful sign-in', async () => {
    const t = throttle({ login: { source: { points: 2, windowSeconds: 60, blockSeconds: 1 }, account: undefined, ip: undefined } });
    const keys = { ip: '192.0.2.2', account: 'reset@example.com' };
    await t.fail('login', keys);
    expect(await t.fail('login', keys)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    await sleep(1100);
    await t.fail('login', keys);
    await t.succeed('login', keys);
    expect(await t.fail('login', keys)).toEqual({ allowed: true });
    // Without the success this would be the second lockout (2 s).
    expect(await t.fail('login', keys)).toEqual({ allowed: false, retryAfterSeconds: 1 });
  });

  it('limits failures per IP across accounts, without touching other IPs', async () => {
    const t = throttle({ login: { ip: { points: 3, windowSeconds: 120 }, account: undefined, source: undefined } });
    const ip = '198.51.100.7';
    await t.fail('login', { ip, account: 'a@example.com' });
    await t.fail('login', { ip, account: 'b@example.com' });
    const verdict = await t.fail('login', { ip, account: 'c@example.com' });
    expect(verdict.allowed).toBe(false);
    expect(!verdict.allowed && verdict.retryAfterSeconds).toBeGreaterThan(110);
    expect((await t.check('login', { ip, account: 'fresh@example.com' })).allowed).toBe(false);
    expect(await t.check('login', { ip: '198.51.100.8', account: 'a@example.com' })).toEqual({ allowed: true });
    expect(await lockouts('login.ip')).toHaveLength(1);
  });

  it('treats an address without an account exactly like one with an account', async () => {
    const t = throttle();
    const run = async (account: string) => [
      await t.check('login', { ip: '192.0.2.9', account }),
      ...(await Promise.all(Array.from({ length: 4 }, () => t.fail('login', { ip: '192.0.2.9', account })))),
      await t.fail('login', { ip: '192.0.2.9', account }),
      await t.check('login', { ip: '192.0.2.9', account }),
      await t.fail('login', { ip: '192.0.2.10', account, device: 'device-1' }),
    ];
    // The throttle never asks whether an account exists: the caller passes what the user typed.
    expect(await run('known-user@example.com')).toEqual(await run('nobody-here@example.com'));
  });

  it('counts an account case- and whitespace-insensitively and an IPv6 client by its /64', async () => {
    const t = throttle({ recovery: { account: { points: 2, windowSeconds: 60 }, ip: { points: 2, windowSeconds: 60 } } });
    await t.fail('recovery', { ip: '2001:db8:1:2::1', account: 'Case@Example.com' });
    expect((await t.fail('recovery', { ip: '203.0.113.1', account: ' case@example.com ' })).allowed).toBe(false);
    expect((await t.fail('recovery', { ip: '2001:db8:1:2:ffff::9', account: 'other@example.com' })).allowed).toBe(false);
  });

  it('stores hashed keys only: no e-mail address or IP in the collection', async () => {
    const t = throttle();
    await t.fail('signup', { ip: '203.0.113.77', account: 'hashed@example.com' });
    const stored = await rows().find({ _id: /^signup:/ as never }).toArray();
    expect(stored).toHaveLength(2);
    expect(JSON.stringify(stored)).not.toMatch(/hashed|example\.com|203\.0\.113/);
    for (const row of stored) expect(row._id).toMatch(/^signup:(ip|account):[A-Za-z0-9_-]{43}$/);
  });

  it('counts sign-up and recovery attempts, which a success does not undo', async () => {
    const t = throttle({ recovery: { account: { points: 3, windowSeconds: 60 }, ip: undefined } });
    const keys = { ip: '192.0.2.30', account: 'rec@example.com' };
    await t.fail('recovery', keys);
    await t.fail('recovery', keys);
    await t.succeed('recovery', keys);
    const verdict = await t.fail('recovery', keys);
    expect(verdict.allowed).toBe(false);
    expect(!verdict.allowed && verdict.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect((await t.check('recovery', keys)).allowed).toBe(false);
  });

  it('counts concurrent failures in one process exactly and starts one block', async () => {
    const t = throttle({ verify: { ip: { points: 15, windowSeconds: 60 }, account: undefined } });
    const keys = { ip: '192.0.2.40' };
    const verdicts = await Promise.all(Array.from({ length: 20 }, () => t.fail('verify', keys)));
    expect(verdicts.filter((v) => v.allowed)).toHaveLength(14);
    const stored = await rows().find({ _id: /^verify:ip:/ as never }).toArray();
    expect(stored.map((r) => r.points)).toEqual([20]);
    expect(await lockouts('verify.ip')).toHaveLength(1);
  });

  it('with limits disabled, allows everything and stores nothing', async () => {
    const t = throttle({ verify: { ip: { points: 1, windowSeconds: 60 } } }, false);
    const keys = { ip: '192.0.2.50', account: 'off@example.com' };
    for (let i = 0; i < 5; i++) expect(await t.fail('verify', keys)).toEqual({ allowed: true });
    expect(await t.check('verify', keys)).toEqual({ allowed: true });
    expect(await rows().countDocuments({ _id: /^verify:/ as never })).toBe(0);
  });

  it('keeps one row per key (_id = the key) and sweeps expired rows where no TTL index exists', async () => {
    const t = throttle({ signup: { ip: { points: 5, windowSeconds: 1 }, account: undefined } });
    const { ttl } = await t.ensureIndexes();
    const names = (await rows().indexes()).map((i) => i.name);
    expect(names).toEqual(expect.arrayContaining([ttl ? 'expire_ttl' : 'expire_1']));

    await t.fail('signup', { ip: '192.0.2.60' });
    await sleep(1100);
    await t.fail('signup', { ip: '192.0.2.60' });
    await t.fail('signup', { ip: '192.0.2.61' });
    expect(await rows().countDocuments({ _id: /^signup:ip:/ as never })).toBe(2);
    // The expired row was started over, not duplicated.
    expect((await rows().find({ _id: /^signup:ip:/ as never }).toArray()).map((r) => r.points)).toEqual([1, 1]);
    await sleep(1100);
    expect(await t.sweepExpired()).toBeGreaterThanOrEqual(2);
    expect(await rows().countDocuments({ _id: /^signup:ip:/ as never })).toBe(0);
  });

  it('reads and writes its rows by _id alone, and clears the rows of the store it replaced at start', async () => {
    // A row as rate-limiter-flexible wrote it, with its unique index on `key`.
    await rows().createIndex({ key: 1 }, { name: 'key_unique', unique: true });
    await rows().insertOne({ key: 'login:ip:old', points: 3, expire: new Date(clock + 60_000) });
    const t = throttle();
    await t.ensureIndexes();
    expect((await rows().indexes()).map((i) => i.name)).not.toContain('key_unique');
    expect(await rows().countDocuments({ key: { $exists: true } })).toBe(0);

    const filters: unknown[] = [];
    const client = conn.getClient();
    const listen = (e: { commandName: string; command: Record<string, unknown> }) => {
      if (e.command[e.commandName] !== THROTTLE_COLLECTION) return;
      const c = e.command;
      filters.push(...(c.filter ? [c.filter] : c.query ? [c.query] : []), ...((c.deletes ?? c.updates ?? []) as { q: unknown }[]).map((d) => d.q));
    };
    client.on('commandStarted', listen);
    const keys = { ip: '192.0.2.70', account: 'ids@example.com' };
    try {
      await t.check('login', keys);
      await t.fail('login', keys);
      await t.succeed('login', keys);
    } finally {
      client.off('commandStarted', listen);
    }
    expect(filters.length).toBeGreaterThan(0);
    for (const filter of filters) expect(Object.keys(filter as object)).toEqual(['_id']);
  });
  it('sends nothing on a success when the check before it found no failures, and still resets after a failure', async () => {
    const t = throttle({ login: { source: { points: 2, windowSeconds: 60, blockSeconds: 1 }, account: undefined, ip: undefined } });
    await t.ensureIndexes();
    const client = conn.getClient();
    const sent: string[] = [];
    const listen = (e: { commandName: string; command: Record<string, unknown> }) => {
      if (e.command[e.commandName] === THROTTLE_COLLECTION) sent.push(e.commandName);
    };
    client.on('commandStarted', listen);
    const keys = { ip: '192.0.2.71', account: 'clean@example.com' };
    try {
      await t.check('login', keys);
      await t.succeed('login', keys);
      expect(sent).toEqual(['find']);

      // A failure after the check: the success must forget it.
      await t.check('login', keys);
      await t.fail('login', keys);
      sent.length = 0;
      await t.succeed('login', keys);
      expect(sent).toEqual(['delete']);
      expect(await t.fail('login', keys)).toEqual({ allowed: true });

      // Failures before the check: found, so forgotten on success.
      await t.check('login', keys);
      sent.length = 0;
      await t.succeed('login', keys);
      expect(sent).toEqual(['delete']);
      expect(await t.fail('login', keys)).toEqual({ allowed: true });
      expect(await t.fail('login', keys)).toEqual({ allowed: false, retryAfterSeconds: 1 });

      // A lockout remembered without a running counter (the block has passed) is found too and forgotten.
      await sleep(1100);
      await t.check('login', keys);
      sent.length = 0;
      await t.succeed('login', keys);
      expect(sent).toEqual(['delete']);
      await t.fail('login', keys);
      // Without the success this would be the second lockout (2 s).
      expect(await t.fail('login', keys)).toEqual({ allowed: false, retryAfterSeconds: 1 });
    } finally {
      client.off('commandStarted', listen);
    }
  });
});

describe('sign-in throttling that nobody can turn against the account owner', () => {
  const proofOfWork = createProofOfWork({ key: Buffer.alloc(32, 7), bits: 8, now: () => clock });
  const guarded = (extra: Partial<ThrottleDeps> = {}) => createThrottle({ conn, audit, logger, enabled: true, proofOfWork, now: () => clock, ...extra });
  const failFrom = async (t: ReturnType<typeof guarded>, account: string, ips: string[], times: number) => {
    for (const ip of ips) for (let i = 0; i < times; i++) await t.fail('login', { ip, account });
  };
  const solved = (verdict: ThrottleVerdict) => {
    if (verdict.allowed || !verdict.proof) throw new Error(`no proof asked for: ${JSON.stringify(verdict)}`);
    return { challenge: verdict.proof.challenge, nonce: solveProof(verdict.proof.challenge, verdict.proof.bits) };
  };

  it('blocks only the address that failed five times; the owner elsewhere and on a known device signs in as usual', async () => {
    const t = guarded();
    const account = 'owner-a@example.com';
    await failFrom(t, account, ['198.51.100.1'], 5);
    expect(await t.check('login', { ip: '198.51.100.1', account })).toEqual({ allowed: false, retryAfterSeconds: 60 });
    expect(await t.check('login', { ip: '203.0.113.5', account })).toEqual({ allowed: true });
    // A known device behind the attacker's very address keeps its own allowance.
    expect(await t.check('login', { ip: '198.51.100.1', account, device: 'owner-laptop' })).toEqual({ allowed: true });
    expect((await lockouts('login.source')).length).toBe(1);
  });

  it('gives a known device ten attempts of its own, which count toward nothing else', async () => {
    const t = guarded();
    const account = 'owner-b@example.com';
    const keys = { ip: '198.51.100.2', account, device: 'phone' };
    for (let i = 0; i < 9; i++) expect(await t.fail('login', keys)).toEqual({ allowed: true });
    expect(await t.fail('login', keys)).toEqual({ allowed: false, retryAfterSeconds: 60 });
    expect(await t.check('login', { ...keys, device: 'tablet' })).toEqual({ allowed: true });
    expect(await t.check('login', { ip: '198.51.100.2', account })).toEqual({ allowed: true });
    expect((await lockouts('login.device')).length).toBe(1);
  });

  it('beyond twenty failures over unknown sources, asks every unknown source for a proof of work, spent once, for that name only', async () => {
    const t = guarded();
    const account = 'owner-c@example.com';
    await failFrom(t, account, ['192.0.2.101', '192.0.2.102', '192.0.2.103', '192.0.2.104'], 4);
    expect(await t.check('login', { ip: '192.0.2.105', account })).toEqual({ allowed: true });
    const fifth = await t.fail('login', { ip: '192.0.2.105', account });
    await failFrom(t, account, ['192.0.2.105'], 3);
    expect(fifth).toEqual({ allowed: true });
    const lastFailure = await t.fail('login', { ip: '192.0.2.106', account });
    expect(lastFailure).toMatchObject({ allowed: false, proof: { bits: 8 } });

    const asked = await t.check('login', { ip: '192.0.2.107', account });
    expect(asked).toMatchObject({ allowed: false, retryAfterSeconds: expect.any(Number), proof: { challenge: expect.any(String), bits: 8 } });
    const proof = solved(asked);
    expect(await t.check('login', { ip: '192.0.2.107', account, proof: { ...proof, nonce: `${proof.nonce}1` } })).toMatchObject({ allowed: false, proof: {} });
    // Another name, below its own threshold, needs none (and spends nothing).
    expect(await t.check('login', { ip: '192.0.2.107', account: 'someone-else@example.com', proof })).toEqual({ allowed: true });
    expect(await t.check('login', { ip: '192.0.2.107', account: 'owner-c@example.com', proof })).toEqual({ allowed: true });
    // Spent: the same solution does not serve a second attempt, in this process or another.
    expect(await t.check('login', { ip: '192.0.2.108', account, proof })).toMatchObject({ allowed: false, proof: {} });
    expect(await guarded().check('login', { ip: '192.0.2.108', account, proof })).toMatchObject({ allowed: false, proof: {} });
    // A proof never lifts a block: an address that failed five times waits.
    await t.fail('login', { ip: '192.0.2.101', account });
    expect(await t.check('login', { ip: '192.0.2.101', account, proof: solved(asked) })).toEqual({ allowed: false, retryAfterSeconds: 60 });
    // The owner's browser is not asked.
    expect(await t.check('login', { ip: '192.0.2.107', account, device: 'owner-laptop' })).toEqual({ allowed: true });
    expect((await lockouts('login.account'))[0]?.details).toMatchObject({ proof: true });
  });

  it('asks an address that fails across many accounts for proofs, without stopping other addresses', async () => {
    const t = guarded({ limits: { login: { ip: { points: 3, windowSeconds: 600, proof: true } } } });
    const ip = '198.51.100.50';
    for (const account of ['s1@example.com', 's2@example.com', 's3@example.com']) await t.fail('login', { ip, account });
    const verdict = await t.check('login', { ip, account: 's4@example.com' });
    expect(verdict).toMatchObject({ allowed: false, proof: {} });
    expect(await t.check('login', { ip, account: 's4@example.com', proof: solved(verdict) })).toEqual({ allowed: true });
    expect(await t.check('login', { ip: '198.51.100.51', account: 's4@example.com' })).toEqual({ allowed: true });
  });

  it('tells the owner once an hour, whoever and wherever the blocks start, in the language of the page', async () => {
    const told: { account: string; locale?: string }[] = [];
    let settled = Promise.resolve();
    const t = guarded({
      onLockout: async ({ account, meta }) => {
        told.push({ account, ...(meta.locale ? { locale: meta.locale } : {}) });
      },
    });
    const account = 'owner-d@example.com';
    for (let i = 0; i < 5; i++) await t.fail('login', { ip: '192.0.2.201', account }, { locale: 'de' });
    for (let i = 0; i < 5; i++) await t.fail('login', { ip: '192.0.2.202', account }, { locale: 'pl' });
    const deadline = Date.now() + 10_000;
    while (told.length === 0 && Date.now() < deadline) await (settled = new Promise((r) => setTimeout(r, 20)));
    await settled;
    expect(told).toEqual([{ account, locale: 'de' }]);
    clock += 3600_000 + 1000;
    for (let i = 0; i < 5; i++) await t.fail('login', { ip: '192.0.2.203', account }, { locale: 'da' });
    while (told.length === 1 && Date.now() < deadline + 10_000) await new Promise((r) => setTimeout(r, 20));
    expect(told.map((e) => e.locale)).toEqual(['de', 'da']);
  });
});

