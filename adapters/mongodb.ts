// node-oidc-provider's storage on MongoDB and on FerretDB (which lacks TTL indexes, transactions and, on its
// SQLite backend, isolation between a conditional update's read and its write, and pushes down no filter but a
// bare `_id`). One collection per model, documents { _id, payload, expiresAt? }. Expiry is enforced on every read,
// so correctness never depends on a TTL monitor; the TTL index (or the sweeper where it is refused) reclaims space.
//
// Every read on a request's path is a lookup by `_id`: credentials by the keyed hash of their value (stored-id.ts),
// sessions by uid through a copy keyed by uid beside the row, device flows by a user-code lookup row. Nothing stored works as a
// credential: see payload-codec.ts.
import type { Collection } from 'mongodb';
import { errors, type AdapterPayload } from 'oidc-provider';
import { cloneRow, decodeKeys } from './key-codec.ts';
import { ensureExpiryIndexes, startSweeper, sweepExpired, type ExpiringRow } from './maintenance.ts';
import {
  ACCOUNT_BOUND,
  assertModelName,
  collectionName,
  CONSUMABLE_LABEL,
  GRANT_BOUND,
  hasForeignPrefix,
  MODELS,
  WRITE_ONCE,
} from './models.ts';
import { createPayloadCodec } from './payload-codec.ts';
import { createBatchedRows, type BatchedRows } from './batched-rows.ts';
import { createRecentRows } from './recent-rows.ts';
import { consumedMarkerOf, createStoredIds, isCompanionId, sessionUidRowOf } from './stored-id.ts';
import { backfillAccountIds, migrateSessionUidCopies, migrateToStoredIds } from './migrations.ts';
import { isDuplicateKey, writeRetryingLostInserts } from '../src/db/duplicate-key.ts';
import type { AccountRow, MongoAdapter, MongoAdapterOptions, OidcAdapter, StoredDocument } from './types.ts';

// Underscores cannot occur in a model's collection name (model names are alphanumeric), so these never clash.
// Consumption claims were kept here before they moved beside their rows (consumedMarkerOf): no longer written, swept
// (or expired by TTL) until empty.
const LEGACY_CLAIMS_COLLECTION = 'oidc__consumed';
// Sessions' uid copies were kept here before they moved beside their rows (sessionUidRowOf): moved once at start.
const LEGACY_SESSION_UIDS_COLLECTION = 'oidc__session_uid';
/**
 * No row lives longer than this, whatever expiresIn says: a date past year 275760 is invalid in JavaScript and BSON
 * (a replay-detection row for an assertion with exp 1e13 would never count as seen), and the embedded store compares
 * dates as 13-digit numbers. Client assertions living longer than CLIENT_ASSERTION_MAX_LIFETIME are refused anyway.
 */
export const MAX_ROW_LIFETIME_SECONDS = 10 * 366 * 24 * 3600;

function notExpired(now = new Date()) {
  return { $or: [{ expiresAt: { $exists: false } }, { expiresAt: { $gt: now } }] };
}

function isLive<T extends { expiresAt?: Date }>(doc: T | null): doc is T {
  return doc !== null && (doc.expiresAt === undefined || doc.expiresAt.getTime() > Date.now());
}

function assertId(id: unknown, what = 'id'): asserts id is string {
  if (typeof id !== 'string' || id.length === 0) throw new TypeError(`adapter ${what} must be a non-empty string`);
}

/**
 * Writes a row with its companion rows (same collection) in one command: one upsert each, sent together. Two saves of
 * a new id can both try the insert; the writes that lost it are sent again, now replacing the winner's row.
 */
async function writeRows(rows: Collection<StoredDocument>, batched: BatchedRows, docs: readonly StoredDocument[], insertFirst: boolean): Promise<void> {
  if (docs.length === 1) return insertOrReplace(rows, docs[0]!, insertFirst ? batched.insert : undefined);
  await writeRetryingLostInserts(docs, (batch) =>
    rows.bulkWrite(
      batch.map(({ _id, ...rest }) => ({ replaceOne: { filter: { _id }, replacement: rest as StoredDocument, upsert: true } })),
      { ordered: false },
    ),
  );
}

/** `insert`: try this insert first (a fresh id), replacing only when the id turns out to exist. */
async function insertOrReplace(rows: Collection<StoredDocument>, doc: StoredDocument, insert?: (doc: StoredDocument) => Promise<void>): Promise<void> {
  const { _id, ...rest } = doc;
  if (insert) {
    try {
      await insert(doc);
      return;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }
  const replace = () => rows.replaceOne({ _id }, rest, { upsert: true });
  try {
    await replace();
  } catch (err) {
    // Two upserts of a new id can both try the insert; the loser retries as a plain replace.
    if (!isDuplicateKey(err)) throw err;
    await replace();
  }
}

export function createMongoAdapter(opts: MongoAdapterOptions): MongoAdapter {
  const { db, cipher, logger } = opts;
  const toleranceSeconds = opts.clockToleranceSeconds ?? 15;
  if (!Number.isFinite(toleranceSeconds) || toleranceSeconds < 0) {
    throw new TypeError('clockToleranceSeconds must be a non-negative number');
  }
  const ids = createStoredIds(opts.key);
  const codec = createPayloadCodec(cipher);
  // Models oidc-provider asks for beyond the known list get indexes and sweeps too.
  const models = new Set<string>(MODELS);
  // What find just read of a consumable row, so that consume need not read it again.
  const recent = createRecentRows();
  const clientCacheMs = (opts.clientCacheSeconds ?? 0) * 1000;
  const refreshReuseMs = Math.max(0, opts.refreshReuseSeconds ?? 0) * 1000;
  /** When a refresh token consumed at `consumedAt` (ms) may still be exchanged: within the reuse interval. */
  const reusable = (model: string, consumedAt: number | undefined): consumedAt is number =>
    model === 'RefreshToken' && refreshReuseMs > 0 && consumedAt !== undefined && Date.now() - consumedAt <= refreshReuseMs;
  const clients = new Map<string, { payload: AdapterPayload; until: number }>();
  const sessionUidOf = new Map<string, string>();
  const rememberSessionUid = (storedId: string, uid: string) => {
    sessionUidOf.delete(storedId);
    if (sessionUidOf.size >= 10_000) sessionUidOf.delete(sessionUidOf.keys().next().value!);
    sessionUidOf.set(storedId, uid);
  };

  function collection(model: string): Collection<StoredDocument> {
    assertModelName(model);
    return db.collection<StoredDocument>(collectionName(model));
  }

  // Inserts and lookups by _id of each collection, batched while others are in flight (batched-rows.ts).
  const batchedRows = new Map<string, BatchedRows>();
  function batched(model: string): BatchedRows {
    let rows = batchedRows.get(model);
    if (!rows) batchedRows.set(model, (rows = createBatchedRows(collection(model))));
    return rows;
  }
  const findById = async (model: string, id: string): Promise<StoredDocument | null> => (await batched(model).findByIds([id]))[0] ?? null;

  const expiring = () =>
    [...[...models].map(collectionName), LEGACY_CLAIMS_COLLECTION].map((name) => db.collection<ExpiringRow>(name));

  function expiryOf(expiresIn: number | undefined): Date | undefined {
    if (expiresIn === undefined) return undefined;
    const seconds = Math.min(Math.max(expiresIn, 0) + toleranceSeconds, MAX_ROW_LIFETIME_SECONDS);
    return new Date(Date.now() + seconds * 1000);
  }

  /**
   * Conditional updates are not atomic on FerretDB (concurrent findOneAndUpdate calls with the same filter all
   * "win"), but a unique _id is enforced by the storage engine on both servers: the one insert of the row's
   * consumption marker that succeeds is the one consumer. The marker lives beside the row and expires with it.
   */
  async function claimConsumption(model: string, storedId: string, expiresAt: Date | undefined): Promise<boolean> {
    const marker: StoredDocument = { _id: consumedMarkerOf(storedId), payload: { consumed: Math.floor(Date.now() / 1000) } };
    if (expiresAt) marker.expiresAt = expiresAt;
    try {
      await batched(model).insert(marker);
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  /**
   * A consumable row with its consumption marker, in one lookup: `payload.consumed` as oidc-provider expects it,
   * from the marker (or from the row itself, for rows consumed before markers existed).
   */
  async function readConsumable(model: string, storedId: string): Promise<StoredDocument | null> {
    const markerId = consumedMarkerOf(storedId);
    const found = await batched(model).findByIds([storedId, markerId]);
    const doc = found.find((d) => d._id === storedId) ?? null;
    const marker = found.find((d) => d._id === markerId);
    if (doc && marker && doc.payload.consumed === undefined) doc.payload.consumed = marker.payload.consumed;
    return doc;
  }

  /**
   * Revokes what a replay makes untrustworthy: every grant-bound row and the Grant itself. oidc-provider checks
   * that the Grant exists on userinfo, introspection and refresh, so tokens the race winner stores after this
   * point are dead too.
   */
  async function revokeGrant(grantId: string): Promise<void> {
    await Promise.all([
      ...[...GRANT_BOUND].map((model) => collection(model).deleteMany({ 'payload.grantId': grantId })),
      collection('Grant').deleteOne({ _id: grantId }),
    ]);
  }

  /** Deletes a stored row; a session takes its uid copy along (one command), the uid found through the row itself. */
  async function destroyStored(model: string, storedId: string): Promise<void> {
    assertId(storedId);
    const rows = collection(model);
    if (model !== 'Session') {
      await rows.deleteOne({ _id: storedId });
      return;
    }
    // A session's uid never changes: known from its save or find in this process, it need not be read again.
    const uid = sessionUidOf.get(storedId) ?? (await rows.findOne({ _id: storedId }, { projection: { 'payload.uid': 1 } }))?.payload?.uid;
    sessionUidOf.delete(storedId);
    if (typeof uid === 'string' && uid) await rows.deleteMany({ _id: { $in: [storedId, sessionUidRowOf(uid)] } });
    else await rows.deleteOne({ _id: storedId });
  }

  /** The rows that make up one save, all in the model's collection: the row itself, then a session's uid copy or a
   *  device flow's user-code row. */
  function documentsOf(model: string, id: string, payload: AdapterPayload, expiresAt: Date | undefined): StoredDocument[] {
    const stored = codec.toStored(model, payload);
    const doc: StoredDocument = { _id: ids.of(model, id), payload: stored };
    if (expiresAt) doc.expiresAt = expiresAt;
    if (ACCOUNT_BOUND.has(model) && typeof payload.accountId === 'string' && payload.accountId) doc.accountId = payload.accountId;
    const docs = [doc];
    if (model === 'Session' && typeof payload.uid === 'string' && payload.uid) {
      rememberSessionUid(doc._id, payload.uid);
      // The copy carries the session id (encrypted): whoever finds a session by uid may save it again under its id.
      docs.push({ ...doc, _id: sessionUidRowOf(payload.uid), payload: { ...stored, jti: codec.seal(id) } });
    }
    if (model === 'DeviceCode' && typeof payload.userCode === 'string' && payload.userCode) {
      const pointer: StoredDocument = { _id: ids.ofUserCode(payload.userCode), payload: {}, code: codec.seal(id) };
      if (expiresAt) pointer.expiresAt = expiresAt;
      docs.push(pointer);
    }
    return docs;
  }

  class MongoDbAdapter implements OidcAdapter {
    readonly model: string;
    readonly #rows: Collection<StoredDocument>;

    constructor(model: string) {
      assertModelName(model);
      this.model = model;
      this.#rows = collection(model);
      models.add(model);
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      assertId(id);
      if (payload === null || typeof payload !== 'object') throw new TypeError('adapter payload must be an object');
      if (expiresIn !== undefined && !Number.isFinite(expiresIn)) throw new TypeError('expiresIn must be a finite number of seconds');
      const docs = documentsOf(this.model, id, payload, expiryOf(expiresIn));
      if (this.model === 'Client') clients.delete(id);
      await writeRows(this.#rows, batched(this.model), docs, WRITE_ONCE.has(this.model));
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (typeof id !== 'string' || id.length === 0 || hasForeignPrefix(this.model, id)) return undefined;
      if (this.model === 'Client') return this.#findClient(id);
      const storedId = ids.of(this.model, id);
      const doc = CONSUMABLE_LABEL[this.model] ? await readConsumable(this.model, storedId) : await findById(this.model, storedId);
      if (this.model === 'Session' && isLive(doc) && typeof doc.payload.uid === 'string') rememberSessionUid(doc._id, doc.payload.uid);
      // A refresh token rotated moments ago and presented again (a retry): shown as unconsumed, so that oidc-provider
      // exchanges it again instead of revoking the grant; consume() lets it through once more.
      const consumedAt = typeof doc?.payload.consumed === 'number' ? doc.payload.consumed * 1000 : undefined;
      const retry = isLive(doc) && reusable(this.model, consumedAt);
      if (retry) delete doc.payload.consumed;
      if (isLive(doc) && CONSUMABLE_LABEL[this.model] && doc.payload.consumed === undefined) {
        recent.remember(this.model, doc._id, { grantId: doc.payload.grantId, expiresAt: doc.expiresAt, ...(retry ? { consumedAt } : {}) });
      }
      return this.#open(doc, id);
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      if (typeof uid !== 'string' || uid.length === 0 || this.model !== 'Session') return undefined;
      const copy = await findById(this.model, sessionUidRowOf(uid));
      const id = isLive(copy) ? codec.open(copy.payload.jti) : undefined;
      return id ? this.#open(copy, id) : undefined;
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      if (typeof userCode !== 'string' || userCode.length === 0) return undefined;
      const pointer = await findById(this.model, ids.ofUserCode(userCode));
      const id = isLive(pointer) ? codec.open(pointer.code) : undefined;
      return id ? this.find(id) : undefined;
    }

    /**
     * oidc-provider reads `consumed`, then calls consume: two concurrent redemptions of one code both pass its
     * check. Here exactly one caller gets through; the others get the error oidc-provider gives for a replay
     * (a 400, not a 500), and the grant is revoked as it is for a sequential replay.
     */
    async consume(id: string): Promise<void> {
      assertId(id);
      const label = CONSUMABLE_LABEL[this.model] ?? this.model;
      const storedId = ids.of(this.model, id);
      let row = recent.take(this.model, storedId);
      if (!row) {
        const current = await readConsumable(this.model, storedId);
        if (!isLive(current)) throw this.#consumeError(`${label} not found or expired`);
        const consumed = current.payload.consumed;
        row = { grantId: current.payload.grantId, expiresAt: current.expiresAt, consumed: consumed !== undefined, ...(typeof consumed === 'number' ? { consumedAt: consumed * 1000 } : {}) };
      }
      // Within the refresh-token reuse interval: exchanged again, the first consumption stands.
      if (reusable(this.model, row.consumedAt)) return;

      if (!row.consumed && (await claimConsumption(this.model, storedId, row.expiresAt))) return;
      // Two exchanges of one refresh token at once: the loser is a retry too if the winner's marker is that recent.
      if (refreshReuseMs > 0 && this.model === 'RefreshToken') {
        const marker = await findById(this.model, consumedMarkerOf(storedId));
        if (typeof marker?.payload.consumed === 'number' && reusable(this.model, marker.payload.consumed * 1000)) return;
      }

      const { grantId } = row;
      if (GRANT_BOUND.has(this.model) && typeof grantId === 'string') {
        logger?.warn({ model: this.model, grantId }, 'concurrent reuse of a consumable detected: grant revoked');
        await revokeGrant(grantId);
      }
      throw this.#consumeError(`${label} already consumed`);
    }

    async destroy(id: string): Promise<void> {
      assertId(id);
      if (this.model === 'Client') clients.delete(id);
      await destroyStored(this.model, ids.of(this.model, id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      assertId(grantId, 'grantId');
      await this.#rows.deleteMany({ 'payload.grantId': grantId });
    }

    async #findClient(id: string): Promise<AdapterPayload | undefined> {
      // The cache holds the payload as opened (secret decrypted, keys decoded), so a hit costs a copy and no
      // decryption; each caller gets a copy of its own, shaped exactly as a database read gives it.
      const cached = clients.get(id);
      if (cached && cached.until > Date.now()) return cloneRow(cached.payload);
      const doc = await findById(this.model, id);
      const payload = this.#open(doc, id);
      if (payload && clientCacheMs > 0) {
        if (clients.size >= 10_000) clients.delete(clients.keys().next().value!);
        clients.set(id, { payload: cloneRow(payload), until: Date.now() + clientCacheMs });
      }
      return payload;
    }

    #open(doc: StoredDocument | null, id: string): AdapterPayload | undefined {
      if (!isLive(doc)) return undefined;
      return codec.fromStored(this.model, doc.payload, id);
    }

    #consumeError(detail: string): Error {
      if (this.model === 'PushedAuthorizationRequest') {
        return new errors.InvalidRequestUri('request_uri is invalid, expired, or was already used');
      }
      return new errors.InvalidGrant(detail);
    }
  }

  async function ensureIndexes(): Promise<{ ttl: boolean }> {
    const result = await ensureExpiryIndexes(expiring());
    for (const model of models) {
      const rows = collection(model);
      if (GRANT_BOUND.has(model)) await rows.createIndex({ 'payload.grantId': 1 });
      if (ACCOUNT_BOUND.has(model)) {
        await rows.createIndex({ accountId: 1 });
        await backfillAccountIds(rows, logger);
      }
    }
    await migrateToStoredIds({
      db,
      collection,
      logger,
      // As a save writes it now: its hashed id, sealed fields and companion rows.
      rewrite: (model, id, payload, expiresAt) => writeRows(collection(model), batched(model), documentsOf(model, id, payload, expiresAt), true),
    });
    await migrateSessionUidCopies({ from: db.collection(LEGACY_SESSION_UIDS_COLLECTION), to: collection('Session'), rowOf: sessionUidRowOf, logger });
    logger?.info(result, result.ttl ? 'adapter indexes ready (a TTL index expires rows)' : 'adapter indexes ready (no TTL index: the sweeper expires rows)');
    return result;
  }

  function assertAccountBound(model: string): void {
    if (!ACCOUNT_BOUND.has(model)) throw new TypeError(`${model} rows do not belong to an account`);
  }

  async function findByAccount(model: string, accountId: string): Promise<AccountRow[]> {
    assertAccountBound(model);
    if (typeof accountId !== 'string' || accountId.length === 0) return [];
    const docs = await collection(model).find({ accountId, ...notExpired() }).toArray();
    return docs.filter((doc) => !isCompanionId(doc._id)).map((doc) => ({
      id: doc._id,
      payload: decodeKeys(doc.payload),
      ...(doc.expiresAt ? { expiresAt: doc.expiresAt } : {}),
    }));
  }

  async function deleteByAccount(model: string, accountId: string): Promise<number> {
    assertAccountBound(model);
    assertId(accountId, 'accountId');
    const rows = collection(model);
    if (model !== 'Session') return (await rows.deleteMany({ accountId })).deletedCount;
    // The uid copies go along (they carry the account too); the count is of sessions.
    const found = await rows.find({ accountId }, { projection: { _id: 1 } }).toArray();
    await rows.deleteMany({ _id: { $in: found.map((d) => d._id) } });
    return found.filter((d) => !isCompanionId(d._id)).length;
  }

  const sweep = () => sweepExpired(expiring());

  return {
    Adapter: MongoDbAdapter,
    ensureIndexes,
    sweep,
    startSweeper: (intervalSeconds) => startSweeper(sweep, intervalSeconds, logger),
    collection,
    findByAccount,
    deleteByAccount,
    destroyStored,
    forgetClient: (clientId) => clients.delete(clientId),
  };
}
