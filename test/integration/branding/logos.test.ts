// Brand logos: fetched once when a brand is set, checked by their bytes, stored, and served from our own origin with
// headers that keep them inert (an SVG too) and cacheable for good. Logo URLs point at a server on 127.0.0.1: no test
// reaches the internet, and the private-network guard is shown refusing that same server.
import { get } from 'node:http';
import { createBrandLogos } from '../../../src/services/brand-logos.ts';
import { startTestApp, type TestApp } from '../../support/app.ts';
import { PNG, startLogoServer, SVG, type LogoServer } from '../../support/logos.ts';

let t: TestApp;
let logos: LogoServer;
const LOGO_PATH = /^\/branding\/logo\/[0-9a-f]{64}\.(png|svg)$/;
const app = (clientId: string, logo: string) => ({ clientId, grantTypes: ['client_credentials'], brand: { displayName: 'Shop', logo } });

const statusOf = (url: string, headers: Record<string, string>) =>
  new Promise<number | undefined>((resolve, reject) => get(url, { headers }, (r) => resolve(r.resume().statusCode)).on('error', reject));

beforeAll(async () => {
  // Logo URLs on 127.0.0.1 are fetched only because private network requests are allowed here.
  [t, logos] = await Promise.all([startTestApp({ ALLOW_PRIVATE_NETWORK_REQUESTS: 'true' }), startLogoServer()]);
});
afterAll(async () => {
  await t.close();
  await logos.close();
});

it('fetches a logo URL once, when the brand is set, and serves it from our origin with inert, long-cached headers', async () => {
  const created = await t.services.clients.create(app('fetched', `${logos.base}/logo.png`));
  const path = created.brand?.logo ?? '';
  expect(path).toMatch(LOGO_PATH);
  expect(logos.hits.get('/logo.png')).toBe(1);
  // Read back, changed elsewhere, read again: the stored logo is kept, never fetched again.
  await t.services.clients.update('fetched', { clientName: 'Shop app', brand: { primaryColor: '#0b5d3b' } });
  expect((await t.services.clients.get('fetched'))?.brand).toEqual({ displayName: 'Shop', logo: path, primaryColor: '#0b5d3b' });
  expect(logos.hits.get('/logo.png')).toBe(1);

  const res = await fetch(`${t.url}${path}`);
  expect(res.status).toBe(200);
  expect(Buffer.from(await res.arrayBuffer())).toEqual(PNG);
  expect(res.headers.get('content-type')).toBe('image/png');
  expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'; sandbox");
  // Mail readers load it from their webmail's origin.
  expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
  // fetch() adds Cache-Control: no-cache to conditional requests, which rightly defeats 304: ask as a browser does.
  expect(await statusOf(`${t.url}${path}`, { 'if-none-match': res.headers.get('etag')! })).toBe(304);
});

it('serves an SVG logo as image/svg+xml under a CSP that lets it run and load nothing', async () => {
  const { brand } = await t.services.clients.create(app('svg-logo', `${logos.base}/logo.svg`));
  expect(brand?.logo).toMatch(/\.svg$/);
  const res = await fetch(`${t.url}${brand?.logo}`);
  expect(res.headers.get('content-type')).toBe('image/svg+xml');
  expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'; sandbox");
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(Buffer.from(await res.arrayBuffer())).toEqual(SVG);
});

it('takes an uploaded logo (a data: URL) and keeps one copy of the same bytes', async () => {
  const upload = `data:image/png;base64,${PNG.toString('base64')}`;
  const uploaded = await t.services.clients.create(app('uploaded', upload));
  const fetched = await t.services.clients.get('fetched');
  expect(uploaded.brand?.logo).toBe(fetched?.brand?.logo);
  expect(await t.services.db.connection.collection('brand_logos').countDocuments({ _id: uploaded.brand!.logo!.split('/').pop() } as never)).toBe(1);
});

it.each([
  ['too large', '/huge.png', /brand\.logo: could not fetch .*: is larger than 256 KiB/],
  ['not an image, whatever the server calls it', '/page.png', /brand\.logo: the logo is not a PNG, JPEG, WebP or SVG image/],
  ['an image the server calls something else', '/mislabelled', /brand\.logo: the logo is labelled text\/html but is image\/png/],
  ['behind a redirect', '/moved.png', /brand\.logo: .* answered 302 \(redirects are not followed/],
  ['not there', '/missing.png', /answered 404/],
])('refuses a logo URL that is %s, and registers nothing', async (_what, path, message) => {
  await expect(t.services.clients.create(app('refused', `${logos.base}${path}`))).rejects.toThrow(message);
  expect(await t.services.clients.get('refused')).toBeNull();
});

it('refuses logo URLs that are not https, and private addresses unless they are allowed', async () => {
  await expect(t.services.clients.create(app('plain-http', 'http://cdn.shop.example/logo.png'))).rejects.toThrow(/brand\.logo: must be an https URL/);
  const guarded = createBrandLogos({ conn: t.services.db.connection, allowPrivate: false });
  const port = new URL(logos.base).port;
  // By address, by a name that resolves to one, and plain http to this machine: all refused before any byte is sent.
  await expect(guarded.store(`https://127.0.0.1:${port}/logo.png`)).rejects.toThrow(/127\.0\.0\.1 is a special-use address/);
  await expect(guarded.store(`https://localhost:${port}/logo.png`)).rejects.toThrow(/special-use address/);
  await expect(guarded.store(`${logos.base}/logo.png`)).rejects.toThrow(/must be an https URL/);
  await expect(guarded.store('https://[::1]/logo.png')).rejects.toThrow(/special-use address/);
});

it('keeps a stored logo by its path, refuses the path of one it does not have, and answers 404 for it', async () => {
  const { brand } = (await t.services.clients.get('fetched'))!;
  const kept = await t.services.clients.create(app('kept', brand!.logo!));
  expect(kept.brand?.logo).toBe(brand?.logo);
  const unknown = `/branding/logo/${'0'.repeat(64)}.png`;
  await expect(t.services.clients.create(app('unknown-logo', unknown))).rejects.toThrow(/is not a logo stored here/);
  expect((await fetch(`${t.url}${unknown}`)).status).toBe(404);
});

it('serves the colours of a brand as a stylesheet named by them, and no stylesheet for unreadable colours', async () => {
  const res = await fetch(`${t.url}/branding/theme/v1-p0b5d3b-bfff8e7.css`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/css; charset=utf-8');
  expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  const css = await res.text();
  expect(css).toContain('--accent: #0b5d3b;');
  expect(css).toContain('--accent-text: #ffffff;');
  expect(css).toContain('--page-bg: #fff8e7;');
  expect((await fetch(`${t.url}/branding/theme/v1-p808080.css`)).status).toBe(404);
  expect((await fetch(`${t.url}/branding/theme/v1.css`)).status).toBe(404);
});
