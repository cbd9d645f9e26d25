// What `npm run bench` measures with, from the environment (see the README's "Benchmarks" section), and the clients,
// resources and environment both stacks are configured with.
import { createHmac, randomBytes } from 'node:crypto';

function knob(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
  return n;
}

export const SETTINGS = {
  /** Seconds each measured phase runs for, per stack. */
  seconds: knob('BENCH_SECONDS', 10, 1),
  /** At most this many refresh requests per stack and phase. */
  refresh: knob('BENCH_REFRESH', 1000, 1),
  /** At most this many full logins per stack. */
  logins: knob('BENCH_LOGINS', 300, 1),
  /** Rows put into each token collection before the second round. 0 skips that round. */
  fill: knob('BENCH_FILL', 100_000, 0),
  /**
   * Rounds of each token-endpoint phase, ours and bare taking turns (ours first, then bare first, …). The ratio is the
   * median of the rounds' ratios: load from other tenants of a shared machine drifts over seconds, and a pair of runs
   * side by side sees the same drift.
   */
  rounds: knob('BENCH_ROUNDS', 3, 1),
  /** Concurrent logins; concurrent requests of the token phases' first load level, the grown round and the memory phase. */
  connections: knob('BENCH_CONNECTIONS', 10, 1),
  /** The token phases' second load level (0: none); each stack is judged at its better level (bench/capacity.ts). */
  peakConnections: knob('BENCH_PEAK_CONNECTIONS', 40, 0),
};

/** The load levels of the token phases: BENCH_CONNECTIONS, then BENCH_PEAK_CONNECTIONS if set and different. */
export const LOADS: readonly number[] = [...new Set([SETTINGS.connections, SETTINGS.peakConnections].filter((c) => c > 0))];

export const OPAQUE_API = 'https://api.bench.test';
export const JWT_API = 'https://jwt.bench.test';
export const REDIRECT_URI = 'https://rp.bench.test/cb';
/** What the login asks for, as a typical relying party's sign-in does. */
export const LOGIN_SCOPE = 'openid email profile';

// One seed per run, inherited by the server process the memory phase starts (bench/alone.ts), so that both sides
// know the clients' secrets.
const seed = (process.env.BENCH_SECRET_SEED ??= randomBytes(24).toString('base64url'));
const secret = (client: string) => createHmac('sha256', seed).update(client).digest('base64url');

/** A machine client calling both APIs. */
export const PARTNER = { id: 'bench-partner', secret: secret('bench-partner'), scope: 'orders:read stock:read' };
/** The opaque API's own client, listed in its introspectors. */
export const API_CLIENT = { id: 'bench-api', secret: secret('bench-api') };
/** A web application signing customers in (third party: its customers see the consent page). */
export const WEB_APP = { id: 'bench-app', secret: secret('bench-app'), scope: 'openid offline_access email profile orders:read' };

export const RESOURCES = {
  [OPAQUE_API]: { scope: 'orders:read orders:write', accessTokenFormat: 'opaque', introspectors: [API_CLIENT.id] },
  [JWT_API]: { scope: 'stock:read', accessTokenFormat: 'jwt' },
};

/** The environment both stacks are configured from (each adds its own ISSUER and database). */
export function baseEnv(): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: 'error',
    COOKIE_KEYS: randomBytes(32).toString('base64url'),
    DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    DEMO: 'false',
    RESOURCES: JSON.stringify(RESOURCES),
    // The expiry sweeper would land in whichever phase it happens to fall; it is not on the request path.
    SWEEP_INTERVAL_SECONDS: '86400',
    // Likewise the webhook dispatcher (the bench registers no endpoint; its round would be one stray read).
    WEBHOOK_POLL_SECONDS: '0',
    // Behind a load balancer, as in production: each customer's sign-ins come from that customer's own address
    // (X-Forwarded-For), not all from 127.0.0.1, which the risk engine would rightly take for credential stuffing.
    TRUST_PROXY: 'true',
    // As configured for this run, or the default (one core left to the rest).
    ...(process.env.PASSWORD_HASH_CONCURRENCY ? { PASSWORD_HASH_CONCURRENCY: process.env.PASSWORD_HASH_CONCURRENCY } : {}),
  };
}
