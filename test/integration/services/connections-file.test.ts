// Connections as configuration: CONNECTIONS_FILE's entries created or replaced at start, secrets read from the
// environment, and an entry that does not hold named in the error.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from 'mongoose';
import { applyConnectionsFile } from '../../../src/services/connections-file.ts';
import { createConnections, type Connections } from '../../../src/services/connections.ts';
import { createCipher } from '../../../src/services/crypto.ts';
import { dropAndClose, openTestConnection } from '../../support/db.ts';

let conn: Connection;
let connections: Connections;
const dir = mkdtempSync(join(tmpdir(), 'ciam-connections-file-'));
const file = (name: string, content: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};

beforeAll(async () => {
  conn = await openTestConnection();
  connections = createConnections({ conn, cipher: createCipher(randomBytes(32)) });
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await dropAndClose(conn);
});

describe('CONNECTIONS_FILE', () => {
  it('creates each entry, a preset filled in and secrets taken from the environment, and replaces it at the next start', async () => {
    const path = file('first.json', [
      { preset: 'google', clientId: 'g-id', clientSecretEnv: 'TEST_GOOGLE_SECRET' },
      { id: 'acme-file', name: 'Acme ID', issuer: 'https://id.acme.example', clientId: 'ours', clientSecret: 'inline', trustEmail: true, attributes: { nickname: 'preferred_username' } },
    ]);
    expect(await applyConnectionsFile(path, connections, { TEST_GOOGLE_SECRET: 'from-env' })).toEqual(['google', 'acme-file']);
    const listed = await connections.list();
    expect(listed.find((c) => c.id === 'google')).toMatchObject({ name: 'Google', issuer: 'https://accounts.google.com', trustEmail: true, clientId: 'g-id' });
    expect(listed.find((c) => c.id === 'acme-file')).toMatchObject({ attributes: { nickname: 'preferred_username' } });
    expect(JSON.stringify(listed)).not.toContain('from-env');
    expect(await connections.secretOf('google')).toBe('from-env');
    const created = listed.find((c) => c.id === 'google')!.createdAt;

    // The next start with a rotated secret and another name: replaced in place, first creation date kept.
    const second = file('second.json', [{ preset: 'google', name: 'Google Workspace', clientId: 'g-id', clientSecretEnv: 'TEST_GOOGLE_SECRET' }]);
    await applyConnectionsFile(second, connections, { TEST_GOOGLE_SECRET: 'rotated' });
    const google = (await connections.list()).find((c) => c.id === 'google')!;
    expect(google).toMatchObject({ name: 'Google Workspace' });
    expect(google.createdAt).toEqual(created);
    expect(google.updatedAt!.getTime()).toBeGreaterThanOrEqual(created.getTime());
    expect(await connections.secretOf('google')).toBe('rotated');
    // Not in that file: left alone.
    expect((await connections.list()).map((c) => c.id)).toContain('acme-file');
  });

  it('names the entry that does not hold, and what is wrong with it', async () => {
    await expect(applyConnectionsFile(file('missing-env.json', [{ preset: 'google', clientId: 'g', clientSecretEnv: 'NOT_SET_ANYWHERE' }]), connections, {})).rejects.toThrow(
      /entry 1: clientSecretEnv names NOT_SET_ANYWHERE, which is not set/,
    );
    await expect(applyConnectionsFile(file('bad-issuer.json', [{ id: 'ok-one', name: 'One', issuer: 'https://one.example', clientId: 'x' }, { id: 'bad', name: 'Bad', issuer: 'http://bad.example', clientId: 'x' }]), connections, {})).rejects.toThrow(
      /entry 2 \("bad"\): issuer must be an https URL/,
    );
    await expect(applyConnectionsFile(file('object.json', { id: 'x' }), connections)).rejects.toThrow(/must hold a JSON array/);
    await expect(applyConnectionsFile(file('broken.json', '[{'), connections)).rejects.toThrow(/cannot be read as JSON/);
    await expect(applyConnectionsFile(join(dir, 'absent.json'), connections)).rejects.toThrow(/cannot be read/);
  });
});
