// The rules that keep request_uri by reference from becoming a fetch proxy: registered URIs only, https, public
// addresses only (also for a host name that resolves to a private one), no redirects, a size cap.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createRequestObjectFetcher,
  isRegisteredRequestUri,
  isSpecialUse,
  MAX_REQUEST_OBJECT_BYTES,
  validateRequestUris,
} from '../../../src/oidc/request-uri.ts';

let server: Server;
let port: number;
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/big') return res.end('x'.repeat(MAX_REQUEST_OBJECT_BYTES + 10));
    if (req.url === '/moved') return res.writeHead(302, { location: '/ro' }).end();
    res.end(' eyJhbGciOiJIUzI1NiJ9.e30.sig \n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

it('tells public addresses from special-use ones', () => {
  for (const special of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '::1', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '0.0.0.0', 'not an ip']) {
    expect([special, isSpecialUse(special)]).toEqual([special, true]);
  }
  for (const pub of ['93.184.216.34', '2606:4700::1111', '::ffff:8.8.8.8']) expect([pub, isSpecialUse(pub)]).toEqual([pub, false]);
});

it('accepts registered request_uris only as https URIs without credentials (loopback http for development)', () => {
  expect(() => validateRequestUris(['https://rp.example.test/ro#hash', 'http://127.0.0.1:8080/ro'])).not.toThrow();
  for (const bad of [['http://rp.example.test/ro'], ['https://user:pw@rp.example.test/ro'], 'https://rp.example.test/ro', [42], Array(21).fill('https://rp.example.test/ro')]) {
    expect(() => validateRequestUris(bad)).toThrow(expect.objectContaining({ error: 'invalid_client_metadata', error_description: expect.stringMatching(/request_uris/) }));
  }
});

it('matches a request_uri against the registered ones without their fragments', () => {
  const registered = ['https://rp.example.test/ro/1#abc'];
  expect(isRegisteredRequestUri(registered, 'https://rp.example.test/ro/1')).toBe(true);
  expect(isRegisteredRequestUri(registered, 'https://rp.example.test/ro/1#other')).toBe(true);
  expect(isRegisteredRequestUri(registered, 'https://rp.example.test/ro/2')).toBe(false);
  expect(isRegisteredRequestUri(undefined, 'https://rp.example.test/ro/1')).toBe(false);
});

it('fetches from private addresses only when they are allowed, by address or by a name resolving to one', async () => {
  const guarded = createRequestObjectFetcher({ allowPrivate: false });
  await expect(guarded(`http://127.0.0.1:${port}/ro`)).rejects.toThrow(/special-use/);
  await expect(guarded(`http://localhost:${port}/ro`)).rejects.toThrow();
  const open = createRequestObjectFetcher({ allowPrivate: true });
  expect(await open(`http://127.0.0.1:${port}/ro`)).toBe('eyJhbGciOiJIUzI1NiJ9.e30.sig');
});

it('follows no redirect and reads no more than the cap', async () => {
  const open = createRequestObjectFetcher({ allowPrivate: true });
  await expect(open(`http://127.0.0.1:${port}/moved`)).rejects.toThrow(/302/);
  await expect(open(`http://127.0.0.1:${port}/big`)).rejects.toThrow();
});
