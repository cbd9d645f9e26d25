// Runs the real server as a child process, exactly as an operator would, so the end-to-end suite sees only what a
// relying party sees: HTTP on 127.0.0.1. The CLI runs against the same configuration and database.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mongoose from 'mongoose';
import { freePort } from '../../src/db/embedded.ts';
import { testDatabaseUri } from './db.ts';
import { TEST_HASHING } from './hashing.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const NODE = join(root, 'node_modules', '.bin', 'node');

export const RESOURCE = 'https://api.example.test';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface TestServer {
  issuer: string;
  port: number;
  env: Readonly<Record<string, string>>;
  /** Everything the server printed so far (stdout and stderr interleaved). */
  output(): string;
  /** Runs the CLI with the server's configuration; resolves with its parsed JSON, rejects on a non-zero exit. */
  cli<T = Record<string, unknown>>(args: string[]): Promise<T>;
  cliRaw(args: string[]): Promise<CliResult>;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** A database of the caller's own (e.g. a private embedded server); by default a fresh one on the run's server. */
  mongodbUri?: string;
  /** Extra or overriding environment, e.g. { AUTHORIZATION_CODE_TTL: '1' }. */
  env?: Record<string, string>;
  timeoutMs?: number;
}

// Only what the processes need from the outside: the developer's own MONGODB_URI, TTLs etc. must not leak in.
function baseEnv(): Record<string, string> {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'];
  return Object.fromEntries(keep.flatMap((k) => (process.env[k] ? [[k, process.env[k] as string]] : [])));
}

function run(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

async function waitReady(issuer: string, child: ChildProcess, output: () => string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`server exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${output()}`);
    }
    try {
      const res = await fetch(`${issuer}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (res.status === 200) return;
      last = `GET /readyz -> ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server not ready within ${timeoutMs} ms (${last}):\n${output()}`);
}

export async function startServer(opts: StartOptions = {}): Promise<TestServer> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const ownDatabase = opts.mongodbUri === undefined;
  const mongodbUri = opts.mongodbUri ?? testDatabaseUri();
  const env: Record<string, string> = {
    ...baseEnv(),
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    ISSUER: issuer,
    MONGODB_URI: mongodbUri,
    COOKIE_KEYS: `${randomBytes(32).toString('base64url')},${randomBytes(32).toString('base64url')}`,
    DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    DEMO: 'false',
    LOG_LEVEL: 'warn',
    RESOURCES: JSON.stringify({ [RESOURCE]: { scope: 'orders:read orders:write' } }),
    KEYS_REFRESH_SECONDS: '1',
    // The back-channel logout receiver listens on 127.0.0.1, which oidc-provider's SSRF guard refuses by default.
    ALLOW_PRIVATE_NETWORK_REQUESTS: 'true',
    ...TEST_HASHING,
    ...opts.env,
  };

  let log = '';
  const child = spawn(NODE, ['src/main.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const output = () => log;
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);

  const stop = async () => {
    process.removeListener('exit', kill);
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    if (ownDatabase) {
      const conn = mongoose.createConnection(mongodbUri, { serverSelectionTimeoutMS: 2_000 });
      await conn.asPromise().then(() => conn.dropDatabase()).catch(() => {});
      await conn.close().catch(() => {});
    }
  };

  try {
    await waitReady(issuer, child, output, opts.timeoutMs ?? 30_000);
  } catch (err) {
    await stop();
    throw err;
  }

  const cliRaw = (args: string[]) => run(['src/cli/main.ts', ...args], env);
  return {
    issuer,
    port,
    env,
    output,
    stop,
    cliRaw,
    async cli<T>(args: string[]): Promise<T> {
      const r = await cliRaw(args);
      if (r.code !== 0) throw new Error(`ciam ${args.join(' ')} exited ${r.code}:\n${r.stderr}${r.stdout}`);
      try {
        return JSON.parse(r.stdout) as T;
      } catch {
        throw new Error(`ciam ${args.join(' ')} printed no JSON:\n${r.stdout}\n${r.stderr}`);
      }
    },
  };
}

/**
 * `test` that, when the body fails, appends what the server logged meanwhile to the error: the cause of a 500 or a
 * refused grant is usually in the server's log, not in the response.
 */
export function serverTest(server: () => TestServer | undefined) {
  return (name: string, fn: () => Promise<void>, timeout?: number) =>
    test(
      name,
      async () => {
        const from = server()?.output().length ?? 0;
        try {
          await fn();
        } catch (err) {
          const logged = server()?.output().slice(from).trim();
          if (logged && err instanceof Error) err.message += `\n\n--- server log during this test ---\n${logged}`;
          throw err;
        }
      },
      timeout,
    );
}
