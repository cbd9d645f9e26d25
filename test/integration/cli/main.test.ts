// The real executable, as operators and the e2e suite run it: a child process reading its configuration from the
// environment, talking to the test database through createServices, printing JSON on stdout only.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { testDatabaseUri } from '../../support/db.ts';
import mongoose from 'mongoose';

const root = resolve(import.meta.dirname, '../../..');
const NODE = resolve(root, 'node_modules/.bin/node');
const MONGODB_URI = testDatabaseUri();
const env = {
  PATH: process.env.PATH,
  NODE_ENV: 'test',
  MONGODB_URI,
  COOKIE_KEYS: randomBytes(32).toString('hex'),
  DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
};

function ciam(args: string[], extraEnv: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(NODE, ['src/cli/main.ts', ...args], { cwd: root, env: { ...env, ...extraEnv }, timeout: 30_000 }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

afterAll(async () => {
  const conn = await mongoose.createConnection(MONGODB_URI).asPromise();
  await conn.dropDatabase();
  await conn.close();
});

describe('ciam executable', () => {
  it('prints usage without touching the database', async () => {
    const r = await ciam(['help'], { MONGODB_URI: 'mongodb://127.0.0.1:1/unreachable' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: ciam <command>/);
  });

  it('exits 2 with a clear message on bad input', async () => {
    const r = await ciam(['clients', 'create', '--client-id', 'x']);
    expect(r).toEqual({ code: 2, stdout: '', stderr: 'ciam: --grant-type is required (repeat it for several)\nRun "ciam help" for usage.\n' });
  });

  it('names bad configuration and exits 1', async () => {
    const r = await ciam(['clients', 'list'], { DATA_ENCRYPTION_KEY: 'too-short' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/DATA_ENCRYPTION_KEY: must be 32 bytes/);
  });

  it('manages clients, users and keys against the configured database, printing only JSON', async () => {
    const created = await ciam(['clients', 'create', '--client-id', 'cli-app', '--redirect-uri', 'https://app.example.com/cb', '--grant-type', 'authorization_code']);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ clientId: 'cli-app', clientSecret: expect.any(String) });

    const [listed, user, keys] = await Promise.all([
      ciam(['clients', 'list']),
      ciam(['users', 'create', '--email', 'cli@example.com', '--password', 'cli-password', '--name', 'Cli']),
      ciam(['keys', 'list']),
    ]);
    // The account center's and the console's built-in clients are listed too: they exist like any other.
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ clientId: 'ciam-account', responseTypes: ['none'] }),
      expect.objectContaining({ clientId: 'ciam-console', responseTypes: ['none'] }),
      expect.objectContaining({ clientId: 'cli-app' }),
    ]);
    expect(JSON.parse(user.stdout)).toMatchObject({ email: 'cli@example.com', name: 'Cli' });
    const states = (JSON.parse(keys.stdout) as { state: string }[]).map((k) => k.state);
    expect(states.filter((s) => s === 'current').length).toBeGreaterThanOrEqual(2);
    expect(states.length).toBe(states.filter((s) => s === 'current').length * 2);

    const dup = await ciam(['users', 'create', '--email', 'CLI@example.com', '--password', 'cli-password']);
    expect([dup.code, dup.stdout, dup.stderr]).toEqual([1, '', 'ciam: An account with this e-mail address already exists\n']);
  });

  it('issues an initial access token', async () => {
    const r = await ciam(['iat', 'create', '--expires-in', '120']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ initialAccessToken: expect.stringMatching(/^[\w-]{20,}$/), expiresIn: 120 });
  });
});
