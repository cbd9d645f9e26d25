// Throughput is compared at capacity: each stack runs at every load level (BENCH_CONNECTIONS and
// BENCH_PEAK_CONNECTIONS concurrent requests) and its rate is the one of the level where it did most. A stack that
// waits on a database round trip per request needs more requests in flight to use the machine than one that answers
// from memory; at one fixed level the comparison measures that wait as much as the work. Both stacks get the same
// levels and each is judged at its own best, so neither is favoured by the choice; the ratios at every level are
// printed too.
import { median } from './load.ts';
import { mergeMeasured, type Measured } from './phases.ts';

export type StackName = 'ours' | 'bare';

export interface LevelResult {
  connections: number;
  ours: Measured;
  bare: Measured;
  /** ours/bare of each round at this level. */
  ratios: number[];
}

export interface AtCapacity {
  /** Each stack's runs at its best level (the highest merged rate). */
  ours: Measured;
  bare: Measured;
  oursAt: number;
  bareAt: number;
  /** Each round's ours/bare, both at their best level of that round. */
  ratios: number[];
  levels: LevelResult[];
}

const best = (runs: readonly Measured[]) => runs.reduce((top, m, k) => (m.figures.rps > runs[top]!.figures.rps ? k : top), 0);

/**
 * `rounds` rounds; in each, one stack then the other (ours first in one round, bare first in the next, so that
 * neither always runs on the warmer or busier machine) runs at every level.
 */
export async function measureAtLoads(
  levels: readonly number[],
  rounds: number,
  run: (name: StackName, connections: number) => Promise<Measured>,
): Promise<AtCapacity> {
  const runs: Record<StackName, Measured[][]> = { ours: levels.map(() => []), bare: levels.map(() => []) };
  const ratios: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const order: StackName[] = i % 2 === 0 ? ['ours', 'bare'] : ['bare', 'ours'];
    const top: Record<StackName, number> = { ours: 0, bare: 0 };
    for (const name of order) {
      for (const [k, connections] of levels.entries()) {
        const measured = await run(name, connections);
        runs[name][k]!.push(measured);
        top[name] = Math.max(top[name], measured.figures.rps);
      }
    }
    ratios.push(top.ours / top.bare);
  }
  const merged = { ours: runs.ours.map(mergeMeasured), bare: runs.bare.map(mergeMeasured) };
  const o = best(merged.ours);
  const b = best(merged.bare);
  return {
    ours: merged.ours[o]!,
    bare: merged.bare[b]!,
    oursAt: levels[o]!,
    bareAt: levels[b]!,
    ratios,
    levels: levels.map((connections, k) => ({
      connections,
      ours: merged.ours[k]!,
      bare: merged.bare[k]!,
      ratios: runs.ours[k]!.map((m, r) => m.figures.rps / runs.bare[k]![r]!.figures.rps),
    })),
  };
}

/** The median of a level's round ratios (undefined if that level was not run). */
export function ratioAt(levels: readonly Pick<LevelResult, 'connections' | 'ratios'>[] | undefined, connections: number): number | undefined {
  const level = levels?.find((l) => l.connections === connections);
  return level ? median(level.ratios) : undefined;
}
