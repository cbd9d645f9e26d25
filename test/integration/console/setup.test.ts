// The console's set-up page: connections (never a secret), legal documents (here only for the shop's sign-ins, so the
// operators are not asked to accept them) with the version in force, the one
// announced and what changed, and communication topics; admin and auditor read it, support does not.
import { textOf, type Browser } from '../../support/http.ts';
import { makeOperator, open, signInConsole, startConsoleApp, type ConsoleApp, type TestOperator } from './helpers.ts';

let app: ConsoleApp;
let auditor: TestOperator;
let support: TestOperator;
let a: Browser;
let s: Browser;
const DAY = 86_400_000;

beforeAll(async () => {
  app = await startConsoleApp({
    REAUTH_MAX_AGE_SECONDS: '300',
    LEGAL_DOCUMENTS: JSON.stringify([
      { id: 'terms', version: '1', effective: new Date(Date.now() - 30 * DAY).toISOString(), title: { en: 'Terms of service' }, url: { en: 'https://example.com/terms/1' }, clients: ['shop'] },
      { id: 'terms', version: '2', effective: new Date(Date.now() + 30 * DAY).toISOString(), title: { en: 'Terms of service' }, url: { en: 'https://example.com/terms/2' }, changes: { en: 'Shorter notice periods.' }, clients: ['shop'] },
    ]),
    COMMUNICATION_TOPICS: JSON.stringify([{ id: 'news', title: { en: 'Newsletter' }, channels: ['email'], signup: true }]),
  });
  [auditor, support] = await Promise.all([makeOperator(app, 'auditor@setup.example', 'auditor'), makeOperator(app, 'support@setup.example', 'support')]);
  a = app.browser();
  s = app.browser();
  await signInConsole(app, a, auditor);
  await signInConsole(app, s, support);
  await app.services.connections.create({ id: 'acme', name: 'Acme ID', issuer: 'https://id.acme.example', clientId: 'ours', clientSecret: 'very-secret-value-123', trustEmail: true });
});
afterAll(() => app.close());

it('shows connections, legal documents and topics as set up, without secrets', async () => {
  const page = await open(app, a, '/console/setup');
  const text = textOf(page.body);
  expect(text).toContain('Acme ID');
  expect(text).toContain('https://id.acme.example');
  expect(page.body).not.toContain('very-secret-value-123');
  expect(text).toMatch(/terms@1 .*In force/);
  expect(text).toMatch(/terms@2 .*Announced .*Shorter notice periods\./);
  expect(text).toContain('Newsletter');
  expect((await s.request(new URL('/console/setup', app.url))).status).toBe(403);
});
