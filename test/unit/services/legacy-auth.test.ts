// The old system's password check (lazy migration): what is sent, how each answer is read, and that no answer in
// time, no connection or an answer out of shape is "unavailable", never an exception.
import { createLegacyAuth, MAX_ANSWER_BYTES, parseLegacyAnswer } from '../../../src/services/legacy-auth.ts';

const URL_ = 'https://legacy.example.com/auth/check';
const TOKEN = 'legacy-shared-secret-0123456789';

/** A fetch that answers `respond` and keeps what it was asked. */
function fakeFetch(respond: (init: RequestInit) => Response | Promise<Response>) {
  const calls: { url: string; init: RequestInit }[] = [];
  const f = (async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    return respond(init ?? {});
  }) as typeof fetch;
  return { fetch: f, calls };
}

const legacy = (respond: (init: RequestInit) => Response | Promise<Response>, timeoutMs = 3000) => {
  const fake = fakeFetch(respond);
  return { auth: createLegacyAuth({ url: URL_, token: TOKEN, timeoutMs, fetch: fake.fetch }), calls: fake.calls };
};

/** A promise that rejects, as fetch does, when the request's signal aborts. */
const untilAborted = (signal: AbortSignal | null | undefined) =>
  new Promise<never>((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason as Error)));

describe('the legacy password check', () => {
  it('POSTs the address and password as JSON with the bearer token, refuses redirects and sets a deadline', async () => {
    const { auth, calls } = legacy(() => Response.json({ email_verified: true }));
    await auth.check('Ann@Example.com', 'old password 1');
    expect(calls).toHaveLength(1);
    const [{ url, init }] = calls as [(typeof calls)[0]];
    expect(url).toBe(URL_);
    expect(init.method).toBe('POST');
    expect(init.headers).toMatchObject({ 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` });
    expect(JSON.parse(String(init.body))).toEqual({ email: 'Ann@Example.com', password: 'old password 1' });
    expect(init.redirect).toBe('error');
    expect(init.signal).toBeInstanceOf(AbortSignal);
  });

  it('reads a 200 as verified, with the claims our rules accept and the names of those they do not', async () => {
    const { auth } = legacy(() =>
      Response.json({ email_verified: true, name: 'Ann Lee', given_name: ' Ann ', locale: 'de-DE', phone_number: '0171 123', user_id: 42, address: { locality: 'Berlin' } }),
    );
    expect(await auth.check('ann@example.com', 'old password 1')).toEqual({
      outcome: 'verified',
      emailVerified: true,
      claims: { name: 'Ann Lee', given_name: 'Ann', locale: 'de-DE', address: { locality: 'Berlin' } },
      dropped: ['phone_number'],
    });
  });

  it('takes an absent or null email_verified as not verified, and null claims as absent', () => {
    expect(parseLegacyAnswer('{}')).toEqual({ outcome: 'verified', emailVerified: false, claims: {}, dropped: [] });
    expect(parseLegacyAnswer('{"email_verified":null,"name":null}')).toEqual({ outcome: 'verified', emailVerified: false, claims: {}, dropped: [] });
  });

  it.each([
    ['not JSON', 'ok'],
    ['a JSON array', '[]'],
    ['a JSON string', '"yes"'],
    ['email_verified not a boolean', '{"email_verified":"true"}'],
  ])('reads a 200 whose body is %s as unavailable (malformed)', (_what, body) => {
    expect(parseLegacyAnswer(body)).toMatchObject({ outcome: 'unavailable', reason: 'malformed' });
  });

  it.each([401, 403, 404])('reads %i as refused', async (status) => {
    const { auth } = legacy(() => new Response('no', { status }));
    expect(await auth.check('ann@example.com', 'wrong password')).toEqual({ outcome: 'refused', status });
  });

  it.each([500, 503, 400, 429, 201, 302])('reads %i as unavailable (status)', async (status) => {
    const { auth } = legacy(() => new Response(null, { status }));
    expect(await auth.check('ann@example.com', 'old password 1')).toEqual({ outcome: 'unavailable', reason: 'status', status });
  });

  it('reads an answer longer than the limit as malformed, without reading it all', async () => {
    const big = JSON.stringify({ email_verified: true, name: 'x'.repeat(MAX_ANSWER_BYTES) });
    const declared = legacy(() => new Response(big, { headers: { 'content-length': String(big.length) } }));
    expect(await declared.auth.check('ann@example.com', 'old password 1')).toMatchObject({ outcome: 'unavailable', reason: 'malformed' });
    // Streamed without a length: cut off at the limit.
    const chunk = new TextEncoder().encode('x'.repeat(16 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += 1;
        controller.enqueue(chunk);
      },
    });
    const streamed = legacy(() => new Response(stream));
    expect(await streamed.auth.check('ann@example.com', 'old password 1')).toMatchObject({ outcome: 'unavailable', reason: 'malformed' });
    expect(sent).toBeLessThan(10);
  });

  it('gives up at the deadline, waiting for the answer or for its body, as unavailable (timeout)', async () => {
    const silent = legacy((init) => untilAborted(init.signal), 50);
    expect(await silent.auth.check('ann@example.com', 'old password 1')).toEqual({ outcome: 'unavailable', reason: 'timeout' });
    const slowBody = legacy((init) => {
      const body = new ReadableStream<Uint8Array>({ pull: (controller) => untilAborted(init.signal).catch((err: unknown) => controller.error(err)) });
      return new Response(body, { status: 200 });
    }, 50);
    expect(await slowBody.auth.check('ann@example.com', 'old password 1')).toEqual({ outcome: 'unavailable', reason: 'timeout' });
  });

  it('reads a connection failure as unavailable (network), naming the cause', async () => {
    const { auth } = legacy(() => {
      throw Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' }) });
    });
    expect(await auth.check('ann@example.com', 'old password 1')).toEqual({ outcome: 'unavailable', reason: 'network', detail: 'ECONNREFUSED' });
  });
});
