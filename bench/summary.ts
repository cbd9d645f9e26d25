// The benchmark's printed results: every figure beside its target (issue 11) with PASS or MISS.
import type { Tally } from './commands.ts';
import { emptyTally } from './commands.ts';
import { GROWING_COLLECTIONS } from './fill.ts';
import { median, type Figures } from './load.ts';
import { CODE_EXCHANGE } from './login.ts';
import type { Measured } from './phases.ts';
import type { AloneMemory } from './alone.ts';
import { atLeast, atMost, breakdown, msBreakdown, num, table, verdict, within, type Goal } from './report.ts';
import { PASSWORD_PARAMS } from '../src/services/passwords.ts';
import { LOADS, SETTINGS } from './settings.ts';
import { ratioAt, type LevelResult } from './capacity.ts';

export interface Operation {
  label: string;
  unit: 'req' | 'login';
  ours: Measured;
  bare: Measured;
  ratioGoal: Goal;
  commandGoal: Goal;
  /** ours/bare of each round (SETTINGS.rounds, the stacks taking turns), each at its better load level; the figure is their median. */
  ratios?: number[];
  /** The load level (concurrent requests) each stack's figures are from: where it did most. */
  oursAt: number;
  bareAt: number;
  /** ours/bare of each round at each load level, where there was more than one (bench/capacity.ts). */
  levels?: LevelResult[];
}

export interface Results {
  operations: Operation[];
  /** Sequential sign-ins on ours, commands per HTTP step. */
  probe: { steps: Map<string, Tally>; logins: number };
  hopsPerLogin: Record<string, number>;
  /** Ours, login phase: database time ÷ request latency (the median of the monitored stack's rounds). */
  dbShare: number;
  dbShares: number[];
  argon2Ms: number;
  /** Wrong passwords for known and unknown addresses, medians in ms (bench/enumeration.ts). */
  enumeration: { known: number; unknown: number; ratio: number; pairs: number };
  /** Ours on the grown store, and the bare provider measured right after each (the same moment's machine). */
  grown?: { refresh: Measured; introspection: Measured; bare: { refresh: Measured; introspection: Measured } };
  rss: { phase: string; process: number; database?: number }[];
  /** Ours alone in its own process (bench/alone.ts); absent without /proc. */
  alone?: AloneMemory;
  footer: string;
}

const figureCells = (f: Figures) => [String(f.requests), num(f.rps), num(f.p50), num(f.p99), String(f.errors)];
const perRequest = (m: Measured) => m.tally.commands / Math.max(1, m.handled);
/** ours/bare: the median of the rounds' ratios where there were rounds, else of the two runs. */
const ratioOf = (o: Operation) => (o.ratios?.length ? median(o.ratios) : o.ours.figures.rps / o.bare.figures.rps);
/** ours/bare at BENCH_CONNECTIONS, the level the grown round runs at. */
const baseRatioOf = (o: Operation) => ratioAt(o.levels, SETTINGS.connections) ?? ratioOf(o);

export function summary(r: Results): string {
  const { operations, probe, hopsPerLogin, dbShare, argon2Ms, grown } = r;
  const refreshOp = operations.find((o) => o.label.startsWith('refresh'));
  const introspectionOp = operations.find((o) => o.label === 'introspection');
  const loginOp = operations.find((o) => o.unit === 'login');
  const out: string[] = [];
  out.push('', 'ours vs bare oidc-provider (same configuration, never-evicting memory store), 127.0.0.1');
  out.push(
    LOADS.length > 1
      ? `  token phases at ${LOADS.join(' and ')} concurrent requests, each stack's figures from the level where it did most (@N: its capacity; bench/capacity.ts); logins ${SETTINGS.connections} at a time`
      : `  ${SETTINGS.connections} concurrent requests (logins)`,
  );
  out.push(
    table(
      ['operation', 'stack', 'done', 'per s', 'p50 ms', 'p99 ms', 'errors', 'ours/bare', 'target', ''],
      operations.flatMap((o) => {
        const ratio = ratioOf(o);
        const row = (name: string, m: Measured, extra: string[]) => [
          name === 'ours' ? `${o.label}${o.unit === 'login' ? ' [logins]' : ''}` : '',
          o.levels ? `${name} @${name === 'ours' ? o.oursAt : o.bareAt}` : name,
          ...figureCells(m.figures),
          ...extra,
        ];
        const ratioCells = o.unit === 'login' ? [num(ratio, 2), '', ''] : [num(ratio, 2), o.ratioGoal.text, verdict(o.ratioGoal, ratio)];
        const rounds = o.ratios && o.ratios.length > 1 ? `rounds ${o.ratios.map((x) => num(x, 2)).join(', ')}` : '';
        return [row('ours', o.ours, ratioCells), row('bare', o.bare, [rounds, '', ''])];
      }),
    ),
  );
  for (const o of operations) {
    if (o.levels) {
      const at = o.levels.map((l) => `at ${l.connections} ${num(median(l.ratios), 2)}${l.ratios.length > 1 ? ` (${l.ratios.map((x) => num(x, 2)).join(', ')})` : ''}`);
      out.push(`  ${o.label}: ours/bare ${at.join('; ')}`);
    }
    for (const [name, m] of [['ours', o.ours], ['bare', o.bare]] as const) {
      if (m.sample.firstFailure) out.push(`  ${o.label}, ${name}: first failure: ${m.sample.firstFailure}`);
    }
  }

  out.push('', 'database commands per request, ours (command monitoring; hello/ping/endSessions excluded)');
  out.push("  warm: less the reads that refill a process's client and account caches (CLIENT_CACHE_SECONDS, ACCOUNT_CACHE_SECONDS): a fixed number per client and account every few seconds, whatever the load; the targets are for a warm process");
  const exchange = probe.steps.get(CODE_EXCHANGE)?.commands ?? NaN;
  const commandRows = operations.map((o) => {
    const value = perRequest(o.ours);
    // On the token endpoints every client and user read is a cache refill; the sign-in pages read users uncached.
    const refills = o.unit === 'login' ? 0 : ['find oidc_client', 'find users'].reduce((n, key) => n + (o.ours.tally.byKey.get(key) ?? 0), 0) / Math.max(1, o.ours.handled);
    const warm = value - refills;
    return [o.label, num(value, 2), num(warm, 2), o.commandGoal.text, verdict(o.commandGoal, warm), breakdown(o.ours.tally, o.ours.handled)];
  });
  const exchangePer = exchange / probe.logins;
  // The code exchange reads the account only through findAccount's cache: a read there is a refill too.
  const exchangeTally = probe.steps.get(CODE_EXCHANGE) ?? emptyTally();
  const exchangeWarm = exchangePer - (exchangeTally.byKey.get('find users') ?? 0) / probe.logins;
  commandRows.push(['  of which code exchange (probe)', num(exchangePer, 2), num(exchangeWarm, 2), '≤ 5', verdict(atMost(5), exchangeWarm), breakdown(exchangeTally, probe.logins)]);
  out.push(table(['operation', 'cmds/req', 'warm', 'target', '', 'by command and collection'], commandRows));

  out.push('', `full login, step by step (ours, ${probe.logins} sequential sign-ins, commands per sign-in)`);
  out.push(
    table(
      ['step', 'cmds', 'by command and collection'],
      [...probe.steps].map(([step, tally]) => [step, num(tally.commands / probe.logins, 2), breakdown(tally, probe.logins)]),
    ),
  );
  const pageCommands = [...probe.steps].filter(([step]) => step !== CODE_EXCHANGE).reduce((n, [, t]) => n + t.commands, 0) / probe.logins;
  out.push(
    `page steps: ${num(pageCommands, 2)} commands per sign-in; code exchange: ${num(exchangePer, 2)}`,
    `HTTP requests per sign-in: ours ${num(hopsPerLogin.ours ?? NaN, 1)}, bare ${num(hopsPerLogin.bare ?? NaN, 1)}`,
    `database time / request latency during the login phase: ${num(dbShare * 100, 1)}%  (target ≤ 25%)  ${verdict(atMost(0.25), dbShare)}${r.dbShares.length > 1 ? `  (median of rounds ${r.dbShares.map((x) => `${num(x * 100, 1)}%`).join(', ')})` : ''}`,
    ...(loginOp ? [`  database time per sign-in (ms, the monitored stack under the same load): ${msBreakdown(loginOp.ours.tally, loginOp.ours.handled)}`] : []),
    `wrong password, known vs unknown address (${r.enumeration.pairs} sequential pairs, medians): ${num(r.enumeration.known)} ms vs ${num(r.enumeration.unknown)} ms, ratio ${num(r.enumeration.ratio, 2)}  (target 0.80–1.25)  ${verdict(within(0.8, 1.25), r.enumeration.ratio)}`,
    `argon2id (m=${PASSWORD_PARAMS.memoryCost} KiB, t=${PASSWORD_PARAMS.timeCost}, p=${PASSWORD_PARAMS.parallelism}, production parameters): ${num(argon2Ms, 1)} ms per verification, one per sign-in on ours; the bare pages check no password`,
  );

  if (grown && refreshOp && introspectionOp) {
    out.push('', `grown store: ${SETTINGS.fill} more rows in each of ${GROWING_COLLECTIONS.join(', ')} (ours only)`);
    out.push(
      `  grown/empty = (grown ÷ bare measured right after it) ÷ (empty ours/bare at ${SETTINGS.connections} concurrent, as the grown round runs): the machine's load at the two moments cancels out`,
    );
    const grownRow = (label: string, empty: Operation, after: Measured, bareAfter: Measured) => {
      const grownToBare = after.figures.rps / bareAfter.figures.rps;
      const ratio = grownToBare / baseRatioOf(empty);
      return [
        label,
        num((empty.levels?.find((l) => l.connections === SETTINGS.connections)?.ours ?? empty.ours).figures.rps),
        ...figureCells(after.figures),
        num(perRequest(after), 2),
        num(grownToBare, 2),
        num(ratio, 2),
        '≥ 0.90',
        verdict(atLeast(0.9), ratio),
      ];
    };
    out.push(
      table(
        ['operation', 'empty /s', 'done', 'grown /s', 'p50 ms', 'p99 ms', 'errors', 'cmds/req', 'grown/bare', 'grown/empty', 'target', ''],
        [
          grownRow('refresh_token (rotation)', refreshOp, grown.refresh, grown.bare.refresh),
          grownRow('introspection', introspectionOp, grown.introspection, grown.bare.introspection),
        ],
      ),
    );
    for (const [label, m] of [['refresh, grown', grown.refresh], ['introspection, grown', grown.introspection]] as const) {
      if (m.sample.firstFailure) out.push(`  ${label}: first failure: ${m.sample.firstFailure}`);
      out.push(`  ${label}: ${breakdown(m.tally, m.handled)}`);
    }
  }

  out.push('', 'memory: ours alone, in a server process of its own as `npm start` runs it (every kind of request above, then RSS from /proc)');
  if (r.alone) {
    const a = r.alone;
    out.push(
      table(
        ['server process', 'RSS MB', 'target', ''],
        [
          ['after start', num(a.startMb, 0), '', ''],
          ['after the load', num(a.loadedMb, 0), '≤ 250', verdict(atMost(250), a.loadedMb)],
          ['peak (VmHWM)', num(a.peakMb, 0), '', ''],
        ],
      ),
    );
    out.push(`  ${a.requests} requests, ${a.failures} errors${a.firstFailure ? ` (first: ${a.firstFailure})` : ''}`);
    out.push("  the peak includes argon2id's working memory while sign-ins verify passwords (19 MiB per verification, PASSWORD_HASH_CONCURRENCY of them at once), handed back after each");
  } else {
    out.push('  not measured: no /proc on this system');
  }
  out.push('', 'memory of this bench process (ours, the bare provider and the load generator together: an upper bound for ours, no target)');
  out.push(
    table(
      ['after', 'process RSS MB', 'ferretdb RSS MB'],
      r.rss.map((r) => [r.phase, num(r.process, 0), r.database === undefined ? '—' : num(r.database, 0)]),
    ),
  );
  out.push('', r.footer);
  return out.join('\n');
}
