// Plain-text tables for the benchmark's results, each figure next to its target (issue 11) and PASS or MISS.
import type { Tally } from './commands.ts';

export interface Goal {
  /** e.g. "≥ 0.70" */
  text: string;
  met: (value: number) => boolean;
}

export const atLeast = (n: number, digits = 2): Goal => ({ text: `≥ ${n.toFixed(digits)}`, met: (v) => v >= n });
export const atMost = (n: number, suffix = ''): Goal => ({ text: `≤ ${n}${suffix}`, met: (v) => v <= n });

export const within = (low: number, high: number): Goal => ({ text: `${low}–${high}`, met: (v) => v >= low && v <= high });
export const verdict = (goal: Goal | undefined, value: number) => (goal ? (goal.met(value) ? 'PASS' : 'MISS') : '');

export const num = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '—');

/** Columns padded to their widest cell: figures right-aligned, the first and the last (free text) left-aligned. */
export function table(header: string[], rows: string[][]): string {
  const last = header.length - 1;
  const widths = header.map((h, i) => (i === last ? 0 : Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 || i === last ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(header.map((h, i) => '-'.repeat(i === last ? h.length : widths[i]!))), ...rows.map(line)].join('\n');
}

/** "find oidc_refreshtoken 1.00, update oidc_refreshtoken 1.00, …" per request, most frequent first. */
export function breakdown(tally: Tally, per: number): string {
  if (per <= 0) return '';
  return [...tally.byKey]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([key, n]) => `${key} ${num(n / per, 2)}`)
    .join(', ');
}

/** Where the database time went, per `per` (a sign-in): total, then by command and collection, largest first. */
export function msBreakdown(tally: Tally, per: number): string {
  if (per <= 0) return '';
  const parts = [...tally.msByKey].sort((a, b) => b[1] - a[1]).map(([key, ms]) => `${key} ${num(ms / per, 1)}`);
  return [`${num(tally.durationMs / per, 1)} in all`, ...parts].join(', ');
}
