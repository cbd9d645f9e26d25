// The passkey service against the real database, fed by a software authenticator built here from node:crypto: an
// ES256 key pair, attestation 'none', authenticator data and client data assembled byte by byte as a browser and
// a platform authenticator would (CBOR through @simplewebauthn's own encoder). No browser; the browser glue has
// its own test (test/e2e/browser/passkey-glue.test.ts).
import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import { CHALLENGE_TTL_MS, cleanPasskeyName, createPasskeys, type PasskeyService } from '../../../src/auth/passkeys.ts';
import { createAuditLog, type AuditLog } from '../../../src/services/audit.ts';
import { dropAndClose, openTestConnection } from '../../support/db.ts';
import { AT, BE, BS, SoftPasskey, UP, UV } from '../../support/soft-passkey.ts';

const RP_ID = 'id.example.test';
const ORIGIN = `https://${RP_ID}`;
const b64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url');
const KEY = randomBytes(32);


let conn: Connection;
let audit: AuditLog;
let passkeys: PasskeyService;
let clock = Date.now();

const account = () => `acct_${randomBytes(6).toString('hex')}`;

async function enroll(accountId: string, name?: string, key = new SoftPasskey(accountId, ORIGIN)) {
  const { challengeId, options } = await passkeys.registrationOptions({ accountId, email: `${accountId}@example.test` });
  const result = await passkeys.register(accountId, challengeId, key.create({ challenge: options.challenge }), name);
  if (!result.ok) throw new Error(`enrollment failed: ${result.reason}`);
  return { key, passkey: result.passkey };
}

const auditOf = async (accountId: string) => (await audit.list({ accountId })).map((e) => [e.type, e.outcome, e.reason]);

beforeAll(async () => {
  conn = await openTestConnection();
  audit = createAuditLog(conn);
  passkeys = createPasskeys({ conn, rpId: RP_ID, rpName: 'Example ID', origin: ORIGIN, audit, key: KEY, now: () => clock });
  await passkeys.ensureIndexes();
});
afterAll(() => dropAndClose(conn));
beforeEach(() => {
  clock = Date.now();
});

describe('registration', () => {
  it('offers options for a user-verified resident key, attestation none, user id = the account id', async () => {
    const accountId = account();
    const { challengeId, options } = await passkeys.registrationOptions({ accountId, email: 'ada@example.test', displayName: 'Ada L.' });
    expect(challengeId).toMatch(/^[\w-]{24}$/);
    expect(options.rp).toEqual({ id: RP_ID, name: 'Example ID' });
    expect(options.user).toEqual({ id: b64url(accountId), name: 'ada@example.test', displayName: 'Ada L.' });
    expect(options.authenticatorSelection).toMatchObject({ residentKey: 'required', requireResidentKey: true, userVerification: 'required' });
    expect(options.attestation).toBe('none');
    expect(options.pubKeyCredParams.map((p) => p.alg)).toEqual([-8, -7, -257]);
    expect(options.excludeCredentials).toEqual([]);
    expect(options.challenge).toMatch(/^[\w-]{43,}$/);
  });

  it('registers a passkey, lists it, audits factor.added, and excludes it from the next registration', async () => {
    const accountId = account();
    const { key, passkey } = await enroll(accountId, '  My   phone\u0000 ');
    expect(passkey).toEqual({ id: key.credentialId, name: 'My phone', createdAt: new Date(clock), backedUp: false });
    expect(await passkeys.list(accountId)).toEqual([passkey]);

    const raw = await conn.collection('passkeys').findOne({ _id: key.credentialId as never });
    expect(raw).toMatchObject({ accountId, counter: 0, transports: ['internal', 'hybrid'], deviceType: 'singleDevice', backedUp: false, aaguid: '00000000-0000-0000-0000-000000000000' });
    expect(Buffer.from(raw?.publicKey as string, 'base64url')[0]).toBe(0xa5); // a CBOR map of five entries: the COSE key

    const events = await audit.list({ accountId, type: 'factor.added' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ outcome: 'success', details: { factorType: 'passkey', factorId: key.credentialId } });

    const { options } = await passkeys.registrationOptions({ accountId, email: 'a@example.test' });
    expect(options.excludeCredentials).toEqual([{ id: key.credentialId, type: 'public-key', transports: ['internal', 'hybrid'] }]);
  });

  it('names a passkey "Passkey" unless given a name; records a synced (backed up) passkey as such', async () => {
    const accountId = account();
    const key = new SoftPasskey(accountId, ORIGIN);
    const { challengeId, options } = await passkeys.registrationOptions({ accountId, email: 'b@example.test' });
    const result = await passkeys.register(accountId, challengeId, JSON.stringify(key.create({ challenge: options.challenge, flags: UP | UV | BE | BS | AT })));
    expect(result).toMatchObject({ ok: true, passkey: { name: 'Passkey', backedUp: true } });
    const raw = await conn.collection('passkeys').findOne({ _id: key.credentialId as never });
    expect(raw?.deviceType).toBe('multiDevice');
  });

  it('refuses a response without user verification, for another origin or RP id, or over another challenge', async () => {
    const accountId = account();
    const cases = [
      { flags: UP | AT },
      { origin: 'https://evil.example' },
      { origin: 'http://id.example.test' },
      { rpId: 'evil.example' },
      { type: 'webauthn.get' },
      { challenge: b64url(randomBytes(32)) },
    ];
    for (const c of cases) {
      const { challengeId, options } = await passkeys.registrationOptions({ accountId, email: 'c@example.test' });
      const result = await passkeys.register(accountId, challengeId, new SoftPasskey(accountId, ORIGIN).create({ challenge: options.challenge, ...c }));
      expect([c, result]).toEqual([c, { ok: false, reason: 'invalid' }]);
    }
    expect(await passkeys.list(accountId)).toEqual([]);
    expect((await audit.list({ accountId, type: 'factor.added' })).every((e) => e.outcome === 'failure' && e.reason === 'invalid_response')).toBe(true);
  });

  it('uses a challenge once, for its own account only, and not after five minutes', async () => {
    const accountId = account();
    const key = new SoftPasskey(accountId, ORIGIN);
    const { challengeId, options } = await passkeys.registrationOptions({ accountId, email: 'd@example.test' });
    const response = key.create({ challenge: options.challenge });

    expect(await passkeys.register(account(), challengeId, response)).toEqual({ ok: false, reason: 'expired' });
    // The other account's attempt consumed it: single use, whoever used it.
    expect(await passkeys.register(accountId, challengeId, response)).toEqual({ ok: false, reason: 'expired' });

    const late = await passkeys.registrationOptions({ accountId, email: 'd@example.test' });
    clock += CHALLENGE_TTL_MS + 1;
    expect(await passkeys.register(accountId, late.challengeId, key.create({ challenge: late.options.challenge }))).toEqual({ ok: false, reason: 'expired' });

    const fresh = await passkeys.registrationOptions({ accountId, email: 'd@example.test' });
    expect(await passkeys.register(accountId, fresh.challengeId, key.create({ challenge: fresh.options.challenge }))).toMatchObject({ ok: true });
    expect(await passkeys.register(accountId, fresh.challengeId, key.create({ challenge: fresh.options.challenge }))).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses a credential id that is already registered, to this account or another', async () => {
    const accountId = account();
    const { key } = await enroll(accountId);
    const other = account();
    for (const who of [accountId, other]) {
      const { challengeId, options } = await passkeys.registrationOptions({ accountId: who, email: 'e@example.test' });
      expect(await passkeys.register(who, challengeId, key.create({ challenge: options.challenge }))).toEqual({ ok: false, reason: 'invalid' });
    }
    expect(await passkeys.list(other)).toEqual([]);
    expect(await auditOf(other)).toContainEqual(['factor.added', 'failure', 'duplicate_credential']);
  });

  it('answers malformed input with invalid or expired, never an exception', async () => {
    const accountId = account();
    for (const response of [undefined, null, '', 'not json', '[]', '{}', 42, { id: { $gt: '' } }, { id: 'a', rawId: 'b', type: 'public-key', response: {} }, 'x'.repeat(70_000)]) {
      const { challengeId } = await passkeys.registrationOptions({ accountId, email: 'f@example.test' });
      expect(await passkeys.register(accountId, challengeId, response)).toEqual({ ok: false, reason: 'invalid' });
    }
    for (const challengeId of [undefined, '', { $ne: '' }, 'x'.repeat(200), 'unknown-id']) {
      expect(await passkeys.register(accountId, challengeId as string, {})).toEqual({ ok: false, reason: 'expired' });
    }
  });
});

describe('authentication', () => {
  it('discoverable: empty allowCredentials, user verification required; the passkey names its account', async () => {
    const accountId = account();
    const { key } = await enroll(accountId);
    const { challengeId, options } = await passkeys.authenticationOptions();
    expect(options).toMatchObject({ rpId: RP_ID, allowCredentials: [], userVerification: 'required' });

    clock += 60_000;
    const result = await passkeys.authenticate(challengeId, JSON.stringify(key.get({ challenge: options.challenge })));
    expect(result).toEqual({ ok: true, accountId, credentialId: key.credentialId, userVerified: true, backedUp: false });
    expect(await passkeys.list(accountId)).toEqual([expect.objectContaining({ lastUsedAt: new Date(clock) })]);
    const [event] = await audit.list({ accountId, type: 'passkey.authentication' });
    expect(event).toMatchObject({ outcome: 'success', details: { credentialId: key.credentialId, discoverable: true, userVerified: true } });
  });

  it('login page: the signed challenge stores nothing until used, then works once, for its interaction only', async () => {
    const accountId = account();
    const { key } = await enroll(accountId);
    const before = await conn.collection('webauthn_challenges').countDocuments();
    const { challenge, options } = await passkeys.signInOptions('uid-1');
    expect(options).toMatchObject({ rpId: RP_ID, allowCredentials: [], userVerification: 'required', challenge });
    expect(await conn.collection('webauthn_challenges').countDocuments()).toBe(before);

    const response = key.get({ challenge });
    // Another interaction's page cannot use it, and a tampered value is no challenge of ours.
    expect(await passkeys.signIn('uid-2', challenge, response)).toEqual({ ok: false, reason: 'expired' });
    const tampered = `${challenge.slice(0, 20)}${challenge[20] === 'A' ? 'B' : 'A'}${challenge.slice(21)}`;
    expect(await passkeys.signIn('uid-1', tampered, key.get({ challenge: tampered }))).toEqual({ ok: false, reason: 'expired' });
    for (const junk of [undefined, '', { $ne: '' }, 'x'.repeat(500)]) {
      expect(await passkeys.signIn('uid-1', junk, response)).toEqual({ ok: false, reason: 'expired' });
    }

    expect(await passkeys.signIn('uid-1', challenge, response)).toEqual({ ok: true, accountId, credentialId: key.credentialId, userVerified: true, backedUp: false });
    // Replayed (the same answer, or a fresh answer over the same challenge): spent.
    expect(await passkeys.signIn('uid-1', challenge, response)).toEqual({ ok: false, reason: 'expired' });
    expect(await passkeys.signIn('uid-1', challenge, key.get({ challenge }))).toEqual({ ok: false, reason: 'expired' });
    // What was stored is the challenge's hash, not the challenge.
    const spent = await conn.collection('webauthn_used_challenges').find({}).toArray();
    expect(spent.map((r) => r._id)).not.toContain(challenge);
  });

  it('login page: a signed challenge expires, and of racing uses of one exactly one gets to verify', async () => {
    const accountId = account();
    const { key } = await enroll(accountId);
    const late = await passkeys.signInOptions('uid-late');
    clock += CHALLENGE_TTL_MS + 1;
    expect(await passkeys.signIn('uid-late', late.challenge, key.get({ challenge: late.challenge }))).toEqual({ ok: false, reason: 'expired' });

    const { challenge } = await passkeys.signInOptions('uid-race');
    const response = key.get({ challenge });
    const results = await Promise.all(Array.from({ length: 6 }, () => passkeys.signIn('uid-race', challenge, response)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
  });

  it('login page: without user verification the passkey is refused, and the challenge is spent all the same', async () => {
    const accountId = account();
    const { key } = await enroll(accountId);
    const { challenge } = await passkeys.signInOptions('uid-uv');
    expect(await passkeys.signIn('uid-uv', challenge, key.get({ challenge, flags: UP }))).toEqual({ ok: false, reason: 'invalid' });
    expect(await passkeys.signIn('uid-uv', challenge, key.get({ challenge }))).toEqual({ ok: false, reason: 'expired' });
  });

  it('as a second factor: the account\'s credentials are offered and user verification is only preferred', async () => {
    const accountId = account();
    const { key } = await enroll(accountId);
    clock += 1000;
    const second = await enroll(accountId, 'Key 2');
    const { challengeId, options } = await passkeys.authenticationOptions(accountId);
    expect(options.userVerification).toBe('preferred');
    expect(options.allowCredentials?.map((c) => c.id)).toEqual([key.credentialId, second.key.credentialId]);
    const result = await passkeys.authenticate(challengeId, key.get({ challenge: options.challenge, flags: UP, userHandle: null }), accountId);
    expect(result).toMatchObject({ ok: true, accountId, userVerified: false });
  });

  it('refuses an assertion without user verification when the passkey is the only factor', async () => {
    const accountId = account();
    const { key } = await enroll(accountId);
    const { challengeId, options } = await passkeys.authenticationOptions();
    expect(await passkeys.authenticate(challengeId, key.get({ challenge: options.challenge, flags: UP }))).toEqual({ ok: false, reason: 'invalid' });
  });

  it('refuses an assertion over another challenge, and a replayed one', async () => {
    const accountId = account();
    const { key } = await enroll(accountId);
    const first = await passkeys.authenticationOptions();
    const response = key.get({ challenge: first.options.challenge });
    expect(await passkeys.authenticate(first.challengeId, response)).toMatchObject({ ok: true });

    // The same answer again: its challenge is gone.
    expect(await passkeys.authenticate(first.challengeId, response)).toEqual({ ok: false, reason: 'expired' });
    // The same answer under a fresh challenge id: it signed another challenge.
    const second = await passkeys.authenticationOptions();
    expect(await passkeys.authenticate(second.challengeId, response)).toEqual({ ok: false, reason: 'invalid' });
    // A failed attempt used the challenge up too.
    expect(await passkeys.authenticate(second.challengeId, key.get({ challenge: second.options.challenge }))).toEqual({ ok: false, reason: 'expired' });
    // A registration challenge is no authentication challenge.
    const reg = await passkeys.registrationOptions({ accountId, email: 'g@example.test' });
    expect(await passkeys.authenticate(reg.challengeId, key.get({ challenge: reg.options.challenge }))).toEqual({ ok: false, reason: 'expired' });
  });

  it('lets exactly one of several simultaneous uses of a challenge through', async () => {
    const accountId = account();
    const { key } = await enroll(accountId);
    const { challengeId, options } = await passkeys.authenticationOptions();
    const response = key.get({ challenge: options.challenge });
    const results = await Promise.all(Array.from({ length: 6 }, () => passkeys.authenticate(challengeId, response)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).every((r) => !r.ok && r.reason === 'expired')).toBe(true);

    const reg = await passkeys.registrationOptions({ accountId, email: 'i@example.test' });
    const created = new SoftPasskey(accountId, ORIGIN).create({ challenge: reg.options.challenge });
    const registered = await Promise.all(Array.from({ length: 6 }, () => passkeys.register(accountId, reg.challengeId, created)));
    expect(registered.filter((r) => r.ok)).toHaveLength(1);
    expect(await passkeys.list(accountId)).toHaveLength(2);
  });

  it('refuses an assertion made for another origin or RP id, or of the wrong ceremony type', async () => {
    const accountId = account();
    const { key } = await enroll(accountId);
    for (const c of [{ origin: 'https://evil.example' }, { origin: `${ORIGIN}:8443` }, { rpId: 'evil.example' }, { type: 'webauthn.create' }]) {
      const { challengeId, options } = await passkeys.authenticationOptions();
      expect([c, await passkeys.authenticate(challengeId, key.get({ challenge: options.challenge, ...c }))]).toEqual([c, { ok: false, reason: 'invalid' }]);
    }
  });

  it('refuses a signature by another key for the credential id', async () => {
    const accountId = account();
    const { key } = await enroll(accountId);
    const impostor = new SoftPasskey(accountId, ORIGIN);
    Object.defineProperty(impostor, 'id', { value: key.id });
    const { challengeId, options } = await passkeys.authenticationOptions();
    expect(await passkeys.authenticate(challengeId, impostor.get({ challenge: options.challenge }))).toEqual({ ok: false, reason: 'invalid' });
  });

  it('with an account given, a credential of another account is unknown', async () => {
    const alice = account();
    const bob = account();
    const { key } = await enroll(alice);
    await enroll(bob);

    const forBob = await passkeys.authenticationOptions(bob);
    expect(await passkeys.authenticate(forBob.challengeId, key.get({ challenge: forBob.options.challenge }), bob)).toEqual({ ok: false, reason: 'unknown_credential' });

    // Options made for Bob bind the assertion to Bob even when the caller does not repeat it.
    const forBobAgain = await passkeys.authenticationOptions(bob);
    expect(await passkeys.authenticate(forBobAgain.challengeId, key.get({ challenge: forBobAgain.options.challenge }))).toEqual({ ok: false, reason: 'unknown_credential' });

    // Discoverable options, but the caller is in Bob's sign-in.
    const discoverable = await passkeys.authenticationOptions();
    expect(await passkeys.authenticate(discoverable.challengeId, key.get({ challenge: discoverable.options.challenge }), bob)).toEqual({ ok: false, reason: 'unknown_credential' });

    // Options for Alice, presented in Bob's sign-in.
    const forAlice = await passkeys.authenticationOptions(alice);
    expect(await passkeys.authenticate(forAlice.challengeId, key.get({ challenge: forAlice.options.challenge }), bob)).toEqual({ ok: false, reason: 'expired' });

    expect(await auditOf(bob)).toContainEqual(['passkey.authentication', 'failure', 'unknown_credential']);
  });

  it('refuses a userHandle that is not the credential owner\'s', async () => {
    const accountId = account();
    const { key } = await enroll(accountId);
    const { challengeId, options } = await passkeys.authenticationOptions();
    expect(await passkeys.authenticate(challengeId, key.get({ challenge: options.challenge, userHandle: b64url('someone-else') }))).toEqual({ ok: false, reason: 'invalid' });
    expect(await auditOf(accountId)).toContainEqual(['passkey.authentication', 'failure', 'user_handle_mismatch']);
  });

  it('an unregistered credential is unknown', async () => {
    const { challengeId, options } = await passkeys.authenticationOptions();
    expect(await passkeys.authenticate(challengeId, new SoftPasskey(account(), ORIGIN).get({ challenge: options.challenge }))).toEqual({ ok: false, reason: 'unknown_credential' });
  });

  it('stores the signature counter and refuses one that does not grow (a cloned authenticator)', async () => {
    const accountId = account();
    const { key } = await enroll(accountId);
    const counterOf = async () => (await conn.collection('passkeys').findOne({ _id: key.credentialId as never }))?.counter;

    let { challengeId, options } = await passkeys.authenticationOptions(accountId);
    expect(await passkeys.authenticate(challengeId, key.get({ challenge: options.challenge, counter: 5 }), accountId)).toMatchObject({ ok: true });
    expect(await counterOf()).toBe(5);

    ({ challengeId, options } = await passkeys.authenticationOptions(accountId));
    expect(await passkeys.authenticate(challengeId, key.get({ challenge: options.challenge, counter: 6 }), accountId)).toMatchObject({ ok: true });
    expect(await counterOf()).toBe(6);

    for (const counter of [6, 3, 0]) {
      ({ challengeId, options } = await passkeys.authenticationOptions(accountId));
      expect(await passkeys.authenticate(challengeId, key.get({ challenge: options.challenge, counter }), accountId)).toEqual({ ok: false, reason: 'invalid' });
    }
    expect(await counterOf()).toBe(6);
    expect(await auditOf(accountId)).toContainEqual(['passkey.authentication', 'failure', 'counter_not_increased']);
  });

  it('accepts authenticators that do not count (counter always 0), as synced passkeys do', async () => {
    const accountId = account();
    const { key } = await enroll(accountId);
    for (let i = 0; i < 2; i++) {
      const { challengeId, options } = await passkeys.authenticationOptions();
      expect(await passkeys.authenticate(challengeId, key.get({ challenge: options.challenge, counter: 0 }))).toMatchObject({ ok: true });
    }
  });

  it('refuses an expired challenge', async () => {
    const accountId = account();
    const { key } = await enroll(accountId);
    const { challengeId, options } = await passkeys.authenticationOptions();
    clock += CHALLENGE_TTL_MS + 1;
    expect(await passkeys.authenticate(challengeId, key.get({ challenge: options.challenge }))).toEqual({ ok: false, reason: 'expired' });
  });

  it('answers malformed input with invalid, never an exception', async () => {
    for (const response of [undefined, null, '', '{', '"str"', { id: 'a', rawId: 'a', type: 'public-key', response: { clientDataJSON: 'x' } }]) {
      const { challengeId } = await passkeys.authenticationOptions();
      const result = await passkeys.authenticate(challengeId, response);
      expect(result.ok).toBe(false);
      expect(['invalid', 'unknown_credential']).toContain((result as { reason: string }).reason);
    }
  });
});

describe('management', () => {
  it('renames only the account\'s own passkeys, with a clean, bounded name', async () => {
    const accountId = account();
    const { passkey } = await enroll(accountId, 'Laptop');
    expect(await passkeys.rename(account(), passkey.id, 'Stolen')).toBe(false);
    expect(await passkeys.rename(accountId, passkey.id, '   ')).toBe(false);
    expect(await passkeys.rename(accountId, 'no-such-id', 'X')).toBe(false);
    expect(await passkeys.rename(accountId, { $ne: '' } as unknown as string, 'X')).toBe(false);
    expect(await passkeys.rename(accountId, passkey.id, ` Work\tlaptop ${'x'.repeat(100)}`)).toBe(true);
    const [listed] = await passkeys.list(accountId);
    expect(listed?.name).toBe(`Work laptop ${'x'.repeat(52)}`);
    expect(listed?.name).toHaveLength(64);
    expect(await auditOf(accountId)).toContainEqual(['factor.renamed', 'success', undefined]);
  });

  it('removes only the account\'s own passkeys; a removed passkey no longer signs in', async () => {
    const accountId = account();
    const { key, passkey } = await enroll(accountId);
    const other = await enroll(accountId, 'Other');
    expect(await passkeys.remove(account(), passkey.id)).toBeUndefined();
    expect(await passkeys.remove(accountId, passkey.id)).toEqual(passkey);
    expect(await passkeys.remove(accountId, passkey.id)).toBeUndefined();
    expect(await passkeys.list(accountId)).toEqual([other.passkey]);

    const { challengeId, options } = await passkeys.authenticationOptions();
    expect(await passkeys.authenticate(challengeId, key.get({ challenge: options.challenge }))).toEqual({ ok: false, reason: 'unknown_credential' });
  });

  it('removeAll ends every passkey and pending challenge of the account, and nobody else\'s', async () => {
    const accountId = account();
    const keeper = account();
    await enroll(accountId);
    await enroll(accountId);
    await enroll(keeper);
    const pending = await passkeys.registrationOptions({ accountId, email: 'h@example.test' });
    await passkeys.removeAll(accountId);
    expect(await passkeys.list(accountId)).toEqual([]);
    expect(await passkeys.list(keeper)).toHaveLength(1);
    expect(await conn.collection('webauthn_challenges').countDocuments({ _id: pending.challengeId as never })).toBe(0);
  });

  it('sweeps expired challenges only', async () => {
    const old = await passkeys.authenticationOptions();
    clock += CHALLENGE_TTL_MS + 1;
    const young = await passkeys.authenticationOptions();
    expect(await passkeys.sweepExpired()).toBeGreaterThanOrEqual(1);
    const ids = (await conn.collection('webauthn_challenges').find({}).toArray()).map((r) => r._id as unknown as string);
    expect(ids).not.toContain(old.challengeId);
    expect(ids).toContain(young.challengeId);
  });

  it('ensureIndexes is repeatable and indexes passkeys by account', async () => {
    expect(await passkeys.ensureIndexes()).toEqual({ ttl: expect.any(Boolean) });
    const names = (await conn.collection('passkeys').indexes()).map((i) => Object.keys(i.key).join(','));
    expect(names).toContain('accountId,createdAt');
    const challengeIndexes = (await conn.collection('webauthn_challenges').indexes()).map((i) => Object.keys(i.key).join(','));
    expect(challengeIndexes).toContain('expiresAt');
  });
});

describe('cleanPasskeyName', () => {
  it('trims, collapses spaces and control characters, bounds to 64 characters', () => {
    expect(cleanPasskeyName('  a \n\u200b b  ')).toBe('a b');
    expect(cleanPasskeyName('🔑'.repeat(70))).toBe('🔑'.repeat(64));
    expect(cleanPasskeyName(42)).toBe('');
  });
});
