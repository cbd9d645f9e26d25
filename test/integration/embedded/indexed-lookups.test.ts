// The embedded store's FerretDB is built with our patches (tools/ferretdb/patches): lookups by _id and expiry sweeps
// are answered from indexes, in collections made before the patch too, and every other filter behaves as before; a
// find looks up its one collection instead of listing them all (command-overhead.patch), and answers as before.
import { randomBytes } from 'node:crypto';
// The behaviour tests run on any server; what is about FerretDB's SQL runs only on the embedded one.
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { ObjectId, type Db, type Document } from 'mongodb';
import type { Connection } from 'mongoose';
import { dropAndClose, openTestConnection } from '../../support/db.ts';

const sqliteDir = process.env.TEST_EMBEDDED_DB_DIR;
const onEmbedded = sqliteDir ? it : it.skip;

let conn: Connection;
let db: Db;

beforeAll(async () => {
  conn = await openTestConnection();
  if (!conn.db) throw new Error('no database handle');
  db = conn.db;
});
afterAll(() => dropAndClose(conn));

interface Explained {
  filterPushdown?: boolean;
  queryPlanner?: { Plan?: string[] };
}

const explainFind = (collection: string, filter: Document) =>
  db.command({ explain: { find: collection, filter } }) as Promise<Explained>;

// This test's database as FerretDB wrote it, read-only. FerretDB's SQLite accepts double-quoted string literals
// (its _id_ index is defined with one); Node's refuses them unless asked.
function openSqlite(): DatabaseSync {
  return new DatabaseSync(join(sqliteDir!, `${db.databaseName}.sqlite`), {
    readOnly: true,
    enableDoubleQuotedStringLiterals: true,
  });
}

function tableOf(sqlite: DatabaseSync, collection: string): string {
  const row = sqlite.prepare('SELECT table_name FROM _ferretdb_collections WHERE name = ?').get(collection);
  if (typeof row?.table_name !== 'string') throw new Error(`no table for ${collection}`);
  return row.table_name;
}

const planOf = (sqlite: DatabaseSync, sql: string, ...params: string[]) =>
  sqlite
    .prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .all(...params)
    .map((r) => String(r.detail));

// Rows with string ids (the driver's default row type expects ObjectIds).
const rowsOf = (name: string) => db.collection<{ _id: string } & Document>(name);
const ids = (docs: Document[]) => docs.map((d) => String(d._id)).sort();

describe('lookups by _id', () => {
  const early = 'idx_early';
  beforeAll(async () => {
    await rowsOf(early).insertMany(Array.from({ length: 50 }, (_, i) => ({ _id: `k${i}`, i })));
  });

  onEmbedded('explain of a find by a string or ObjectId _id, alone or with more conditions, reports an index search', async () => {
    const oid = new ObjectId();
    await db.collection('idx_oid').insertOne({ _id: oid, v: 1 });
    for (const [collection, filter] of [
      [early, { _id: 'k7' }],
      [early, { i: 7, _id: 'k7' }],
      ['idx_oid', { _id: oid }],
      ['idx_oid', { _id: oid, v: { $exists: true } }],
    ] as const) {
      const plan = await explainFind(collection, filter);
      expect(plan.filterPushdown).toBe(true);
      expect(plan.queryPlanner?.Plan?.join('\n')).toMatch(/SEARCH \S+ USING INDEX \S+__id_ \(<expr>=\?\)/);
    }
  });

  onEmbedded('the _id index is FerretDB 1.24’s own, and its lookups, updates and deletes search it', async () => {
    const late = 'idx_late';
    await rowsOf(late).insertOne({ _id: 'x' });
    const sqlite = openSqlite();
    try {
      for (const collection of [early, late]) {
        const table = tableOf(sqlite, collection);
        // The exact statement an unpatched FerretDB 1.24 made: databases created before the patch hold this index.
        const ddl = sqlite.prepare(`SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?`).get(`${table}__id_`);
        expect(ddl?.sql).toBe(`CREATE UNIQUE INDEX "${table}__id_" ON "${table}" (_ferretdb_sjson->"_id")`);
        // The statements the patched FerretDB issues for find, update and delete by _id.
        const search = `SEARCH ${table} USING INDEX ${table}__id_ (<expr>=?)`;
        expect(planOf(sqlite, `SELECT _ferretdb_sjson FROM "${table}" WHERE _ferretdb_sjson->"_id" = ?`, '"k1"')).toEqual([search]);
        expect(planOf(sqlite, `UPDATE "${table}" SET _ferretdb_sjson = ? WHERE _ferretdb_sjson->"_id" = ?`, '{}', '"k1"')).toEqual([search]);
        expect(planOf(sqlite, `DELETE FROM "${table}" WHERE _ferretdb_sjson->"_id" IN (?, ?)`, '"k1"', '"k2"')).toEqual([search]);
        // What it issued before the patch: a scan.
        expect(planOf(sqlite, `SELECT _ferretdb_sjson FROM "${table}" WHERE _ferretdb_sjson->'$._id' = ?`, '"k1"')).toEqual([`SCAN ${table}`]);
      }
    } finally {
      sqlite.close();
    }
  });

  it('finds, updates, upserts and deletes by _id as before', async () => {
    const rows = rowsOf(early);
    expect(await rows.findOne({ _id: 'k3' })).toEqual({ _id: 'k3', i: 3 });
    expect((await rows.updateOne({ _id: 'k3' }, { $set: { i: 33 } })).modifiedCount).toBe(1);
    expect(await rows.findOne({ _id: 'k3' })).toEqual({ _id: 'k3', i: 33 });
    expect((await rows.updateOne({ _id: 'new' }, { $set: { i: -1 } }, { upsert: true })).upsertedId).toBe('new');
    expect((await rows.deleteOne({ _id: 'k4' })).deletedCount).toBe(1);
    expect((await rows.deleteMany({ _id: { $in: ['k5', 'k6', 'missing'] } })).deletedCount).toBe(2);
    expect(await rows.findOne({ _id: 'k4' })).toBeNull();
    expect(await rows.countDocuments()).toBe(48);
  });

  it('applies the other conditions of a filter on _id as before', async () => {
    const rows = rowsOf(early);
    expect(await rows.findOne({ _id: 'k8', i: 8 })).toEqual({ _id: 'k8', i: 8 });
    expect(await rows.findOne({ _id: 'k8', i: 9 })).toBeNull();
    expect((await rows.updateOne({ _id: 'k8', i: { $gt: 8 } }, { $set: { i: 0 } })).matchedCount).toBe(0);
    expect((await rows.updateOne({ _id: 'k8', i: { $lte: 8 } }, { $set: { i: 80 } })).modifiedCount).toBe(1);
    expect((await rows.deleteOne({ _id: 'k9', i: 10 })).deletedCount).toBe(0);
    expect((await rows.deleteOne({ _id: 'k9', i: 9 })).deletedCount).toBe(1);
    expect(await rows.findOneAndUpdate({ _id: 'k10', done: { $exists: false } }, { $set: { done: true } })).toEqual({ _id: 'k10', i: 10 });
    expect(await rows.findOneAndUpdate({ _id: 'k10', done: { $exists: false } }, { $set: { done: true } })).toBeNull();
    expect(await rows.countDocuments({ _id: 'k8', $or: [{ i: 80 }, { i: -1 }] })).toBe(1);
  });
});

describe('lookups by a list of _ids', () => {
  const coll = 'idx_in';
  beforeAll(async () => {
    await rowsOf(coll).insertMany(Array.from({ length: 30 }, (_, i) => ({ _id: `r${i}`, i })));
  });

  onEmbedded('explain of {_id: {$in: [strings]}} reports one search of the _id index', async () => {
    const plan = await explainFind(coll, { _id: { $in: ['r1', 'r2', 'missing'] } });
    expect(plan.filterPushdown).toBe(true);
    expect(plan.queryPlanner?.Plan?.join('\n')).toMatch(/SEARCH \S+ USING INDEX \S+__id_ \(<expr>=\?\)/);
  });

  it.each<[string, Document, string[]]>([
    ['strings, some missing', { _id: { $in: ['r1', 'r2', 'missing'] } }, ['r1', 'r2']],
    ['one id', { _id: { $in: ['r3'] } }, ['r3']],
    ['with another condition', { _id: { $in: ['r4', 'r5'] }, i: 5 }, ['r5']],
    ['mixed with a number (not pushed down)', { _id: { $in: ['r6', 7] } }, ['r6']],
    ['with a regular expression (not pushed down)', { _id: { $in: [/^r1[01]$/] } }, ['r10', 'r11']],
    ['empty', { _id: { $in: [] } }, []],
  ])('%s finds what it found before', async (_name, filter, expected) => {
    expect(ids(await rowsOf(coll).find(filter).toArray())).toEqual(expected);
  });

  onEmbedded('a list with anything but strings and ObjectIds is not pushed down', async () => {
    for (const filter of [{ _id: { $in: ['r6', 7] } }, { _id: { $in: [/^r/] } }, { _id: { $nin: ['r1'] } }, { _id: { $in: [] } }]) {
      expect((await explainFind(coll, filter)).filterPushdown).toBe(false);
    }
  });
});

describe('expiry sweeps', () => {
  const coll = 'idx_expiring';
  const hour = 3_600_000;

  beforeAll(async () => {
    const now = Date.now();
    await rowsOf(coll).createIndex({ expiresAt: 1 }, { name: 'expiresAt_1' });
    await rowsOf(coll).insertMany([
      { _id: 'expired-now', expiresAt: new Date(now - 1000) },
      { _id: 'expired-hour', expiresAt: new Date(now - hour) },
      { _id: 'expired-epoch', expiresAt: new Date(0) }, // the clients service's born-expired placeholder
      { _id: 'expired-in-array', expiresAt: [new Date(now + hour), new Date(now - hour)] },
      { _id: 'future', expiresAt: new Date(now + hour) },
      { _id: 'far-future', expiresAt: new Date(now + 1000 * 24 * hour) },
      { _id: 'no-expiry' },
      { _id: 'null-expiry', expiresAt: null },
    ]);
  });

  onEmbedded('explain of {expiresAt: {$lte|$lt: date}} reports the filter pushed down to the expiresAt index', async () => {
    for (const op of ['$lte', '$lt']) {
      const plan = await explainFind(coll, { expiresAt: { [op]: new Date() } });
      expect(plan.filterPushdown).toBe(true);
      const lines = plan.queryPlanner?.Plan ?? [];
      expect(lines.some((l) => /SEARCH \S+ USING INDEX \S+_expiresAt_1 \(<expr><\?\)/.test(l))).toBe(true);
      expect(lines.some((l) => l.includes('detail=SCAN '))).toBe(false);
    }
  });

  it('deleteMany({expiresAt: {$lte: now}}) removes exactly the expired rows', async () => {
    const { deletedCount } = await rowsOf(coll).deleteMany({ expiresAt: { $lte: new Date() } });
    expect(deletedCount).toBe(4);
    expect(ids(await rowsOf(coll).find({}).toArray())).toEqual(['far-future', 'future', 'no-expiry', 'null-expiry']);
  });
});

describe('filters that are not pushed down', () => {
  const coll = 'idx_mixed';
  const now = Date.now();
  const past = new Date(now - 3_600_000);
  const future = new Date(now + 3_600_000);

  beforeAll(async () => {
    for (const key of ['s', 'n', 'expiresAt']) await rowsOf(coll).createIndex({ [key]: 1 });
    await rowsOf(coll).insertMany([
      { _id: 'a', s: 'apple', n: 1, expiresAt: past, kind: 'a', meta: { at: past } },
      { _id: 'b', s: 'melon', n: 5, expiresAt: future, kind: 'a', meta: { at: future } },
      { _id: 'c', s: 'zebra', n: 10, expiresAt: new Date('1990-01-01T00:00:00Z'), kind: 'b' },
      { _id: 'd', s: 3, n: '4', expiresAt: 'yesterday', kind: 'b' },
    ]);
  });

  it.each<[string, Document, string[]]>([
    ['$lte on a string', { s: { $lte: 'm' } }, ['a']],
    ['$lte on a number', { n: { $lte: 5 } }, ['a', 'b']],
    ['a date range with a second field', { expiresAt: { $lte: new Date(now) }, kind: 'a' }, ['a']],
    ['$lte on a date before 2001', { expiresAt: { $lte: new Date('2000-01-01T00:00:00Z') } }, ['c']],
    ['$gt on a date', { expiresAt: { $gt: new Date(now) } }, ['b']],
    ['$lte on a nested date', { 'meta.at': { $lte: new Date(now) } }, ['a']],
  ])('%s matches as before', async (_name, filter, expected) => {
    expect(ids(await rowsOf(coll).find(filter).toArray())).toEqual(expected);
    if (sqliteDir) expect((await explainFind(coll, filter)).filterPushdown).toBe(false);
  });
});

describe('a find looks up its one collection (command-overhead.patch)', () => {
  const name = (prefix: string) => `${prefix}_${randomBytes(6).toString('hex')}`;

  it('a find in a missing collection, or in a missing database, finds nothing', async () => {
    expect(await db.collection(name('absent')).find({ _id: 'x' as never }).toArray()).toEqual([]);
    const elsewhere = conn.getClient().db(name('nodb'));
    expect(await elsewhere.collection('t').find({}).toArray()).toEqual([]);
    expect((await conn.getClient().db().admin().listDatabases()).databases.map((d) => d.name)).not.toContain(elsewhere.databaseName);
  });

  it('a collection created among many is found by the next find, and listing shows every one', async () => {
    const names = Array.from({ length: 12 }, () => name('many'));
    for (const [i, n] of names.entries()) await db.collection<{ _id: string; n: number }>(n).insertOne({ _id: 'row', n: i });
    for (const [i, n] of names.entries()) expect(await db.collection(n).find({ _id: 'row' as never }).toArray()).toEqual([{ _id: 'row', n: i }]);
    const listed = (await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
    expect(listed).toEqual(expect.arrayContaining(names));
    await db.collection(names[0]!).drop();
    expect(await db.collection(names[0]!).find({}).toArray()).toEqual([]);
    expect((await db.listCollections({ name: names[0]! }).toArray()).length).toBe(0);
  });
});
