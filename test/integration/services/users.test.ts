import { jest } from '@jest/globals';
import argon2 from 'argon2';
import type { Connection } from 'mongoose';
import { AppError } from '../../../src/errors.ts';
import { userModel } from '../../../src/db/models/user.ts';
import { createAuditLog, type AuditLog } from '../../../src/services/audit.ts';
import { SCOPE_CLAIMS } from '../../../src/services/claims.ts';
import { hashPassword, needsRehash, verifyPassword } from '../../../src/services/passwords.ts';
import { createUserService, type UserService } from '../../../src/services/users.ts';
import { CLAIM_GRACE_MS, createEmailLookup, type EmailLookup } from '../../../src/services/user-emails.ts';
import { dropAndClose, openTestConnection } from '../../support/db.ts';

let conn: Connection;
let audit: AuditLog;
let users: UserService;
let emails: EmailLookup;
let clock = Date.now();
const meta = { ip: '192.0.2.1', userAgent: 'jest', clientId: 'app' };

beforeAll(async () => {
  conn = await openTestConnection();
  audit = createAuditLog(conn);
  emails = createEmailLookup({ conn, now: () => clock });
  users = createUserService({ users: userModel(conn), emails, audit });
});
afterAll(() => dropAndClose(conn));

describe('users.create', () => {
  it('stores a normalised e-mail and an argon2id hash, and returns no hash', async () => {
    const user = await users.create({ email: '  Alice@Example.COM ', password: 'alice-password', name: 'Alice', emailVerified: true });
    expect(user).toMatchObject({ email: 'alice@example.com', name: 'Alice', email_verified: true, disabled: false });
    expect(user.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(user.createdAt).toBeInstanceOf(Date);
    expect(user).not.toHaveProperty('passwordHash');
    const raw = await conn.collection('users').findOne({ _id: user.id as never });
    expect(raw?.passwordHash).toMatch(/^\$argon2id\$/);
    expect(JSON.stringify(raw)).not.toContain('alice-password');
    expect((await audit.list({ type: 'user.created', accountId: user.id })).length).toBe(1);
  });

  it('refuses a second account for the same address in any case', async () => {
    await expect(users.create({ email: 'ALICE@example.com', password: 'another-password' })).rejects.toMatchObject({
      status: 409,
      message: 'An account with this e-mail address already exists',
    });
    expect(await conn.collection('users').countDocuments({ email: 'alice@example.com' })).toBe(1);
  });

  it('enforces uniqueness under concurrent creation (the unique index, not a pre-check)', async () => {
    const results = await Promise.allSettled([
      users.create({ email: 'race@example.com', password: 'password-one' }),
      users.create({ email: 'Race@Example.com', password: 'password-two' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await conn.collection('users').countDocuments({ email: 'race@example.com' })).toBe(1);
  });

  it('rejects bad input with a message naming each problem', async () => {
    const err = await users.create({ email: 'not-an-email', password: 'short', website: 'ftp://x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).status).toBe(400);
    expect((err as AppError).message).toMatch(/email: must be a valid e-mail address/);
    expect((err as AppError).message).toMatch(/password: must be at least 8 characters/);
    expect((err as AppError).message).toMatch(/website: must be an http\(s\) URL/);
  });
});

describe('users.authenticate', () => {
  let bobId: string;
  beforeAll(async () => {
    bobId = (await users.create({ email: 'bob@example.com', password: 'bob-password' })).id;
  });

  it('accepts the right password whatever the e-mail case and audits the success', async () => {
    await expect(users.authenticate(' BOB@example.com', 'bob-password', meta)).resolves.toEqual({ accountId: bobId });
    const [event] = await audit.list({ type: 'login.success', accountId: bobId });
    expect(event).toMatchObject({ outcome: 'success', ip: '192.0.2.1', userAgent: 'jest', clientId: 'app' });
  });

  it('answers null for a wrong password, an unknown e-mail and a disabled account, auditing each reason', async () => {
    const disabled = await users.create({ email: 'carol@example.com', password: 'carol-password' });
    await userModel(conn).updateOne({ _id: disabled.id }, { $set: { disabled: true } });

    const answers = [
      await users.authenticate('bob@example.com', 'wrong-password', meta),
      await users.authenticate('nobody@example.com', 'bob-password', meta),
      await users.authenticate('carol@example.com', 'carol-password', meta),
    ];
    expect(answers).toEqual([null, null, null]);

    const failures = await audit.list({ type: 'login.failure' });
    expect(failures.map((f) => f.reason).sort()).toEqual(['bad_password', 'disabled', 'unknown_account']);
    expect(failures.find((f) => f.reason === 'bad_password')?.accountId).toBe(bobId);
    expect(failures.find((f) => f.reason === 'unknown_account')?.accountId).toBeUndefined();
    expect(failures.every((f) => f.ip === '192.0.2.1' && f.outcome === 'failure')).toBe(true);
  });

  it('does the same argon2 work for an unknown e-mail as for a wrong password (one verification each)', async () => {
    // Counted, not timed: a lookup that skipped argon2 would answer in ~1 ms against ~20+ ms for a verification.
    const verify = jest.spyOn(argon2, 'verify');
    const verificationsOf = async (email: string) => {
      verify.mockClear();
      await users.authenticate(email, 'wrong-password', meta);
      return verify.mock.calls.length;
    };
    try {
      expect({ unknown: await verificationsOf('unknown@example.com'), known: await verificationsOf('bob@example.com') }).toEqual({ unknown: 1, known: 1 });
    } finally {
      verify.mockRestore();
    }
  });

  it('re-hashes with the current parameters on a successful login when they changed', async () => {
    const oldHash = await hashPassword('dave-password', { memoryCost: 4096, timeCost: 1, parallelism: 1 });
    const created = await users.create({ email: 'dave@example.com', password: 'placeholder-password' });
    await userModel(conn).updateOne({ _id: created.id }, { $set: { passwordHash: oldHash } });

    await expect(users.authenticate('dave@example.com', 'wrong-password', meta)).resolves.toBeNull();
    expect((await conn.collection('users').findOne({ _id: created.id as never }))?.passwordHash).toBe(oldHash);

    await expect(users.authenticate('dave@example.com', 'dave-password', meta)).resolves.toEqual({ accountId: created.id });
    const stored = (await conn.collection('users').findOne({ _id: created.id as never }))?.passwordHash as string;
    expect(stored).not.toBe(oldHash);
    expect(needsRehash(stored)).toBe(false);
    await expect(verifyPassword(stored, 'dave-password')).resolves.toBe(true);
    expect(await audit.list({ type: 'password.rehashed', accountId: created.id })).toHaveLength(1);
  });
});

describe('users.findAccount and findById', () => {
  it('returns every claim the account has, each belonging to a scope, and updated_at in seconds', async () => {
    const user = await users.create({
      email: 'erin@example.com',
      password: 'erin-password',
      name: 'Erin Example',
      given_name: 'Erin',
      family_name: 'Example',
      locale: 'da-DK',
      website: 'https://erin.example',
      phone_number: '+4512345678',
      phone_number_verified: true,
      address: { street_address: 'Main St 1', locality: 'Copenhagen', country: 'DK' },
      emailVerified: true,
    });
    const account = await users.findAccount({}, user.id);
    expect(account?.accountId).toBe(user.id);
    const claims = await account!.claims('id_token', 'openid email profile phone address', {}, []);
    expect(claims).toEqual({
      sub: user.id,
      email: 'erin@example.com',
      email_verified: true,
      name: 'Erin Example',
      given_name: 'Erin',
      family_name: 'Example',
      locale: 'da-DK',
      website: 'https://erin.example',
      phone_number: '+4512345678',
      phone_number_verified: true,
      address: { street_address: 'Main St 1', locality: 'Copenhagen', country: 'DK' },
      updated_at: Math.floor(user.updatedAt.getTime() / 1000),
    });
    const scoped = new Set<string>(Object.values(SCOPE_CLAIMS).flat());
    expect(Object.keys(claims).filter((c) => !scoped.has(c))).toEqual([]);
    expect(SCOPE_CLAIMS.email).toEqual(['email', 'email_verified']);
    expect(SCOPE_CLAIMS.address).toEqual(['address']);
  });

  it('finds nothing for an unknown or disabled account', async () => {
    await expect(users.findAccount({}, 'no-such-id')).resolves.toBeUndefined();
    const user = await users.create({ email: 'frank@example.com', password: 'frank-password' });
    await userModel(conn).updateOne({ _id: user.id }, { $set: { disabled: true } });
    await expect(users.findAccount({}, user.id)).resolves.toBeUndefined();
    await expect(users.findById(user.id)).resolves.toMatchObject({ id: user.id, disabled: true });
    await expect(users.findById('no-such-id')).resolves.toBeNull();
  });
});

describe('account reads for tokens and the sign-in policy (ACCOUNT_CACHE_SECONDS)', () => {
  const reads = () => {
    const seen: string[] = [];
    const listener = (e: { commandName: string; command: Record<string, unknown> }) => {
      if (e.commandName === 'find' && e.command.find === 'users') seen.push(String((e.command.filter as { _id?: unknown })._id));
    };
    return { seen, listener };
  };
  let cached: UserService;
  let monitor: ReturnType<typeof reads>;
  beforeAll(() => {
    cached = createUserService({ users: userModel(conn), emails, audit, accountCacheSeconds: 60 });
  });
  beforeEach(() => {
    monitor = reads();
    conn.getClient().on('commandStarted', monitor.listener);
  });
  afterEach(() => {
    conn.getClient().off('commandStarted', monitor.listener);
  });

  it('answers findAccount and accountState from one read, without the password hash', async () => {
    const user = await cached.create({ email: 'grace@example.com', password: 'grace-password', name: 'Grace' });
    monitor.seen.length = 0;
    const account = await cached.findAccount({}, user.id);
    expect(await account?.claims('id_token', 'openid profile', {}, [])).toMatchObject({ sub: user.id, name: 'Grace' });
    expect(await cached.accountState(user.id)).toMatchObject({ emailVerified: false });
    expect(await cached.findAccount({}, user.id)).toBeDefined();
    expect(monitor.seen).toEqual([user.id]);
  });

  it('a sign-in that has just read the account by e-mail leaves it for the tokens that follow, without its password hash', async () => {
    const user = await cached.create({ email: 'olga@example.com', password: 'olga-password', name: 'Olga' });
    await expect(cached.authenticate('olga@example.com', 'olga-password', {})).resolves.toEqual({ accountId: user.id });
    monitor.seen.length = 0;
    const account = await cached.findAccount({}, user.id);
    expect(await account?.claims('id_token', 'openid profile', {}, [])).toMatchObject({ sub: user.id, name: 'Olga' });
    expect(JSON.stringify(await cached.accountState(user.id))).not.toContain('argon2');
    expect(monitor.seen).toEqual([]);
    // A wrong password reads the account too, but leaves nothing behind for anyone.
    await cached.addClaims(user.id, { name: 'Olga O.' });
    await expect(cached.authenticate('olga@example.com', 'wrong', {})).resolves.toBeNull();
    monitor.seen.length = 0;
    await cached.findAccount({}, user.id);
    expect(monitor.seen).toEqual([user.id]);
  });

  it('reads again after any account write in this process: a disabled account is refused at once', async () => {
    const user = await cached.create({ email: 'heidi@example.com', password: 'heidi-password', name: 'Heidi' });
    expect(await cached.findAccount({}, user.id)).toBeDefined();
    await cached.addClaims(user.id, { name: 'Heidi H.' });
    expect(await (await cached.findAccount({}, user.id))?.claims('id_token', 'openid profile', {}, [])).toMatchObject({ name: 'Heidi H.' });
    await userModel(conn).updateOne({ _id: user.id }, { $set: { disabled: true } });
    await expect(cached.findAccount({}, user.id)).resolves.toBeUndefined();
    await expect(cached.accountState(user.id)).resolves.toBeUndefined();
  });

  it('a write this process did not make shows once the bound has passed', async () => {
    const shortLived = createUserService({ users: userModel(conn), emails, audit, accountCacheSeconds: 1 });
    const user = await shortLived.create({ email: 'ivan@example.com', password: 'ivan-password', name: 'Ivan' });
    expect(await shortLived.findAccount({}, user.id)).toBeDefined();
    // Straight to the collection, as another process's write looks from here.
    await conn.collection('users').updateOne({ _id: user.id as never }, { $set: { name: 'Ivan the Second' } });
    const nameNow = async () => (await (await shortLived.findAccount({}, user.id))?.claims('id_token', 'openid profile', {}, []))?.name;
    const deadline = Date.now() + 15_000;
    while ((await nameNow()) !== 'Ivan the Second' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await nameNow()).toBe('Ivan the Second');
  });

  it('with the cache off reads every time', async () => {
    const user = await users.create({ email: 'judy@example.com', password: 'judy-password' });
    monitor.seen.length = 0;
    await users.findAccount({}, user.id);
    await users.findAccount({}, user.id);
    expect(monitor.seen).toEqual([user.id, user.id]);
  });
});

describe('the e-mail lookup (user_emails: _id = normalised address)', () => {
  const lookupRow = (email: string) => conn.collection('user_emails').findOne({ _id: email as never });

  it('is written with the account, and is how a sign-in finds it', async () => {
    const user = await users.create({ email: ' Lookup@Example.com', password: 'lookup-password' });
    expect(await lookupRow('lookup@example.com')).toMatchObject({ userId: user.id });
    await expect(users.findByEmail('LOOKUP@example.com')).resolves.toMatchObject({ id: user.id });
    // The account's own field is the truth: a row whose account has another address finds nothing.
    await conn.collection('users').updateOne({ _id: user.id as never }, { $set: { email: 'elsewhere@example.com' } });
    await expect(users.authenticate('lookup@example.com', 'lookup-password', meta)).resolves.toBeNull();
    await conn.collection('users').updateOne({ _id: user.id as never }, { $set: { email: 'lookup@example.com' } });
    await expect(users.authenticate('lookup@example.com', 'lookup-password', meta)).resolves.toEqual({ accountId: user.id });
  });

  it('refuses an address whose claim is fresh or live, and takes over one left behind once it is old', async () => {
    // A claim whose account never came (the process stopped between the two writes).
    await conn.collection('user_emails').insertOne({ _id: 'orphan@example.com' as never, userId: 'gone', at: new Date(clock) });
    await expect(users.create({ email: 'orphan@example.com', password: 'orphan-password' })).rejects.toMatchObject({ status: 409 });
    clock += CLAIM_GRACE_MS + 1;
    const user = await users.create({ email: 'orphan@example.com', password: 'orphan-password' });
    expect(await lookupRow('orphan@example.com')).toMatchObject({ userId: user.id });
    // A live account's address stays taken however old its row is.
    clock += CLAIM_GRACE_MS + 1;
    await expect(users.create({ email: 'orphan@example.com', password: 'orphan-password' })).rejects.toMatchObject({ status: 409 });
  });

  it('backfills accounts written before it existed, once, and later starts skip the pass', async () => {
    const old = await userModel(conn).create({ email: 'Before@Example.com', passwordHash: await hashPassword('before-password') });
    await conn.collection('migrations').deleteOne({ _id: 'user_emails.backfill' as never });
    await expect(users.authenticate('before@example.com', 'before-password', meta)).resolves.toBeNull();
    expect(await emails.backfill()).toBe(1);
    await expect(users.authenticate('before@example.com', 'before-password', meta)).resolves.toEqual({ accountId: old._id });
    // Idempotent, and marked done: a second pass reads nothing.
    await conn.collection('migrations').deleteOne({ _id: 'user_emails.backfill' as never });
    expect(await emails.backfill()).toBe(0);
    await userModel(conn).create({ email: 'after-marker@example.com', passwordHash: 'x' });
    expect(await emails.backfill()).toBe(0);
    expect(await lookupRow('after-marker@example.com')).toBeNull();
  });
});
