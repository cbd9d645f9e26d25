// The database commands of one full sign-in through the pages (login page, password, consent page, code), counted
// with the driver's command monitoring. On the embedded FerretDB only `{_id: <string>}` and `{_id: {$in: [<string>…]}}` are served by an
// index; anything else decodes every document of the collection, so what runs per request here must be keyed by
// `_id` alone. And the login page, viewed far more often than it is submitted, writes nothing.
import { randomBytes } from 'node:crypto';
import type { CommandStartedEvent } from 'mongodb';
import { testDatabaseUri } from '../../support/db.ts';
import { findForm, forms, type Browser, type Page } from '../../support/http.ts';
import { PASSWORD, startAccountApp, type AccountApp } from '../account/helpers.ts';

const CLIENT = { id: 'third-party', name: 'Third Party', redirectUri: 'https://third.example/cb', secret: 't'.repeat(40) };
const WRITES = new Set(['insert', 'update', 'delete', 'findAndModify']);
// Collections of the services that run in a sign-in; the provider's own rows (sessions, interactions, grants, …)
// are the adapter's and counted, not checked, here.
const SERVICE_COLLECTIONS = new Set([
  'users',
  'user_emails',
  'rate_limits',
  'risk_signals',
  'webauthn_challenges',
  'interaction_flows',
  'mfa_attempts',
]);

let app: AccountApp;
let seen: CommandStartedEvent[] = [];

beforeAll(async () => {
  // monitorCommands is a connection-string option: the application opens its connection exactly as it always does.
  app = await startAccountApp({ MONGODB_URI: `${testDatabaseUri()}?monitorCommands=true`, MFA_POLICY: 'adaptive' });
  app.services.db.connection.getClient().on('commandStarted', (e: CommandStartedEvent) => seen.push(e));
  await app.services.clients.create({
    clientId: CLIENT.id,
    clientName: CLIENT.name,
    redirectUris: [CLIENT.redirectUri],
    grantTypes: ['authorization_code'],
    clientSecret: CLIENT.secret,
    scope: 'openid email',
  });
}, 60_000);

afterAll(async () => {
  await app.close();
});

/** The commands `run` caused (the sweepers' timers do not fire within a test). */
async function commandsOf<T>(run: () => Promise<T>): Promise<{ result: T; commands: CommandStartedEvent[] }> {
  seen = [];
  const result = await run();
  const commands = seen;
  seen = [];
  return { result, commands };
}

const collectionOf = (e: CommandStartedEvent) => String(e.command[e.commandName] ?? '');

/** Every filter a command carries: find/count/findAndModify's `filter`/`query`, each update's and delete's `q`. */
function filtersOf(e: CommandStartedEvent): Record<string, unknown>[] {
  const c = e.command as Record<string, unknown>;
  if (e.commandName === 'find' || e.commandName === 'count') return [(c.filter ?? c.query ?? {}) as Record<string, unknown>];
  if (e.commandName === 'findAndModify') return [(c.query ?? {}) as Record<string, unknown>];
  if (e.commandName === 'update') return (c.updates as { q: Record<string, unknown> }[]).map((u) => u.q);
  if (e.commandName === 'delete') return (c.deletes as { q: Record<string, unknown> }[]).map((d) => d.q);
  if (e.commandName === 'aggregate') return [{ pipeline: c.pipeline }];
  return [];
}

/** `{_id: 'x'}`, or `{_id: {$in: ['x', 'y']}}` (the patched embedded store answers both from the _id index). */
const isBareId = (filter: Record<string, unknown>) => {
  if (Object.keys(filter).length !== 1) return false;
  const id = filter._id as { $in?: unknown } | string | undefined;
  if (typeof id === 'string') return true;
  return typeof id === 'object' && id !== null && Object.keys(id).length === 1 && Array.isArray(id.$in) && id.$in.every((v) => typeof v === 'string');
};

function authUrl(): URL {
  const params = new URLSearchParams({
    client_id: CLIENT.id,
    response_type: 'code',
    scope: 'openid email',
    redirect_uri: CLIENT.redirectUri,
    state: randomBytes(4).toString('hex'),
  });
  return new URL(`/auth?${params}`, app.url);
}

/** One sign-in: the login page (the provider's redirect to it, then the page itself), the password, the consent. */
async function signIn(b: Browser, email: string) {
  const start = await commandsOf(() => b.request(authUrl()));
  const render = await commandsOf(() => b.follow(start.result));
  const loginPage: Page = render.result.page;
  expect(loginPage.status).toBe(200);
  const password = await commandsOf(() => {
    const { form, button } = findForm(loginPage, /\/login$/);
    return b.submit(form, { email, password: PASSWORD }, { button });
  });
  const consentForm = forms(password.result.page).find((f) => /\/confirm$/.test(f.action.pathname));
  if (!consentForm) throw new Error(`no consent page after the password: ${password.result.page.url.pathname}`);
  const consent = await commandsOf(() => b.submit(consentForm));
  expect(consent.result.redirect?.searchParams.get('code')).toBeTruthy();
  return { start: start.commands, render: render.commands, password: password.commands, consent: consent.commands };
}

describe('one full sign-in through the pages', () => {
  it('renders the login page without a write and keys every lookup of the sign-in services by _id alone', async () => {
    const email = `commands-${Date.now().toString(36)}@example.com`;
    await app.createUser(email);
    // Sign in once first: what is measured is a returning customer, after start-up work (index checks) is done.
    await signIn(app.browser(), email);
    const phases = await signIn(app.browser(), email);

    const all = [...phases.start, ...phases.render, ...phases.password, ...phases.consent];
    if (process.env.PRINT_LOGIN_COMMANDS) {
      const line = (e: CommandStartedEvent) => `${e.commandName} ${collectionOf(e)} ${JSON.stringify(filtersOf(e))}`;
      for (const [name, list] of Object.entries(phases)) process.stdout.write(`${name}: ${list.length}\n${list.map(line).join('\n')}\n`);
      process.stdout.write(`total: ${all.length}\n`);
    }

    // The monitor sees the sign-in at all (a connection opened without command events would make the rest vacuous).
    expect(phases.password.length).toBeGreaterThan(3);
    expect(phases.render.filter((e) => WRITES.has(e.commandName)).map((e) => `${e.commandName} ${collectionOf(e)}`)).toEqual([]);
    const unkeyed = all
      .filter((e) => SERVICE_COLLECTIONS.has(collectionOf(e)))
      .flatMap((e) => filtersOf(e).map((f) => ({ command: e.commandName, collection: collectionOf(e), filter: f })))
      .filter((f) => !isBareId(f.filter));
    expect(unkeyed).toEqual([]);
    // The account is read once per sign-in (the password check); later steps (the consent page naming who is signed
    // in, the policy) take it from the account cache.
    expect(all.filter((e) => e.commandName === 'find' && collectionOf(e) === 'users')).toHaveLength(1);
  }, 60_000);
});
