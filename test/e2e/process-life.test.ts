// `npm start` as an operator runs it, on an embedded database of its own: signals stop the server and the database,
// a kill -9 leaves nothing running, the CLI shares the server's database, another folder's database on the port is
// refused, and WEB_CONCURRENCY=2 serves from two processes that are replaced when they die and stopped together.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FERRETDB_BINARY, freePort, startEmbeddedDatabase, type EmbeddedDatabase } from '../../src/db/embedded.ts';
import { alive, killGroup, launch, NODE, portOpen, serverEnv, waitUntil, type Launched } from '../support/processes.ts';

const it = existsSync(FERRETDB_BINARY) ? test : test.skip;

const folders: string[] = [];
const started: Launched[] = [];
let foreign: EmbeddedDatabase | undefined;

afterAll(async () => {
  for (const l of started) killGroup(l);
  await foreign?.stop();
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

// The launcher names folders by their real path (tmpdir() may be a symlink).
const scratch = (prefix: string) => {
  const dir = mkdtempSync(join(realpathSync(tmpdir()), prefix));
  folders.push(dir);
  return dir;
};

async function embeddedEnv(extra: Record<string, string> = {}) {
  const dir = scratch('ciam-life-');
  const dbDir = join(dir, 'db');
  return { dbDir, dbPort: await freePort(), env: (more: Record<string, string> = {}) => serverEnv({ EMBEDDED_DB_DIR: dbDir, ...extra, ...more }) };
}

function npmStart(env: Record<string, string>): Launched {
  const l = launch('npm', ['start'], env);
  started.push(l);
  return l;
}

/** The embedded database's pid, as its folder's lock file names it. */
function databasePid(dbDir: string): number {
  return (JSON.parse(readFileSync(join(dbDir, 'ferretdb.lock'), 'utf8')) as { pid: number }).pid;
}

async function expectAllGone(ports: number[], pids: number[]): Promise<void> {
  for (const port of ports) await waitUntil(`port ${port} is closed`, async () => !(await portOpen(port)));
  for (const pid of pids) await waitUntil(`pid ${pid} has exited`, () => !alive(pid));
}

/** GET on a connection of its own (no keep-alive), so that the cluster hands each request to a worker afresh. */
function getOnce(port: number, path: string): Promise<number> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume();
      res.once('end', () => done(res.statusCode ?? 0));
    });
    req.once('error', fail);
    req.end();
  });
}

/** The pids that logged a request for this path (each worker's log lines carry its pid). */
function servingPids(output: string, path: string): Set<number> {
  const pids = new Set<number>();
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { msg?: string; path?: string; pid?: number };
    if (entry.msg === 'request' && entry.path === path && entry.pid) pids.add(entry.pid);
  }
  return pids;
}

describe('npm start', () => {
  it.each([
    ['SIGTERM to npm alone', 'SIGTERM', false, { code: 0, signal: null }],
    ['SIGINT to the whole process group, as Ctrl-C in a terminal', 'SIGINT', true, { code: 0, signal: null }],
    // npm gone without a word: the server notices that its parent changed.
    ['SIGKILL to npm alone', 'SIGKILL', false, { code: null, signal: 'SIGKILL' }],
  ] as const)('%s stops the server and the database', async (_name, signal, group, exit) => {
    const { dbDir, dbPort, env } = await embeddedEnv();
    const server = npmStart(env({ EMBEDDED_DB_PORT: String(dbPort) }));
    const port = await server.listening();
    const dbPid = databasePid(dbDir);
    expect(await portOpen(dbPort)).toBe(true);

    const serverPid = Number(execFileSync('ps', ['-o', 'pid=', '--ppid', String(server.child.pid)], { encoding: 'utf8' }).trim());
    process.kill(group ? -server.child.pid! : server.child.pid!, signal);
    expect(await server.exited).toEqual(exit);
    await expectAllGone([port, dbPort], [serverPid, dbPid]);
  }, 60_000);

  it('shares its database with the CLI; after a kill -9 the database exits too, and the next start replaces it', async () => {
    const { dbDir, dbPort, env } = await embeddedEnv();
    const config = env({ EMBEDDED_DB_PORT: String(dbPort) });
    // The entry script itself, so that the pid killed is the server's.
    const first = launch(NODE, ['scripts/start.mjs'], config);
    started.push(first);
    await first.listening();
    const dbPid = databasePid(dbDir);

    const created = launch(NODE, ['src/cli/main.ts', 'clients', 'create', '--client-id', 'kept', '--grant-type', 'client_credentials'], config);
    expect((await created.exited).code).toBe(0);
    expect(JSON.parse(created.output())).toMatchObject({ clientId: 'kept' });
    // The CLI adopted the server's database and left it running.
    expect(alive(dbPid)).toBe(true);

    process.kill(first.child.pid!, 'SIGKILL');
    await first.exited;
    await expectAllGone([dbPort], [dbPid]);

    const second = npmStart(config);
    const port = await second.listening();
    expect(databasePid(dbDir)).not.toBe(dbPid);
    const listed = launch(NODE, ['src/cli/main.ts', 'clients', 'list'], config);
    expect((await listed.exited).code).toBe(0);
    expect(JSON.parse(listed.output())).toEqual(expect.arrayContaining([expect.objectContaining({ clientId: 'kept' })]));

    process.kill(second.child.pid!, 'SIGTERM');
    await second.exited;
    await expectAllGone([port, dbPort], []);
  }, 60_000);

  it('refuses the database of another data folder on EMBEDDED_DB_PORT and says what to do', async () => {
    const { dbDir: ours, dbPort, env } = await embeddedEnv();
    const theirs = scratch('ciam-theirs-');
    foreign = await startEmbeddedDatabase({ dir: theirs, port: dbPort });

    const server = npmStart(env({ EMBEDDED_DB_PORT: String(dbPort) }));
    const { code } = await server.exited;
    expect(code).not.toBe(0);
    expect(server.output()).toContain(
      `ciam failed to start: 127.0.0.1:${dbPort} (EMBEDDED_DB_PORT) answers as FerretDB (pid ${foreign.pid}), ` +
        `but it is not the embedded database of ${ours} (EMBEDDED_DB_DIR): it serves the data folder ${theirs}.`,
    );
    expect(server.output()).not.toMatch(/\n\s+at /);
    // Theirs is left alone.
    expect(alive(foreign.pid!)).toBe(true);
  }, 60_000);

  it('WEB_CONCURRENCY=2 serves from two processes, replaces one that dies, and stops them all', async () => {
    const { dbDir, dbPort, env } = await embeddedEnv();
    // The demo is seeded by the first worker alone: with two workers on a fresh database nothing may collide.
    const server = npmStart(env({ EMBEDDED_DB_PORT: String(dbPort), WEB_CONCURRENCY: '2', LOG_LEVEL: 'info', DEMO: 'true', DEMO_USER_PASSWORD: 'demo-password-1' }));
    const port = await server.listening(60_000);
    const dbPid = databasePid(dbDir);
    // The primary's log line goes through pino's asynchronous stream, the announcement straight to stdout: either may come first.
    await waitUntil('the primary logs its two workers', () => /"workers":2,"msg":"listening"/.test(server.output()), 30_000);

    const discovery = '/.well-known/openid-configuration';
    await waitUntil('two processes have served discovery', async () => {
      expect(await getOnce(port, discovery)).toBe(200);
      return servingPids(server.output(), discovery).size >= 2;
    }, 30_000);
    const workers = [...servingPids(server.output(), discovery)];
    expect(workers).toHaveLength(2);
    expect(server.output()).not.toMatch(/"level":50/);

    process.kill(workers[0]!, 'SIGKILL');
    await server.waitFor(/"msg":"worker died; starting another"/);
    await server.waitFor(/"msg":"replacement worker listening"/);
    await waitUntil('a replacement process serves discovery', async () => {
      expect(await getOnce(port, discovery)).toBe(200);
      return [...servingPids(server.output(), discovery)].some((pid) => !workers.includes(pid));
    }, 30_000);
    const all = [...servingPids(server.output(), discovery)];

    process.kill(server.child.pid!, 'SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    await expectAllGone([port, dbPort], [dbPid, ...all]);
  }, 90_000);
});
