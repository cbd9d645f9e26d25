// Request objects by reference (OIDC Core 6.2), the REQUEST_URI_BY_REFERENCE opt-in for the OIDF Dynamic OP plan:
// the provider fetches the request object from a URI the client registered and validates it as a request object by
// value; an unregistered URI is never fetched. The request objects are served by a small HTTP server on loopback
// (allowed because the test server runs with ALLOW_PRIVATE_NETWORK_REQUESTS=true).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { Browser } from '../support/http.ts';
import { serverTest, startServer, type TestServer } from '../support/server.ts';
import { authRequest, createClient, createUser, rp, signIn, type TestClient, type TestUser } from './flows.ts';

let server: TestServer;
let user: TestUser;
let client: TestClient;
let config: oidc.Configuration;
let objects: Server;
let objectsUrl: string;
const served = new Map<string, string>();
const fetched: string[] = [];
const it = serverTest(() => server);

beforeAll(async () => {
  objects = createServer((req, res) => {
    fetched.push(req.url ?? '');
    const body = served.get(req.url ?? '');
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/oauth-authz-req+jwt' }).end(body ?? '');
  });
  await new Promise<void>((resolve) => objects.listen(0, '127.0.0.1', resolve));
  objectsUrl = `http://127.0.0.1:${(objects.address() as AddressInfo).port}`;
  server = await startServer({ env: { REQUEST_URI_BY_REFERENCE: 'true' } });
  [user, client] = await Promise.all([
    createUser(server),
    createClient(server, { scope: 'openid profile email', metadata: { request_uris: [`${objectsUrl}/ro/1#sha256-of-the-content`] } }),
  ]);
  config = await rp(server, client);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await new Promise((resolve) => objects?.close(resolve));
});

async function requestObject(params: Record<string, string>): Promise<string> {
  return new SignJWT(params)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(client.clientId)
    .setAudience(server.issuer)
    .setIssuedAt()
    .setExpirationTime('1m')
    .sign(new TextEncoder().encode(client.clientSecret));
}

it('says in discovery that request_uri is supported for registered URIs', async () => {
  const m = config.serverMetadata();
  expect(m.request_uri_parameter_supported).toBe(true);
  expect(m.require_request_uri_registration).toBe(true);
});

it('fetches the request object from a registered request_uri and takes its parameters (state included)', async () => {
  const browser = new Browser(server.issuer);
  await signIn(config, browser, user);
  const req = await authRequest(config, { prompt: 'none' });
  served.set('/ro/1', await requestObject(Object.fromEntries(req.url.searchParams)));
  const url = new URL(req.url.pathname, req.url);
  // The fragment (a hash of the content, as Registration suggests) is not sent to the server that holds the object.
  url.search = new URLSearchParams({ client_id: client.clientId, response_type: 'code', scope: 'openid', request_uri: `${objectsUrl}/ro/1#sha256-of-the-content` }).toString();
  fetched.length = 0;
  const { redirect } = await browser.navigate(url);
  expect(fetched).toEqual(['/ro/1']);
  expect([redirect?.searchParams.get('error'), redirect?.searchParams.get('error_description')]).toEqual([null, null]);
  expect(redirect?.searchParams.get('state')).toBe(req.state);
  const tokens = await oidc.authorizationCodeGrant(config, redirect!, { pkceCodeVerifier: req.verifier, expectedState: req.state, expectedNonce: req.nonce });
  expect(tokens.claims()?.sub).toBeTruthy();
});

it('never fetches a request_uri the client did not register, and refuses one that cannot be fetched', async () => {
  const browser = new Browser(server.issuer);
  const base = { client_id: client.clientId, response_type: 'code', scope: 'openid' };
  fetched.length = 0;
  const unregistered = await browser.navigate(`${server.issuer}/auth?${new URLSearchParams({ ...base, request_uri: `${objectsUrl}/ro/2` })}`);
  expect(unregistered.page.status).toBe(400);
  expect(unregistered.page.body).toContain('invalid_request_uri');
  expect(fetched).toEqual([]);

  // Registered, but the object is gone: an error, not a sign-in page.
  served.delete('/ro/1');
  const gone = await browser.navigate(`${server.issuer}/auth?${new URLSearchParams({ ...base, request_uri: `${objectsUrl}/ro/1` })}`);
  expect(gone.page.status).toBe(400);
  expect(gone.page.body).toContain('invalid_request_uri');
  expect(fetched).toEqual(['/ro/1']);
});

it('refuses request_uris that are not https at registration', async () => {
  await expect(createClient(server, { metadata: { request_uris: ['http://rp.example.test/ro'] } })).rejects.toThrow(/request_uris/);
});
