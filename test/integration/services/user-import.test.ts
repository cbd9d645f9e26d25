// Migration in: 10,000 accounts from JSON lines with password hashes of six kinds, streamed from a file by the CLI;
// each kind then signs in with its old password and is re-hashed to argon2id; bad lines are reported by number and
// store nothing; a dry run writes nothing; the API takes the same rows.
import { createHash, pbkdf2Sync, randomBytes, scryptSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { runCli } from '../../../src/cli/run.ts';
import { needsRehash } from '../../../src/services/passwords.ts';
import { startTestApp, type TestApp } from '../../support/app.ts';
import { FIREBASE_SCRYPT_VECTOR } from '../../support/firebase-scrypt-vector.ts';
import { clientCredentialsToken } from '../../support/client-credentials.ts';

let t: TestApp;
let dir: string;
beforeAll(async () => {
  t = await startTestApp();
  dir = mkdtempSync(join(tmpdir(), 'ciam-import-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await t.close();
});

const b64 = (b: Buffer) => b.toString('base64');
const salt = randomBytes(16);
/** One hash of each kind for the password of its kind. */
const KINDS = {
  bcrypt: bcrypt.hashSync('pw-bcrypt-1', 4),
  argon2: '', // filled in beforeAll below (our own library, argon2i as another system would have it)
  pbkdf2: { algorithm: 'pbkdf2-sha256', iterations: 1000, salt: b64(salt), hash: b64(pbkdf2Sync('pw-pbkdf2-1', salt, 1000, 32, 'sha256')) },
  sha256: { algorithm: 'sha256', salt: b64(salt), hash: b64(createHash('sha256').update(Buffer.concat([Buffer.from('pw-sha256-1'), salt])).digest()) },
  scrypt: { algorithm: 'scrypt', n: 1024, r: 8, p: 1, salt: b64(salt), hash: b64(scryptSync('pw-scrypt-1', salt, 32, { N: 1024, r: 8, p: 1 })) },
  firebase: FIREBASE_SCRYPT_VECTOR.hash,
} as Record<string, unknown>;
const PASSWORDS: Record<string, string> = { bcrypt: 'pw-bcrypt-1', argon2: 'pw-argon2-1', pbkdf2: 'pw-pbkdf2-1', sha256: 'pw-sha256-1', scrypt: 'pw-scrypt-1', firebase: FIREBASE_SCRYPT_VECTOR.password };

async function cli(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, async () => ({ ...t.services, close: async () => {} }), { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), readStdin: async () => '' });
  return { code, stderr, json: () => JSON.parse(stdout) as { dryRun: boolean; read: number; imported: number; rejectedCount: number; rejected: { line: number; reason: string }[] } };
}

it('imports 10,000 accounts with mixed hashes from a file, and each kind signs in with its old password', async () => {
  const argon2 = await import('argon2');
  KINDS.argon2 = await argon2.default.hash('pw-argon2-1', { type: argon2.default.argon2i, memoryCost: 4096, timeCost: 3 });
  const kinds = Object.keys(KINDS);
  const lines: string[] = [];
  for (let i = 0; i < 10_000; i++) {
    const kind = kinds[i % kinds.length]!;
    lines.push(JSON.stringify({ email: `Imported-${i}@Example.com`, email_verified: i % 2 === 0, given_name: `N${i}`, ...(i % 7 === 3 ? {} : { password_hash: KINDS[kind] }) }));
  }
  lines.splice(5, 0, '{"email": "broken@example.com", "password_hash": ', '', JSON.stringify({ email: 'no-hash-kind@example.com', password_hash: { algorithm: 'md5', hash: 'x' } }));
  lines.push(JSON.stringify({ email: 'imported-0@example.com' }));
  const file = join(dir, 'users.jsonl');
  writeFileSync(file, `${lines.join('\n')}\n`);

  const dry = await cli(['users', 'import', '--file', file, '--dry-run']);
  expect(dry.json()).toMatchObject({ dryRun: true, imported: 10_000 });
  expect(await t.services.users.findByEmail('imported-1@example.com')).toBeNull();

  const run = await cli(['users', 'import', '--file', file]);
  expect(run.code).toBe(0);
  const report = run.json();
  expect(report).toMatchObject({ dryRun: false, read: 10_003, imported: 10_000 });
  expect(report.rejected).toEqual([
    { line: 6, reason: 'not a JSON object' },
    { line: 8, reason: expect.stringContaining('password_hash') },
    { line: 10_004, reason: 'the address is on an earlier line of this file' },
  ]);
  expect(run.stderr).toMatch(/imported 10000, rejected 3, of 10003 lines/);
  expect(await t.services.users.findByEmail('broken@example.com')).toBeNull();

  for (const [k, kind] of kinds.entries()) {
    // A line of this kind that carries a hash (every seventh line from the fourth carries none).
    const i = [k, k + 6, k + 12].find((n) => n % 7 !== 3)!;
    const email = `imported-${i}@example.com`;
    const accountId = (await t.services.users.findByEmail(email))!.id;
    expect([kind, await t.services.users.authenticate(email, 'wrong password', {})]).toEqual([kind, null]);
    expect([kind, await t.services.users.authenticate(email, PASSWORDS[kind]!, {})]).toEqual([kind, { accountId }]);
    const row = await t.services.db.connection.collection('users').findOne({ _id: accountId as never });
    expect([kind, needsRehash(row!.passwordHash as string)]).toEqual([kind, false]);
  }
  // Without a hash: an account with no password yet.
  const noHash = await t.services.users.findByEmail('imported-3@example.com');
  expect(noHash).toMatchObject({ noPassword: true, given_name: 'N3', email_verified: false });

  // Imported again: every address is taken now, and nothing changes.
  const again = await cli(['users', 'import', '--file', file]);
  expect(again.json().imported).toBe(0);
  expect(again.json()).toMatchObject({ rejectedCount: 10_003 });
  expect(again.json().rejected).toHaveLength(1000);
}, 300_000);

it('the API takes the same rows, with a dry run, and reports a bad row by its position', async () => {
  const secret = (await t.services.clients.create({ clientId: 'migrator', grantTypes: ['client_credentials'], scope: 'users:write' })).clientSecret!;
  const token = await clientCredentialsToken(t.url, { id: 'migrator', secret }, 'users:write', `${t.url}/api`);
  const post = async (body: unknown) => {
    const res = await fetch(`${t.url}/api/v1/users/import`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const rows = [{ email: 'api-1@example.com', password_hash: KINDS.bcrypt }, { email: 'not-an-address' }, { email: 'api-2@example.com' }];
  expect((await post({ users: rows, dry_run: true })).body).toMatchObject({ dry_run: true, imported: 2, rejected_count: 1, rejected: [{ line: 2 }] });
  expect(await t.services.users.findByEmail('api-1@example.com')).toBeNull();
  expect((await post({ users: rows })).body).toMatchObject({ dry_run: false, imported: 2, rejected: [{ line: 2 }] });
  expect(await t.services.users.authenticate('api-1@example.com', 'pw-bcrypt-1', {})).toEqual({ accountId: expect.any(String) });
  expect((await post({ users: [] })).status).toBe(400);
});

it('keeps the ids rows give (refusing an id in use, repeated, or malformed, with nothing stored from that row), in a dry run too', async () => {
  const existing = await t.services.users.create({ email: 'has-id@example.com', password: 'a long password 1' });
  const lines = [
    { id: 'legacy-42', email: 'kept-id@example.com', disabled: true },
    { id: existing.id, email: 'id-in-use@example.com' },
    { id: 'legacy-42', email: 'id-repeated@example.com' },
    { id: 'bad id!', email: 'id-malformed@example.com' },
  ].map((row) => JSON.stringify(row));
  const dry = await t.services.userImport.run(lines, { dryRun: true });
  expect(dry).toMatchObject({ imported: 1, rejectedCount: 3 });
  expect(dry.rejected.map((r) => [r.line, r.reason])).toEqual([
    [3, 'the id is on an earlier line of this file'],
    [4, expect.stringMatching(/^id: an id is/)],
    [2, 'an account with this id already exists'],
  ]);
  const done = await t.services.userImport.run(lines);
  expect(done).toMatchObject({ imported: 1, rejectedCount: 3 });
  expect(await t.services.users.findById('legacy-42')).toMatchObject({ email: 'kept-id@example.com', disabled: true });
  for (const email of ['id-in-use@example.com', 'id-repeated@example.com', 'id-malformed@example.com']) expect(await t.services.users.findByEmail(email)).toBeNull();
  expect(await t.services.users.findById(existing.id)).toMatchObject({ email: 'has-id@example.com' });
});
