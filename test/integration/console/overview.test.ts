// The console's overview: counts per day from the audit log, drawn as inline SVG bars with the numbers beside them;
// admin and auditor see it, support does not.
import { bars } from '../../../src/console/overview.ts';
import { textOf, type Browser } from '../../support/http.ts';
import { makeOperator, open, signInConsole, startConsoleApp, type ConsoleApp, type TestOperator } from './helpers.ts';

let app: ConsoleApp;
let admin: TestOperator;
let support: TestOperator;
let b: Browser;
let s: Browser;

beforeAll(async () => {
  app = await startConsoleApp({ REAUTH_MAX_AGE_SECONDS: '300' });
  [admin, support] = await Promise.all([makeOperator(app, 'admin@overview.example', 'admin'), makeOperator(app, 'support@overview.example', 'support')]);
  b = app.browser();
  s = app.browser();
  await signInConsole(app, b, admin);
  await signInConsole(app, s, support);
});
afterAll(() => app.close());

it('counts the last two weeks per day, today included, as bars and as numbers', async () => {
  const before = await app.services.audit.dailyCounts(['user.created', 'login.failure'], new Date(Date.now() - 86_400_000));
  const count = (type: string) => before.filter((c) => c.type === type).reduce((n, c) => n + c.count, 0);
  await app.createUser('counted-1@example.com');
  await app.createUser('counted-2@example.com');
  await app.services.users.authenticate('counted-1@example.com', 'wrong password 1', {});
  const page = await open(app, b, '/console/overview');
  const today = new Date().toISOString().slice(0, 10);
  const after = await app.services.audit.dailyCounts(['user.created', 'login.failure'], new Date(Date.now() - 86_400_000));
  expect(after.filter((c) => c.type === 'user.created').reduce((n, c) => n + c.count, 0)).toBe(count('user.created') + 2);
  expect(after.filter((c) => c.type === 'login.failure').reduce((n, c) => n + c.count, 0)).toBe(count('login.failure') + 1);
  // Five charts of fourteen bars, each with its table.
  expect(page.body.match(/<svg class="overview-chart"/g)).toHaveLength(5);
  expect(page.body.match(/<rect /g)).toHaveLength(5 * 14);
  const signups = after.filter((c) => c.type === 'user.created' && c.day === today).reduce((n, c) => n + c.count, 0);
  expect(page.body).toContain(`<tr><td>${today}</td><td>${signups}</td></tr>`);
  expect(textOf(page.body)).toContain('New accounts');
  expect((await s.request(new URL('/console/overview', app.url))).status).toBe(403);
});

it('scales the bars to the largest day and never draws a negative or missing bar', () => {
  const chart = bars([0, 5, 10], ['d1', 'd2', 'd3']);
  expect(chart.max).toBe(10);
  expect(chart.rects.map((r) => r.h)).toEqual([0, 58, 116]);
  expect(chart.rects.every((r) => r.y + r.h === 120 && r.w >= 1)).toBe(true);
  expect(bars([0, 0], ['a', 'b']).rects.map((r) => r.h)).toEqual([0, 0]);
});
