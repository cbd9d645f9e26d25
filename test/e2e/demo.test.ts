// The demo `npm start` sets up, tried as its printed URL invites: the demo app's sign-in offers "Continue with Demo
// ID", the demo OpenID provider (any name and password) signs the customer in, and the app receives a token for the
// new account (amr fed), made with the provider's verified address. Run through the real redirects across both providers.
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FERRETDB_BINARY, freePort } from '../../src/db/embedded.ts';
import { Browser, forms } from '../support/http.ts';
import { throughDevPages } from '../support/upstream.ts';
import { killGroup, launch, NODE, serverEnv, type Launched } from '../support/processes.ts';

const it = existsSync(FERRETDB_BINARY) ? test : test.skip;

let server: Launched | undefined;
let dir: string | undefined;

afterAll(() => {
  if (server) killGroup(server);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('signs a customer up through "Continue with Demo ID" from the demo app, which receives a token for the new account', async () => {
  dir = mkdtempSync(join(realpathSync(tmpdir()), 'ciam-demo-'));
  const port = await freePort();
  const issuer = `http://localhost:${port}`;
  const env = serverEnv({
    PORT: String(port),
    ISSUER: issuer,
    DEMO: 'true',
    DEMO_USER_PASSWORD: 'demo-password-1',
    EMBEDDED_DB_DIR: join(dir, 'db'),
    EMBEDDED_DB_PORT: String(await freePort()),
  });
  server = launch('npm', ['start'], env);
  await server.listening(60_000);
  expect(server.output()).toContain('"Continue with Demo ID"');

  const b = new Browser(issuer);
  const { page: login } = await b.navigate(`${issuer}/demo`);
  const href = /href="([^"]*\/federated\/demo-id)"/.exec(login.body)?.[1];
  expect(href).toBeTruthy();
  const { page: back } = await throughDevPages(b, await b.request(new URL(href!, issuer)), 'Ada Lovelace');
  // With us again: the new account consents to the demo app, which shows what it received.
  const consent = forms(back).find((f) => /\/confirm$/.test(f.action.pathname));
  expect(consent).toBeTruthy();
  const shown = await b.submit(consent!);
  expect(shown.page.url.pathname).toBe('/demo/callback');
  expect(shown.page.body).toMatch(/&#34;amr&#34;:\s*\[\s*&#34;fed&#34;\s*\]/);
  // The account made for it: the demo provider's verified address, linked to Demo ID.
  const exported = launch(NODE, ['src/cli/main.ts', 'users', 'export', '--email', 'ada.lovelace@demo-id.example'], env);
  expect((await exported.exited).code).toBe(0);
  const data = JSON.parse(exported.output()) as Record<string, unknown>;
  expect(JSON.stringify(data)).toContain('"email_verified":true');
  expect(JSON.stringify(data)).toContain('"connectionId":"demo-id"');
}, 120_000);

it('refuses to start with a CONNECTIONS_FILE entry that does not hold, saying which and why', async () => {
  const scratch = mkdtempSync(join(realpathSync(tmpdir()), 'ciam-connfile-'));
  try {
    const path = join(scratch, 'connections.json');
    writeFileSync(path, JSON.stringify([{ id: 'acme', name: 'Acme', issuer: 'http://acme.example', clientId: 'x' }]));
    const env = serverEnv({ CONNECTIONS_FILE: path, EMBEDDED_DB_DIR: join(scratch, 'db'), EMBEDDED_DB_PORT: String(await freePort()) });
    const refused = launch('npm', ['start'], env);
    expect((await refused.exited).code).toBe(2);
    expect(refused.output()).toMatch(/CONNECTIONS_FILE entry 1 \("acme"\): issuer must be an https URL/);
    expect(refused.output()).not.toMatch(/\n\s+at /);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}, 120_000);
