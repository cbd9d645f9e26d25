// node-oidc-provider's storage on MongoDB and on FerretDB (which lacks TTL indexes, transactions and, on its
// SQLite backend, isolation between a conditional update's read and its write). One collection per model,
// documents { _id: id, payload, expiresAt? }. Expiry is enforced on every read, so correctness never depends
// on a TTL monitor; the TTL index (or the sweeper where it is refused) only reclaims space.
import type { Collection, Db } from 'mongodb';
import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import type { Logger } from '../src/log.ts';
import type { Cipher } from '../src/services/crypto.ts';
import { openClientSecret, sealClientSecret } from './client-secret.ts';
import { decodeKeys, encodeKeys } from './key-codec.ts';
import { ensureExpiryIndexes, startSweeper, sweepExpired, type ExpiringRow } from './maintenance.ts';
import { ACCOUNT_BOUND, assertModelName, collectionName, CONSUMABLE_LABEL, GRANT_BOUND, MODELS } from './models.ts';

export interface MongoAdapterOptions {
  db: Db;
  cipher: Cipher;
  logger?: Logger;
  /**
   * Seconds a row outlives its expiresIn, so that oidc-provider can still load a just-expired code or token and
   * answer "expired" rather than "not found". Pass the provider's clockTolerance. Default 15 (oidc-provider's).
   */
  clockToleranceSeconds?: number;
}

export interface StoredDocument {
  _id: string;
  payload: AdapterPayload;
  expiresAt?: Date;
  /** payload.accountId, copied for the models in ACCOUNT_BOUND: indexed, so rows can be found per account. */
  accountId?: string;
}

/** A live row of an account, decoded as oidc-provider stored it. */
export interface AccountRow {
  id: string;
  payload: AdapterPayload;
  expiresAt?: Date;
}

/** Proof that one consume call won: `_id` is `<model>:<id>`, unique, so only one insert can succeed. */
interface ConsumptionClaim {
  _id: string;
  expiresAt?: Date;
}

/**
 * oidc-provider's Adapter. consume resolves only for the one caller that consumed the row; every other caller
 * (already consumed, missing or expired) gets a rejection carrying oidc-provider's own error.
 */
export interface OidcAdapter extends Adapter {
  readonly model: string;
}

export interface MongoAdapter {
  Adapter: new (model: string) => OidcAdapter;
  ensureIndexes(): Promise<{ ttl: boolean }>;
  sweep(): Promise<number>;
  startSweeper(intervalSeconds: number): () => void;
  collection(model: string): Collection<StoredDocument>;
  /** Live rows of one account, for the models in ACCOUNT_BOUND (sessions, grants, tokens, codes). */
  findByAccount(model: string, accountId: string): Promise<AccountRow[]>;
  /** Deletes every row of one account in an ACCOUNT_BOUND model; resolves with how many went. */
  deleteByAccount(model: string, accountId: string): Promise<number>;
}

// Underscores cannot occur in a model's collection name (model names are alphanumeric), so this never clashes.
const CLAIMS_COLLECTION = 'oidc__consumed';
const DUPLICATE_KEY = 11000;

function notExpired(now = new Date()) {
  return { $or: [{ expiresAt: { $exists: false } }, { expiresAt: { $gt: now } }] };
}

function isLive(doc: StoredDocument | null): doc is StoredDocument {
  return doc !== null && (doc.expiresAt === undefined || doc.expiresAt.getTime() > Date.now());
}

function assertId(id: unknown, what = 'id'): asserts id is string {
  if (typeof id !== 'string' || id.length === 0) throw new TypeError(`adapter ${what} must be a non-empty string`);
}

function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === DUPLICATE_KEY;
}

export function createMongoAdapter(opts: MongoAdapterOptions): MongoAdapter {
  const { db, cipher, logger } = opts;
  const toleranceSeconds = opts.clockToleranceSeconds ?? 15;
  if (!Number.isFinite(toleranceSeconds) || toleranceSeconds < 0) {
    throw new TypeError('clockToleranceSeconds must be a non-negative number');
  }
  // Models oidc-provider asks for beyond the known list get indexes and sweeps too.
  const models = new Set<string>(MODELS);
  const claims = db.collection<ConsumptionClaim>(CLAIMS_COLLECTION);

  function collection(model: string): Collection<StoredDocument> {
    assertModelName(model);
    return db.collection<StoredDocument>(collectionName(model));
  }

  const expiring = () =>
    [...[...models].map(collectionName), CLAIMS_COLLECTION].map((name) => db.collection<ExpiringRow>(name));

  /**
   * Conditional updates are not atomic on FerretDB (concurrent findOneAndUpdate calls with the same filter all
   * "win"), but a unique _id is enforced by the storage engine on both servers: the one insert that succeeds
   * is the one consumer.
   */
  async function claimConsumption(model: string, doc: StoredDocument): Promise<boolean> {
    const claim: ConsumptionClaim = { _id: `${model}:${doc._id}` };
    if (doc.expiresAt) claim.expiresAt = doc.expiresAt;
    try {
      await claims.insertOne(claim);
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
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
      const stored = encodeKeys(this.model === 'Client' ? sealClientSecret(cipher, payload) : payload);
      const doc: Omit<StoredDocument, '_id'> =
        expiresIn === undefined
          ? { payload: stored }
          : { payload: stored, expiresAt: new Date(Date.now() + (expiresIn + toleranceSeconds) * 1000) };
      if (ACCOUNT_BOUND.has(this.model) && typeof payload.accountId === 'string' && payload.accountId) {
        doc.accountId = payload.accountId;
      }
      try {
        await this.#rows.replaceOne({ _id: id }, doc, { upsert: true });
      } catch (err) {
        // Two upserts of a new id can both try the insert; the loser retries as a plain replace.
        if (!isDuplicateKey(err)) throw err;
        await this.#rows.replaceOne({ _id: id }, doc, { upsert: true });
      }
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (typeof id !== 'string' || id.length === 0) return undefined;
      return this.#open(await this.#rows.findOne({ _id: id }));
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      if (typeof uid !== 'string' || uid.length === 0) return undefined;
      return this.#open(await this.#rows.findOne({ 'payload.uid': uid, ...notExpired() }));
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      if (typeof userCode !== 'string' || userCode.length === 0) return undefined;
      return this.#open(await this.#rows.findOne({ 'payload.userCode': userCode, ...notExpired() }));
    }

    /**
     * oidc-provider reads `consumed`, then calls consume: two concurrent redemptions of one code both pass its
     * check. Here exactly one caller gets through; the others get the error oidc-provider gives for a replay
     * (a 400, not a 500), and the grant is revoked as it is for a sequential replay.
     */
    async consume(id: string): Promise<void> {
      assertId(id);
      const label = CONSUMABLE_LABEL[this.model] ?? this.model;
      const current = await this.#rows.findOne({ _id: id });
      if (!isLive(current)) throw this.#consumeError(`${label} not found or expired`);

      if (current.payload.consumed === undefined && (await claimConsumption(this.model, current))) {
        await this.#rows.updateOne({ _id: id }, { $set: { 'payload.consumed': Math.floor(Date.now() / 1000) } });
        return;
      }

      const grantId = current.payload.grantId;
      if (GRANT_BOUND.has(this.model) && typeof grantId === 'string') {
        logger?.warn({ model: this.model, grantId }, 'concurrent reuse of a consumable detected: grant revoked');
        await revokeGrant(grantId);
      }
      throw this.#consumeError(`${label} already consumed`);
    }

    async destroy(id: string): Promise<void> {
      assertId(id);
      await this.#rows.deleteOne({ _id: id });
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      assertId(grantId, 'grantId');
      await this.#rows.deleteMany({ 'payload.grantId': grantId });
    }

    #open(doc: StoredDocument | null): AdapterPayload | undefined {
      if (!isLive(doc)) return undefined;
      const payload = decodeKeys(doc.payload);
      return this.model === 'Client' ? openClientSecret(cipher, payload, doc._id) : payload;
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
      if (model === 'Session') await rows.createIndex({ 'payload.uid': 1 });
      if (model === 'DeviceCode') await rows.createIndex({ 'payload.userCode': 1 });
      if (ACCOUNT_BOUND.has(model)) {
        await rows.createIndex({ accountId: 1 });
        await backfillAccountIds(rows);
      }
    }
    logger?.info(result, result.ttl ? 'adapter indexes ready (a TTL index expires rows)' : 'adapter indexes ready (no TTL index: the sweeper expires rows)');
    return result;
  }

  /**
   * Rows written before the top-level accountId existed carry it only in the payload; without it a password change
   * or "sign out everywhere" would miss them. One pass at start-up (plain per-row updates: FerretDB has no pipeline
   * updates); afterwards the query finds nothing.
   */
  async function backfillAccountIds(rows: Collection<StoredDocument>): Promise<number> {
    const stale = rows.find(
      { accountId: { $exists: false }, 'payload.accountId': { $type: 'string' } },
      { projection: { 'payload.accountId': 1 } },
    );
    let updated = 0;
    for await (const doc of stale) {
      const accountId = doc.payload?.accountId;
      if (typeof accountId !== 'string' || !accountId) continue;
      await rows.updateOne({ _id: doc._id }, { $set: { accountId } });
      updated += 1;
    }
    if (updated > 0) logger?.info({ collection: rows.collectionName, updated }, 'account ids copied to pre-existing rows');
    return updated;
  }

  function assertAccountBound(model: string): void {
    if (!ACCOUNT_BOUND.has(model)) throw new TypeError(`${model} rows do not belong to an account`);
  }

  async function findByAccount(model: string, accountId: string): Promise<AccountRow[]> {
    assertAccountBound(model);
    if (typeof accountId !== 'string' || accountId.length === 0) return [];
    const docs = await collection(model).find({ accountId, ...notExpired() }).toArray();
    return docs.map((doc) => ({
      id: doc._id,
      payload: decodeKeys(doc.payload),
      ...(doc.expiresAt ? { expiresAt: doc.expiresAt } : {}),
    }));
  }

  async function deleteByAccount(model: string, accountId: string): Promise<number> {
    assertAccountBound(model);
    assertId(accountId, 'accountId');
    return (await collection(model).deleteMany({ accountId })).deletedCount;
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
  };
}
