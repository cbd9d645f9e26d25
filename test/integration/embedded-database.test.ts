// The embedded database's life, at the launcher (src/db/embedded.ts): a database on the port is adopted only when it
// provably serves the same data folder, anything else there is refused with a message saying what it is, and a
// database never outlives the process that started it. (test/e2e/process-life.test.ts does the same through npm start.)
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { EmbeddedDatabaseConflict, FERRETDB_BINARY, freePort, startEmbeddedDatabase, type EmbeddedDatabase } from '../../src/db/embedded.ts';
import { alive, launch, NODE, portOpen, ROOT, waitUntil, type Launched } from '../support/processes.ts';

// Without the embedded build (tests against MONGODB_URI) there is nothing to launch.
const it = existsSync(FERRETDB_BINARY) ? test : test.skip;

const folders: string[] = [];
const running: EmbeddedDatabase[] = [];
const launched: Launched[] = [];

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ciam-embedded-'));
  folders.push(dir);
  return dir;
}

async function start(dir: string, port: number): Promise<EmbeddedDatabase> {
  const db = await startEmbeddedDatabase({ dir, port });
  running.push(db);
  return db;
}

afterAll(async () => {
  for (const l of launched) if (l.child.exitCode === null) l.child.kill('SIGKILL');
  for (const db of running) await db.stop();
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

async function withClient<T>(uri: string, fn: (client: MongoClient) => Promise<T>): Promise<T> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5_000 });
  try {
    await client.connect();
    return await fn(client);
  } finally {
    await client.close();
  }
}

describe('the embedded database', () => {
  it('adopts the database serving the same folder on the port and leaves it running', async () => {
    const dir = folder();
    const port = await freePort();
    const owner = await start(dir, port);
    expect(owner.owned).toBe(true);

    const again = await startEmbeddedDatabase({ dir, port });
    expect([again.owned, again.pid, again.uri]).toEqual([false, owner.pid, owner.uri]);
    await again.stop();
    expect(alive(owner.pid!)).toBe(true);
    expect(await portOpen(port)).toBe(true);
  });

  it('started by two launchers at once on one folder and port: one starts it, the other adopts it', async () => {
    const dir = folder();
    const port = await freePort();
    const both = await Promise.all([start(dir, port), start(dir, port)]);
    expect(both.map((db) => db.owned).sort()).toEqual([false, true]);
    expect(both[0].pid).toBe(both[1].pid);
  });

  it('refuses the database of another folder on the port, naming the folder it serves', async () => {
    const theirs = folder();
    const ours = folder();
    const port = await freePort();
    const other = await start(theirs, port);

    const refused = await startEmbeddedDatabase({ dir: ours, port }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(EmbeddedDatabaseConflict);
    expect((refused as Error).message).toContain(`127.0.0.1:${port} (EMBEDDED_DB_PORT) answers as FerretDB (pid ${other.pid})`);
    expect((refused as Error).message).toContain(`it serves the data folder ${theirs}`);
    expect((refused as Error).message).toMatch(/free EMBEDDED_DB_PORT .* or set MONGODB_URI/);
    expect(alive(other.pid!)).toBe(true);
  });

  it('refuses a database that serves a folder since deleted and re-created at the same path', async () => {
    const dir = folder();
    const port = await freePort();
    const old = await start(dir, port);
    rmSync(dir, { recursive: true, force: true });

    const refused = await startEmbeddedDatabase({ dir, port }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(EmbeddedDatabaseConflict);
    expect((refused as Error).message).toContain(`answers as FerretDB (pid ${old.pid}), but it is not the embedded database of ${dir}`);
  });

  it('refuses a port taken by something that is not a database', async () => {
    const http: Server = createServer((_req, res) => res.end('hello'));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const port = (http.address() as { port: number }).port;
    try {
      const refused = await startEmbeddedDatabase({ dir: folder(), port }).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(EmbeddedDatabaseConflict);
      expect((refused as Error).message).toBe(
        `Something that is not a usable MongoDB-compatible database listens on 127.0.0.1:${port} (EMBEDDED_DB_PORT). ` +
          'Stop it, or set EMBEDDED_DB_PORT to a free port.',
      );
    } finally {
      http.close();
    }
  });

  it('refuses a folder that a database on another port holds', async () => {
    const dir = folder();
    const holder = await start(dir, await freePort());
    const refused = await startEmbeddedDatabase({ dir, port: await freePort() }).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(EmbeddedDatabaseConflict);
    expect((refused as Error).message).toContain(`the data folder ${dir} is in use by another embedded database (pid ${holder.pid} on 127.0.0.1:${holder.port})`);
  }, 45_000);

  it("waits for this folder's database while it stops (its lock let go, still listening), then starts afresh", async () => {
    const dir = folder();
    const port = await freePort();
    const old = await startEmbeddedDatabase({ dir, port });
    const finds = () =>
      withClient(`mongodb://127.0.0.1:${port}`, async (c) => {
        const status = await c.db('admin').command({ serverStatus: 1 });
        return (status.metrics?.commands?.find?.total as number | undefined) ?? 0;
      });
    const before = await finds();
    // What tools/ferretdb/main.go does the moment it begins to stop.
    writeFileSync(join(dir, 'ferretdb.lock'), '');

    const next = startEmbeddedDatabase({ dir, port });
    // Once the launcher has looked (its probe reads the identity document), let the old one finish stopping.
    await waitUntil('the launcher has probed the stopping database', async () => (await finds()) > before);
    await old.stop();
    const fresh = await next;
    running.push(fresh);
    expect(fresh.owned).toBe(true);
    expect(fresh.pid).not.toBe(old.pid);
  });

  it('dies with the process that started it, even on kill -9; the next start replaces it and keeps the data', async () => {
    const dir = folder();
    const port = await freePort();
    const script =
      `const { startEmbeddedDatabase } = await import(${JSON.stringify(join(ROOT, 'src/db/embedded.ts'))});` +
      `const db = await startEmbeddedDatabase({ dir: ${JSON.stringify(dir)}, port: ${port} });` +
      `console.log('database pid ' + db.pid); setInterval(() => {}, 60_000);`;
    const parent = launch(NODE, ['--input-type=module', '-e', script], { PATH: process.env.PATH ?? '' });
    launched.push(parent);
    const pid = Number((await parent.waitFor(/database pid (\d+)/))[1]);
    await withClient(`mongodb://127.0.0.1:${port}/kept`, (c) => c.db().collection('rows').insertOne({ _id: 'row' as never }));

    parent.child.kill('SIGKILL');
    await waitUntil('the orphaned database has exited', () => !alive(pid));
    expect(await portOpen(port)).toBe(false);

    const next = await start(dir, port);
    expect(next.owned).toBe(true);
    expect(next.pid).not.toBe(pid);
    expect(await withClient(`mongodb://127.0.0.1:${port}/kept`, (c) => c.db().collection('rows').countDocuments())).toBe(1);
  });
});
