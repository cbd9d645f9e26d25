// /metrics on the whole application: absent without METRICS_TOKEN; with it, request counts per route family,
// sign-ins from the audit log and database command latency from the driver's monitoring.
import { startTestApp, type TestApp } from '../../support/app.ts';

const TOKEN = 'metrics-token-for-the-test-0123456789';
let on: TestApp;
let off: TestApp;

beforeAll(async () => {
  [on, off] = await Promise.all([startTestApp({ METRICS_TOKEN: TOKEN }), startTestApp()]);
});
afterAll(async () => {
  await Promise.all([on?.close(), off?.close()]);
});

const scrape = async (app: TestApp) => (await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();

it('does not exist without METRICS_TOKEN', async () => {
  expect((await fetch(`${off.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
  expect(off.services.metrics).toBeUndefined();
});

it('counts requests, sign-ins and database commands, and needs its token', async () => {
  expect((await fetch(`${on.url}/metrics`)).status).toBe(401);
  await fetch(`${on.url}/.well-known/openid-configuration`);
  await on.services.users.authenticate('nobody@example.com', 'wrong password', {});
  const text = await scrape(on);
  expect(text).toMatch(/ciam_http_requests_total\{family="discovery",method="GET",status="2xx"\} [1-9]/);
  expect(text).toMatch(/ciam_sign_ins_total\{result="failure",method="password"\} 1/);
  expect(text).toMatch(/ciam_db_command_duration_seconds_count\{command="find",result="success"\} [1-9]/);
  expect(text).toMatch(/nodejs_eventloop_lag_seconds/);
});
