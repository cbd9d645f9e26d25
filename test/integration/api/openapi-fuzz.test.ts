// A property-based run of the whole management API against its own OpenAPI document, by Schemathesis (installed
// by scripts/ensure-schemathesis.mjs, which `npm test` runs): for every operation it generates valid and invalid
// paths, queries and bodies from the document and checks that no answer is a server error, every status and
// content type is one the document lists, every answer matches its schema, invalid input is refused and valid
// input accepted. The token carries every management scope (scope refusals are test/integration/api/management.test.ts's).
// Bounded: a fixed number of examples per operation and a fixed seed, one worker.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { apiAudience } from '../../../src/api/bearer.ts';
import { MANAGEMENT_SCOPES } from '../../../src/api/management/scopes.ts';
import { createApp, createServices, type Services } from '../../../src/app.ts';
import { loadConfig } from '../../../src/config/index.ts';
import { clientCredentialsToken } from '../../support/client-credentials.ts';
import { testDatabaseUri } from '../../support/db.ts';

/** Where scripts/ensure-schemathesis.mjs installs it. */
const SCHEMATHESIS = fileURLToPath(new URL('../../../.bin/schemathesis/bin/st', import.meta.url));
const CONFIG = fileURLToPath(new URL('../../../tools/schemathesis/schemathesis.toml', import.meta.url));
const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));

let server: Server;
let issuer: string;
let services: Services;
let token: string;

beforeAll(async () => {
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  issuer = `http://127.0.0.1:${port}`;
  services = await createServices(
    loadConfig({
      NODE_ENV: 'test',
      ISSUER: issuer,
      PORT: String(port),
      LOG_LEVEL: 'silent',
      DEMO: 'false',
      MONGODB_URI: testDatabaseUri(),
      COOKIE_KEYS: randomBytes(32).toString('base64url'),
      DATA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      PASSWORD_HASH: 'test',
      // Every generated request is a management call with a valid token; none should be throttled here.
      WEBHOOK_POLL_SECONDS: '0',
    }),
  );
  server.on('request', createApp(services).callback());
  const scope = Object.keys(MANAGEMENT_SCOPES).join(' ');
  const secret = (await services.clients.create({ clientId: 'fuzzer', grantTypes: ['client_credentials'], scope })).clientSecret!;
  token = await clientCredentialsToken(issuer, { id: 'fuzzer', secret }, scope, apiAudience(issuer));
  // Someone to find, read, change and help: tools/schemathesis/schemathesis.toml names this id for those operations.
  const imported = await services.userImport.run([JSON.stringify({ id: 'fuzz-customer', email: 'someone@example.com', given_name: 'Some', email_verified: true })]);
  expect(imported.imported).toBe(1);
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await services.db.connection.dropDatabase();
  await services.close();
});

function schemathesis(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    // Run in test-artifacts/: its working files (.schemathesis/) stay out of the tree.
    const child = spawn(SCHEMATHESIS, args, { cwd: ARTIFACTS, env: { ...process.env, NO_COLOR: '1', SCHEMATHESIS_TELEMETRY: 'false' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

it('every operation holds to the OpenAPI document under generated input', async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  if (!existsSync(SCHEMATHESIS)) throw new Error(`Schemathesis is not installed at ${SCHEMATHESIS}: run node scripts/ensure-schemathesis.mjs`);
  const run = await schemathesis([
    '--config-file', CONFIG,
    'run', `${issuer}/api/v1/openapi.json`,
    '--header', `Authorization: Bearer ${token}`,
    '--checks', 'not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,negative_data_rejection,positive_data_acceptance',
    '--phases', 'examples,coverage,fuzzing',
    '--max-examples', '15',
    '--seed', '20261204',
    '--workers', '1',
    '--request-timeout', '30',
    '--suppress-health-check', 'too_slow,filter_too_much',
    '--no-color',
  ]);
  // The whole report, for reading after a failure (test-artifacts/ is kept by CI and ignored by git).
  writeFileSync(join(ARTIFACTS, 'schemathesis.txt'), run.output);
  if (run.code !== 0) throw new Error(`Schemathesis found problems (exit ${run.code}):\n${run.output.slice(-20_000)}`);
  expect(run.output).toMatch(/passed/i);
}, 600_000);
