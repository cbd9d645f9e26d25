import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedDatabase } from '../src/db/embedded.ts';
import { mintApiAccessTokens, mintRefreshTokens } from './mint.ts';
import { startOurs } from './ours.ts';
import { inRounds } from './phases.ts';
import { introspection, refresh } from './shots.ts';
import { baseEnv } from './settings.ts';
const dir = mkdtempSync(join(tmpdir(), 'ciam-prof-'));
const store = await startEmbeddedDatabase({ dir, port: 0, reuse: false });
const ours = await startOurs(baseEnv(), store.uri, 20, { monitor: false });
const s = { target: { server: ours.server }, url: ours.server.url, provider: ours.provider(), ids: ours.customers.map((c) => c.accountId) };
const pool = await mintApiAccessTokens(s.provider, s.ids, 200);
const out: string[] = [];
for (let round = 0; round < 2; round++) {
  const r = await inRounds(s.target, async () => introspection(s.url, pool), { seconds: 4, max: Number.MAX_SAFE_INTEGER, connections: 10 });
  out.push(`i${Math.round(r.figures.rps)}`);
}
for (let round = 0; round < 2; round++) {
  const r = await inRounds(s.target, async (n) => refresh(s.url, await mintRefreshTokens(s.provider, s.ids, n)), { seconds: 4, max: 1500, connections: 10 });
  out.push(`r${Math.round(r.figures.rps)}`);
}
console.log(out.join(' '));
await store.stop();
process.exit(0);
