// Load generation: autocannon (bounded by time or by a number of requests) for the token and introspection
// endpoints, with every response's latency kept so that several runs of one phase combine into one set of figures.
import autocannon from 'autocannon';

export interface Sample {
  latencies: number[];
  failures: number;
  /** The first failure's status and body, to say why a phase failed. */
  firstFailure?: string;
  /** Wall time spent sending and waiting, over all runs of the phase. */
  busyMs: number;
}

export interface Figures {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

export const newSample = (): Sample => ({ latencies: [], failures: 0, busyMs: 0 });

export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;
}

/** Several runs' samples as one (their latencies, failures and busy time together). */
export function mergeSamples(samples: readonly Sample[]): Sample {
  const out = newSample();
  for (const s of samples) {
    out.latencies.push(...s.latencies);
    out.failures += s.failures;
    out.busyMs += s.busyMs;
    if (s.firstFailure !== undefined) out.firstFailure ??= s.firstFailure;
  }
  return out;
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export function figures(sample: Sample): Figures {
  const sorted = [...sample.latencies].sort((a, b) => a - b);
  return {
    requests: sorted.length,
    rps: sample.busyMs > 0 ? (sorted.length / sample.busyMs) * 1000 : 0,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    errors: sample.failures,
  };
}

export interface Shot {
  url: string;
  path: string;
  headers: Record<string, string>;
  /** The form body of each request, called once per request. */
  body: () => string;
  /** Says what is wrong with a successful response's body, if anything (it then counts as an error). */
  check?: (body: string) => string | undefined;
}

/** One run: `amount` requests, or as many as fit in `seconds`; results are added to `sample`. */
export function fire(shot: Shot, bound: { connections: number; amount?: number; seconds?: number }, sample: Sample): Promise<void> {
  const connections = Math.max(1, Math.min(bound.connections, bound.amount ?? Infinity));
  const started = performance.now();
  // autocannon notices the end of a run at its next one-second tick: the run lasted until its last response.
  let last = started;
  return new Promise((done, fail) => {
    const instance = autocannon(
      {
        url: shot.url,
        connections,
        // A slow server must be measured, not cut off: a timed-out request would go on running on the server.
        timeout: 600,
        ...(bound.amount !== undefined ? { amount: bound.amount } : { duration: bound.seconds ?? 10 }),
        requests: [
          {
            method: 'POST',
            path: shot.path,
            headers: { 'content-type': 'application/x-www-form-urlencoded', ...shot.headers },
            setupRequest: (req) => ({ ...req, body: shot.body() }),
            onResponse: (status, body) => {
              const problem = status >= 400 ? `${status} ${body.slice(0, 300)}` : shot.check?.(body);
              if (problem) {
                sample.failures++;
                sample.firstFailure ??= problem;
              }
            },
          },
        ],
      },
      (err) => {
        sample.busyMs += last - started;
        if (err) fail(err);
        else done();
      },
    );
    instance.on('response', (_client, _status, _bytes, ms) => {
      sample.latencies.push(ms);
      last = performance.now();
    });
    instance.on('reqError', (err: unknown) => {
      sample.failures++;
      sample.firstFailure ??= String(err);
    });
  });
}

export const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
