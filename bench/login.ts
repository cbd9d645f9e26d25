// A full sign-in as a customer's browser and the app's back end perform it: GET /auth with PKCE, the login page, the
// e-mail and password form (its CSRF token and cookies carried), the consent page, allow, the redirect with the
// code, and the code exchange at /token. Pages are driven by the tests' cookie-keeping browser and their walk().
import { createHash, randomBytes } from 'node:crypto';
import { walk } from '../test/e2e/flows.ts';
import { Browser, type Page } from '../test/support/http.ts';
import { basic, newSample, type Sample } from './load.ts';
import { LOGIN_SCOPE, REDIRECT_URI, WEB_APP } from './settings.ts';

/** One HTTP request of a sign-in. */
export interface Hop {
  /** Method and path with the interaction id replaced, e.g. "POST /interaction/:uid/login". */
  step: string;
  ms: number;
  status: number;
}

export const CODE_EXCHANGE = 'POST /token (code exchange)';

function stepOf(method: string, url: URL): string {
  const path = url.pathname.replace(/^\/interaction\/[^/]+/, '/interaction/:uid').replace(/^\/auth\/[^/]+/, '/auth/:uid');
  return `${method} ${path}`;
}

export interface Customer {
  email: string;
  password: string;
  /** Sent as X-Forwarded-For by the customer's browser. */
  ip: string;
}

class TimedBrowser extends Browser {
  readonly #onHop: (hop: Hop) => void;
  readonly #ip: string;

  constructor(origin: string, ip: string, onHop: (hop: Hop) => void) {
    super(origin, 'Mozilla/5.0 (X11; Linux x86_64) ciam-bench');
    this.#ip = ip;
    this.#onHop = onHop;
  }

  override async request(url: string | URL, init: Parameters<Browser['request']>[1] = {}): Promise<Page> {
    const started = performance.now();
    const page = await super.request(url, { ...init, headers: { 'x-forwarded-for': this.#ip, ...init.headers } });
    this.#onHop({ step: stepOf(init.method ?? 'GET', page.url), ms: performance.now() - started, status: page.status });
    return page;
  }
}

export async function signIn(origin: string, customer: Customer, onHop: (hop: Hop) => void): Promise<void> {
  const browser = new TimedBrowser(origin, customer.ip, onHop);
  const verifier = randomBytes(32).toString('base64url');
  const start = new URL('/auth', origin);
  start.search = new URLSearchParams({
    client_id: WEB_APP.id,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: LOGIN_SCOPE,
    state: randomBytes(16).toString('base64url'),
    nonce: randomBytes(16).toString('base64url'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  const { redirect } = await walk(browser, start, customer);
  const code = redirect.searchParams.get('code');
  if (!code) throw new Error(`no code in the redirect: ${redirect.search}`);

  const started = performance.now();
  const res = await fetch(new URL('/token', origin), {
    method: 'POST',
    headers: { authorization: basic(WEB_APP.id, WEB_APP.secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }),
  });
  const body = (await res.json()) as { id_token?: unknown };
  onHop({ step: CODE_EXCHANGE, ms: performance.now() - started, status: res.status });
  if (!res.ok || typeof body.id_token !== 'string') throw new Error(`code exchange answered ${res.status}: ${JSON.stringify(body).slice(0, 300)}`);
}

export interface LoginRun {
  /** One latency per completed sign-in (all its requests, code exchange included). */
  sample: Sample;
  /** Sum of every request's latency, for the share of it spent in the database. */
  requestMs: number;
  requests: number;
}

/** Sign-ins, `connections` at a time, until `max` have started or `seconds` have passed; all started ones finish. */
export async function signIns(
  origin: string,
  customers: readonly Customer[],
  bound: { connections: number; max: number; seconds: number },
): Promise<LoginRun> {
  const run: LoginRun = { sample: newSample(), requestMs: 0, requests: 0 };
  const onHop = (hop: Hop) => {
    run.requestMs += hop.ms;
    run.requests++;
  };
  const started = performance.now();
  const deadline = started + bound.seconds * 1000;
  let next = 0;
  const worker = async () => {
    while (next < bound.max && performance.now() < deadline) {
      const customer = customers[next++ % customers.length]!;
      const t0 = performance.now();
      try {
        await signIn(origin, customer, onHop);
        run.sample.latencies.push(performance.now() - t0);
      } catch (err) {
        run.sample.failures++;
        run.sample.firstFailure ??= err instanceof Error ? err.message.slice(0, 300) : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: bound.connections }, worker));
  run.sample.busyMs = performance.now() - started;
  return run;
}
