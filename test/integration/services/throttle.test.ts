import mongoose, { type Connection } from 'mongoose';
import { createLogger } from '../../../src/log.ts';
import { createAuditLog, type AuditLog } from '../../../src/services/audit.ts';
import { createThrottle, THROTTLE_COLLECTION, type ThrottleLimitOverrides } from '../../../src/services/throttle.ts';
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
  it('locks an account after consecutive failures, doubling the block up to the maximum, and audits each lockout', async () => {
    const t = throttle({
      login: { account: { points: 3, windowSeconds: 60, blockSeconds: 1 }, ip: undefined },
      backoff: { maxSeconds: 2 },
    });
    const keys = { ip: '192.0.2.1', account: 'lock@example.com' };
    expect(await t.fail('login', keys)).toEqual({ allowed: true });
    expect(await t.fail('login', keys)).toEqual({ allowed: true });
    expect(await t.check('login', keys)).toEqual({ allowed: true });
    expect(await t.fail('login', keys, { ip: keys.ip, userAgent: 'UA/1', accountId: 'acc-1' })).toEqual({ allowed: false, retryAfterSeconds: 1 });
    expect(await t.check('login', keys)).toEqual({ allowed: false, retryAfterSeconds: 1 });

    const [first] = await lockouts('login.account');
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
    expect((await lockouts('login.account')).map((e) => e.details?.retryAfterSeconds)).toEqual([2, 2, 1]);
  });

  it('ends the run of failures and forgets earlier lockouts on a successful sign-in', async () => {
    const t = throttle({ login: { account: { points: 2, windowSeconds: 60, blockSeconds: 1 }, ip: undefined } });
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
    const t = throttle({ login: { ip: { points: 3, windowSeconds: 120 }, account: undefined } });
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
    const t = throttle({ login: { account: { points: 2, windowSeconds: 60, blockSeconds: 30 }, ip: undefined } });
    const run = async (account: string) => [
      await t.check('login', { ip: '192.0.2.9', account }),
      await t.fail('login', { ip: '192.0.2.9', account }),
      await t.fail('login', { ip: '192.0.2.9', account }),
      await t.check('login', { ip: '192.0.2.9', account }),
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
    const t = throttle({ login: { account: { points: 2, windowSeconds: 60, blockSeconds: 1 }, ip: undefined } });
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
