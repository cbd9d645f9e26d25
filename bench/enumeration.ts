// Known and unknown addresses side by side: a wrong password posted to the login form for an account that exists
// and for one that does not, alternately and one at a time, each from a browser of its own. The answers must not
// take measurably different times (no account enumeration by timing). The test suite checks the cause (the same
// argon2id operations and database commands on both paths); this prints the effect, on this machine, today.
import { createHash, randomBytes } from 'node:crypto';
import { Browser, findForm } from '../test/support/http.ts';
import { newSample, percentile, type Sample } from './load.ts';
import type { Customer } from './login.ts';
import { LOGIN_SCOPE, REDIRECT_URI, WEB_APP } from './settings.ts';

export interface Enumeration {
  known: Sample;
  unknown: Sample;
}

/** The time of one wrong-password POST /interaction/:uid/login for `email`, the login page fetched first. */
async function wrongPassword(origin: string, email: string, ip: string): Promise<number> {
  const browser = new Browser(origin, 'Mozilla/5.0 (X11; Linux x86_64) ciam-bench');
  const headers = { 'x-forwarded-for': ip };
  const start = new URL('/auth', origin);
  start.search = new URLSearchParams({
    client_id: WEB_APP.id,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: LOGIN_SCOPE,
    state: randomBytes(8).toString('base64url'),
    code_challenge: createHash('sha256').update(randomBytes(32)).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  let page = await browser.request(start, { headers });
  while (page.location && page.location.origin === browser.origin) page = await browser.request(page.location, { headers });
  const { form } = findForm(page, /\/login$/);
  const body = new URLSearchParams({ ...form.fields, email, password: `not the password ${randomBytes(6).toString('hex')}` });
  const started = performance.now();
  const answer = await browser.request(form.action, { method: 'POST', body, headers });
  const ms = performance.now() - started;
  if (answer.status !== 400) throw new Error(`a wrong password answered ${answer.status}, not 400`);
  return ms;
}

/**
 * `rounds` pairs, known then unknown, sequential. Each known customer gets at most one wrong password (rounds ≤
 * customers), far below any lockout, and every attempt comes from an address of its own, so no limit is reached.
 */
export async function measureEnumeration(origin: string, customers: readonly Customer[], rounds: number): Promise<Enumeration> {
  const result: Enumeration = { known: newSample(), unknown: newSample() };
  const n = Math.min(rounds, customers.length);
  for (let i = 0; i < n; i++) {
    const ip = (kind: number) => `198.51.100.${(2 * i + kind) % 254 + 1}`;
    result.known.latencies.push(await wrongPassword(origin, customers[i]!.email, ip(0)));
    result.unknown.latencies.push(await wrongPassword(origin, `nobody-${randomBytes(6).toString('hex')}@bench.test`, ip(1)));
  }
  return result;
}

/** Median of each side and their ratio (known ÷ unknown). */
export function enumerationFigures(e: Enumeration): { known: number; unknown: number; ratio: number; pairs: number } {
  const median = (s: Sample) => percentile([...s.latencies].sort((a, b) => a - b), 0.5);
  const known = median(e.known);
  const unknown = median(e.unknown);
  return { known, unknown, ratio: known / unknown, pairs: e.known.latencies.length };
}
