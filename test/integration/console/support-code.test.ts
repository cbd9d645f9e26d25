// The support-code journey end to end (issue 16): the customer shows a code in the account center, the support agent
// types it into the console and lands on that customer — the only customer the agent can open; a wrong code is
// refused and too many block the agent; a code works once; the customer sees that support looked them up.
import { findForm, textOf, type Browser } from '../../support/http.ts';
import { open, post, signIn } from '../account/helpers.ts';
import { makeOperator, signInConsole, startConsoleApp, type ConsoleApp, type TestOperator } from './helpers.ts';

let app: ConsoleApp;
let support: TestOperator;
let agent: Browser;

beforeAll(async () => {
  app = await startConsoleApp({ REAUTH_MAX_AGE_SECONDS: '300' });
  support = await makeOperator(app, 'agent@ops.example', 'support');
  agent = app.browser();
  await signInConsole(app, agent, support);
});
afterAll(() => app.close());

async function typeAs(code: string, by: Browser) {
  const form = await open(app, by, '/console/code');
  const { form: f, button } = findForm(form, /\/console\/code$/);
  return by.submit(f, { code }, { button });
}

it('the customer reads out a code; the agent types it and sees that customer, once; the customer sees when', async () => {
  const ada = await app.createUser('ada.support@example.com', { name: 'Ada Support' });
  const other = await app.createUser('other.support@example.com');
  const customer = app.browser();
  await signIn(app, customer, ada.email);
  const made = await post(customer, await open(app, customer, '/account/support'), /\/account\/support\/code$/);
  const code = /data-testid="support-code">(\d{3} \d{3})</.exec(made.body)![1]!;

  // The console opens on the code form for support, which has no search.
  expect((await agent.navigate(new URL('/console', app.url))).page.url.pathname).toBe('/console/code');
  expect((await agent.request(new URL('/console/customers', app.url))).status).toBe(403);

  const { page: found } = await typeAs(code, agent);
  expect(found.url.pathname).toBe(`/console/customers/${ada.id}`);
  expect(textOf(found.body)).toContain('ada.support@example.com');
  // Only that customer: another id answers as if there were none.
  expect((await agent.request(new URL(`/console/customers/${other.id}`, app.url))).status).toBe(404);

  // Spent: typed again, it finds nobody.
  const again = await typeAs(code, agent);
  expect(again.page.status).toBe(400);
  expect(textOf(again.page.body)).toContain('No customer has this code');

  const seen = await open(app, customer, '/account/support');
  expect(textOf(seen.body)).toContain('A support agent found your account with your code on');
  const [used] = await app.audit('support_code.used', ada.id);
  expect(used).toMatchObject({ details: { agent: support.id } });
});

it('refuses a malformed code, and blocks an agent after five wrong ones', async () => {
  // An agent of their own: the first test spent one wrong code of its agent.
  const guesser = await makeOperator(app, 'guesser@ops.example', 'support');
  const by = app.browser();
  await signInConsole(app, by, guesser);
  const type = (code: string) => typeAs(code, by);
  const malformed = await type('12 34');
  expect(malformed.page.status).toBe(400);
  expect(textOf(malformed.page.body)).toContain('Enter the six digits of the code.');
  expect(malformed.page.body).toContain('aria-invalid="true" aria-describedby="e-code"');

  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) statuses.push((await type(`99999${i}`)).page.status);
  expect(statuses.slice(0, 4)).toEqual([400, 400, 400, 400]);
  expect(statuses.at(-1)).toBe(429);
  const blocked = await type('123456');
  expect(blocked.page.status).toBe(429);
  expect(textOf(blocked.page.body)).toContain('Too many wrong codes');
});
