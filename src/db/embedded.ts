// Starts the embedded MongoDB-compatible database (FerretDB on SQLite) as a child process and stops it on exit.
// Used when MONGODB_URI is unset, by the server, the CLI and the tests alike.
//
// The database lives exactly as long as the process that started it: it runs in a process group of its own (so a
// Ctrl-C at the terminal reaches the server, which drains its requests before stopping the database) and watches a
// pipe from its launcher, exiting when that closes, even after a kill -9 (tools/ferretdb/main.go). A database already
// listening on the port is adopted only when it provably serves the same data folder (./embedded-identity.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { folderId, lockHolder, probe, refusal, servesFolder, stoppingFolder, writeIdentity } from './embedded-identity.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FERRETDB_BINARY = join(root, '.bin', 'ferretdb');

// tools/ferretdb/main.go exits with this code when another process holds the data folder's lock.
const EXIT_LOCKED = 3;
// Long enough for a database whose launcher just died to finish closing SQLite and let go of the folder.
const LOCK_WAIT = '10s';

export interface EmbeddedDatabase {
  uri: string;
  port: number;
  /** The database's process id. */
  pid?: number;
  /** True when this process started the server; false when it adopted the one serving the same data folder. */
  owned: boolean;
  stop(): Promise<void>;
}

/** The port is taken by something that is not this data folder's database, or the folder by a database elsewhere. */
export class EmbeddedDatabaseConflict extends Error {
  override name = 'EmbeddedDatabaseConflict';
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket: Socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function closes(port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (await canConnect(port)) {
    if (Date.now() > deadline) return false;
    await pause(100);
  }
  return true;
}

/**
 * The database of this folder on this port, if one runs. Its launcher writes the identity document a moment after
 * the database starts listening: while the folder's lock names the pid on the port, give it that moment.
 */
async function adoptable(
  port: number,
  dir: string,
  id: string,
): Promise<{ ours: true; pid: number } | { ours: false; stopping: boolean; why: string }> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const found = await probe(port);
    if (servesFolder(found, dir, id)) return { ours: true, pid: found.pid! };
    if (stoppingFolder(found, dir, id)) {
      const why = `the database of ${dir} on 127.0.0.1:${port} is stopping but still listened after 10 s: try again in a moment`;
      return { ours: false, stopping: true, why };
    }
    const starting = found.pid !== undefined && lockHolder(dir)?.pid === found.pid;
    if (!starting || Date.now() > deadline) return { ours: false, stopping: false, why: refusal(found, port, dir) };
    await pause(200);
  }
}

function adopted(uri: string, port: number, pid: number): EmbeddedDatabase {
  return { uri, port, pid, owned: false, stop: async () => {} };
}

/**
 * Starts FerretDB on 127.0.0.1:port with its data in dir. When a database already answers on that port (the server's,
 * while the CLI runs) it is used and left running if it serves this data folder; anything else there is refused with
 * an EmbeddedDatabaseConflict saying what it is. reuse: false always starts a new one (tests, with port 0).
 */
export async function startEmbeddedDatabase(opts: {
  dir: string;
  port: number;
  database?: string;
  reuse?: boolean;
  timeoutMs?: number;
}): Promise<EmbeddedDatabase> {
  const database = opts.database ?? 'ciam';
  const uriFor = (port: number) => `mongodb://127.0.0.1:${port}/${database}`;
  mkdirSync(resolve(opts.dir), { recursive: true, mode: 0o700 });
  const dir = realpathSync(resolve(opts.dir));
  const id = folderId(dir);
  const reuse = opts.reuse !== false && opts.port !== 0;

  if (reuse && (await canConnect(opts.port))) {
    const verdict = await adoptable(opts.port, dir, id);
    if (verdict.ours) return adopted(uriFor(opts.port), opts.port, verdict.pid);
    // One whose launcher just died (kill -9) closes within moments: start afresh once it has.
    if (!verdict.stopping || !(await closes(opts.port, 10_000))) throw new EmbeddedDatabaseConflict(verdict.why);
  }
  if (!existsSync(FERRETDB_BINARY)) {
    throw new Error(`embedded database not built: run "node scripts/ensure-ferretdb.mjs" (needs Go) or set MONGODB_URI`);
  }
  const port = opts.port === 0 ? await freePort() : opts.port;
  const child = spawn(
    FERRETDB_BINARY,
    ['-listen', `127.0.0.1:${port}`, '-dir', dir, '-log-level', 'error', '-exit-with-stdin', '-lock-wait', LOCK_WAIT],
    // stdin: the pipe whose end tells the database we are gone. detached: a process group of its own.
    { stdio: ['pipe', 'ignore', 'inherit'], detached: true },
  );
  const onExit = () => child.kill('SIGTERM');
  process.once('exit', onExit);

  let outcome: 'started' | { adopt: number };
  try {
    outcome = await waitUntilServing({ port, dir, id, child, reuse, timeoutMs: opts.timeoutMs ?? 15_000 });
    if (outcome === 'started') await writeIdentity(port, { folderId: id, dir, pid: child.pid! });
  } catch (err) {
    process.removeListener('exit', onExit);
    child.kill('SIGKILL');
    throw err;
  }
  if (outcome !== 'started') {
    // Another launcher started this folder's database on our port while ours waited for the folder's lock.
    process.removeListener('exit', onExit);
    child.kill('SIGTERM');
    return adopted(uriFor(port), port, outcome.adopt);
  }

  return {
    uri: uriFor(port),
    port,
    pid: child.pid,
    owned: true,
    stop: () =>
      new Promise<void>((done) => {
        process.removeListener('exit', onExit);
        if (child.exitCode !== null || child.signalCode !== null) return done();
        const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(force);
          done();
        });
        child.kill('SIGTERM');
      }),
  };
}

/**
 * Until our child answers on the port with its own pid. Something else answering there may be this folder's database
 * started by another launcher a moment earlier (adopt it when reuse is allowed); otherwise our child fails to listen.
 */
async function waitUntilServing(w: {
  port: number;
  dir: string;
  id: string;
  child: ChildProcess;
  reuse: boolean;
  timeoutMs: number;
}): Promise<'started' | { adopt: number }> {
  const { port, dir, child } = w;
  const deadline = Date.now() + w.timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      if (child.exitCode === EXIT_LOCKED) {
        const holder = lockHolder(dir);
        throw new EmbeddedDatabaseConflict(
          `the data folder ${dir} is in use by another embedded database` +
            `${holder ? ` (pid ${holder.pid} on ${holder.listen})` : ''}; ` +
            `stop it, or use the same EMBEDDED_DB_PORT as that instance, or another EMBEDDED_DB_DIR`,
        );
      }
      if (await canConnect(port)) throw new EmbeddedDatabaseConflict(refusal(await probe(port), port, dir));
      throw new Error(`embedded database exited with code ${child.exitCode}`);
    }
    if (await canConnect(port)) {
      const found = await probe(port, 1_000);
      if (found.pid === child.pid) return 'started';
      if (w.reuse && found.pid !== undefined && servesFolder(found, dir, w.id)) return { adopt: found.pid };
    }
    await pause(100);
  }
  throw new Error(`embedded database did not listen on 127.0.0.1:${port} within ${w.timeoutMs} ms`);
}

export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((done, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
