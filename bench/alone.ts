// Memory of ours alone: the other phases share one process among ours, the bare provider and the load generator,
// so their RSS only bounds ours from above. Here ours runs in a server process of its own (bench/alone-server.ts)
// on the same database server, run as `npm start` runs it (bench/runtime.ts), takes every kind of request the bench
// sends, and its RSS is read from /proc: after start, after the load, and the peak (VmHWM) over its life.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { AloneReady } from './alone-server.ts';
import { fire, newSample } from './load.ts';
import { signIns } from './login.ts';
import { startRuntime } from './runtime.ts';
import { JWT_API, OPAQUE_API } from './settings.ts';
import { clientCredentials, introspection, refresh } from './shots.ts';

export interface AloneMemory {
  startMb: number;
  loadedMb: number;
  peakMb: number;
  requests: number;
  failures: number;
  firstFailure?: string;
}

/** VmRSS and VmHWM of a process in MB; undefined without /proc. */
export function processMemoryMb(pid: number): { rss: number; peak: number } | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) / 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

export async function measureAlone(input: {
  env: Record<string, string>;
  serverUri: string;
  customers: number;
  seconds: number;
  connections: number;
  refreshTokens: number;
  logins: number;
}): Promise<AloneMemory | undefined> {
  const runtime = startRuntime();
  const child = spawn(process.execPath, [...runtime.nodeFlags, fileURLToPath(new URL('./alone-server.ts', import.meta.url))], {
    env: { ...process.env, ...runtime.env, BENCH_ALONE: JSON.stringify({ env: input.env, serverUri: input.serverUri, customers: input.customers, refreshTokens: input.refreshTokens }) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const line = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: child.stdout! });
      lines.once('line', resolve);
      child.once('exit', (code) => reject(new Error(`the memory phase's server exited (${code}) before it was ready`)));
    });
    const ready = JSON.parse(line) as AloneReady;
    const start = processMemoryMb(child.pid!);
    if (!start) return undefined;

    const sample = newSample();
    const bound = { seconds: input.seconds, connections: input.connections };
    await fire(clientCredentials(ready.url, OPAQUE_API, 'orders:read'), bound, sample);
    await fire(clientCredentials(ready.url, JWT_API, 'stock:read'), bound, sample);
    await fire(introspection(ready.url, ready.introspectionPool), bound, sample);
    const tokens = ready.refreshTokens;
    await fire(refresh(ready.url, tokens), { connections: input.connections, amount: tokens.length }, sample);
    const logins = await signIns(ready.url, ready.customers, { connections: input.connections, max: input.logins, seconds: input.seconds });
    const after = processMemoryMb(child.pid!)!;
    return {
      startMb: start.rss,
      loadedMb: after.rss,
      peakMb: after.peak,
      requests: sample.latencies.length + logins.requests,
      failures: sample.failures + logins.sample.failures,
      ...(sample.firstFailure || logins.sample.firstFailure ? { firstFailure: sample.firstFailure ?? logins.sample.firstFailure } : {}),
    };
  } finally {
    child.stdin!.end();
    await exited;
  }
}
