// A copy of the database must not let anyone in. After a full session of use (sign-in with offline access, an
// unredeemed code, a pushed request, a pending device flow, client credentials, dynamic registration), every string
// stored in every collection is presented at every endpoint that takes a credential, as what it could be: none works.
// The same probes accept the real credentials, so a probe that cannot succeed would fail this test.
import Keygrip from 'keygrip';
import mongoose from 'mongoose';
import * as oidc from 'openid-client';
import { Browser } from '../support/http.ts';
import { serverTest, startServer, type TestServer } from '../support/server.ts';
import { authRequest, createClient, createUser, initialAccessToken, REDIRECT_URI, rp, signIn, walk, type TestClient } from './flows.ts';

let server: TestServer;
let web: oidc.Configuration;
let webClient: TestClient;
let deviceClient: TestClient;
const it = serverTest(() => server);

const OPAQUE = 'https://opaque.example.test';

beforeAll(async () => {
  server = await startServer({ env: { RESOURCES: JSON.stringify({ [OPAQUE]: { scope: 'orders:read', accessTokenFormat: 'opaque' } }) } });
  webClient = await createClient(server, { scope: 'openid email offline_access' });
  web = await rp(server, webClient);
  deviceClient = await createClient(server, { grantTypes: ['urn:ietf:params:oauth:grant-type:device_code'], redirectUris: [], scope: 'openid' });
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

const basic = (c: TestClient) => `Basic ${Buffer.from(`${c.clientId}:${c.clientSecret}`).toString('base64')}`;

/** The endpoints at which `value` works as a credential. */
async function acceptedAt(value: string): Promise<string[]> {
  const { issuer } = server;
  const form = (body: Record<string, string>, client = webClient) => ({
    method: 'POST',
    headers: { authorization: basic(client), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body),
    redirect: 'manual' as const,
  });
  const bearer = { headers: { authorization: `Bearer ${value}` } };
  const sessionCookie = (() => {
    const cookie = `_session=${value}`;
    const sig = new Keygrip([server.env.COOKIE_KEYS!.split(',')[0]!]).sign(cookie);
    return `${cookie}; _session.sig=${sig}`;
  })();
  const probes: Record<string, () => Promise<boolean>> = {
    userinfo: async () => (await fetch(`${issuer}/me`, bearer)).status === 200,
    refresh: async () => (await fetch(`${issuer}/token`, form({ grant_type: 'refresh_token', refresh_token: value }))).status === 200,
    code: async () =>
      (await fetch(`${issuer}/token`, form({ grant_type: 'authorization_code', code: value, redirect_uri: REDIRECT_URI, code_verifier: verifier }))).status === 200,
    device: async () => {
      const res = await fetch(`${issuer}/token`, form({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: value }, deviceClient));
      // A pending device code answers authorization_pending: the value was recognised.
      return res.status === 200 || ((await res.json()) as { error?: string }).error === 'authorization_pending';
    },
    introspection: async () => ((await (await fetch(`${issuer}/token/introspection`, form({ token: value }))).json()) as { active?: boolean }).active === true,
    registration: async () => (await fetch(`${issuer}/reg/${encodeURIComponent(registeredId)}`, bearer)).status === 200,
    initialAccess: async () =>
      (await fetch(`${issuer}/reg`, { method: 'POST', ...bearer, headers: { ...bearer.headers, 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uris: [REDIRECT_URI] }) })).status === 201,
    requestUri: async () => {
      const url = `${issuer}/auth?client_id=${webClient.clientId}&request_uri=${encodeURIComponent(`urn:ietf:params:oauth:request_uri:${value}`)}`;
      const res = await fetch(url, { redirect: 'manual' });
      return res.status === 303 && (res.headers.get('location') ?? '').startsWith('/interaction/');
    },
    session: async () => {
      const req = await authRequest(web, { scope: 'openid', prompt: 'none' });
      const res = await fetch(req.url, { headers: { cookie: sessionCookie }, redirect: 'manual' });
      const location = res.headers.get('location') ?? '';
      return new URL(location, issuer).searchParams.has('code');
    },
  };
  const results = await Promise.all(Object.entries(probes).map(async ([name, probe]) => ((await probe()) ? [name] : [])));
  return results.flat();
}

let registeredId = '';
// The PKCE verifier of the one code left unredeemed: sent with every code probe, so only the code itself is in question.
let verifier = '';

function stringsIn(value: unknown, into: Set<string>): Set<string> {
  if (typeof value === 'string') into.add(value);
  else if (Array.isArray(value)) value.forEach((v) => stringsIn(v, into));
  else if (value && typeof value === 'object' && !(value instanceof Date)) {
    for (const [k, v] of Object.entries(value)) {
      into.add(k);
      stringsIn(v, into);
    }
  }
  return into;
}

describe('credentials at rest', () => {
  it('no string in the database works as a credential anywhere, while the real ones do', async () => {
    const user = await createUser(server);
    const browser = new Browser(server.issuer);
    const { tokens } = await signIn(web, browser, user, { scope: 'openid email offline_access', prompt: 'consent' });
    const session = browser.cookies().find((c) => c.name === '_session')?.value;
    // A code issued but not redeemed, a pushed request not yet used, a device flow waiting for its user.
    const pending = await authRequest(web, { scope: 'openid' });
    const code = (await walk(browser, pending.url, user)).redirect.searchParams.get('code');
    verifier = pending.verifier;
    const par = await oidc.buildAuthorizationUrlWithPAR(web, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
    });
    const requestUri = par.searchParams.get('request_uri')!.split(':').pop()!;
    const device = await oidc.initiateDeviceAuthorization(await rp(server, deviceClient), { scope: 'openid' });
    const partner = await createClient(server, { grantTypes: ['client_credentials'], redirectUris: [], scope: 'orders:read' });
    const cc = await oidc.clientCredentialsGrant(await rp(server, partner), { scope: 'orders:read', resource: OPAQUE });
    const iat = await initialAccessToken(server);
    const registered = await oidc.dynamicClientRegistration(new URL(server.issuer), { redirect_uris: [REDIRECT_URI] }, undefined, {
      execute: [oidc.allowInsecureRequests],
      initialAccessToken: await initialAccessToken(server),
    });
    registeredId = registered.clientMetadata().client_id;
    const rat = registered.clientMetadata().registration_access_token as string;

    // Positive controls: each probe accepts the real thing.
    expect(await acceptedAt(tokens.access_token)).toEqual(expect.arrayContaining(['userinfo', 'introspection']));
    expect(await acceptedAt(rat)).toContain('registration');
    expect(await acceptedAt(iat)).toContain('initialAccess');
    expect(await acceptedAt(requestUri)).toContain('requestUri');
    expect(session && (await acceptedAt(session))).toContain('session');
    expect(await acceptedAt(tokens.refresh_token!)).toContain('refresh');
    expect(await acceptedAt(code!)).toContain('code');
    expect(await acceptedAt(device.device_code)).toContain('device');

    const conn = await mongoose.createConnection(server.env.MONGODB_URI!).asPromise();
    const found = new Set<string>();
    try {
      for (const { name } of await conn.db!.listCollections().toArray()) {
        for (const doc of await conn.db!.collection(name).find({}).toArray()) stringsIn(doc, found);
      }
    } finally {
      await conn.close();
    }
    const secrets = [tokens.access_token, tokens.refresh_token!, session!, code!, requestUri, device.device_code, rat, iat, cc.access_token];
    const dump = [...found].join('\n');
    for (const secret of secrets) expect(dump).not.toContain(secret);

    // Every stored string long enough to be a credential, tried everywhere a credential is taken.
    const candidates = [...found].filter((s) => s.length >= 16 && /^[A-Za-z0-9._~+/=:-]+$/.test(s));
    expect(candidates.length).toBeGreaterThan(20);
    const working: string[] = [];
    for (let i = 0; i < candidates.length; i += 6) {
      await Promise.all(
        candidates.slice(i, i + 6).map(async (candidate) => {
          const where = await acceptedAt(candidate);
          if (where.length) working.push(`${candidate} at ${where.join(', ')}`);
        }),
      );
    }
    expect(working).toEqual([]);
  }, 300_000);
});
