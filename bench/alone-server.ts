// The memory phase's server (see bench/alone.ts): ours alone in a process of its own, as `npm start` runs it, with
// the bench's clients and customers and the tokens the phase spends minted here. Prints one JSON line, then serves
// until its stdin closes.
import { mintApiAccessTokens, mintRefreshTokens } from './mint.ts';
import { startOurs } from './ours.ts';

export interface AloneReady {
  url: string;
  customers: Awaited<ReturnType<typeof startOurs>>['customers'];
  introspectionPool: string[];
  refreshTokens: string[];
}

const input = JSON.parse(process.env.BENCH_ALONE ?? '{}') as { env: Record<string, string>; serverUri: string; customers: number; refreshTokens: number };
const ours = await startOurs(input.env, input.serverUri, input.customers);
const accountIds = ours.customers.map((c) => c.accountId);
const ready: AloneReady = {
  url: ours.server.url,
  customers: ours.customers,
  introspectionPool: await mintApiAccessTokens(ours.provider(), accountIds, 200),
  refreshTokens: await mintRefreshTokens(ours.provider(), accountIds, input.refreshTokens),
};
process.stdout.write(`${JSON.stringify(ready)}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void ours.close().finally(() => process.exit(0));
});
