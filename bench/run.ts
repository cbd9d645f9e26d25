// npm run bench: ours (the whole application on the embedded store, or on MONGODB_URI) against a bare oidc-provider
// with the same configuration on a memory store, in one run and one process, for client_credentials (opaque and
// JWT), introspection, refresh with rotation and a full sign-in through the HTML pages; then the token collections
// are grown by BENCH_FILL rows each and refresh and introspection are measured again. See the README's
// "Benchmarks" section for the knobs and for how to read the figures.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedDatabase } from '../src/db/embedded.ts';
import { hashPassword, PASSWORD_PARAMS, verifyPassword } from '../src/services/passwords.ts';
import { startBare } from './bare.ts';
import { addTally, emptyTally, type Tally } from './commands.ts';
import { fillTokenCollections, GROWING_COLLECTIONS } from './fill.ts';
import { basic, fire, newSample, type Shot } from './load.ts';
import { CODE_EXCHANGE, signIn, signIns, type Customer, type LoginRun } from './login.ts';
import { childRssMb, processRssMb } from './memory.ts';
import { mintApiAccessTokens, mintRefreshTokens } from './mint.ts';
import { startOurs } from './ours.ts';
import { forSeconds, inRounds, type Measured, type Target } from './phases.ts';
import { atLeast, atMost, breakdown, num, table, verdict, type Goal } from './report.ts';
import { API_CLIENT, baseEnv, JWT_API, OPAQUE_API, PARTNER, SETTINGS, WEB_APP } from './settings.ts';

const { seconds, connections } = SETTINGS;
const CUSTOMERS = 20;
const INTROSPECTION_POOL = 200;
const PROBE_LOGINS = 3;
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Stack {
  name: 'ours' | 'bare';
  url: string;
  target: Target;
  provider: Parameters<typeof mintRefreshTokens>[0];
  accountIds: string[];
  customers: Customer[];
}

const form = (params: Record<string, string>) => new URLSearchParams(params).toString();

function clientCredentials(stack: Stack, resource: string, scope: string): Shot {
  const body = form({ grant_type: 'client_credentials', resource, scope });
  return { url: stack.url, path: '/token', headers: { authorization: basic(PARTNER.id, PARTNER.secret) }, body: () => body };
}

// The API checks the tokens it receives as a resource server does: as itself, saying what kind of token it holds.
function introspection(stack: Stack, pool: readonly string[]): Shot {
  let i = 0;
  return {
    url: stack.url,
    path: '/token/introspection',
    headers: { authorization: basic(API_CLIENT.id, API_CLIENT.secret) },
    body: () => form({ token: pool[i++ % pool.length]!, token_type_hint: 'access_token' }),
    check: (body) => (body.includes('"active":true') ? undefined : `inactive: ${body.slice(0, 200)}`),
  };
}

function refresh(stack: Stack, tokens: string[]): Shot {
  return {
    url: stack.url,
    path: '/token',
    headers: { authorization: basic(WEB_APP.id, WEB_APP.secret) },
    body: () => form({ grant_type: 'refresh_token', refresh_token: tokens.shift() ?? 'exhausted' }),
  };
}

interface Operation {
  label: string;
  unit: string;
  ours: Measured;
  bare: Measured;
  ratioGoal: Goal;
  commandGoal: Goal;
}

const rssLog: { phase: string; process: number; database?: number }[] = [];
function noteRss(phase: string): void {
  const entry = { phase, process: processRssMb(), database: childRssMb('ferretdb') };
  rssLog.push(entry);
  log(`  rss after ${phase}: process ${num(entry.process, 0)} MB${entry.database ? `, ferretdb ${num(entry.database, 0)} MB` : ''}`);
}

async function warmUp(stack: Stack, pool: readonly string[]): Promise<void> {
  const quiet = newSample();
  const few = { connections: 2, amount: 20 };
  await fire(clientCredentials(stack, OPAQUE_API, 'orders:read'), few, quiet);
  await fire(clientCredentials(stack, JWT_API, 'stock:read'), few, quiet);
  await fire(introspection(stack, pool), few, quiet);
  await fire(refresh(stack, await mintRefreshTokens(stack.provider, stack.accountIds, 10)), { connections: 2, amount: 10 }, quiet);
  for (const customer of stack.customers.slice(0, 2)) await signIn(stack.url, customer, () => {});
  if (quiet.failures) throw new Error(`warm-up of ${stack.name} failed: ${quiet.firstFailure}`);
  await stack.target.server.idle(60_000);
  stack.target.monitor?.take();
}

/** Sequential sign-ins on ours, the commands of each HTTP request counted apart (nothing else runs meanwhile). */
async function probeSteps(stack: Stack): Promise<{ steps: Map<string, Tally>; logins: number }> {
  const monitor = stack.target.monitor!;
  const steps = new Map<string, Tally>();
  const add = (step: string, tally: Tally) => steps.set(step, addTally(steps.get(step) ?? emptyTally(), tally));
  monitor.take();
  for (let i = 0; i < PROBE_LOGINS; i++) {
    await signIn(stack.url, stack.customers[i % stack.customers.length]!, (hop) => add(hop.step, monitor.take()));
    await stack.target.server.idle(60_000);
    const late = monitor.take();
    if (late.commands) add('(after the last response)', late);
  }
  return { steps, logins: PROBE_LOGINS };
}

function loginMeasured(run: LoginRun, tally: Tally): Measured {
  const sorted = [...run.sample.latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
  return {
    figures: { requests: sorted.length, rps: (sorted.length / run.sample.busyMs) * 1000, p50: at(0.5), p99: at(0.99), errors: run.sample.failures },
    sample: run.sample,
    tally,
    handled: run.sample.latencies.length + run.sample.failures,
  };
}

async function argon2Cost(): Promise<number> {
  const hash = await hashPassword('bench password');
  const started = performance.now();
  for (let i = 0; i < 5; i++) await verifyPassword(hash, 'bench password');
  return (performance.now() - started) / 5;
}

async function main(): Promise<void> {
  const begun = performance.now();
  const dir = process.env.MONGODB_URI ? undefined : mkdtempSync(join(tmpdir(), 'ciam-bench-'));
  const store = dir ? await startEmbeddedDatabase({ dir, port: 0, reuse: false }) : undefined;
  // Ctrl-C during a long phase: the database goes and the temporary folder with it.
  const abandon = () => {
    void (store?.stop() ?? Promise.resolve()).finally(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.once('SIGINT', abandon);
  process.once('SIGTERM', abandon);
  const env = baseEnv();
  log(`bench: ${seconds} s per phase, ${connections} connections, ≤ ${SETTINGS.refresh} refreshes, ≤ ${SETTINGS.logins} logins, fill ${SETTINGS.fill}`);

  const ours = await startOurs(env, process.env.MONGODB_URI ?? store!.uri, CUSTOMERS);
  const bare = await startBare(env, await ours.services.keys.providerJwks());
  const stacks: Record<'ours' | 'bare', Stack> = {
    ours: {
      name: 'ours',
      url: ours.server.url,
      target: { server: ours.server, monitor: ours.monitor },
      provider: ours.provider(),
      accountIds: ours.customers.map((c) => c.accountId),
      customers: ours.customers,
    },
    bare: {
      name: 'bare',
      url: bare.server.url,
      target: { server: bare.server },
      provider: bare.provider,
      accountIds: ours.customers.map((c) => c.email),
      customers: ours.customers,
    },
  };
  const both = [stacks.ours, stacks.bare];
  noteRss('start');

  log('minting introspection pools and warming up');
  const pools = {
    ours: await mintApiAccessTokens(stacks.ours.provider, stacks.ours.accountIds, INTROSPECTION_POOL),
    bare: await mintApiAccessTokens(stacks.bare.provider, stacks.bare.accountIds, INTROSPECTION_POOL),
  };
  for (const stack of both) await warmUp(stack, pools[stack.name]);
  noteRss('warm-up');

  const operations: Operation[] = [];
  const measure = async (label: string, ratioGoal: Goal, commandGoal: Goal, run: (stack: Stack) => Promise<Measured>, unit = 'req') => {
    log(`${label}`);
    const result = { ours: await run(stacks.ours), bare: await run(stacks.bare) };
    operations.push({ label, unit, ratioGoal, commandGoal, ...result });
    noteRss(label);
  };
  const timed = { seconds, connections };
  await measure('client_credentials, opaque', atLeast(0.5), atMost(1), (s) => forSeconds(s.target, clientCredentials(s, OPAQUE_API, 'orders:read'), timed));
  await measure('client_credentials, JWT', atLeast(0.7), atMost(0), (s) => forSeconds(s.target, clientCredentials(s, JWT_API, 'stock:read'), timed));
  await measure('introspection', atLeast(0.5), atMost(2), (s) =>
    inRounds(s.target, async () => introspection(s, pools[s.name]), { seconds, max: Number.MAX_SAFE_INTEGER, connections }),
  );
  await measure('refresh_token (rotation)', atLeast(0.5), atMost(5), (s) =>
    inRounds(s.target, async (n) => refresh(s, await mintRefreshTokens(s.provider, s.accountIds, n)), { seconds, max: SETTINGS.refresh, connections }),
  );

  log('full login: sequential probe of each step on ours');
  const probe = await probeSteps(stacks.ours);
  const argon2Ms = await argon2Cost();
  let dbShare = 0;
  const hopsPerLogin: Record<string, number> = {};
  await measure(
    'full login (pages + code exchange)',
    atLeast(0),
    atMost(20),
    async (s) => {
      s.target.monitor?.take();
      const run = await signIns(s.url, s.customers, { connections, max: SETTINGS.logins, seconds });
      await s.target.server.idle(60_000);
      const tally = s.target.monitor?.take() ?? emptyTally();
      if (s.name === 'ours') dbShare = tally.durationMs / run.requestMs;
      hopsPerLogin[s.name] = run.requests / Math.max(1, run.sample.latencies.length + run.sample.failures);
      return loginMeasured(run, tally);
    },
    'login',
  );

  // Second round on grown collections: tokens are minted now, while minting is cheap, and moved among the rows.
  const refreshOp = operations.find((o) => o.label.startsWith('refresh'))!;
  const introspectionOp = operations.find((o) => o.label === 'introspection')!;
  let grown: { refresh: Measured; introspection: Measured } | undefined;
  if (SETTINGS.fill > 0) {
    const want = Math.min(SETTINGS.refresh, Math.ceil(refreshOp.ours.figures.rps * seconds * 1.5) + connections * 2);
    log(`minting ${want} refresh tokens for the grown round`);
    const grownTokens = await mintRefreshTokens(stacks.ours.provider, stacks.ours.accountIds, want);
    log(`filling ${GROWING_COLLECTIONS.join(', ')} with ${SETTINGS.fill} rows each`);
    await fillTokenCollections(ours.db, SETTINGS.fill, log);
    noteRss('fill');
    log('introspection, grown');
    const grownIntrospection = await inRounds(stacks.ours.target, async () => introspection(stacks.ours, pools.ours), {
      seconds,
      max: Number.MAX_SAFE_INTEGER,
      connections,
    });
    log('refresh_token (rotation), grown');
    const grownRefresh = await inRounds(
      stacks.ours.target,
      async (n) => (grownTokens.length ? refresh(stacks.ours, grownTokens.splice(0, n)) : undefined),
      { seconds, max: SETTINGS.refresh, connections },
    );
    grown = { refresh: grownRefresh, introspection: grownIntrospection };
    noteRss('grown round');
  }

  // The tables.
  const out: string[] = [];
  out.push('', `ours vs bare oidc-provider (same configuration, never-evicting memory store), ${connections} concurrent, 127.0.0.1`);
  out.push(
    table(
      ['operation', 'stack', 'done', 'per s', 'p50 ms', 'p99 ms', 'errors', 'ours/bare', 'target', ''],
      operations.flatMap((o) => {
        const ratio = o.ours.figures.rps / o.bare.figures.rps;
        const row = (name: string, m: Measured, extra: string[]) => [
          name === 'ours' ? `${o.label}${o.unit === 'login' ? ' [logins]' : ''}` : '',
          name,
          String(m.figures.requests),
          num(m.figures.rps),
          num(m.figures.p50),
          num(m.figures.p99),
          String(m.figures.errors),
          ...extra,
        ];
        const ratioCells = o.unit === 'login' ? [num(ratio, 2), '', ''] : [num(ratio, 2), o.ratioGoal.text, verdict(o.ratioGoal, ratio)];
        return [row('ours', o.ours, ratioCells), row('bare', o.bare, ['', '', ''])];
      }),
    ),
  );
  for (const o of operations) {
    for (const [name, m] of [['ours', o.ours], ['bare', o.bare]] as const) {
      if (m.sample.firstFailure) out.push(`  ${o.label}, ${name}: first failure: ${m.sample.firstFailure}`);
    }
  }

  out.push('', 'database commands per request, ours (command monitoring; hello/ping/endSessions excluded)');
  const perRequest = (m: Measured) => m.tally.commands / Math.max(1, m.handled);
  const exchange = probe.steps.get(CODE_EXCHANGE)?.commands ?? NaN;
  const commandRows = operations.map((o) => {
    const value = perRequest(o.ours);
    return [o.label, num(value, 2), o.commandGoal.text, verdict(o.commandGoal, value), breakdown(o.ours.tally, o.ours.handled)];
  });
  const exchangePer = exchange / probe.logins;
  commandRows.push(['  of which code exchange (probe)', num(exchangePer, 2), '≤ 5', verdict(atMost(5), exchangePer), breakdown(probe.steps.get(CODE_EXCHANGE) ?? emptyTally(), probe.logins)]);
  out.push(table(['operation', 'cmds/req', 'target', '', 'by command and collection'], commandRows));

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
    `database time / request latency during the login phase: ${num(dbShare * 100, 1)}%  (target ≤ 25%)  ${verdict(atMost(0.25), dbShare)}`,
    `argon2id (m=${PASSWORD_PARAMS.memoryCost} KiB, t=${PASSWORD_PARAMS.timeCost}, p=${PASSWORD_PARAMS.parallelism}, production parameters): ${num(argon2Ms, 1)} ms per verification, one per sign-in on ours; the bare pages check no password`,
  );

  if (grown) {
    out.push('', `grown store: ${SETTINGS.fill} more rows in each of ${GROWING_COLLECTIONS.join(', ')} (ours only)`);
    const grownRow = (label: string, empty: Measured, after: Measured, bareRps: number) => {
      const ratio = after.figures.rps / empty.figures.rps;
      return [
        label,
        num(empty.figures.rps),
        num(after.figures.rps),
        String(after.figures.requests),
        num(after.figures.p50),
        num(after.figures.p99),
        String(after.figures.errors),
        num(perRequest(after), 2),
        num(after.figures.rps / bareRps, 2),
        num(ratio, 2),
        '≥ 0.90',
        verdict(atLeast(0.9), ratio),
      ];
    };
    out.push(
      table(
        ['operation', 'empty /s', 'grown /s', 'done', 'p50 ms', 'p99 ms', 'errors', 'cmds/req', 'grown/bare', 'grown/empty', 'target', ''],
        [
          grownRow('refresh_token (rotation)', refreshOp.ours, grown.refresh, refreshOp.bare.figures.rps),
          grownRow('introspection', introspectionOp.ours, grown.introspection, introspectionOp.bare.figures.rps),
        ],
      ),
    );
    for (const [label, m] of [['refresh, grown', grown.refresh], ['introspection, grown', grown.introspection]] as const) {
      if (m.sample.firstFailure) out.push(`  ${label}: first failure: ${m.sample.firstFailure}`);
      out.push(`  ${label}: ${breakdown(m.tally, m.handled)}`);
    }
  }

  out.push('', 'memory: ours, the bare provider and the load generator share this one process: its RSS bounds ours from above (a PASS holds for ours alone, a MISS may not)');
  out.push(
    table(
      ['after', 'process RSS MB', 'ferretdb RSS MB', 'target', ''],
      rssLog.map((r) => [r.phase, num(r.process, 0), r.database === undefined ? '—' : num(r.database, 0), '≤ 250 per server', verdict(atMost(250), r.process)]),
    ),
  );
  out.push(
    '',
    `node ${process.version}, ${process.env.MONGODB_URI ? 'MONGODB_URI' : 'embedded FerretDB/SQLite'}, BENCH_SECONDS=${seconds} BENCH_CONNECTIONS=${connections} BENCH_REFRESH=${SETTINGS.refresh} BENCH_LOGINS=${SETTINGS.logins} BENCH_FILL=${SETTINGS.fill}, ${num((performance.now() - begun) / 1000, 0)} s in all`,
  );
  console.log(out.join('\n'));

  await bare.close();
  await ours.close();
  await store?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
