// node-oidc-provider's storage on MongoDB and on FerretDB (which lacks TTL indexes, transactions and, on its
// SQLite backend, isolation between a conditional update's read and its write, and pushes down no filter but a
// bare `_id`). One collection per model, documents { _id, payload, expiresAt? }. Expiry is enforced on every read,
// so correctness never depends on a TTL monitor; the TTL index (or the sweeper where it is refused) reclaims space.
//
// Every read on a request's path is a lookup by `_id`: credentials by the keyed hash of their value (stored-id.ts),
// sessions by uid through a copy keyed by uid beside the row, device flows by a user-code lookup row. Nothing stored works as a
// credential: see payload-codec.ts.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Collection } from 'mongodb';
import { errors, type AdapterPayload } from 'oidc-provider';
import { ensureExpiryIndexes, startSweeper, sweepExpired } from './maintenance.ts';
import { ACCOUNT_BOUND, assertModelName, CONSUMABLE_LABEL, GRANT_BOUND, hasForeignPrefix, WRITE_ONCE } from './models.ts';
import { createFreshRows } from './fresh-rows.ts';
import { createReplayGuard } from './replay.ts';
import { createInteractionCookies } from './interaction-cookie.ts';
import { createPayloadCodec } from './payload-codec.ts';
import { createRecentRows } from './recent-rows.ts';
import { assertId, createRowStore, isLive, LEGACY_SESSION_UIDS_COLLECTION, remember } from './rows.ts';
import { createStoredIds, sessionUidRowOf } from './stored-id.ts';
import { backfillAccountIds, migrateSessionUidCopies, migrateToStoredIds } from './migrations.ts';
import type { MongoAdapter, MongoAdapterOptions, OidcAdapter, StoredDocument } from './types.ts';
import { ofGrant, type WireDocument } from './wire.ts';

export { MAX_ROW_LIFETIME_SECONDS } from './rows.ts';


/** A refresh token's consumption marker not written yet: the row it consumes, the grant it revokes if it loses. */
interface PendingClaim {
  storedId: string;
  expiresAt: Date | undefined;
  grantId: unknown;
}

export function createMongoAdapter(opts: MongoAdapterOptions): MongoAdapter {
  const { db, cipher, logger } = opts;
  const toleranceSeconds = opts.clockToleranceSeconds ?? 15;
  if (!Number.isFinite(toleranceSeconds) || toleranceSeconds < 0) {
    throw new TypeError('clockToleranceSeconds must be a non-negative number');
  }
  const ids = createStoredIds(opts.key);
  const codec = createPayloadCodec(cipher);
  const rowCacheSeconds = opts.rowCacheSeconds ?? 0;
  if (!Number.isFinite(rowCacheSeconds) || rowCacheSeconds < 0) throw new TypeError('rowCacheSeconds must be a non-negative number');
  const fresh = createFreshRows(rowCacheSeconds * 1000);
  const store = createRowStore({ db, ids, codec, toleranceSeconds, fresh });
  const { models, collection, batched, findById, write, expiring, expiryOf, claimConsumption, readConsumable, revokeGrant, destroyStored, replaceSession, documentsOf, rememberSessionUid } = store;
  // A session being saved under a new id (rekeying): its old row's delete waits for the new row's write, and both go
  // in one command. What the delete still waits for when the save ends is done then (the save failed or wrote nothing).
  const rekeys = new AsyncLocalStorage<{ oldId: string; deferred: boolean; done: boolean }>();
  // A token request's refresh-token rotation (requests): consume() leaves the old token's consumption marker to the
  // new token's save, which writes both at once (one round trip less), or to the request's end if no save comes.
  const requests = new AsyncLocalStorage<{ claim?: PendingClaim }>();
  // What find just read of a consumable row, so that consume need not read it again.
  const recent = createRecentRows();
  const clientCacheMs = (opts.clientCacheSeconds ?? 0) * 1000;
  const { reusable, settleLost } = createReplayGuard({ refreshReuseSeconds: opts.refreshReuseSeconds, findById, revokeGrant, logger });
  const clients = new Map<string, { json: string; until: number }>();
  // Interactions ride in the browser's cookie while a browser's request is served (interaction-cookie.ts).
  const interactionCookies = createInteractionCookies({
    cipher,
    paths: opts.interactionPaths ?? ((_uid, payload) => (typeof payload.returnTo === 'string' ? [new URL(payload.returnTo).pathname] : [])),
  });
  const browserOf = (model: string) => (model === 'Interaction' ? opts.browserCookies?.() : undefined);

  class MongoDbAdapter implements OidcAdapter {
    readonly model: string;
    readonly #rows: Collection<WireDocument>;

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
      const expiresAt = expiryOf(expiresIn);
      const browser = browserOf(this.model);
      if (browser && interactionCookies.save(browser, id, payload, expiresAt ?? new Date(Date.now() + 3600_000))) return;
      const docs = documentsOf(this.model, id, payload, expiresAt);
      const rekey = this.model === 'Session' ? rekeys.getStore() : undefined;
      if (rekey?.deferred && !rekey.done && typeof payload.uid === 'string') {
        rekey.done = await replaceSession(ids.of('Session', rekey.oldId), docs, payload.uid);
        if (rekey.done) return;
      }
      if (this.model === 'Client') clients.delete(id);
      const scope = this.model === 'RefreshToken' ? requests.getStore() : undefined;
      const claim = scope?.claim;
      if (scope && claim && payload.grantId === claim.grantId) {
        scope.claim = undefined;
        await this.#claimWithSave(claim, docs);
        return;
      }
      await write(this.model, docs, WRITE_ONCE.has(this.model));
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (typeof id !== 'string' || id.length === 0 || hasForeignPrefix(this.model, id)) return undefined;
      if (this.model === 'Client') return this.#findClient(id);
      const browser = browserOf(this.model);
      const carried = browser ? interactionCookies.find(browser, id) : undefined;
      if (carried !== undefined) return carried ?? undefined;
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

      // Rotation inside a token request: the marker goes out with the new refresh token's save (#claimWithSave).
      const scope = this.model === 'RefreshToken' && !row.consumed ? requests.getStore() : undefined;
      if (scope && !scope.claim) {
        scope.claim = { storedId, expiresAt: row.expiresAt, grantId: row.grantId };
        return;
      }
      if (!row.consumed && (await claimConsumption(this.model, storedId, row.expiresAt))) return;
      await this.#lostClaim(storedId, row.grantId, label);
    }

    /**
     * A consumption that lost (another caller consumed the row first): let it through when it is a refresh token's
     * retry within the reuse interval; otherwise revoke what the replay makes untrustworthy and refuse.
     */
    async #lostClaim(storedId: string, grantId: unknown, label: string): Promise<void> {
      if (!(await settleLost(this.model, storedId, grantId))) throw this.#consumeError(`${label} already consumed`);
    }

    async destroy(id: string): Promise<void> {
      assertId(id);
      if (this.model === 'Client') clients.delete(id);
      const rekey = this.model === 'Session' ? rekeys.getStore() : undefined;
      if (rekey && rekey.oldId === id && !rekey.done) {
        rekey.deferred = true;
        return;
      }
      const browser = browserOf(this.model);
      const carriedUntil = browser ? interactionCookies.end(browser, id) : undefined;
      if (carriedUntil) {
        // Used once: a replayed cookie of this interaction finds the marker taken.
        if (!(await claimConsumption(this.model, ids.of(this.model, id), carriedUntil))) throw new errors.SessionNotFound('interaction already finished');
        return;
      }
      await destroyStored(this.model, ids.of(this.model, id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      assertId(grantId, 'grantId');
      fresh.droppedAll(this.model);
      await this.#rows.deleteMany(ofGrant(grantId));
    }

    /**
     * The old refresh token's marker and the new token's rows, written side by side. A marker that loses means a
     * replay (or a retry within the reuse interval): handled as consume() would have, and the new token — already
     * written, grant-bound — goes with the grant when it is revoked. A marker that could not be written fails the
     * save, and the new token is deleted again (it was never handed out).
     */
    async #claimWithSave(claim: PendingClaim, docs: readonly StoredDocument[]): Promise<void> {
      const [claimed, saved] = await Promise.allSettled([
        claimConsumption(this.model, claim.storedId, claim.expiresAt),
        write(this.model, docs, WRITE_ONCE.has(this.model)),
      ]);
      if (claimed.status === 'rejected') {
        if (saved.status === 'fulfilled') await destroyStored(this.model, docs[0]!._id).catch(() => undefined);
        throw claimed.reason;
      }
      if (!claimed.value) await this.#lostClaim(claim.storedId, claim.grantId, CONSUMABLE_LABEL[this.model] ?? this.model);
      if (saved.status === 'rejected') throw saved.reason;
    }

    async #findClient(id: string): Promise<AdapterPayload | undefined> {
      // The cache holds the payload as opened (secret decrypted) in JSON, so a hit costs a parse and no decryption;
      // each caller gets a copy of its own, shaped exactly as a database read gives it (wire.ts stores JSON too).
      const cached = clients.get(id);
      if (cached && cached.until > Date.now()) return JSON.parse(cached.json) as AdapterPayload;
      const doc = await findById(this.model, id);
      const payload = this.#open(doc, id);
      if (payload && clientCacheMs > 0) remember(clients, id, { json: JSON.stringify(payload), until: Date.now() + clientCacheMs });
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

  /**
   * Runs one request with refresh-token rotation written in fewer round trips (see consume). A marker no save took
   * (the request failed between consuming and saving) is written as the request ends, so the old token is spent
   * whatever happened; if it loses there, the replay revokes the grant as ever.
   */
  async function tokenRequest<T>(handle: () => Promise<T>): Promise<T> {
    const scope: { claim?: PendingClaim } = {};
    try {
      return await requests.run(scope, handle);
    } finally {
      const { claim } = scope;
      if (claim && !(await claimConsumption('RefreshToken', claim.storedId, claim.expiresAt))) await settleLost('RefreshToken', claim.storedId, claim.grantId);
    }
  }

  async function rekeying<T>(oldId: string, save: () => Promise<T>): Promise<T> {
    assertId(oldId);
    const scope = { oldId, deferred: false, done: false };
    try {
      return await rekeys.run(scope, save);
    } finally {
      if (scope.deferred && !scope.done) await destroyStored('Session', ids.of('Session', oldId));
    }
  }

  async function ensureIndexes(): Promise<{ ttl: boolean }> {
    const result = await ensureExpiryIndexes(expiring());
    for (const model of models) {
      const rows = collection(model);
      // grantId: rows as written now (wire.ts); payload.grantId: rows written before, until they expire.
      if (GRANT_BOUND.has(model)) await Promise.all([rows.createIndex({ grantId: 1 }), rows.createIndex({ 'payload.grantId': 1 })]);
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
      rewrite: (model, id, payload, expiresAt) => write(model, documentsOf(model, id, payload, expiresAt), true),
    });
    await migrateSessionUidCopies({ from: db.collection(LEGACY_SESSION_UIDS_COLLECTION), to: collection('Session'), rowOf: sessionUidRowOf, logger });
    logger?.info(result, result.ttl ? 'adapter indexes ready (a TTL index expires rows)' : 'adapter indexes ready (no TTL index: the sweeper expires rows)');
    return result;
  }

  const sweep = () => sweepExpired(expiring());

  return {
    Adapter: MongoDbAdapter,
    ensureIndexes,
    sweep,
    startSweeper: (intervalSeconds) => startSweeper(sweep, intervalSeconds, logger),
    collection,
    findByAccount: store.findByAccount,
    deleteByAccount: store.deleteByAccount,
    destroyStored,
    forgetClient: (clientId) => clients.delete(clientId),
    forgetRows: (model) => fresh.droppedAll(model),
    rekeying,
    tokenRequest,
  };
}
