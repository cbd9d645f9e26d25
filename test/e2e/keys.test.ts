// Signing key rotation by the operator CLI while the server runs: the key that starts signing was published in the
// JWKS before the rotation (so resource servers with a cached JWKS keep working), and what the old key signed still
// verifies afterwards.
import * as oidc from 'openid-client';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { Browser } from '../support/http.ts';
import { RESOURCE, serverTest, startServer, type TestServer } from '../support/server.ts';
import { createClient, createUser, jwks, rp, signIn, type TestUser } from './flows.ts';

let server: TestServer;
let user: TestUser;
let web: oidc.Configuration;
let partner: oidc.Configuration;
const it = serverTest(() => server);

interface KeyInfo {
  kid: string;
  alg: string;
  state: 'current' | 'next' | 'retired';
}

beforeAll(async () => {
  server = await startServer({ env: { KEYS_REFRESH_SECONDS: '1' } });
  const [u, webClient, partnerClient] = await Promise.all([
    createUser(server),
    createClient(server, { scope: 'openid email profile' }),
    createClient(server, { grantTypes: ['client_credentials'], redirectUris: [], scope: 'orders:read' }),
  ]);
  user = u;
  [web, partner] = await Promise.all([rp(server, webClient), rp(server, partnerClient)]);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

async function publishedKeys(): Promise<Map<string, Record<string, unknown>>> {
  const res = await fetch(web.serverMetadata().jwks_uri as string);
  const { keys } = (await res.json()) as { keys: (Record<string, unknown> & { kid: string })[] };
  return new Map(keys.map((k) => [k.kid, k]));
}

async function publishedKids(): Promise<Set<string>> {
  return new Set((await publishedKeys()).keys());
}

async function accessToken(): Promise<string> {
  return (await oidc.clientCredentialsGrant(partner, { resource: RESOURCE, scope: 'orders:read' })).access_token;
}

function asList(out: unknown): KeyInfo[] {
  const list = Array.isArray(out) ? out : (out as { keys?: unknown }).keys;
  if (!Array.isArray(list)) throw new Error(`ciam keys list printed no list: ${JSON.stringify(out)}`);
  return list as KeyInfo[];
}

describe('signing key rotation', () => {
  it('signs with a pre-published key after `ciam keys rotate`, and old tokens still verify', async () => {
    const jwksBefore = await publishedKeys();
    const before = new Set(jwksBefore.keys());
    const keysBefore = asList(await server.cli<unknown>(['keys', 'list']));
    expect(keysBefore.map((k) => k.kid).sort()).toEqual([...before].sort());

    const oldAccess = await accessToken();
    const oldKid = decodeProtectedHeader(oldAccess).kid as string;
    const { tokens } = await signIn(web, new Browser(server.issuer), user);
    const oldIdToken = tokens.id_token as string;
    const oldIdKid = decodeProtectedHeader(oldIdToken).kid as string;
    for (const kid of [oldKid, oldIdKid]) {
      expect(keysBefore.find((k) => k.kid === kid)?.state).toBe('current');
    }

    const rotated = await server.cli<{ activated: string[]; retired: string[]; created: string[] }>(['keys', 'rotate']);
    expect(rotated.retired).toEqual(expect.arrayContaining([oldKid, oldIdKid]));
    for (const kid of rotated.activated) expect(before.has(kid)).toBe(true);
    for (const kid of rotated.created) expect(before.has(kid)).toBe(false);

    // The server notices the new key set on its own (KEYS_REFRESH_SECONDS); wait for it rather than guess.
    let newAccess = oldAccess;
    const deadline = Date.now() + 15_000;
    while (decodeProtectedHeader(newAccess).kid === oldKid) {
      if (Date.now() > deadline) throw new Error('the server still signs with the retired key 15 s after the rotation');
      await new Promise((r) => setTimeout(r, 250));
      newAccess = await accessToken();
    }
    const newKid = decodeProtectedHeader(newAccess).kid as string;
    expect(before.has(newKid)).toBe(true);
    expect(rotated.activated).toContain(newKid);

    // Rings rotate one algorithm after the other: a reload between the two writes publishes the second ring's new
    // key at the next reload, so wait for every created key (the deadline above still bounds the wait).
    let after = await publishedKids();
    while (!rotated.created.every((kid) => after.has(kid)) && Date.now() <= deadline) {
      await new Promise((r) => setTimeout(r, 250));
      after = await publishedKids();
    }
    expect(after.has(oldKid)).toBe(true);
    expect(after.has(oldIdKid)).toBe(true);
    for (const kid of rotated.created) expect(after.has(kid)).toBe(true);
    // Every key still published is published exactly as before: a key's JWK does not change with its state.
    const jwksAfter = await publishedKeys();
    for (const [kid, jwk] of jwksBefore) if (jwksAfter.has(kid)) expect(jwksAfter.get(kid)).toEqual(jwk);

    const keySet = jwks(web);
    await jwtVerify(oldAccess, keySet, { issuer: server.issuer, audience: RESOURCE });
    await jwtVerify(newAccess, keySet, { issuer: server.issuer, audience: RESOURCE });
    await jwtVerify(oldIdToken, keySet, { issuer: server.issuer, audience: web.clientMetadata().client_id });

    const fresh = await signIn(web, new Browser(server.issuer), user);
    const newIdKid = decodeProtectedHeader(fresh.tokens.id_token as string).kid as string;
    expect(newIdKid).not.toBe(oldIdKid);
    expect(before.has(newIdKid)).toBe(true);
    await jwtVerify(fresh.tokens.id_token as string, keySet, {
      issuer: server.issuer,
      audience: web.clientMetadata().client_id,
    });

    const keysAfter = asList(await server.cli<unknown>(['keys', 'list']));
    expect(keysAfter.find((k) => k.kid === oldKid)?.state).toBe('retired');
    expect(keysAfter.find((k) => k.kid === newKid)?.state).toBe('current');
  }, 60_000);
});
