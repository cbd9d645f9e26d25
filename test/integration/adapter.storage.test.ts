// How the adapter stores and reaches rows: credentials only under a keyed hash, every request-path read a lookup by
// `_id`, as few commands as the protocol allows (counted with the driver's command monitoring), bounded expiry, a
// short-lived client cache, and rows written by value before all this moved on first start.
import { randomBytes } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import type { CommandStartedEvent, Db } from 'mongodb';
import { createMongoAdapter, MAX_ROW_LIFETIME_SECONDS } from '../../adapters/mongodb.ts';
import type { MongoAdapter } from '../../adapters/types.ts';
import { HASHED } from '../../adapters/models.ts';
import { createStoredIds } from '../../adapters/stored-id.ts';
import { createCipher } from '../../src/services/crypto.ts';
import { testDatabaseUri } from '../support/db.ts';
import { rowOf, wireOf } from '../../adapters/wire.ts';

const key = randomBytes(32);
const cipher = createCipher(key);
const storedIds = createStoredIds(key);
const id = (prefix: string) => `${prefix}${randomBytes(16).toString('base64url')}`;
const IGNORED = new Set(['hello', 'isMaster', 'ping', 'endSessions', 'saslStart', 'saslContinue', 'buildInfo']);

let conn: Connection;
let db: Db;
let store: MongoAdapter;
let commands: CommandStartedEvent[] = [];

async function open(): Promise<Connection> {
  const c = mongoose.createConnection(testDatabaseUri(), { serverSelectionTimeoutMS: 5_000, autoIndex: false, monitorCommands: true });
  await c.asPromise();
  return c;
}

/** The commands `fn` sends, by name and collection. */
async function counted(fn: () => Promise<unknown>): Promise<string[]> {
  commands = [];
  await fn();
  return commands.map((c) => `${c.commandName} ${String(c.command[c.commandName])}`);
}

beforeAll(async () => {
  conn = await open();
  db = conn.db!;
  conn.getClient().on('commandStarted', (event: CommandStartedEvent) => {
    if (!IGNORED.has(event.commandName)) commands.push(event);
  });
  store = createMongoAdapter({ db, cipher, key, clientCacheSeconds: 60 });
  await store.ensureIndexes();
});

afterAll(async () => {
  await conn.dropDatabase().catch(() => {});
  await conn.close();
});

describe('credentials at rest', () => {
  it.each([...HASHED])('%s is stored under a keyed hash, with neither the id nor anything else that works as it', async (model) => {
    const adapter = new store.Adapter(model);
    const value = id(model === 'AccessToken' ? 'at~' : '');
    await adapter.upsert(value, { jti: value, kind: model, uid: id('u'), userCode: 'WXYZ-BCDF', accountId: 'acc' }, 600);
    const rows = await store.collection(model).find({}).toArray();
    expect(JSON.stringify(rows)).not.toContain(value);
    expect(await store.collection(model).findOne({ _id: value })).toBeNull();
    expect((await adapter.find(value))?.jti).toBe(value);
    // A stored id presented as a credential is just an unknown value.
    expect(await adapter.find(storedIds.of(model, value))).toBeUndefined();
  });

  it("encrypts the session id an interaction refers to, and gives it back on read", async () => {
    const interactions = new store.Adapter('Interaction');
    const [uid, cookie] = [id('i'), id('s')];
    await interactions.upsert(uid, { jti: uid, session: { uid: id('u'), accountId: 'acc', cookie } }, 600);
    expect(JSON.stringify(await store.collection('Interaction').findOne({ _id: uid }))).not.toContain(cookie);
    expect((await interactions.find(uid))?.session).toMatchObject({ cookie });
  });
});

describe('commands per operation', () => {
  it('saves a session with its uid copy in one command, finds it by uid with one read by _id, and ends both in one', async () => {
    const sessions = new store.Adapter('Session');
    const [jti, uid, acc] = [id(''), id(''), id('acct')];
    expect(await counted(() => sessions.upsert(jti, { jti, uid, accountId: acc }, 600))).toEqual(['update oidc_session']);
    // Saved again (every request of a signed-in browser does): still one command.
    expect(await counted(() => sessions.upsert(jti, { jti, uid, accountId: acc, loginTs: 1 }, 600))).toEqual(['update oidc_session']);
    let found: unknown;
    const reads = await counted(async () => {
      found = await sessions.findByUid(uid);
    });
    expect(reads).toEqual(['find oidc_session']);
    expect(commands[0]!.command.filter).toEqual({ _id: `uid.${uid}` });
    expect(found).toEqual({ jti, uid, accountId: acc, loginTs: 1 });
    expect((await store.findByAccount('Session', acc)).map((r) => r.id)).toEqual([storedIds.of('Session', jti)]);
    // The uid is known from the save: destroying needs no read first (as when a sign-in renews the session id).
    expect(await counted(() => sessions.destroy(jti))).toEqual(['delete oidc_session']);
    expect(await sessions.findByUid(uid)).toBeUndefined();
    expect(await store.collection('Session').countDocuments({ accountId: acc })).toBe(0);
  });

  it('ends every session of an account with their uid copies, counting sessions', async () => {
    const sessions = new store.Adapter('Session');
    const account = id('acct');
    const jtis = [id(''), id('')];
    for (const jti of jtis) await sessions.upsert(jti, { jti, uid: id(''), accountId: account }, 600);
    expect(await store.deleteByAccount('Session', account)).toBe(2);
    expect(await store.collection('Session').countDocuments({ accountId: account })).toBe(0);
  });

  it('re-keys a session (a sign-in gives it a new id) in one command: the old id is gone, the uid finds the new one', async () => {
    const sessions = new store.Adapter('Session');
    const uid = id('u');
    const [before, after] = [id(''), id('')];
    await sessions.upsert(before, { jti: before, uid, accountId: 'rekeyed', kind: 'Session' }, 600);
    await sessions.find(before);
    const sent = await counted(() =>
      store.rekeying(before, async () => {
        await sessions.destroy(before);
        await sessions.upsert(after, { jti: after, uid, accountId: 'rekeyed', kind: 'Session', login: 2 }, 600);
      }),
    );
    expect(sent).toEqual(['update oidc_session']);
    expect(await sessions.find(before)).toBeUndefined();
    expect(await sessions.find(after)).toMatchObject({ login: 2 });
    expect(await sessions.findByUid(uid)).toMatchObject({ jti: after, login: 2 });
    expect((await store.findByAccount('Session', 'rekeyed')).map((r) => r.id)).toEqual([storedIds.of('Session', after)]);
  });

  it('a re-keying save that fails, or writes nothing, still deletes the old session', async () => {
    const sessions = new store.Adapter('Session');
    for (const save of [() => Promise.reject(new Error('save failed')), () => Promise.resolve()]) {
      const old = id('');
      await sessions.upsert(old, { jti: old, uid: id('u'), kind: 'Session' }, 600);
      await store.rekeying(old, async () => {
        await sessions.destroy(old);
        await save();
      }).catch(() => {});
      expect(await sessions.find(old)).toBeUndefined();
    }
  });

  it('reads a consumable row with its consumption marker in one lookup, and consumes it with one insert', async () => {
    const codes = new store.Adapter('AuthorizationCode');
    const code = id('');
    await codes.upsert(code, { jti: code, grantId: id('g') }, 60);
    expect(await counted(() => codes.find(code))).toEqual(['find oidc_authorizationcode']);
    expect(commands[0]!.command.filter).toEqual({ _id: { $in: [storedIds.of('AuthorizationCode', code), `c.${storedIds.of('AuthorizationCode', code)}`] } });
    // Just found: consumed without reading it again.
    expect(await counted(() => codes.consume(code))).toEqual(['insert oidc_authorizationcode']);
    expect(await counted(async () => expect((await codes.find(code))?.consumed).toEqual(expect.any(Number)))).toEqual(['find oidc_authorizationcode']);
    // Not just found here (another process found it): one read, which shows it consumed, then the replay's revocation.
    const replay = await counted(() => expect(codes.consume(code)).rejects.toMatchObject({ error: 'invalid_grant' }));
    expect(replay[0]).toBe('find oidc_authorizationcode');
    expect(replay.slice(1).every((c) => c.startsWith('delete '))).toBe(true);
  });

  it('a row consumed before consumption markers existed (payload.consumed) still reads as consumed and cannot be consumed again', async () => {
    const tokens = new store.Adapter('RefreshToken');
    const token = id('rt~');
    await tokens.upsert(token, { jti: token, grantId: id('g') }, 60);
    const rows = store.collection('RefreshToken');
    const row = rowOf((await rows.findOne({ _id: storedIds.of('RefreshToken', token) }))!);
    await rows.replaceOne({ _id: row._id }, wireOf({ ...row, payload: { ...row.payload, consumed: 1_700_000_000 } }));
    expect((await tokens.find(token))?.consumed).toBe(1_700_000_000);
    await expect(tokens.consume(token)).rejects.toMatchObject({ error: 'invalid_grant', error_detail: 'refresh token already consumed' });
  });

  it('inserts fresh tokens with one insert, and never asks the database for a value marked as another kind', async () => {
    const access = new store.Adapter('AccessToken');
    const value = id('at~');
    expect(await counted(() => access.upsert(value, { jti: value }, 60))).toEqual(['insert oidc_accesstoken']);
    const others = ['ClientCredentials', 'RefreshToken', 'AuthorizationCode'].map((m) => new store.Adapter(m));
    expect(await counted(() => Promise.all(others.map((a) => a.find(value))))).toEqual([]);
    expect(await counted(() => access.find(value))).toEqual(['find oidc_accesstoken']);
  });

  it('serves a client from memory after one read; a change through this process is seen at once', async () => {
    const clients = new store.Adapter('Client');
    const clientId = id('c');
    await clients.upsert(clientId, { client_id: clientId, client_secret: 'one' });
    expect(await counted(() => clients.find(clientId))).toHaveLength(1);
    expect(await counted(() => clients.find(clientId))).toEqual([]);
    await clients.upsert(clientId, { client_id: clientId, client_secret: 'two' });
    expect((await clients.find(clientId))?.client_secret).toBe('two');
    await clients.destroy(clientId);
    expect(await clients.find(clientId)).toBeUndefined();
  });

  it('a cached client is served opened, as a copy of its own, without decrypting its secret again', async () => {
    let decrypted = 0;
    const counting: typeof cipher = { encrypt: (v) => cipher.encrypt(v), decrypt: (v) => (decrypted++, cipher.decrypt(v)) };
    const here = createMongoAdapter({ db, cipher: counting, key, clientCacheSeconds: 60 });
    const clients = new here.Adapter('Client');
    const clientId = id('c');
    await clients.upsert(clientId, { client_id: clientId, client_secret: 'kept', redirect_uris: ['https://a.test/cb'] });
    const first = await clients.find(clientId);
    first!.redirect_uris = ['https://evil.test/cb'];
    const second = await clients.find(clientId);
    expect(second).toEqual({ client_id: clientId, client_secret: 'kept', redirect_uris: ['https://a.test/cb'] });
    expect(decrypted).toBe(1);
  });

  it('a client deleted by another process stops working here within the cache bound', async () => {
    const elsewhere = createMongoAdapter({ db, cipher, key });
    const here = createMongoAdapter({ db, cipher, key, clientCacheSeconds: 1 });
    const clientId = id('c');
    await new elsewhere.Adapter('Client').upsert(clientId, { client_id: clientId });
    expect(await new here.Adapter('Client').find(clientId)).toBeDefined();
    await new elsewhere.Adapter('Client').destroy(clientId);
    const deadline = Date.now() + 15_000;
    while ((await new here.Adapter('Client').find(clientId)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await new here.Adapter('Client').find(clientId)).toBeUndefined();
  });
});

describe('sessions and grants just written or read (ROW_CACHE_SECONDS)', () => {
  const here = () => createMongoAdapter({ db, cipher, key, rowCacheSeconds: 10 });

  it('a session read back after its save, by id or by uid, costs no command; ending it here is seen at once', async () => {
    const adapter = here();
    const sessions = new adapter.Adapter('Session');
    const sid = id('s');
    const uid = id('u');
    await sessions.upsert(sid, { jti: sid, uid, accountId: 'acc-fresh', loginTs: 1 }, 600);
    expect(await counted(() => sessions.find(sid))).toEqual([]);
    expect(await counted(() => sessions.findByUid!(uid))).toEqual([]);
    expect((await sessions.findByUid!(uid))?.jti).toBe(sid);
    await sessions.destroy(sid);
    expect(await sessions.find(sid)).toBeUndefined();
    expect(await sessions.findByUid!(uid)).toBeUndefined();
  });

  it('a grant saved, changed and revoked here is read as it now is; a read is kept for the next', async () => {
    const adapter = here();
    const grants = new adapter.Adapter('Grant');
    const grantId = id('g');
    await grants.upsert(grantId, { jti: grantId, accountId: 'acc-fresh', clientId: 'c', openid: { scope: 'openid' } }, 600);
    expect(await counted(() => grants.find(grantId))).toEqual([]);
    await grants.upsert(grantId, { jti: grantId, accountId: 'acc-fresh', clientId: 'c', openid: { scope: 'openid email' } }, 600);
    expect((await grants.find(grantId))?.openid).toEqual({ scope: 'openid email' });
    // A replayed code revokes its grant.
    const codes = new adapter.Adapter('AuthorizationCode');
    const code = id('');
    await codes.upsert(code, { jti: code, grantId, accountId: 'acc-fresh' }, 60);
    await codes.consume(code);
    await expect(codes.consume(code)).rejects.toThrow();
    expect(await grants.find(grantId)).toBeUndefined();

    const other = id('g');
    await new store.Adapter('Grant').upsert(other, { jti: other, accountId: 'acc-fresh' }, 600);
    const reader = new (here().Adapter)('Grant');
    expect(await counted(() => reader.find(other))).toHaveLength(1);
    expect(await counted(() => reader.find(other))).toEqual([]);
  });

  it("ending an account's sessions or grants here drops every copy at once", async () => {
    const adapter = here();
    const sessions = new adapter.Adapter('Session');
    const grants = new adapter.Adapter('Grant');
    const sid = id('s');
    const grantId = id('g');
    await sessions.upsert(sid, { jti: sid, uid: id('u'), accountId: 'acc-ended' }, 600);
    await grants.upsert(grantId, { jti: grantId, accountId: 'acc-ended' }, 600);
    await adapter.deleteByAccount('Session', 'acc-ended');
    await adapter.deleteByAccount('Grant', 'acc-ended');
    expect(await sessions.find(sid)).toBeUndefined();
    expect(await grants.find(grantId)).toBeUndefined();
  });

  it('a session ended by another process ends here within the bound', async () => {
    const elsewhere = createMongoAdapter({ db, cipher, key });
    const nearby = createMongoAdapter({ db, cipher, key, rowCacheSeconds: 1 });
    const sid = id('s');
    await new elsewhere.Adapter('Session').upsert(sid, { jti: sid, uid: id('u'), accountId: 'acc-x' }, 600);
    expect(await new nearby.Adapter('Session').find(sid)).toBeDefined();
    await new elsewhere.Adapter('Session').destroy(sid);
    const deadline = Date.now() + 15_000;
    while ((await new nearby.Adapter('Session').find(sid)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await new nearby.Adapter('Session').find(sid)).toBeUndefined();
  });
});

describe('sessions saved by the version before uid copies moved beside their rows', () => {
  it('are found by uid after the next start, which moves the copies over and drops their collection', async () => {
    const sessions = new store.Adapter('Session');
    const [jti, uid] = [id(''), id('')];
    await sessions.upsert(jti, { jti, uid, accountId: 'moved' }, 600);
    // As the earlier version kept it: the copy under the bare uid, in a collection of its own.
    const copy = await store.collection('Session').findOne({ _id: `uid.${uid}` });
    const { _id: _ignored, ...rest } = copy!;
    await db.collection('oidc__session_uid').insertOne({ _id: uid as never, ...rest });
    await store.collection('Session').deleteOne({ _id: `uid.${uid}` });
    expect(await sessions.findByUid(uid)).toBeUndefined();

    const next = createMongoAdapter({ db, cipher, key });
    await next.ensureIndexes();
    expect(await new next.Adapter('Session').findByUid(uid)).toEqual({ jti, uid, accountId: 'moved' });
    expect((await db.listCollections({ name: 'oidc__session_uid' }).toArray()).length).toBe(0);
  });
});

describe('expiry', () => {
  it('clamps an expiry too far away to a date that stays valid and comparable', async () => {
    const replay = new store.Adapter('ReplayDetection');
    const rowId = id('r');
    await replay.upsert(rowId, { iss: 'client' }, 1e13);
    const expiresAt = (await store.collection('ReplayDetection').findOne({ _id: rowId }))?.expiresAt;
    expect(expiresAt).toBeInstanceOf(Date);
    expect(Number.isNaN(expiresAt!.getTime())).toBe(false);
    expect(expiresAt!.getTime()).toBeLessThanOrEqual(Date.now() + MAX_ROW_LIFETIME_SECONDS * 1000);
    expect(await replay.find(rowId)).toEqual({ iss: 'client' });
  });
});

describe('rows written by value before ids were hashed', () => {
  it('move to their hashed ids on the first start, keep working, and leave no copy by value', async () => {
    const legacy = await open();
    try {
      const ldb = legacy.db!;
      const [rt, sid, uid, uc, dc, iid] = [id(''), id(''), id(''), 'QWRT-PLKM', id(''), id('')];
      const soon = new Date(Date.now() + 600_000);
      await ldb.collection('oidc_refreshtoken').insertOne({ _id: rt as never, payload: { jti: rt, grantId: 'g', accountId: 'a' }, expiresAt: soon, accountId: 'a' });
      await ldb.collection('oidc_session').insertOne({ _id: sid as never, payload: { jti: sid, uid, accountId: 'a' }, expiresAt: soon, accountId: 'a' });
      await ldb.collection('oidc_devicecode').insertOne({ _id: dc as never, payload: { jti: dc, userCode: uc }, expiresAt: soon });
      await ldb.collection('oidc_interaction').insertOne({ _id: iid as never, payload: { jti: iid, session: { uid, cookie: sid } }, expiresAt: soon });

      const upgraded = createMongoAdapter({ db: ldb, cipher, key });
      await upgraded.ensureIndexes();

      expect((await new upgraded.Adapter('RefreshToken').find(rt))?.grantId).toBe('g');
      expect((await new upgraded.Adapter('Session').find(sid))?.uid).toBe(uid);
      expect((await new upgraded.Adapter('Session').findByUid(uid))?.jti).toBe(sid);
      expect((await new upgraded.Adapter('DeviceCode').findByUserCode(uc))?.jti).toBe(dc);
      expect((await new upgraded.Adapter('Interaction').find(iid))?.session).toMatchObject({ cookie: sid });
      const dump = JSON.stringify(
        await Promise.all(['oidc_refreshtoken', 'oidc_session', 'oidc_devicecode', 'oidc_interaction'].map((c) => ldb.collection(c).find({}).toArray())),
      );
      for (const secret of [rt, sid, dc]) expect(dump).not.toContain(secret);
    } finally {
      await legacy.dropDatabase().catch(() => {});
      await legacy.close();
    }
  });
});

describe('rows written before payloads were stored as one JSON string', () => {
  it('are stored now as one string beside what is queried, and rows in the nested shape still work', async () => {
    const tokens = new store.Adapter('RefreshToken');
    const [fresh, old, grantId, acc] = [id('rt~'), id('rt~'), id('g'), id('acc')];
    await tokens.upsert(fresh, { jti: fresh, grantId, accountId: acc, resources: { 'https://api.example.com': 'read' } }, 60);
    const stored = await store.collection('RefreshToken').findOne({ _id: storedIds.of('RefreshToken', fresh) });
    expect(Object.keys(stored!).sort()).toEqual(['_id', 'accountId', 'data', 'expiresAt', 'grantId']);
    expect(JSON.parse(stored!.data!)).toEqual({ grantId, accountId: acc, resources: { 'https://api.example.com': 'read' } });

    // As the version before wrote it: a nested payload, keys escaped, no top-level grantId.
    await store.collection('RefreshToken').insertOne({
      _id: storedIds.of('RefreshToken', old),
      payload: { grantId, accountId: acc, resources: { 'https://api%2Eexample%2Ecom': 'read' } },
      expiresAt: new Date(Date.now() + 60_000),
      accountId: acc,
    });
    expect(await tokens.find(old)).toEqual({ jti: old, grantId, accountId: acc, resources: { 'https://api.example.com': 'read' } });
    expect((await store.findByAccount('RefreshToken', acc)).map((r) => r.payload.resources)).toEqual([
      { 'https://api.example.com': 'read' },
      { 'https://api.example.com': 'read' },
    ]);
    await tokens.consume(old);
    await expect(tokens.consume(old)).rejects.toMatchObject({ error: 'invalid_grant' });

    await tokens.revokeByGrantId(grantId);
    expect(await tokens.find(fresh)).toBeUndefined();
    expect(await tokens.find(old)).toBeUndefined();
  });
});
