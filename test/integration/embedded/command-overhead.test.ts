// The embedded store's FerretDB is built with a patch that looks up a find's one collection instead of listing them
// all (tools/ferretdb/patches/command-overhead.patch). Finds and collection listings answer as before: a find in a
// collection or database that does not exist finds nothing, a collection created a moment ago is found at once, and
// listing collections still lists every one. Runs on any server.
import { randomBytes } from 'node:crypto';
import type { Db } from 'mongodb';
import type { Connection } from 'mongoose';
import { dropAndClose, openTestConnection } from '../../support/db.ts';

let conn: Connection;
let db: Db;

beforeAll(async () => {
  conn = await openTestConnection();
  if (!conn.db) throw new Error('no database handle');
  db = conn.db;
});
afterAll(() => dropAndClose(conn));

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
