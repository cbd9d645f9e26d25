// Rotating the signing keys, from any entry point (CLI, management API, console): the new key signs from now on, the
// old one stays published for the longest lifetime of anything it signed (or `retainSeconds`), and this process
// serves the new key at once (others within KEYS_REFRESH_SECONDS).
import type { Config } from '../config/index.ts';
import { longestSignedTtl, type KeyStore, type RotationResult } from '../services/keys.ts';

export interface KeyRotationDeps {
  keys: Pick<KeyStore, 'rotate'>;
  config: Pick<Config, 'ttl' | 'resources'>;
  /** Rebuilds this process's provider with the new keys (absent: the CLI, whose server process refreshes on its own). */
  reloadKeys?: () => Promise<boolean>;
}

export async function rotateSigningKeys(deps: KeyRotationDeps, retainSeconds?: number): Promise<RotationResult> {
  const result = await deps.keys.rotate({ retainSeconds: retainSeconds ?? longestSignedTtl(deps.config) });
  await deps.reloadKeys?.();
  return result;
}
