// The adapter against the real database: what oidc-provider relies on, plus what FerretDB makes hard
// (no TTL indexes, keys with dots) and what only shows under concurrency (consume).
import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import type { Db } from 'mongodb';
import type { AdapterPayload } from 'oidc-provider';
import { createMongoAdapter } from '../../adapters/mongodb.ts';
import type { MongoAdapter } from '../../adapters/types.ts';
import { MODELS } from '../../adapters/models.ts';
import { createStoredIds } from '../../adapters/stored-id.ts';
import { createCipher, isEncrypted } from '../../src/services/crypto.ts';
import { dropAndClose, openTestConnection } from '../support/db.ts';
import { ofGrant, rowOf } from '../../adapters/wire.ts';

let conn: Connection;
let db: Db;
let store: MongoAdapter;
const key = randomBytes(32);

const id = (prefix: string) => `${prefix}-${randomBytes(8).toString('hex')}`;
const storedIds = createStoredIds(key);
// The row as stored: credentials live under a keyed hash of their id.
/** A row as stored, decoded (wire.ts). */
const raw = async (model: string, _id: string) => {
  const row = await store.collection(model).findOne({ _id: storedIds.of(model, _id) });
  return row && rowOf(row);
};
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

beforeAll(async () => {
  conn = await openTestConnection();
  if (!conn.db) throw new Error('no database handle');
  db = conn.db;
  store = createMongoAdapter({ db, cipher: createCipher(key), key, clockToleranceSeconds: 0 });
  await store.ensureIndexes();
});

afterAll(async () => {
  await dropAndClose(conn);
});

describe('upsert / find / destroy', () => {
  it.each(['AccessToken', 'Session', 'Interaction', 'ReplayDetection', 'ClientCredentials', 'InitialAccessToken'])(
    '%s round-trips its payload and is gone after destroy',
    async (model) => {
      const adapter = new store.Adapter(model);
      const jti = id(model);
      const payload: AdapterPayload = { jti, kind: model, iat: 1_700_000_000, exp: 2_000_000_000, scope: 'openid email', amr: ['pwd'] };
      await adapter.upsert(jti, payload, 3600);
      expect(await adapter.find(jti)).toEqual(payload);
      await adapter.destroy(jti);
      expect(await adapter.find(jti)).toBeUndefined();
      expect(await raw(model, jti)).toBeNull();
    },
  );

  it('returns undefined for unknown and non-string ids instead of querying with them', async () => {
    const adapter = new store.Adapter('AccessToken');
    expect(await adapter.find('does-not-exist')).toBeUndefined();
    expect(await adapter.find({ $ne: null } as unknown as string)).toBeUndefined();
    expect(await adapter.findByUid({ $gt: '' } as unknown as string)).toBeUndefined();
  });

  it('replaces the whole payload on a second upsert and drops the expiry when expiresIn is absent', async () => {
    const adapter = new store.Adapter('Session');
    const jti = id('sess');
    await adapter.upsert(jti, { uid: 'u1', accountId: 'a1', loginTs: 1 }, 60);
    expect((await raw('Session', jti))?.expiresAt).toBeInstanceOf(Date);
    await adapter.upsert(jti, { uid: 'u1', loginTs: 2 });
    expect(await adapter.find(jti)).toEqual({ jti, uid: 'u1', loginTs: 2 });
    expect(await raw('Session', jti)).not.toHaveProperty('expiresAt');
  });

  it('keeps keys oidc-provider fills with data: URLs with dots, a leading $, percent signs, undefined values', async () => {
    const adapter = new store.Adapter('Grant');
    const jti = id('grant');
    const payload = {
      accountId: 'acc',
      clientId: 'c1',
      resources: { 'https://api.example.com': 'read write', 'urn:x.y': 'z' },
      claims: { id_token: { '$weird': null, 'a%2Eb': { essential: true } } },
      rejected: [{ 'k.k': 1 }],
      nonce: undefined,
    } as unknown as AdapterPayload;
    await adapter.upsert(jti, payload, 60);
    const found = await adapter.find(jti);
    expect(found).toEqual({
      accountId: 'acc',
      clientId: 'c1',
      resources: { 'https://api.example.com': 'read write', 'urn:x.y': 'z' },
      claims: { id_token: { '$weird': null, 'a%2Eb': { essential: true } } },
      rejected: [{ 'k.k': 1 }],
    });
    expect(found).not.toHaveProperty('nonce');
  });

  it('rejects writes that would lose data: empty ids and non-finite expiry', async () => {
    const adapter = new store.Adapter('AccessToken');
    await expect(adapter.upsert('', {}, 60)).rejects.toThrow(/non-empty string/);
    await expect(adapter.upsert(id('at'), {}, Number.NaN)).rejects.toThrow(/finite/);
    expect(() => new store.Adapter('no.dots')).toThrow(/model name/);
  });
});

describe('expiry', () => {
  it('hides a row once expiresIn has passed, and sweep removes it while leaving live and non-expiring rows', async () => {
    const adapter = new store.Adapter('Interaction');
    const [short, long, forever] = [id('short'), id('long'), id('forever')];
    await adapter.upsert(short, { uid: short }, 1);
    await adapter.upsert(long, { uid: long }, 3600);
    await adapter.upsert(forever, { uid: forever });
    expect(await adapter.find(short)).toBeDefined();
    await sleep(1100);
    expect(await adapter.find(short)).toBeUndefined();
    expect(await raw('Interaction', short)).not.toBeNull();

    expect(await store.sweep()).toBeGreaterThanOrEqual(1);
    expect(await raw('Interaction', short)).toBeNull();
    expect(await adapter.find(long)).toEqual({ uid: long });
    expect(await adapter.find(forever)).toEqual({ uid: forever });
  });

  it('keeps rows for expiresIn plus the configured clock tolerance', async () => {
    const tolerant = createMongoAdapter({ db, cipher: createCipher(key), key, clockToleranceSeconds: 30 });
    const adapter = new tolerant.Adapter('AuthorizationCode');
    const jti = id('code');
    await adapter.upsert(jti, { grantId: 'g' }, 0);
    expect(await adapter.find(jti)).toEqual({ jti, grantId: 'g' });
    const expiresAt = (await raw('AuthorizationCode', jti))?.expiresAt?.getTime() ?? 0;
    expect(expiresAt - Date.now()).toBeGreaterThan(25_000);
    expect(expiresAt - Date.now()).toBeLessThanOrEqual(30_000);
  });

  it('does not find expired rows by uid or user code either', async () => {
    const sessions = new store.Adapter('Session');
    const codes = new store.Adapter('DeviceCode');
    const [uid, userCode] = [id('uid'), id('UC')];
    await sessions.upsert(id('sess'), { uid }, -1);
    await codes.upsert(id('dc'), { userCode, grantId: 'g' }, -1);
    expect(await sessions.findByUid(uid)).toBeUndefined();
    expect(await codes.findByUserCode(userCode)).toBeUndefined();
  });

  it('the sweeper removes expired rows on its own and stops when asked', async () => {
    const adapter = new store.Adapter('ReplayDetection');
    const jti = id('replay');
    await adapter.upsert(jti, { iss: 'x' } as AdapterPayload, -1);
    const stop = store.startSweeper(0.05);
    try {
      for (let i = 0; i < 40 && (await raw('ReplayDetection', jti)); i++) await sleep(50);
      expect(await raw('ReplayDetection', jti)).toBeNull();
    } finally {
      stop();
    }
    expect(() => store.startSweeper(0)).toThrow(/positive/);
  });
});

describe('lookups', () => {
  it('findByUid finds the Session with that uid', async () => {
    const adapter = new store.Adapter('Session');
    const [jti, uid] = [id('sess'), id('uid')];
    await adapter.upsert(jti, { uid, accountId: 'acc-1' }, 600);
    await adapter.upsert(id('sess'), { uid: id('other') }, 600);
    // The id comes back with the payload: whoever finds a session by uid may save it again under its id.
    expect(await adapter.findByUid(uid)).toEqual({ jti, uid, accountId: 'acc-1' });
    expect(await adapter.findByUid('nope')).toBeUndefined();
  });

  it('findByUserCode finds the DeviceCode with that user code', async () => {
    const adapter = new store.Adapter('DeviceCode');
    const [jti, userCode] = [id('dc'), 'BCDF-GHJK'];
    await adapter.upsert(jti, { userCode, grantId: 'g', clientId: 'tv' }, 600);
    expect(await adapter.findByUserCode(userCode)).toEqual({ jti, userCode, grantId: 'g', clientId: 'tv' });
    expect(await adapter.findByUserCode('ZZZZ-ZZZZ')).toBeUndefined();
  });
});

describe('consume', () => {
  it('marks the row consumed with epoch seconds, which find then shows', async () => {
    const adapter = new store.Adapter('AuthorizationCode');
    const jti = id('code');
    await adapter.upsert(jti, { grantId: id('g'), clientId: 'c' }, 60);
    const before = Math.floor(Date.now() / 1000);
    await adapter.consume(jti);
    const consumed = (await adapter.find(jti))?.consumed as number;
    expect(consumed).toBeGreaterThanOrEqual(before);
    expect(consumed).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
  });

  // FerretDB lets every concurrent findOneAndUpdate with the same filter "win"; this is the test that caught it.
  it.each([1, 2, 3])('lets exactly one of 20 concurrent callers consume a code; the rest get invalid_grant (round %i)', async () => {
    const adapter = new store.Adapter('AuthorizationCode');
    const jti = id('code');
    await adapter.upsert(jti, { clientId: 'c' }, 60);
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => adapter.consume(jti)));
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(19);
    for (const { reason } of lost) {
      expect(reason).toMatchObject({ error: 'invalid_grant', statusCode: 400 });
      expect(reason.error_detail).toBe('authorization code already consumed');
    }
    expect(typeof (await adapter.find(jti))?.consumed).toBe('number');
  });

  it('treats a second consume as a replay: the grant and everything issued from it is revoked, other grants stay', async () => {
    const [replayed, bystander] = [id('g'), id('g')];
    const codes = new store.Adapter('AuthorizationCode');
    const tokens = new store.Adapter('AccessToken');
    const refresh = new store.Adapter('RefreshToken');
    const grants = new store.Adapter('Grant');
    const code = id('code');
    await codes.upsert(code, { grantId: replayed }, 60);
    await tokens.upsert(id('at'), { grantId: replayed }, 60);
    await refresh.upsert(id('rt'), { grantId: replayed }, 60);
    await grants.upsert(replayed, { accountId: 'a' }, 600);
    await tokens.upsert(id('at'), { grantId: bystander }, 60);
    await grants.upsert(bystander, { accountId: 'a' }, 600);
    // A token written by an earlier version (its payload a nested document, no top-level grantId) goes too.
    await store.collection('AccessToken').insertOne({ _id: id('old-at'), payload: { grantId: replayed }, expiresAt: new Date(Date.now() + 60_000) });

    await codes.consume(code);
    await expect(codes.consume(code)).rejects.toMatchObject({ error: 'invalid_grant' });

    const count = (model: string, grantId: string) => store.collection(model).countDocuments(ofGrant(grantId));
    expect(await count('AuthorizationCode', replayed)).toBe(0);
    expect(await count('AccessToken', replayed)).toBe(0);
    expect(await count('RefreshToken', replayed)).toBe(0);
    expect(await grants.find(replayed)).toBeUndefined();
    expect(await count('AccessToken', bystander)).toBe(1);
    expect(await grants.find(bystander)).toEqual({ accountId: 'a' });
  });

  it('rejects consuming a missing or expired row with invalid_grant, and a used PAR with invalid_request_uri', async () => {
    const codes = new store.Adapter('RefreshToken');
    await expect(codes.consume(id('missing'))).rejects.toMatchObject({ error: 'invalid_grant', error_detail: 'refresh token not found or expired' });
    const expired = id('rt');
    await codes.upsert(expired, { grantId: 'g' }, -1);
    await expect(codes.consume(expired)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await raw('RefreshToken', expired))?.payload.consumed).toBeUndefined();

    const par = new store.Adapter('PushedAuthorizationRequest');
    const requestUri = id('par');
    await par.upsert(requestUri, { request: 'eyJ...' }, 60);
    await par.consume(requestUri);
    await expect(par.consume(requestUri)).rejects.toMatchObject({ error: 'invalid_request_uri' });
  });
});

describe('revokeByGrantId', () => {
  it('deletes only rows of this model carrying that grantId', async () => {
    const [g1, g2] = [id('g'), id('g')];
    const tokens = new store.Adapter('AccessToken');
    const refresh = new store.Adapter('RefreshToken');
    const [at1a, at1b, at2, rt1] = [id('at'), id('at'), id('at'), id('rt')];
    await tokens.upsert(at1a, { grantId: g1 }, 60);
    await tokens.upsert(at1b, { grantId: g1 });
    await tokens.upsert(at2, { grantId: g2 }, 60);
    await refresh.upsert(rt1, { grantId: g1 }, 60);

    await tokens.revokeByGrantId(g1);
    expect(await tokens.find(at1a)).toBeUndefined();
    expect(await tokens.find(at1b)).toBeUndefined();
    expect(await tokens.find(at2)).toEqual({ jti: at2, grantId: g2 });
    expect(await refresh.find(rt1)).toEqual({ jti: rt1, grantId: g1 });

    await refresh.revokeByGrantId(g1);
    expect(await refresh.find(rt1)).toBeUndefined();
  });
});

describe('rows by account', () => {
  it('copies payload.accountId to an indexed top-level field for account-bound models only', async () => {
    const [acc, sess, at, cc] = [id('acc'), id('sess'), id('at'), id('cc')];
    await new store.Adapter('Session').upsert(sess, { uid: id('uid'), accountId: acc }, 600);
    await new store.Adapter('AccessToken').upsert(at, { accountId: acc, grantId: 'g' }, 600);
    await new store.Adapter('ClientCredentials').upsert(cc, { accountId: acc, clientId: 'c' }, 600);
    expect((await raw('Session', sess))?.accountId).toBe(acc);
    expect((await raw('AccessToken', at))?.accountId).toBe(acc);
    // Not an account's row: nothing is copied, and the model cannot be listed by account.
    expect((await raw('ClientCredentials', cc))?.accountId).toBeUndefined();
    await expect(store.findByAccount('ClientCredentials', acc)).rejects.toThrow(/do not belong to an account/);

    // A later upsert without the account (a payload that lost it) drops the field as well.
    await new store.Adapter('AccessToken').upsert(at, { grantId: 'g' }, 600);
    expect((await raw('AccessToken', at))?.accountId).toBeUndefined();
  });

  it('findByAccount returns the live rows of that account only, decoded; deleteByAccount removes them', async () => {
    const [acc, other] = [id('acc'), id('acc')];
    const grants = new store.Adapter('Grant');
    const [g1, g2, g3, gExpired] = [id('g'), id('g'), id('g'), id('g')];
    await grants.upsert(g1, { accountId: acc, clientId: 'shop', resources: { 'https://api.example.com': 'read' } }, 600);
    await grants.upsert(g2, { accountId: acc, clientId: 'blog' }, 600);
    await grants.upsert(g3, { accountId: other, clientId: 'shop' }, 600);
    await grants.upsert(gExpired, { accountId: acc, clientId: 'old' }, -1);

    const rows = await store.findByAccount('Grant', acc);
    expect(rows.map((r) => r.id).sort()).toEqual([g1, g2].sort());
    // Keys with dots come back as oidc-provider wrote them.
    expect(rows.find((r) => r.id === g1)?.payload.resources).toEqual({ 'https://api.example.com': 'read' });
    expect(rows.every((r) => r.expiresAt instanceof Date)).toBe(true);
    expect(await store.findByAccount('Grant', '')).toEqual([]);

    expect(await store.deleteByAccount('Grant', acc)).toBe(3);
    expect(await grants.find(g1)).toBeUndefined();
    expect(await grants.find(g3)).toEqual({ accountId: other, clientId: 'shop' });
    await expect(store.deleteByAccount('Grant', '')).rejects.toThrow(/accountId/);
  });

  it('ensureIndexes copies the account id into rows written before the field existed', async () => {
    const [acc, sess, plain] = [id('acc'), id('sess'), id('sess')];
    await store.collection('Session').insertOne({ _id: sess, payload: { uid: id('uid'), accountId: acc } });
    await store.collection('Session').insertOne({ _id: plain, payload: { uid: id('uid') } });
    expect(await store.findByAccount('Session', acc)).toEqual([]);

    await store.ensureIndexes();
    expect((await store.findByAccount('Session', acc)).map((r) => r.id)).toEqual([sess]);
    expect((await raw('Session', plain))?.accountId).toBeUndefined();
  });
});

describe('Client secrets', () => {
  const metadata = (clientId: string, secret: string): AdapterPayload => ({
    client_id: clientId,
    client_secret: secret,
    redirect_uris: ['https://rp.example.com/cb'],
  });

  it('stores client_secret encrypted and returns it decrypted', async () => {
    const adapter = new store.Adapter('Client');
    const [clientId, secret] = [id('client'), randomBytes(24).toString('base64url')];
    await adapter.upsert(clientId, metadata(clientId, secret));
    const stored = await raw('Client', clientId);
    expect(stored?.payload.client_secret).not.toBe(secret);
    expect(JSON.stringify(stored)).not.toContain(secret);
    expect(isEncrypted(stored?.payload.client_secret)).toBe(true);
    expect(await adapter.find(clientId)).toEqual(metadata(clientId, secret));
  });

  it('serves legacy plaintext rows, never double-encrypts, and leaves public clients alone', async () => {
    const adapter = new store.Adapter('Client');
    const legacy = id('legacy');
    await store.collection('Client').insertOne({ _id: legacy, payload: metadata(legacy, 'plain-old-secret') });
    expect((await adapter.find(legacy))?.client_secret).toBe('plain-old-secret');

    // Re-saving what find returned (as a management update would) seals the secret exactly once.
    const found = await adapter.find(legacy);
    await adapter.upsert(legacy, found as AdapterPayload);
    await adapter.upsert(legacy, (await raw('Client', legacy))?.payload as AdapterPayload);
    expect((await adapter.find(legacy))?.client_secret).toBe('plain-old-secret');

    const publicId = id('public');
    await adapter.upsert(publicId, { client_id: publicId, token_endpoint_auth_method: 'none' });
    expect(await adapter.find(publicId)).toEqual({ client_id: publicId, token_endpoint_auth_method: 'none' });
  });

  it('fails with a clear message, and without the secret, when the encryption key changed', async () => {
    const clientId = id('client');
    await new store.Adapter('Client').upsert(clientId, metadata(clientId, 'the-secret'));
    const rekeyed = createMongoAdapter({ db, cipher: createCipher(randomBytes(32)), key });
    const failure = new rekeyed.Adapter('Client').find(clientId);
    await expect(failure).rejects.toThrow(/cannot be decrypted .*DATA_ENCRYPTION_KEY/);
    await expect(failure).rejects.not.toThrow(/the-secret/);
  });
});

describe('ensureIndexes', () => {
  it('is idempotent and creates the lookups each model needs', async () => {
    const first = await store.ensureIndexes();
    const second = await store.ensureIndexes();
    expect(second).toEqual(first);

    const keysOf = async (model: string) =>
      (await store.collection(model).listIndexes().toArray()).map((index) => Object.keys(index.key).join(','));
    for (const model of MODELS) expect(await keysOf(model)).toContain('expiresAt');
    for (const key of ['grantId', 'payload.grantId']) {
      expect(await keysOf('AccessToken')).toContain(key);
      expect(await keysOf('RefreshToken')).toContain(key);
    }
    // Sessions by uid and device codes by user code are found through rows keyed by `_id`: no secondary index.
    for (const model of ['Session', 'Grant', 'AccessToken', 'RefreshToken', 'AuthorizationCode', 'DeviceCode']) {
      expect(await keysOf(model)).toContain('accountId');
    }
    expect(await keysOf('Client')).not.toContain('accountId');

    const expiryIndex = (await store.collection('AccessToken').listIndexes().toArray()).find((index) => 'expiresAt' in index.key);
    expect(expiryIndex?.expireAfterSeconds !== undefined).toBe(first.ttl);
  });

  it('names one collection per model', () => {
    expect(store.collection('AccessToken').collectionName).toBe('oidc_accesstoken');
    expect(store.collection('Client').collectionName).toBe('oidc_client');
  });
});
