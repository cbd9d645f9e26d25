import Koa from 'koa';
import { errorHandler } from '../../../src/http/errors.ts';
import { formBody, isWellFormed } from '../../../src/http/form-body.ts';
import { createLogger } from '../../../src/log.ts';
import { serve, type Served } from './serve.ts';

let served: Served;

beforeAll(async () => {
  const app = new Koa();
  app.use(errorHandler({ logger: createLogger('silent') }));
  app.use(formBody());
  app.use((ctx) => {
    ctx.body = { body: ctx.request.body ?? null };
  });
  served = await serve(app);
});

afterAll(() => served.close());

const post = (body: string | Uint8Array, type = 'application/x-www-form-urlencoded', accept = 'application/json') =>
  fetch(served.url, { method: 'POST', headers: { 'content-type': type, accept }, body });

describe('formBody', () => {
  it('parses an urlencoded form', async () => {
    const res = await post('email=a%40b.c&password=x+y');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ body: { email: 'a@b.c', password: 'x y' } });
  });

  it('treats a POST without a body as an empty form', async () => {
    const res = await fetch(served.url, { method: 'POST', headers: { accept: 'application/json' } });
    expect(await res.json()).toEqual({ body: {} });
  });

  it('answers 413 for a body over the limit, as a page for browsers', async () => {
    const res = await post(`x=${'a'.repeat(20 * 1024)}`, undefined, 'text/html');
    expect(res.status).toBe(413);
    expect(await res.text()).toContain('The form you sent is too large.');
  });

  it('answers 400 for broken percent-encoding and invalid UTF-8 escapes', async () => {
    for (const body of ['email=%ZZ', 'email=%E0%A4%A', 'a=%C3%28']) {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'malformed_body' });
    }
  });

  it('answers 415 for other content types', async () => {
    const res = await post('{"email":"a"}', 'application/json');
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ error: 'unsupported_media_type' });
  });

  it('reads forms as UTF-8 whatever charset is declared, never 500', async () => {
    const res = await post('a=%E2%82%AC', 'application/x-www-form-urlencoded; charset=klingon');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ body: { a: '€' } });
  });

  it('knows well-formed from malformed encodings', () => {
    expect(isWellFormed('a=b&c=%20+d&e=%E2%82%AC')).toBe(true);
    expect(isWellFormed('a=%')).toBe(false);
    expect(isWellFormed('a=%FF')).toBe(false);
  });
});
