// Prometheus metrics (prom-client) at /metrics, for operators' dashboards and alerts: request rates and latencies
// per route family, sign-ins by result and method, second-factor challenges and checks, throttle blocks, database
// command latency, and the process's own (event-loop lag, memory, CPU). Served only when METRICS_TOKEN is set, to a
// bearer of that token (the endpoint tells which route families and sign-in methods are used: operators' business).
// Labels come from fixed lists, never from what a request carries, so the series stay few.
import { timingSafeEqual, createHash } from 'node:crypto';
import Router from '@koa/router';
import type { Middleware } from 'koa';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { passwordHashQueue } from '../services/passwords.ts';

/** The first path segments we serve, as the family a request is counted under; anything else is "other". */
const FAMILIES: readonly [string, string][] = [
  ['/token/introspection', 'introspection'],
  ['/token/revocation', 'revocation'],
  ['/token', 'token'],
  ['/auth', 'authorization'],
  ['/interaction', 'interaction'],
  ['/account', 'account'],
  ['/api', 'api'],
  ['/me', 'userinfo'],
  ['/jwks', 'jwks'],
  ['/.well-known', 'discovery'],
  ['/session', 'logout'],
  ['/reg', 'registration'],
  ['/device', 'device'],
  ['/request', 'par'],
  ['/federation', 'federation'],
  ['/recover', 'recovery'],
  ['/legal', 'legal'],
  ['/assets', 'assets'],
  ['/healthz', 'health'],
  ['/readyz', 'health'],
  ['/metrics', 'metrics'],
];

export function routeFamily(path: string): string {
  for (const [prefix, family] of FAMILIES) {
    if (path === prefix || path.startsWith(`${prefix}/`)) return family;
  }
  return 'other';
}

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
const bounded = (value: unknown, known: ReadonlySet<string>) => (typeof value === 'string' && known.has(value) ? value : 'other');
const SIGN_IN_METHODS = new Set(['password', 'passkey', 'federated', 'signup', 'code']);
const FACTORS = new Set(['totp', 'sms', 'email', 'passkey', 'recovery', 'upstream']);
const THROTTLED = new Set(['login', 'signup', 'verify', 'recovery', 'mfa']);

export interface AuditObservation {
  type: string;
  outcome: string;
  reason?: string;
  details?: unknown;
}

export interface Metrics {
  registry: Registry;
  /** Counts and times every request by route family, method and status class. */
  requests(): Middleware;
  /** An audit event as it is recorded: sign-ins, second factors and throttle blocks are counted from them. */
  observeAudit(e: AuditObservation): void;
  /** A database command that finished (the driver's command monitoring). */
  observeCommand(e: { commandName: string; duration: number; failure?: unknown }): void;
}

export function createMetrics(opts: { defaults?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaults !== false) collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  const requestsTotal = new Counter({ name: 'ciam_http_requests_total', help: 'HTTP requests by route family, method and status class', labelNames: ['family', 'method', 'status'], registers: [registry] });
  const requestSeconds = new Histogram({
    name: 'ciam_http_request_duration_seconds',
    help: 'HTTP request latency by route family',
    labelNames: ['family'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const signIns = new Counter({ name: 'ciam_sign_ins_total', help: 'Sign-ins by result and method', labelNames: ['result', 'method'], registers: [registry] });
  const mfaChecks = new Counter({ name: 'ciam_mfa_verifications_total', help: 'Second-factor checks by result and factor', labelNames: ['result', 'factor'], registers: [registry] });
  const mfaSent = new Counter({ name: 'ciam_mfa_codes_sent_total', help: 'Second-factor codes sent, by factor', labelNames: ['factor'], registers: [registry] });
  const blocks = new Counter({ name: 'ciam_throttle_blocks_total', help: 'Requests blocked by the throttle, by action', labelNames: ['action'], registers: [registry] });
  const commandSeconds = new Histogram({
    name: 'ciam_db_command_duration_seconds',
    help: 'Database command latency by command',
    labelNames: ['command', 'result'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  new Gauge({
    name: 'ciam_password_hashes',
    help: 'Password hashes and verifications (argon2id) running and waiting for their turn (PASSWORD_HASH_CONCURRENCY)',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const queue = passwordHashQueue();
      this.set({ state: 'running' }, queue.running);
      this.set({ state: 'waiting' }, queue.waiting);
    },
  });
  const COMMANDS = new Set(['find', 'insert', 'update', 'delete', 'findAndModify', 'aggregate', 'count', 'getMore', 'createIndexes', 'ping', 'hello']);

  return {
    registry,
    requests() {
      return async (ctx, next) => {
        const started = performance.now();
        try {
          await next();
        } finally {
          const family = routeFamily(ctx.path);
          requestsTotal.inc({ family, method: METHODS.has(ctx.method) ? ctx.method : 'other', status: `${Math.floor(ctx.status / 100)}xx` });
          requestSeconds.observe({ family }, (performance.now() - started) / 1000);
        }
      };
    },
    observeAudit(e) {
      const details = (e.details ?? {}) as Record<string, unknown>;
      const result = e.outcome === 'success' ? 'success' : 'failure';
      if (e.type === 'login.success' || e.type === 'login.failure') {
        const method = typeof details.method === 'string' ? details.method : e.reason === 'signup' ? 'signup' : 'password';
        signIns.inc({ result, method: bounded(method, SIGN_IN_METHODS) });
      } else if (e.type === 'mfa.success' || e.type === 'mfa.failure') {
        mfaChecks.inc({ result, factor: bounded(details.method, FACTORS) });
      } else if (e.type === 'mfa.code_sent') {
        mfaSent.inc({ factor: bounded(details.factorType, FACTORS) });
      } else if (e.type === 'throttle.lockout') {
        blocks.inc({ action: bounded(details.action, THROTTLED) });
      }
    },
    observeCommand(e) {
      commandSeconds.observe({ command: bounded(e.commandName, COMMANDS), result: e.failure ? 'failure' : 'success' }, e.duration / 1000);
    },
  };
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** GET /metrics for a bearer of `token`; 404 when no token is configured (the endpoint does not exist then). */
export function metricsRouter(metrics: Metrics, token: string | undefined): Router {
  const router = new Router();
  router.get('/metrics', async (ctx) => {
    if (!token) return;
    const given = /^Bearer (.+)$/i.exec(ctx.get('authorization'))?.[1] ?? '';
    if (!timingSafeEqual(digest(given), digest(token))) {
      ctx.status = 401;
      ctx.set('WWW-Authenticate', 'Bearer realm="metrics"');
      ctx.body = { error: 'invalid_token', error_description: 'The metrics token is required' };
      return;
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
  return router;
}
