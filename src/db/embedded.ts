// Starts the embedded MongoDB-compatible database (FerretDB on SQLite) as a child process and stops it on exit.
// Used when MONGODB_URI is unset, by the server, the CLI and the tests alike.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FERRETDB_BINARY = join(root, '.bin', 'ferretdb');

export interface EmbeddedDatabase {
  uri: string;
  port: number;
  /** True when this process started the server; false when one was already listening on the port. */
  owned: boolean;
  stop(): Promise<void>;
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

async function waitFor(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`embedded database exited with code ${child.exitCode}`);
    if (await canConnect(port)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`embedded database did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
}

/**
 * Starts FerretDB on 127.0.0.1:port with its data in dir, unless something already listens there (another
 * process of ours, e.g. the server while the CLI runs): then that one is reused and left running.
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
  if (opts.reuse !== false && opts.port !== 0 && (await canConnect(opts.port))) {
    return { uri: uriFor(opts.port), port: opts.port, owned: false, stop: async () => {} };
  }
  if (!existsSync(FERRETDB_BINARY)) {
    throw new Error(`embedded database not built: run "node scripts/ensure-ferretdb.mjs" (needs Go) or set MONGODB_URI`);
  }
  const port = opts.port === 0 ? await freePort() : opts.port;
  const dir = resolve(opts.dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const child = spawn(FERRETDB_BINARY, ['-listen', `127.0.0.1:${port}`, '-dir', dir, '-log-level', 'error'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const onExit = () => child.kill('SIGTERM');
  process.once('exit', onExit);
  try {
    await waitFor(port, child, opts.timeoutMs ?? 15_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    uri: uriFor(port),
    port,
    owned: true,
    stop: () =>
      new Promise<void>((done) => {
        process.removeListener('exit', onExit);
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
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
