// One-time passes over rows written by earlier versions, run at start-up by the adapter's ensureIndexes. Each is
// cheap once done: the account-id backfill finds nothing, the move to hashed ids is recorded in `migrations` (beside
// the e-mail lookup's backfill, src/services/user-emails.ts) and skipped afterwards.
import type { Collection, Db } from 'mongodb';
import type { AdapterPayload } from 'oidc-provider';
import type { Logger } from '../src/log.ts';
import { isEncrypted } from '../src/services/crypto.ts';
import { isDuplicateKey } from '../src/db/duplicate-key.ts';
import { HASHED } from './models.ts';
import { isLegacyId } from './stored-id.ts';
import { rowOf, type WireDocument } from './wire.ts';

const MIGRATIONS_COLLECTION = 'migrations';
const HASHED_IDS_MIGRATION = 'oidc.hashed-ids';

/** A stored row as these passes read it, in either shape (wire.ts). */
type Row = WireDocument;

const isLive = (row: Row) => row.expiresAt === undefined || row.expiresAt.getTime() > Date.now();

/**
 * Rows written before the top-level accountId existed carry it only in the payload; without it a password change
 * or "sign out everywhere" would miss them. One pass at start-up (plain per-row updates: FerretDB has no pipeline
 * updates); afterwards the query finds nothing.
 */
export async function backfillAccountIds<T extends Row>(rows: Collection<T>, logger?: Logger): Promise<number> {
  const plain = rows as unknown as Collection<Row>;
  const stale = plain.find({ accountId: { $exists: false }, 'payload.accountId': { $type: 'string' } }, { projection: { 'payload.accountId': 1 } });
  let updated = 0;
  for await (const doc of stale) {
    const accountId = doc.payload?.accountId;
    if (typeof accountId !== 'string' || !accountId) continue;
    await plain.updateOne({ _id: doc._id }, { $set: { accountId } });
    updated += 1;
  }
  if (updated > 0) logger?.info({ collection: rows.collectionName, updated }, 'account ids copied to pre-existing rows');
  return updated;
}

export interface StoredIdMigration<T extends Row> {
  db: Db;
  collection(model: string): Collection<T>;
  /** Writes one row again as a save writes it now. */
  rewrite(model: string, id: string, payload: AdapterPayload, expiresAt: Date | undefined): Promise<void>;
  logger?: Logger;
}

/**
 * Rows written before credentials were stored under a keyed hash hold them by value. One pass (recorded, so later
 * starts skip it) moves each live one to its hashed id, so customers stay signed in and tokens keep working, and
 * deletes the copy by value; interactions get their session id encrypted.
 */
export async function migrateToStoredIds<T extends Row>(deps: StoredIdMigration<T>): Promise<void> {
  const meta = deps.db.collection<{ _id: string; at?: Date }>(MIGRATIONS_COLLECTION);
  if (await meta.findOne({ _id: HASHED_IDS_MIGRATION })) return;
  let moved = 0;
  for (const model of [...HASHED, 'Interaction']) {
    const rows = deps.collection(model) as unknown as Collection<Row>;
    for await (const wire of rows.find({})) {
      const old = rowOf(wire);
      if (model === 'Interaction') {
        const named = [(old.payload?.session as { cookie?: unknown } | undefined)?.cookie, old.payload?.parJti];
        if (!named.some((value) => typeof value === 'string' && !isEncrypted(value))) continue;
      } else if (!isLegacyId(model, old._id)) {
        continue;
      }
      if (isLive(old)) await deps.rewrite(model, old._id, old.payload, old.expiresAt);
      if (model !== 'Interaction') await rows.deleteOne({ _id: old._id });
      moved += 1;
    }
  }
  try {
    await meta.insertOne({ _id: HASHED_IDS_MIGRATION, at: new Date() });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
  if (moved > 0) deps.logger?.info({ moved }, 'credentials stored by value moved to keyed-hash ids');
}

/**
 * Sessions' uid copies were kept in a collection of their own before they moved beside the session rows: each start
 * moves whatever is there (rows an older process wrote meanwhile too) and drops the collection once empty, so that
 * customers stay signed in through the upgrade.
 */
export async function migrateSessionUidCopies(deps: {
  from: Collection;
  to: Collection<Row>;
  rowOf: (uid: string) => string;
  logger?: Logger;
}): Promise<number> {
  let moved = 0;
  for await (const old of deps.from.find({}) as AsyncIterable<Row>) {
    if (isLive(old)) {
      const { _id: uid, ...rest } = old;
      await deps.to.replaceOne({ _id: deps.rowOf(uid) }, rest, { upsert: true });
      moved += 1;
    }
    await deps.from.deleteOne({ _id: old._id as never });
  }
  await deps.from.drop().catch(() => {
    // Nothing to drop (new database), or another process dropped it first.
  });
  if (moved > 0) deps.logger?.info({ moved }, 'session uid copies moved beside their sessions');
  return moved;
}
