// Natural batching of inserts and lookups by _id (adapters/batched-rows.ts), on the real store: concurrent commands
// go together while others are in flight, and each caller still gets exactly its own result.
import { randomBytes } from 'node:crypto';
import mongoose, { type Connection } from 'mongoose';
import type { Collection, CommandStartedEvent } from 'mongodb';
import { createBatchedRows } from '../../adapters/batched-rows.ts';
import type { WireDocument } from '../../adapters/wire.ts';
import { isDuplicateKey } from '../../src/db/duplicate-key.ts';
import { testDatabaseUri } from '../support/db.ts';

const id = () => randomBytes(12).toString('base64url');

let conn: Connection;
let rows: Collection<WireDocument>;
let commands: CommandStartedEvent[] = [];

beforeAll(async () => {
  conn = mongoose.createConnection(testDatabaseUri(), { serverSelectionTimeoutMS: 5_000, autoIndex: false, monitorCommands: true });
  await conn.asPromise();
  conn.getClient().on('commandStarted', (e: CommandStartedEvent) => {
    if (e.commandName === 'insert' || e.commandName === 'find') commands.push(e);
  });
  rows = conn.db!.collection<WireDocument>(`batching_${id().replace(/[^a-z0-9]/gi, '')}`);
  await rows.insertOne({ _id: 'seed', payload: {} });
});

afterAll(async () => {
  await conn.dropDatabase().catch(() => {});
  await conn.close();
});

beforeEach(() => {
  commands = [];
});

describe('batched inserts', () => {
  it('send what arrives while others are in flight together, and every document is written', async () => {
    const batched = createBatchedRows(rows, { inFlight: 1 });
    const docs = Array.from({ length: 20 }, () => ({ _id: id(), payload: { n: 1 } }));
    await Promise.all(docs.map((d) => batched.insert(d)));
    // The first leaves alone; the other 19 waited for it and went in one command.
    expect(commands.map((c) => (c.command.documents as unknown[]).length)).toEqual([1, 19]);
    expect(await rows.countDocuments({ _id: { $in: docs.map((d) => d._id) } })).toBe(20);
  });

  it('reject only the caller whose document hit a duplicate key; the others are written', async () => {
    const batched = createBatchedRows(rows, { inFlight: 1 });
    const taken = id();
    await rows.insertOne({ _id: taken, payload: { first: true } });
    commands = [];
    const fresh = [id(), id()];
    const results = await Promise.allSettled([
      batched.insert({ _id: id(), payload: {} }), // goes alone, so the next three share one command
      batched.insert({ _id: fresh[0]!, payload: {} }),
      batched.insert({ _id: taken, payload: { second: true } }),
      batched.insert({ _id: fresh[1]!, payload: {} }),
    ]);
    expect(commands.map((c) => (c.command.documents as unknown[]).length)).toEqual([1, 3]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(isDuplicateKey((results[2] as PromiseRejectedResult).reason)).toBe(true);
    expect(await rows.countDocuments({ _id: { $in: fresh } })).toBe(2);
    expect((await rows.findOne({ _id: taken }))?.payload).toEqual({ first: true });
  });

  it('send a lone insert at once when nothing is in flight', async () => {
    const batched = createBatchedRows(rows);
    await batched.insert({ _id: id(), payload: {} });
    await batched.insert({ _id: id(), payload: {} });
    expect(commands.map((c) => (c.command.documents as unknown[]).length)).toEqual([1, 1]);
  });
});

describe('batched lookups by _id', () => {
  it('answer each caller with its own rows, in one command for those that waited', async () => {
    const docs = Array.from({ length: 6 }, (_, n) => ({ _id: id(), payload: { n } }));
    await rows.insertMany(docs);
    commands = [];
    const batched = createBatchedRows(rows, { inFlight: 1 });
    const missing = id();
    const [a, b, c, d] = await Promise.all([
      batched.findByIds([docs[0]!._id]),
      batched.findByIds([docs[1]!._id, docs[2]!._id]),
      batched.findByIds([missing]),
      batched.findByIds([docs[3]!._id, missing]),
    ]);
    expect(commands).toHaveLength(2);
    expect(a!.map((r) => r.payload.n)).toEqual([0]);
    expect(b!.map((r) => r.payload.n).sort()).toEqual([1, 2]);
    expect(c).toEqual([]);
    expect(d!.map((r) => r.payload.n)).toEqual([3]);
  });

  it('give two callers of one row a copy each, so that one changing it leaves the other as read', async () => {
    const row = { _id: id(), payload: { consumed: 1 } };
    await rows.insertOne(row);
    const batched = createBatchedRows(rows, { inFlight: 1 });
    const [, first, second] = await Promise.all([batched.findByIds(['seed']), batched.findByIds([row._id]), batched.findByIds([row._id])]);
    delete first![0]!.payload.consumed;
    expect(second![0]!.payload).toEqual({ consumed: 1 });
  });

  it('see a write that finished before the lookup was asked for', async () => {
    const batched = createBatchedRows(rows, { inFlight: 1 });
    const fresh = id();
    const slow = batched.findByIds(['seed']);
    await batched.insert({ _id: fresh, payload: { here: true } });
    expect((await batched.findByIds([fresh]))[0]?.payload).toEqual({ here: true });
    await slow;
  });

  it('reject every waiting caller when the command fails, and keep serving afterwards', async () => {
    const broken = createBatchedRows(conn.db!.collection<WireDocument>('$bad'), { inFlight: 1 });
    const results = await Promise.allSettled([broken.findByIds(['a']), broken.findByIds(['b'])]);
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    const batched = createBatchedRows(rows, { inFlight: 1 });
    expect(await batched.findByIds(['seed'])).toHaveLength(1);
  });
});
