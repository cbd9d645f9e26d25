// Signing keys and webhooks in the console: an admin rotates the keys (the use case the CLI and the API call: the new
// key is served at once) and replays a webhook delivery; an auditor reads both and is refused each change.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { findForm, textOf, type Browser } from '../../support/http.ts';
import { csrfToken, makeOperator, open, rawPost, signInConsole, startConsoleApp, type ConsoleApp, type TestOperator } from './helpers.ts';

let app: ConsoleApp;
let admin: TestOperator;
let auditor: TestOperator;
let b: Browser;
let a: Browser;

beforeAll(async () => {
  app = await startConsoleApp({ REAUTH_MAX_AGE_SECONDS: '300', WEBHOOK_POLL_SECONDS: '0' });
  [admin, auditor] = await Promise.all([makeOperator(app, 'admin@ops2.example', 'admin'), makeOperator(app, 'auditor@ops2.example', 'auditor')]);
  b = app.browser();
  a = app.browser();
  await signInConsole(app, b, admin);
  await signInConsole(app, a, auditor);
});
afterAll(() => app.close());

const jwksKids = async () => ((await (await fetch(new URL('/jwks', app.url))).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);

it('lists the signing keys and rotates them; the new key is published at once', async () => {
  const before = (await app.services.keys.list()).filter((k) => k.state === 'current').map((k) => k.kid);
  const page = await open(app, b, '/console/keys');
  for (const kid of before) expect(page.body).toContain(kid);
  const rotated = await b.submit(findForm(page, /\/console\/keys\/rotate$/).form);
  expect(textOf(rotated.page.body)).toContain('The signing keys are rotated.');
  const after = (await app.services.keys.list()).filter((k) => k.state === 'current').map((k) => k.kid);
  expect(after.some((kid) => !before.includes(kid))).toBe(true);
  const published = await jwksKids();
  for (const kid of after) expect(published).toContain(kid);

  expect((await open(app, a, '/console/keys')).body).not.toContain('action="/console/keys/rotate"');
  expect((await rawPost(a, app, '/console/keys/rotate', `_csrf=${encodeURIComponent(csrfToken(a))}`)).status).toBe(403);
});

it('shows webhook endpoints and their deliveries, and replays one', async () => {
  const received: string[] = [];
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push(String(req.headers['webhook-id']));
      res.statusCode = 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    const endpoint = await app.services.webhooks.create({ url, eventTypes: ['user.created'] });
    await app.createUser('hooked@example.com');
    expect(await app.services.webhooks.tick()).toMatchObject({ sent: 1 });

    const list = await open(app, b, '/console/webhooks');
    expect(list.body).toContain(url);
    const page = await open(app, b, `/console/webhooks/${endpoint.id}`);
    expect(page.body).toContain('user.created');
    const deliveries = await app.services.webhooks.deliveries(endpoint.id);
    expect(deliveries.length).toBeGreaterThan(0);
    const delivered = deliveries.find((d) => d.status === 'delivered')!;
    expect(delivered).toBeDefined();
    const replayed = await b.submit(findForm(page, new RegExp(`/deliveries/${delivered.eventId}/replay$`)).form);
    expect(textOf(replayed.page.body)).toContain('The event will be sent again.');
    await app.services.webhooks.tick();
    expect(received).toEqual([delivered.eventId, delivered.eventId]);
    expect((await open(app, a, `/console/webhooks/${endpoint.id}`)).body).not.toContain('/replay"');
    const eventId = deliveries[0]!.eventId;
    expect((await rawPost(a, app, `/console/webhooks/${endpoint.id}/deliveries/${eventId}/replay`, `_csrf=${encodeURIComponent(csrfToken(a))}`)).status).toBe(403);
    expect((await a.request(new URL('/console/webhooks/nobody', app.url))).status).toBe(404);
  } finally {
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  }
});
