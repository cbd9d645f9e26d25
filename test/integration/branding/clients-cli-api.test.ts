// Setting, changing and clearing an app's brand through `ciam clients` and the management API, which go through the
// same clients service: the logo fetched or uploaded once and then kept by its path, colours checked for contrast
// (refused with the ratio reached), a brand merged field by field and removed as a whole.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiAudience } from '../../../src/api/bearer.ts';
import { runCli } from '../../../src/cli/run.ts';
import { startTestApp, type TestApp } from '../../support/app.ts';
import { clientCredentialsToken } from '../../support/client-credentials.ts';
import { PNG, startLogoServer, type LogoServer } from '../../support/logos.ts';

let t: TestApp;
let logos: LogoServer;
let token: string;
let dir: string;
const LOGO = /^\/branding\/logo\/[0-9a-f]{64}\.(png|svg)$/;

beforeAll(async () => {
  [t, logos] = await Promise.all([startTestApp({ ALLOW_PRIVATE_NETWORK_REQUESTS: 'true' }), startLogoServer()]);
  const scope = 'clients:read clients:write';
  const { clientSecret } = await t.services.clients.create({ clientId: 'console', grantTypes: ['client_credentials'], scope });
  token = await clientCredentialsToken(t.url, { id: 'console', secret: clientSecret! }, scope, apiAudience(t.url));
  dir = mkdtempSync(join(tmpdir(), 'ciam-brand-'));
  writeFileSync(join(dir, 'logo.png'), PNG);
  writeFileSync(join(dir, 'notes.txt'), 'not a logo');
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await t.close();
  await logos.close();
});

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, async () => ({ ...t.services, close: async () => {} }), {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    readStdin: async () => '',
  });
  return { code, stderr, json: () => JSON.parse(stdout) as { brand?: Record<string, string> } };
}

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${t.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as { brand?: Record<string, string>; detail?: string; errors?: { at: string; message: string }[] } };
}

describe('ciam clients', () => {
  it('sets a brand with an uploaded logo file, changes it field by field, and clears a field and the whole brand', async () => {
    const created = await cli(
      'clients', 'create', '--client-id', 'cli-shop', '--grant-type', 'client_credentials',
      '--brand-name', 'Corner Shop', '--brand-logo-file', join(dir, 'logo.png'), '--brand-primary-color', '#0B5D3B', '--brand-support-url', 'https://help.corner.example/',
    );
    expect(created.code).toBe(0);
    const brand = created.json().brand!;
    expect(brand).toEqual({ displayName: 'Corner Shop', logo: expect.stringMatching(LOGO), primaryColor: '#0b5d3b', supportUri: 'https://help.corner.example/' });

    const changed = await cli('clients', 'update', 'cli-shop', '--brand-background-color', '#fff8e7', '--unset', 'brand-logo');
    expect(changed.code).toBe(0);
    expect(changed.json().brand).toEqual({ displayName: 'Corner Shop', primaryColor: '#0b5d3b', backgroundColor: '#fff8e7', supportUri: 'https://help.corner.example/' });

    const fetched = await cli('clients', 'update', 'cli-shop', '--brand-logo', `${logos.base}/logo.svg`);
    expect(fetched.json().brand?.logo).toMatch(/\.svg$/);

    const cleared = await cli('clients', 'update', 'cli-shop', '--unset', 'brand');
    expect(cleared.code).toBe(0);
    expect(cleared.json().brand).toBeUndefined();
    expect((await t.services.clients.get('cli-shop'))?.brand).toBeUndefined();
  });

  it('refuses colours below WCAG AA with the ratio reached, and changes nothing', async () => {
    await cli('clients', 'create', '--client-id', 'cli-grey', '--grant-type', 'client_credentials', '--brand-name', 'Grey');
    const refused = await cli('clients', 'update', 'cli-grey', '--brand-primary-color', '#808080');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/brand\.primaryColor: button text on #808080 reaches at most 4\.19:1 \(white 3\.94:1, dark 4\.19:1\); WCAG AA needs 4\.5:1/);
    expect((await t.services.clients.get('cli-grey'))?.brand).toEqual({ displayName: 'Grey' });
  });

  it.each([
    [['--brand-logo', 'https://cdn.example/logo.png', '--brand-logo-file', 'logo.png'], /either --brand-logo or --brand-logo-file/],
    [['--brand-name', 'X', '--unset', 'brand'], /either --brand-… options or --unset brand/],
    [['--brand-name', 'X', '--unset', 'brand-name'], /either --brand-name or --unset brand-name/],
    [['--brand-logo-file', '/nonexistent/logo.png'], /--brand-logo-file: cannot read \/nonexistent\/logo\.png/],
    [['--brand-logo-file', 'NOTES'], /--brand-logo-file: .*notes\.txt is not a PNG, JPEG, WebP or SVG image/],
  ])('usage error: %j', async (args, message) => {
    const argv = args.map((a) => (a === 'NOTES' ? join(dir, 'notes.txt') : a));
    const result = await cli('clients', 'update', 'cli-grey', ...argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});

describe('the management API', () => {
  it('creates an app with a brand whose logo URL is fetched once, reads it back, merges a change and removes the brand', async () => {
    const created = await api('POST', '/clients', {
      clientId: 'api-shop', grantTypes: ['client_credentials'],
      brand: { displayName: 'Api Shop', logo: `${logos.base}/logo.png`, primaryColor: '#ffd700', backgroundColor: '#0b1320' },
    });
    expect(created.status).toBe(201);
    expect(created.body.brand).toEqual({ displayName: 'Api Shop', logo: expect.stringMatching(LOGO), primaryColor: '#ffd700', backgroundColor: '#0b1320' });
    const read = await api('GET', '/clients/api-shop');
    expect(read.body.brand).toEqual(created.body.brand);
    const fetches = logos.hits.get('/logo.png');

    const patched = await api('PATCH', '/clients/api-shop', { brand: { primaryColor: '#1f5fbf', backgroundColor: null, supportUri: 'https://help.api.example/' } });
    expect(patched.status).toBe(200);
    expect(patched.body.brand).toEqual({ displayName: 'Api Shop', logo: created.body.brand!.logo, primaryColor: '#1f5fbf', supportUri: 'https://help.api.example/' });
    expect(logos.hits.get('/logo.png')).toBe(fetches);

    const removed = await api('PATCH', '/clients/api-shop', { brand: null });
    expect(removed.status).toBe(200);
    expect(removed.body.brand).toBeUndefined();
  });

  it('answers 400 naming the contrast reached, the field, a non-https support link and a logo that cannot be fetched', async () => {
    const grey = await api('POST', '/clients', { clientId: 'api-grey', grantTypes: ['client_credentials'], brand: { backgroundColor: '#777777' } });
    expect(grey.status).toBe(400);
    expect(grey.body.errors).toEqual([{ at: 'body.brand.backgroundColor', message: expect.stringMatching(/^text on #777777 reaches at most 4\.\d\d:1 .*WCAG AA needs 4\.5:1/) }]);
    const http = await api('POST', '/clients', { clientId: 'api-grey', grantTypes: ['client_credentials'], brand: { supportUri: 'http://help.example/' } });
    expect(http.body.errors).toEqual([{ at: 'body.brand.supportUri', message: 'must be an https URL without credentials' }]);
    const huge = await api('POST', '/clients', { clientId: 'api-grey', grantTypes: ['client_credentials'], brand: { logo: `${logos.base}/huge.png` } });
    expect(huge.status).toBe(400);
    expect(huge.body.detail).toMatch(/brand\.logo: could not fetch .*: is larger than 256 KiB/);
    expect((await api('GET', '/clients/api-grey')).status).toBe(404);
    // A merged change is checked as a whole: a background that does not read is refused, and nothing changes.
    await api('POST', '/clients', { clientId: 'api-ok', grantTypes: ['client_credentials'], brand: { displayName: 'Ok' } });
    const patch = await api('PATCH', '/clients/api-ok', { brand: { primaryColor: '#808080' } });
    expect(patch.status).toBe(400);
    expect(patch.body.detail).toMatch(/brand\.primaryColor: button text on #808080 reaches at most/);
    expect((await api('GET', '/clients/api-ok')).body.brand).toEqual({ displayName: 'Ok' });
  });

  it('documents the brand in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${t.url}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown> } }> } }>> };
    const create = doc.paths['/clients']!.post!.requestBody!.content['application/json']!.schema.properties;
    expect(Object.keys((create.brand as { properties: object }).properties)).toEqual(['displayName', 'logo', 'primaryColor', 'backgroundColor', 'supportUri']);
  });
});
