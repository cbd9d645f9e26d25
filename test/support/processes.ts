// Processes as an operator runs them (`npm start`, the entry script, the CLI) and the questions the process-life
// tests ask about them: is this port still open, is this pid still alive. Every wait polls, bounded, without sleeps.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TEST_HASHING } from './hashing.ts';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const NODE = join(ROOT, 'node_modules', '.bin', 'node');

export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function portOpen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The environment of a server on its own embedded database: nothing of the developer's own leaks in. */
export function serverEnv(extra: Record<string, string>): Record<string, string> {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'];
  return {
    ...Object.fromEntries(keep.flatMap((k) => (process.env[k] ? [[k, process.env[k] as string]] : []))),
    NODE_ENV: 'test',
    DEMO: 'false',
    PORT: '0',
    ...TEST_HASHING,
    LOG_LEVEL: 'warn',
    COOKIE_KEYS: randomBytes(32).toString('base64url'),
    DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    ...extra,
  };
}

export interface Launched {
  child: ChildProcess;
  output(): string;
  /** Resolves with the first match of the pattern in the output; rejects if the process ends first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** The HTTP port from the line the server prints once it listens. */
  listening(timeoutMs?: number): Promise<number>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts a command in a process group of its own, as a terminal would: a signal to -pid reaches all of it. */
export function launch(command: string, args: string[], env: Record<string, string>): Launched {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal })),
  );
  let ended = false;
  void exited.then(() => (ended = true));
  const waitFor = async (pattern: RegExp, timeoutMs = 45_000) => {
    let match: RegExpMatchArray | null = null;
    await waitUntil(`the output matches ${pattern}`, () => {
      match = log.match(pattern);
      if (!match && ended) throw new Error(`the process exited before printing ${pattern}`);
      return match !== null;
    }, timeoutMs).catch((err: Error) => {
      throw new Error(`${err.message}\n--- output ---\n${log}`);
    });
    return match!;
  };
  return {
    child,
    output: () => log,
    waitFor,
    listening: async (timeoutMs) => Number((await waitFor(/ciam listening on http:\/\/127\.0\.0\.1:(\d+)/, timeoutMs))[1]),
    exited,
  };
}

/** Kills whatever of a launched process group is still running: for afterAll, after a test failed half-way. */
export function killGroup(launched: Launched | undefined): void {
  if (!launched?.child.pid) return;
  try {
    process.kill(-launched.child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
