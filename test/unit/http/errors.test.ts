import { Writable } from 'node:stream';
import Koa from 'koa';
import { errors } from 'oidc-provider';
import { AppError, ERROR_MESSAGES, type ErrorCode } from '../../../src/errors.ts';
import { SUPPORTED_LOCALES, translator } from '../../../src/i18n/index.ts';
import { classify, errorHandler } from '../../../src/http/errors.ts';
import { requestId } from '../../../src/http/request-id.ts';
import { pageState } from '../../../src/http/state.ts';
import { createLogger } from '../../../src/log.ts';
import { serve, type Served } from './serve.ts';

const logLines: string[] = [];
const logger = createLogger(
  'debug',
  new Writable({
    write(chunk, _enc, done) {
      logLines.push(String(chunk));
      done();
    },
  }),
);

class MongoServerSelectionError extends Error {
  override name = 'MongoServerSelectionError';
}

let served: Served;
let failWith: () => unknown;

beforeAll(async () => {
  const app = new Koa();
  app.use(requestId());
  app.use(errorHandler({ logger }));
  app.use(async (ctx, next) => {
    if (ctx.path === '/missing') return next();
    if (ctx.path === '/with-client') pageState(ctx).client = { name: 'Shop <b>', uri: 'https://shop.example/login' };
    throw failWith();
  });
  served = await serve(app);
});

afterAll(() => served.close());

const get = (path: string, accept = 'text/html', extra: Record<string, string> = {}) =>
  fetch(`${served.url}${path}`, { headers: { accept, ...extra } });

describe('classify', () => {
  it('maps each family of error to what the user should see', () => {
    expect(classify(new AppError(409, 'conflict', 'Already exists'))).toEqual({
      kind: 'error', status: 409, code: 'conflict', message: 'error.conflict', detail: 'Already exists',
    });
    expect(classify(new errors.SessionNotFound('gone'))).toEqual({ kind: 'expired', status: 400 });
    expect(classify(new MongoServerSelectionError('down'))).toEqual({ kind: 'unavailable', status: 503 });
    expect(classify(new Error('wrapped', { cause: new MongoServerSelectionError('down') }))).toMatchObject({ kind: 'unavailable' });
    expect(classify(new errors.InvalidRequest('bad thing'))).toMatchObject({ status: 400, code: 'invalid_request', detail: 'bad thing' });
    expect(classify(Object.assign(new Error('Method Not Allowed'), { status: 405, expose: true }))).toMatchObject({ status: 405 });
    expect(classify(new TypeError('x is undefined'))).toMatchObject({ status: 500, code: 'server_error', unexpected: true });
  });
});

describe('errorHandler', () => {
  it('turns an unexpected error into a 500 page with a reference and no stack, and logs it', async () => {
    failWith = () => new TypeError('secret internals at /srv/app.ts:12');
    const res = await get('/boom');
    const html = await res.text();
    expect(res.status).toBe(500);
    const id = res.headers.get('x-request-id');
    expect(html).toContain(id);
    expect(html).not.toContain('secret internals');
    expect(html).not.toContain('app.ts');
    expect(logLines.some((l) => l.includes('secret internals') && l.includes(String(id)))).toBe(true);
  });

  it('answers JSON to clients that ask for it', async () => {
    failWith = () => new AppError(409, 'conflict', 'Already exists');
    const res = await get('/json', 'application/json');
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({
      error: 'conflict', error_description: 'Already exists', request_id: res.headers.get('x-request-id'),
    });
  });

  it('turns SessionNotFound into a start-again page with a link back to the client when known', async () => {
    failWith = () => new errors.SessionNotFound('interaction session id cookie not found');
    const res = await get('/with-client');
    const html = await res.text();
    expect(res.status).toBe(400);
    expect(html).toContain('Please start again');
    expect(html).toContain('href="https://shop.example/login"');
    expect(html).toContain('Back to Shop &lt;b&gt;');
    expect(html).not.toContain('cookie not found');

    const plain = await get('/without-client');
    expect(await plain.text()).not.toContain('Back to');
  });

  it('turns an unreachable database into a 503 page with Retry-After', async () => {
    failWith = () => new MongoServerSelectionError('connect ECONNREFUSED 127.0.0.1:27017');
    const res = await get('/db');
    const html = await res.text();
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(html).toContain('Temporarily unavailable');
    expect(html).not.toContain('ECONNREFUSED');

    const json = await get('/db', 'application/json');
    expect(await json.json()).toMatchObject({ error: 'temporarily_unavailable' });
  });

  it('speaks the language of the request', async () => {
    failWith = () => new errors.SessionNotFound('gone');
    const de = await get('/x?ui_locales=de');
    expect(await de.text()).toContain('Bitte beginnen Sie erneut');
    const pl = await get('/x', 'text/html', { 'accept-language': 'pl-PL,pl;q=0.9,en;q=0.5' });
    expect(await pl.text()).toContain('Zacznij od nowa');
  });

  it('shows our own errors in the language of the page, with the English message folded away as the detail', async () => {
    failWith = () => new AppError(409, 'conflict', 'An account with this e-mail address already exists');
    const html = await (await get('/conflict?ui_locales=de')).text();
    expect(html).toContain('Das war nicht möglich, weil es mit etwas bereits Vorhandenem in Konflikt steht.');
    expect(html).toMatch(/<details>[\s\S]*An account with this e-mail address already exists[\s\S]*<\/details>/);
    // A code whose sentence says it all shows no English at all.
    failWith = () => new AppError(404, 'not_found', 'No such address');
    const notFound = await (await get('/gone?ui_locales=da')).text();
    expect(notFound).toContain('Siden, du leder efter, findes ikke.');
    expect(notFound).not.toContain('No such address');
  });

  it('has a translated sentence for every code of the family', () => {
    for (const code of Object.keys(ERROR_MESSAGES) as ErrorCode[]) {
      const failure = classify(new AppError(400, code, 'detail'));
      expect(failure).toMatchObject({ kind: 'error', message: ERROR_MESSAGES[code] });
      for (const locale of SUPPORTED_LOCALES) expect(translator(locale)(ERROR_MESSAGES[code])).not.toBe(ERROR_MESSAGES[code]);
    }
  });

  it('renders a 404 page when nothing answered', async () => {
    const res = await get('/missing');
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('The page you are looking for does not exist.');
  });
});
