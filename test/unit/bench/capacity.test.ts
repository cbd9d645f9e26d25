import { describe, expect, it } from '@jest/globals';
import { measureAtLoads, ratioAt, type StackName } from '../../../bench/capacity.ts';
import { emptyTally } from '../../../bench/commands.ts';
import type { Measured } from '../../../bench/phases.ts';

// A run that took `rps` requests per second: 100 requests over the matching busy time.
function measuredAt(rps: number): Measured {
  const busyMs = (100 / rps) * 1000;
  return {
    figures: { requests: 100, rps, p50: 1, p99: 2, errors: 0 },
    sample: { latencies: Array.from({ length: 100 }, () => 1), failures: 0, busyMs },
    tally: emptyTally(),
    handled: 100,
  };
}

describe('measureAtLoads', () => {
  it('judges each stack at the level where it did most, round by round', async () => {
    // ours gains from more requests in flight, bare does not (it answers from memory).
    const rates: Record<StackName, Record<number, number[]>> = { ours: { 10: [400, 500], 40: [800, 700] }, bare: { 10: [2000, 1800], 40: [1600, 1500] } };
    const calls: string[] = [];
    const seen: Record<string, number> = {};
    const result = await measureAtLoads([10, 40], 2, async (name, connections) => {
      calls.push(`${name}@${connections}`);
      const key = `${name}@${connections}`;
      const i = seen[key] ?? 0;
      seen[key] = i + 1;
      return measuredAt(rates[name][connections]![i]!);
    });
    // Ours first in the first round, bare first in the second; every level each time.
    expect(calls).toEqual(['ours@10', 'ours@40', 'bare@10', 'bare@40', 'bare@10', 'bare@40', 'ours@10', 'ours@40']);
    expect(result.ratios).toEqual([800 / 2000, 700 / 1800]);
    expect(result.oursAt).toBe(40);
    expect(result.bareAt).toBe(10);
    // The merged figures of the chosen level: 200 requests over both rounds' busy time.
    expect(result.ours.figures.requests).toBe(200);
    expect(result.ours.figures.rps).toBeCloseTo(200 / (100 / 800 + 100 / 700), 6);
    expect(result.levels.map((l) => l.connections)).toEqual([10, 40]);
    expect(result.levels[0]!.ratios).toEqual([400 / 2000, 500 / 1800]);
    expect(result.levels[1]!.ratios).toEqual([800 / 1600, 700 / 1500]);
  });

  it('with one level is a plain side-by-side comparison', async () => {
    const result = await measureAtLoads([10], 1, async (name) => measuredAt(name === 'ours' ? 300 : 900));
    expect(result.ratios).toEqual([300 / 900]);
    expect(result.oursAt).toBe(10);
    expect(result.bareAt).toBe(10);
  });
});

describe('ratioAt', () => {
  const levels = [
    { connections: 10, ratios: [0.3, 0.5, 0.4] },
    { connections: 40, ratios: [0.7] },
  ];
  it('is the median of that level’s rounds', () => {
    expect(ratioAt(levels, 10)).toBeCloseTo(0.4, 10);
    expect(ratioAt(levels, 40)).toBeCloseTo(0.7, 10);
  });
  it('is undefined for a level that did not run, or without levels', () => {
    expect(ratioAt(levels, 100)).toBeUndefined();
    expect(ratioAt(undefined, 10)).toBeUndefined();
  });
});
