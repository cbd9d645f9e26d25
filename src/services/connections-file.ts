// Connections as configuration (CONNECTIONS_FILE): a JSON array the server applies at every start, each entry
// creating its connection or replacing the one with its id (linked identities stay) — for operators who keep their
// setup in version control rather than in CLI history. Connections made with the CLI and not in the file are left
// alone. Secrets need not be in the file: `clientSecretEnv` names an environment variable holding it, and Apple's
// key may be a file (`privateKeyFile`). Any entry that does not hold stops the start with its position and id.
import { readFileSync } from 'node:fs';
import { presetConnection } from './connection-presets.ts';
import type { ConnectionInput, Connections } from './connections.ts';

export class ConnectionsFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectionsFileError';
  }
}

type Entry = Record<string, unknown>;

const text = (entry: Entry, key: string): string | undefined => {
  const value = entry[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new Error(`${key} must be a string`);
  return value;
};

/** One entry as the connections service takes it: a preset filled in, secrets read from where the entry points. */
function inputOf(entry: Entry, env: NodeJS.ProcessEnv): ConnectionInput {
  // What is read here rather than passed on: the preset and its options, and where the secrets are.
  const { preset, tenant: _tenant, tenants, teamId: _team, keyId: _key, privateKeyFile: _file, clientSecretEnv: _var, clientSecret: _secret, ...rest } = entry;
  const secretVar = text(entry, 'clientSecretEnv');
  let clientSecret = text(entry, 'clientSecret');
  if (secretVar !== undefined) {
    clientSecret = env[secretVar];
    if (!clientSecret) throw new Error(`clientSecretEnv names ${secretVar}, which is not set`);
  }
  const keyFile = text(entry, 'privateKeyFile');
  const privateKey = keyFile === undefined ? undefined : readFileSync(keyFile, 'utf8');
  const base =
    typeof preset === 'string'
      ? presetConnection(preset, {
          id: text(entry, 'id'),
          name: text(entry, 'name'),
          issuer: text(entry, 'issuer'),
          ...(typeof entry.trustEmail === 'boolean' ? { trustEmail: entry.trustEmail } : {}),
          tenant: text(entry, 'tenant'),
          tenants: Array.isArray(tenants) ? tenants.map(String) : undefined,
          apple: { teamId: text(entry, 'teamId'), keyId: text(entry, 'keyId'), privateKey },
        })
      : {};
  return { ...base, ...rest, ...(clientSecret !== undefined ? { clientSecret } : {}) } as ConnectionInput;
}

/** Applies the file's connections; gives the ids applied. */
export async function applyConnectionsFile(path: string, connections: Pick<Connections, 'put'>, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  let entries: unknown;
  try {
    entries = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConnectionsFileError(`CONNECTIONS_FILE ${path} cannot be read as JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(entries)) throw new ConnectionsFileError(`CONNECTIONS_FILE ${path} must hold a JSON array of connections`);
  const applied: string[] = [];
  for (const [index, entry] of entries.entries()) {
    const label = `CONNECTIONS_FILE entry ${index + 1}${entry && typeof entry === 'object' && typeof (entry as Entry).id === 'string' ? ` ("${(entry as Entry).id}")` : ''}`;
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw new ConnectionsFileError(`${label} must be an object`);
    try {
      applied.push((await connections.put(inputOf(entry as Entry, env))).id);
    } catch (err) {
      throw new ConnectionsFileError(`${label}: ${(err as Error).message}`);
    }
  }
  return applied;
}
