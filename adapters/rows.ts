// The adapter's rows: how a save becomes documents (the row, a session's uid copy, a device flow's user-code row),
// how they are written and read by `_id` (batched while others are in flight, batched-rows.ts), consumed once, and
// deleted, by grant and by account. mongodb.ts puts oidc-provider's adapter interface on top.
import type { Collection, Db } from 'mongodb';
import type { AdapterPayload } from 'oidc-provider';
import { isDuplicateKey, writeRetryingLostInserts } from '../src/db/duplicate-key.ts';
import { createBatchedRows, type BatchedRows } from './batched-rows.ts';
import type { FreshRows } from './fresh-rows.ts';
import type { ExpiringRow } from './maintenance.ts';
import { ACCOUNT_BOUND, assertModelName, collectionName, GRANT_BOUND, MODELS } from './models.ts';
import type { createPayloadCodec } from './payload-codec.ts';
import { consumedMarkerOf, isCompanionId, sessionUidRowOf, type createStoredIds } from './stored-id.ts';
import type { AccountRow, StoredDocument } from './types.ts';
import { ofGrant, rowOf, wireOf, type WireDocument } from './wire.ts';

// Underscores cannot occur in a model's collection name (model names are alphanumeric), so these never clash.
// Consumption claims were kept here before they moved beside their rows (consumedMarkerOf): no longer written, swept
// (or expired by TTL) until empty.
export const LEGACY_CLAIMS_COLLECTION = 'oidc__consumed';
// Sessions' uid copies were kept here before they moved beside their rows (sessionUidRowOf): moved once at start.
export const LEGACY_SESSION_UIDS_COLLECTION = 'oidc__session_uid';
/**
 * No row lives longer than this, whatever expiresIn says: a date past year 275760 is invalid in JavaScript and BSON
 * (a replay-detection row for an assertion with exp 1e13 would never count as seen), and the embedded store compares
 * dates as 13-digit numbers. Client assertions living longer than CLIENT_ASSERTION_MAX_LIFETIME are refused anyway.
 */
export const MAX_ROW_LIFETIME_SECONDS = 10 * 366 * 24 * 3600;

export function notExpired(now = new Date()) {
  return { $or: [{ expiresAt: { $exists: false } }, { expiresAt: { $gt: now } }] };
}

export function isLive<T extends { expiresAt?: Date }>(doc: T | null): doc is T {
  return doc !== null && (doc.expiresAt === undefined || doc.expiresAt.getTime() > Date.now());
}

export function assertId(id: unknown, what = 'id'): asserts id is string {
  if (typeof id !== 'string' || id.length === 0) throw new TypeError(`adapter ${what} must be a non-empty string`);
}

/**
 * Writes a row with its companion rows (same collection) in one command: one upsert each, sent together. Two saves of
 * a new id can both try the insert; the writes that lost it are sent again, now replacing the winner's row.
 */
export async function writeRows(rows: Collection<WireDocument>, batched: BatchedRows, docs: readonly StoredDocument[], insertFirst: boolean): Promise<void> {
  if (docs.length === 1) return insertOrReplace(rows, docs[0]!, insertFirst ? batched.insert : undefined);
  await writeRetryingLostInserts(docs, (batch) => rows.bulkWrite(batch.map(replaceOp), { ordered: false }));
}

/** The bulk operation that writes a row whether or not it exists. */
function replaceOp(doc: StoredDocument) {
  const { _id, ...replacement } = wireOf(doc);
  return { replaceOne: { filter: { _id }, replacement, upsert: true } };
}

/** `insert`: try this insert first (a fresh id), replacing only when the id turns out to exist. */
async function insertOrReplace(rows: Collection<WireDocument>, doc: StoredDocument, insert?: (doc: StoredDocument) => Promise<void>): Promise<void> {
  const { _id, ...rest } = wireOf(doc);
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

/** Sets `key` in a map bounded to 10,000 entries (the oldest goes first). */
export function remember<K, V>(map: Map<K, V>, key: K, value: V): void {
  map.delete(key);
  if (map.size >= 10_000) map.delete(map.keys().next().value!);
  map.set(key, value);
}

/** When a row saved with `expiresIn` seconds to live expires: with the clock tolerance, never past the maximum. */
function expiryAfter(expiresIn: number | undefined, toleranceSeconds: number): Date | undefined {
  if (expiresIn === undefined) return undefined;
  const seconds = Math.min(Math.max(expiresIn, 0) + toleranceSeconds, MAX_ROW_LIFETIME_SECONDS);
  return new Date(Date.now() + seconds * 1000);
}

export interface RowStoreOptions {
  db: Db;
  ids: ReturnType<typeof createStoredIds>;
  codec: ReturnType<typeof createPayloadCodec>;
  toleranceSeconds: number;
  /** Sessions and grants just written or read, kept briefly (fresh-rows.ts). */
  fresh: FreshRows;
}

export type RowStore = ReturnType<typeof createRowStore>;

export function createRowStore({ db, ids, codec, toleranceSeconds, fresh }: RowStoreOptions) {
  // Models oidc-provider asks for beyond the known list get indexes and sweeps too.
  const models = new Set<string>(MODELS);
  // A session's uid never changes: known from its save or find in this process, it need not be read to delete it.
  const sessionUidOf = new Map<string, string>();
  const rememberSessionUid = (storedId: string, uid: string) => remember(sessionUidOf, storedId, uid);

  function collection(model: string): Collection<WireDocument> {
    assertModelName(model);
    return db.collection<WireDocument>(collectionName(model));
  }

  // Inserts and lookups by _id of each collection, batched while others are in flight (batched-rows.ts).
  const batchedRows = new Map<string, BatchedRows>();
  function batched(model: string): BatchedRows {
    let rows = batchedRows.get(model);
    if (!rows) batchedRows.set(model, (rows = createBatchedRows(collection(model))));
    return rows;
  }
  async function findById(model: string, id: string): Promise<StoredDocument | null> {
    const kept = fresh.get(model, id);
    if (kept) return kept;
    const ticket = fresh.ticket();
    const doc = (await batched(model).findByIds([id]))[0] ?? null;
    if (doc) fresh.read(model, [doc], ticket);
    return doc;
  }

  /** writeRows, with this process's copies of the rows replaced (or dropped, when the write fails half-way). */
  async function write(model: string, docs: readonly StoredDocument[], insertFirst: boolean): Promise<void> {
    try {
      await writeRows(collection(model), batched(model), docs, insertFirst);
    } catch (err) {
      fresh.dropped(model, docs.map((d) => d._id));
      throw err;
    }
    fresh.wrote(model, docs);
  }

  const expiring = () =>
    [...[...models].map(collectionName), LEGACY_CLAIMS_COLLECTION].map((name) => db.collection<ExpiringRow>(name));

  const expiryOf = (expiresIn: number | undefined) => expiryAfter(expiresIn, toleranceSeconds);

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
    fresh.dropped('Grant', [grantId]);
    for (const model of GRANT_BOUND) fresh.droppedAll(model);
    await Promise.all([
      ...[...GRANT_BOUND].map((model) => collection(model).deleteMany(ofGrant(grantId))),
      collection('Grant').deleteOne({ _id: grantId }),
    ]);
  }

  /** Deletes a stored row; a session takes its uid copy along (one command), the uid found through the row itself. */
  async function destroyStored(model: string, storedId: string): Promise<void> {
    assertId(storedId);
    const rows = collection(model);
    fresh.dropped(model, [storedId]);
    if (model !== 'Session') {
      await rows.deleteOne({ _id: storedId });
      return;
    }
    const found = sessionUidOf.has(storedId) ? null : await rows.findOne({ _id: storedId });
    const uid = sessionUidOf.get(storedId) ?? (found ? rowOf(found).payload.uid : undefined);
    sessionUidOf.delete(storedId);
    if (typeof uid === 'string' && uid) fresh.dropped(model, [sessionUidRowOf(uid)]);
    if (typeof uid === 'string' && uid) await rows.deleteMany({ _id: { $in: [storedId, sessionUidRowOf(uid)] } });
    else await rows.deleteOne({ _id: storedId });
  }

  /**
   * A session saved under a new id (oidc-provider re-keys it on every sign-in) in one command: the old row ended
   * and the new row with its uid copy written, in order. Only when the old row is known to carry the same uid (its
   * uid copy is then replaced, never left pointing at the old id); otherwise false, and nothing was written.
   */
  async function replaceSession(oldStoredId: string, docs: readonly StoredDocument[], uid: string): Promise<boolean> {
    if (sessionUidOf.get(oldStoredId) !== uid || docs.length !== 2) return false;
    sessionUidOf.delete(oldStoredId);
    fresh.dropped('Session', [oldStoredId]);
    const rows = collection('Session');
    const replaces = docs.map(replaceOp);
    // The driver sends each kind of operation as a command of its own: the old row is not deleted but emptied and
    // expired (an update like the others), which every read treats as gone and the TTL index or the sweeper removes.
    const ended = { replaceOne: { filter: { _id: oldStoredId }, replacement: { data: '{}', expiresAt: new Date(0) } } };
    try {
      await rows.bulkWrite([ended, ...replaces], { ordered: true });
    } catch (err) {
      // The old row was ended first; a new row's insert lost to a concurrent save is written again as a replace.
      if (!isDuplicateKey(err)) {
        fresh.dropped('Session', docs.map((d) => d._id));
        throw err;
      }
      await writeRows(rows, batched('Session'), docs, false);
    }
    fresh.wrote('Session', docs);
    return true;
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

  function assertAccountBound(model: string): void {
    if (!ACCOUNT_BOUND.has(model)) throw new TypeError(`${model} rows do not belong to an account`);
  }

  async function findByAccount(model: string, accountId: string): Promise<AccountRow[]> {
    assertAccountBound(model);
    if (typeof accountId !== 'string' || accountId.length === 0) return [];
    const docs = await collection(model).find({ accountId, ...notExpired() }).toArray();
    return docs.filter((doc) => !isCompanionId(doc._id)).map(rowOf).map((doc) => ({
      id: doc._id,
      payload: doc.payload,
      ...(doc.expiresAt ? { expiresAt: doc.expiresAt } : {}),
    }));
  }

  async function deleteByAccount(model: string, accountId: string): Promise<number> {
    assertAccountBound(model);
    assertId(accountId, 'accountId');
    const rows = collection(model);
    fresh.droppedAll(model);
    if (model !== 'Session') return (await rows.deleteMany({ accountId })).deletedCount;
    // The uid copies go along (they carry the account too); the count is of sessions.
    const found = await rows.find({ accountId }, { projection: { _id: 1 } }).toArray();
    await rows.deleteMany({ _id: { $in: found.map((d) => d._id) } });
    return found.filter((d) => !isCompanionId(d._id)).length;
  }

  return {
    models,
    collection,
    batched,
    findById,
    write,
    expiring,
    expiryOf,
    claimConsumption,
    readConsumable,
    revokeGrant,
    destroyStored,
    replaceSession,
    documentsOf,
    rememberSessionUid,
    findByAccount,
    deleteByAccount,
  };
}
