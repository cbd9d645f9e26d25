// How one operation is measured on one stack: the load, then (ours) the database commands it caused, counted until
// the server has finished every request it received, divided by the requests it handled.
import { addTally, emptyTally, type CommandMonitor, type Tally } from './commands.ts';
import { figures, fire, mergeSamples, newSample, type Figures, type Sample, type Shot } from './load.ts';
import type { BenchServer } from './server.ts';

export interface Target {
  server: BenchServer;
  /** Ours only: the command monitor. */
  monitor?: CommandMonitor;
}

export interface Measured {
  figures: Figures;
  sample: Sample;
  tally: Tally;
  /** Requests the server handled during the phase (commands are divided by this). */
  handled: number;
}

// A request abandoned by the load generator still runs on the server; this long is waited for it to finish.
const DRAIN_MS = 300_000;

async function settle(target: Target, handledBefore: number, into: { tally: Tally; handled: number }): Promise<void> {
  if (!(await target.server.idle(DRAIN_MS))) process.stderr.write(`  (server still busy after ${DRAIN_MS / 1000} s: counts may spill over)\n`);
  if (target.monitor) addTally(into.tally, target.monitor.take());
  into.handled += target.server.handled - handledBefore;
}

/** As many requests as fit in `seconds`, `connections` at a time. */
export async function forSeconds(target: Target, shot: Shot, bound: { seconds: number; connections: number }): Promise<Measured> {
  const sample = newSample();
  const out = { tally: emptyTally(), handled: 0 };
  target.monitor?.take();
  const before = target.server.handled;
  await fire(shot, bound, sample);
  await settle(target, before, out);
  return { figures: figures(sample), sample, ...out };
}

/**
 * Requests that each need something fresh (a refresh token is spent by its request) run in rounds: `prepare(n)`
 * readies the next n (minting is neither timed nor counted), then they are sent, `connections` at a time. Rounds
 * grow to about a fifth of the phase at the rate seen so far and stop after `seconds` of sending, after `max`
 * requests, or when `prepare` has nothing more.
 */
export async function inRounds(
  target: Target,
  prepare: (n: number) => Promise<Shot | undefined>,
  bound: { seconds: number; max: number; connections: number },
): Promise<Measured> {
  const sample = newSample();
  const out = { tally: emptyTally(), handled: 0 };
  let sent = 0;
  let size = bound.connections;
  while (sample.busyMs < bound.seconds * 1000 && sent < bound.max) {
    const n = Math.min(size, bound.max - sent);
    const shot = await prepare(n);
    if (!shot) break;
    target.monitor?.take();
    const before = target.server.handled;
    await fire(shot, { connections: bound.connections, amount: n }, sample);
    await settle(target, before, out);
    sent += n;
    const rate = sample.latencies.length / (sample.busyMs / 1000);
    size = Math.max(bound.connections, Math.min(1000, Math.ceil((rate * bound.seconds) / 5)));
  }
  return { figures: figures(sample), sample, ...out };
}

/** Runs of one phase on one stack as one measurement. */
export function mergeMeasured(runs: readonly Measured[]): Measured {
  const sample = mergeSamples(runs.map((r) => r.sample));
  const tally = emptyTally();
  for (const r of runs) addTally(tally, r.tally);
  return { figures: figures(sample), sample, tally, handled: runs.reduce((n, r) => n + r.handled, 0) };
}
