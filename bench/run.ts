// npm run bench: ours (the whole application on the embedded store, or on MONGODB_URI) against a bare oidc-provider
// with the same configuration on a memory store, in one run and one process, for client_credentials (opaque and
// JWT), introspection, refresh with rotation and a full sign-in through the HTML pages; then the token collections
// are grown by BENCH_FILL rows each and refresh and introspection are measured again. See the README's
// "Benchmarks" section for the knobs and for how to read the figures.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedDatabase } from '../src/db/embedded.ts';
import { hashPassword, verifyPassword } from '../src/services/passwords.ts';
import { measureAlone } from './alone.ts';
import { startBare } from './bare.ts';
import { measureAtLoads } from './capacity.ts';
import { addTally, emptyTally, type Tally } from './commands.ts';
import { enumerationFigures, measureEnumeration } from './enumeration.ts';
import { fillTokenCollections, GROWING_COLLECTIONS } from './fill.ts';
import { figures, fire, median, newSample } from './load.ts';
import { clientCredentials, introspection, refresh } from './shots.ts';
import { signIn, signIns, type Customer, type LoginRun } from './login.ts';
import { childRssMb, processRssMb } from './memory.ts';
import { mintApiAccessTokens, mintRefreshTokens } from './mint.ts';
import { startOurs } from './ours.ts';
import { forSeconds, inRounds, mergeMeasured, type Measured, type Target } from './phases.ts';
import { atLeast, atMost, num, type Goal } from './report.ts';
import { summary, type Operation, type Results } from './summary.ts';
import { API_CLIENT, baseEnv, JWT_API, LOADS, OPAQUE_API, PARTNER, SETTINGS, WEB_APP } from './settings.ts';

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

const rssLog: { phase: string; process: number; database?: number }[] = [];
function noteRss(phase: string): void {
  const entry = { phase, process: processRssMb(), database: childRssMb('ferretdb') };
  rssLog.push(entry);
  log(`  rss after ${phase}: process ${num(entry.process, 0)} MB${entry.database ? `, ferretdb ${num(entry.database, 0)} MB` : ''}`);
}

async function warmUp(stack: Stack, pool: readonly string[]): Promise<void> {
  const quiet = newSample();
  const few = { connections: 2, amount: 20 };
  await fire(clientCredentials(stack.url, OPAQUE_API, 'orders:read'), few, quiet);
  await fire(clientCredentials(stack.url, JWT_API, 'stock:read'), few, quiet);
  await fire(introspection(stack.url, pool), few, quiet);
  await fire(refresh(stack.url, await mintRefreshTokens(stack.provider, stack.accountIds, 10)), { connections: 2, amount: 10 }, quiet);
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
  return { figures: figures(run.sample), sample: run.sample, tally, handled: run.sample.latencies.length + run.sample.failures };
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

  // Timed on a stack without command monitoring (the bare provider has none either); counted on a second, monitored
  // stack of ours on the same database, which repeats each phase after the timed ones (see startOurs).
  const ours = await startOurs(env, process.env.MONGODB_URI ?? store!.uri, CUSTOMERS, { monitor: false });
  const counter = await startOurs(env, process.env.MONGODB_URI ?? store!.uri, CUSTOMERS, { monitor: true, join: ours });
  const bare = await startBare(env, await ours.services.keys.providerJwks());
  const oursStack = (o: typeof ours, monitored: boolean): Stack => ({
    name: 'ours',
    url: o.server.url,
    target: { server: o.server, ...(monitored ? { monitor: o.monitor } : {}) },
    provider: o.provider(),
    accountIds: o.customers.map((c) => c.accountId),
    customers: o.customers,
  });
  const counted = oursStack(counter, true);
  const stacks: Record<'ours' | 'bare', Stack> = {
    ours: oursStack(ours, false),
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
  for (const stack of [...both, counted]) await warmUp(stack, pools[stack.name]);
  noteRss('warm-up');

  const operations: Operation[] = [];
  const measure = async (
    label: string,
    ratioGoal: Goal,
    commandGoal: Goal,
    run: (stack: Stack, connections: number) => Promise<Measured>,
    unit: Operation['unit'] = 'req',
  ) => {
    log(`${label}`);
    // Logins run at BENCH_CONNECTIONS only: their figure of merit is the database's share of the latency.
    const levels = unit === 'login' ? [connections] : LOADS;
    const measured = await measureAtLoads(levels, unit === 'login' ? 1 : SETTINGS.rounds, (name, c) => run(stacks[name], c));
    // The same phase again on the monitored stack, at the first level (the least batching: the most commands per
    // request): its commands (and database time) stand for ours'. The login's database share comes from this stack
    // alone, so there it runs the rounds the others run on the timed stacks.
    const countRuns: Measured[] = [];
    for (let i = 0; i < (unit === 'login' ? SETTINGS.rounds : 1); i++) countRuns.push(await run(counted, connections));
    const count = mergeMeasured(countRuns);
    operations.push({
      label,
      unit,
      ratioGoal,
      commandGoal,
      ours: { ...measured.ours, tally: count.tally, handled: count.handled },
      bare: measured.bare,
      oursAt: measured.oursAt,
      bareAt: measured.bareAt,
      ...(measured.ratios.length > 1 ? { ratios: measured.ratios } : {}),
      ...(levels.length > 1 ? { levels: measured.levels } : {}),
    });
    noteRss(label);
  };
  await measure('client_credentials, opaque', atLeast(0.5), atMost(1), (s, c) =>
    forSeconds(s.target, clientCredentials(s.url, OPAQUE_API, 'orders:read'), { seconds, connections: c }),
  );
  await measure('client_credentials, JWT', atLeast(0.7), atMost(0), (s, c) =>
    forSeconds(s.target, clientCredentials(s.url, JWT_API, 'stock:read'), { seconds, connections: c }),
  );
  await measure('introspection', atLeast(0.5), atMost(2), (s, c) =>
    inRounds(s.target, async () => introspection(s.url, pools[s.name]), { seconds, max: Number.MAX_SAFE_INTEGER, connections: c }),
  );
  await measure('refresh_token (rotation)', atLeast(0.5), atMost(5), (s, c) =>
    inRounds(s.target, async (n) => refresh(s.url, await mintRefreshTokens(s.provider, s.accountIds, n)), { seconds, max: SETTINGS.refresh, connections: c }),
  );

  log('full login: sequential probe of each step on ours');
  const probe = await probeSteps(counted);
  const argon2Ms = await argon2Cost();
  const dbShares: number[] = [];
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
      if (s.target.monitor) dbShares.push(tally.durationMs / run.requestMs);
      hopsPerLogin[s.name] = run.requests / Math.max(1, run.sample.latencies.length + run.sample.failures);
      return loginMeasured(run, tally);
    },
    'login',
  );
  const dbShare = median(dbShares);

  log('known and unknown addresses: wrong passwords, alternately');
  const enumeration = enumerationFigures(await measureEnumeration(stacks.ours.url, stacks.ours.customers, CUSTOMERS));

  // Second round on grown collections: tokens are minted now, while minting is cheap, and moved among the rows.
  const refreshOp = operations.find((o) => o.label.startsWith('refresh'))!;
  let grown: Results['grown'];
  if (SETTINGS.fill > 0) {
    const want = Math.min(SETTINGS.refresh, Math.ceil(refreshOp.ours.figures.rps * seconds * 1.5) + connections * 2);
    log(`minting ${want} refresh tokens for the grown round`);
    const grownTokens = await mintRefreshTokens(stacks.ours.provider, stacks.ours.accountIds, want);
    log(`filling ${GROWING_COLLECTIONS.join(', ')} with ${SETTINGS.fill} rows each`);
    await fillTokenCollections(ours.db, SETTINGS.fill, log);
    noteRss('fill');
    log('introspection, grown (and bare beside it)');
    const grownIntrospection = await inRounds(stacks.ours.target, async () => introspection(stacks.ours.url, pools.ours), {
      seconds,
      max: Number.MAX_SAFE_INTEGER,
      connections,
    });
    // The bare provider again, right after: grown/empty compares ratios to bare, so the machine's load at the two
    // moments cancels out.
    const bareIntrospection = await inRounds(stacks.bare.target, async () => introspection(stacks.bare.url, pools.bare), {
      seconds,
      max: Number.MAX_SAFE_INTEGER,
      connections,
    });
    const bareTokens = await mintRefreshTokens(stacks.bare.provider, stacks.bare.accountIds, want);
    log('refresh_token (rotation), grown');
    const grownRefresh = await inRounds(
      stacks.ours.target,
      // A round needs a token per request: stop when the minted ones cannot fill one (a reused token is refused).
      async (n) => (grownTokens.length >= n ? refresh(stacks.ours.url, grownTokens.splice(0, n)) : undefined),
      { seconds, max: SETTINGS.refresh, connections },
    );
    const bareRefresh = await inRounds(
      stacks.bare.target,
      async (n) => (bareTokens.length >= n ? refresh(stacks.bare.url, bareTokens.splice(0, n)) : undefined),
      { seconds, max: SETTINGS.refresh, connections },
    );
    // Their commands, as for the other phases, from the monitored stack on the same (grown) database.
    log('introspection and refresh, grown: commands on the monitored stack');
    const countedIntrospection = await inRounds(counted.target, async () => introspection(counted.url, pools.ours), { seconds, max: 500, connections });
    const countedTokens = await mintRefreshTokens(counted.provider, counted.accountIds, 100);
    const countedRefresh = await inRounds(counted.target, async (n) => (countedTokens.length >= n ? refresh(counted.url, countedTokens.splice(0, n)) : undefined), {
      seconds,
      max: 100,
      connections,
    });
    const withCommands = (timed: Measured, count: Measured): Measured => ({ ...timed, tally: count.tally, handled: count.handled });
    grown = {
      refresh: withCommands(grownRefresh, countedRefresh),
      introspection: withCommands(grownIntrospection, countedIntrospection),
      bare: { refresh: bareRefresh, introspection: bareIntrospection },
    };
    noteRss('grown round');
  }

  log('memory: ours alone in a server process of its own');
  const alone = await measureAlone({
    env,
    serverUri: process.env.MONGODB_URI ?? store!.uri,
    customers: CUSTOMERS,
    seconds,
    connections,
    refreshTokens: Math.min(SETTINGS.refresh, 500),
    logins: Math.min(SETTINGS.logins, 100),
  });

  console.log(
    summary({
      ...(alone ? { alone } : {}),
      operations,
      probe,
      hopsPerLogin,
      dbShare,
      dbShares,
      argon2Ms,
      enumeration,
      ...(grown ? { grown } : {}),
      rss: rssLog,
      footer: `node ${process.version}, ${process.env.MONGODB_URI ? 'MONGODB_URI' : 'embedded FerretDB/SQLite'}, BENCH_SECONDS=${seconds} BENCH_CONNECTIONS=${connections} BENCH_PEAK_CONNECTIONS=${SETTINGS.peakConnections} BENCH_REFRESH=${SETTINGS.refresh} BENCH_LOGINS=${SETTINGS.logins} BENCH_FILL=${SETTINGS.fill}, ${num((performance.now() - begun) / 1000, 0)} s in all`,
    }),
  );

  await bare.close();
  await counter.close();
  await ours.close();
  await store?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
