// Whether the database answering on a port is provably the one serving a given data folder, and if not, what it is.
// Three facts must agree: the pid the database reports (serverStatus), the pid in the folder's lock file (written by
// the process holding the folder's lock, tools/ferretdb/main.go), and an identity document inside the database that
// names the folder's random id, its path and that pid (written by the launcher that started it, src/db/embedded.ts).
// A clone of the folder elsewhere, another instance's folder, a leftover of a deleted folder or an unrelated MongoDB
// fail at least one of them.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';

const IDENTITY_DB = 'ciam_embedded';
const IDENTITY_ID = 'identity';

interface IdentityDoc {
  _id: string;
  folderId: string;
  dir: string;
  pid: number;
}

export interface Probe {
  /** False when nothing MongoDB-compatible answered (another kind of server, or a database that refused us). */
  mongo: boolean;
  pid?: number;
  /** "FerretDB", "FerretDB 1.24.0" or "MongoDB 8.0.4". */
  server?: string;
  identity?: Omit<IdentityDoc, '_id'>;
}

/** The folder's random id, created on first use. Survives restarts; a new folder at the same path gets a new one. */
export function folderId(dir: string): string {
  const path = join(dir, 'data-folder.id');
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  try {
    writeFileSync(path, randomBytes(16).toString('hex'), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    // Another launcher created it a moment ago: theirs is the folder's id.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return readFileSync(path, 'utf8').trim();
}

/** Who holds the folder's lock, as the holder wrote it; undefined when nobody does (or did not say). */
export function lockHolder(dir: string): { pid: number; listen: string } | undefined {
  try {
    const holder = JSON.parse(readFileSync(join(dir, 'ferretdb.lock'), 'utf8')) as { pid?: unknown; listen?: unknown };
    return typeof holder.pid === 'number' ? { pid: holder.pid, listen: String(holder.listen) } : undefined;
  } catch {
    return undefined;
  }
}

function client(port: number, timeoutMs: number): MongoClient {
  return new MongoClient(`mongodb://127.0.0.1:${port}/?directConnection=true`, {
    serverSelectionTimeoutMS: timeoutMs,
    connectTimeoutMS: timeoutMs,
    socketTimeoutMS: timeoutMs * 2,
  });
}

export async function probe(port: number, timeoutMs = 2_000): Promise<Probe> {
  const mongo = client(port, timeoutMs);
  try {
    await mongo.connect();
    const status = await mongo.db('admin').command({ serverStatus: 1 });
    const doc = await mongo
      .db(IDENTITY_DB)
      .collection<IdentityDoc>('identity')
      .findOne({ _id: IDENTITY_ID })
      .catch(() => null);
    // Our build has no release version file: its FerretDB reports "unknown".
    const ferret = typeof status.ferretdbVersion === 'string';
    const version = ferret ? status.ferretdbVersion : status.version;
    const server = `${ferret ? 'FerretDB' : 'MongoDB'}${version && version !== 'unknown' ? ` ${version}` : ''}`;
    return {
      mongo: true,
      server,
      ...(typeof status.pid === 'number' && { pid: status.pid }),
      ...(doc && { identity: { folderId: doc.folderId, dir: doc.dir, pid: doc.pid } }),
    };
  } catch {
    return { mongo: false };
  } finally {
    await mongo.close().catch(() => {});
  }
}

/** Records in the database that it serves this folder from this pid: done by the launcher that started it. */
export async function writeIdentity(port: number, identity: { folderId: string; dir: string; pid: number }): Promise<void> {
  const mongo = client(port, 5_000);
  try {
    await mongo.connect();
    await mongo
      .db(IDENTITY_DB)
      .collection<IdentityDoc>('identity')
      .replaceOne({ _id: IDENTITY_ID }, { ...identity }, { upsert: true });
  } finally {
    await mongo.close().catch(() => {});
  }
}

export function servesFolder(found: Probe, dir: string, id: string): boolean {
  return (
    found.pid !== undefined &&
    lockHolder(dir)?.pid === found.pid &&
    found.identity?.pid === found.pid &&
    found.identity.folderId === id &&
    found.identity.dir === dir
  );
}

/** This folder's database on its way out: it proves its identity but has already let go of the folder's lock. */
export function stoppingFolder(found: Probe, dir: string, id: string): boolean {
  return (
    found.pid !== undefined &&
    lockHolder(dir) === undefined &&
    found.identity?.pid === found.pid &&
    found.identity.folderId === id &&
    found.identity.dir === dir
  );
}

/** The operator's view of why the database on the port is not used, and what to do about it. */
export function refusal(found: Probe, port: number, dir: string): string {
  const where = `127.0.0.1:${port} (EMBEDDED_DB_PORT)`;
  if (!found.mongo) {
    return `Something that is not a usable MongoDB-compatible database listens on ${where}. Stop it, or set EMBEDDED_DB_PORT to a free port.`;
  }
  const what = `${found.server ?? 'a MongoDB-compatible database'}${found.pid ? ` (pid ${found.pid})` : ''}`;
  const holder = lockHolder(dir);
  const whose = found.identity?.dir && found.identity.dir !== dir
    ? `it serves the data folder ${found.identity.dir}`
    : holder && holder.pid !== found.pid
      ? `this data folder is held by pid ${holder.pid} on ${holder.listen}`
      : 'it cannot prove that it serves this data folder';
  return (
    `${where} answers as ${what}, but it is not the embedded database of ${dir} (EMBEDDED_DB_DIR): ${whose}. ` +
    `It is left alone and not used. Stop it if it is a leftover, or give this instance a free EMBEDDED_DB_PORT ` +
    `(and its own EMBEDDED_DB_DIR), or set MONGODB_URI to use that server on purpose.`
  );
}
