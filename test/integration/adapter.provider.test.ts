// The adapter under a real oidc-provider, driven through its token and userinfo endpoints: a replayed
// authorization code must kill every token issued from it, whether the replay comes after or during redemption; and
// refresh-token rotation inside a token request (adapters/mongodb.ts tokenRequest), where consume() leaves the old
// token's consumption marker to the new token's save (one round trip less), must spend the old token exactly once.
import { createHash, randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import type Provider from 'oidc-provider';
import { createMongoAdapter } from '../../adapters/mongodb.ts';
import type { MongoAdapter } from '../../adapters/types.ts';
import { createCipher } from '../../src/services/crypto.ts';
import { dropAndClose, openTestConnection } from '../support/db.ts';
import { startProviderOnAdapter, type ProviderOnAdapter } from '../support/provider-on-adapter.ts';

const clientId = 'replay-test-client';
const clientSecret = randomBytes(24).toString('base64url');
const redirectUri = 'http://127.0.0.1/cb';
const verifier = randomBytes(32).toString('base64url');
const challenge = createHash('sha256').update(verifier).digest('base64url');

let conn: Connection;
let store: MongoAdapter;
let provider: Provider;
let running: ProviderOnAdapter;
let base: string;

beforeAll(async () => {
  conn = await openTestConnection();
  if (!conn.db) throw new Error('no database handle');
  store = createMongoAdapter({ db: conn.db, cipher: createCipher(randomBytes(32)), key: randomBytes(32) });
  await store.ensureIndexes();

  // The client lives only in the adapter, so the token endpoint's client authentication also proves the
  // encrypted secret comes back decrypted.
  running = await startProviderOnAdapter(store, { clientId, clientSecret, redirectUri }, { rotateRefreshToken: () => true });
  ({ provider, base } = running);
});

afterAll(async () => {
  await running.close();
  await dropAndClose(conn);
});

/** A fresh grant of user-1 to the client (openid offline_access), and the client as the adapter gives it back. */
async function newGrant() {
  const grant = new provider.Grant({ accountId: 'user-1', clientId });
  grant.addOIDCScope('openid offline_access');
  const grantId = await grant.save();
  const client = await provider.Client.find(clientId);
  if (!client) throw new Error('client not found through the adapter');
  return { grantId, client };
}

/** What the authorization endpoint would have stored after login and consent. */
async function issueCode(): Promise<{ code: string; grantId: string }> {
  const { grantId, client } = await newGrant();
  const code = await new provider.AuthorizationCode({
    accountId: 'user-1',
    client,
    grantId,
    redirectUri,
    scope: 'openid offline_access',
    codeChallenge: challenge,
    codeChallengeMethod: 'S256',
    // Required by @types/oidc-provider; oidc-provider 9 no longer stores it on codes.
    gty: 'authorization_code',
  }).save();
  return { code, grantId };
}

async function postToken(params: Record<string, string>): Promise<{ status: number; body: Record<string, string> }> {
  const res = await fetch(`${base}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(params),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

const redeem = (code: string) => postToken({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier });
const refresh = (token: string) => postToken({ grant_type: 'refresh_token', refresh_token: token });

async function userinfoStatus(accessToken: string): Promise<number> {
  const res = await fetch(`${base}/me`, { headers: { authorization: `Bearer ${accessToken}` } });
  await res.arrayBuffer();
  return res.status;
}

const rowsOfGrant = (model: string, grantId: string) => store.collection(model).countDocuments({ grantId });

it('a code redeemed twice revokes the access and refresh tokens issued from it', async () => {
  const { code, grantId } = await issueCode();
  const first = await redeem(code);
  expect(first.status).toBe(200);
  expect(first.body.refresh_token).toEqual(expect.any(String));
  expect(await rowsOfGrant('AccessToken', grantId)).toBe(1);
  expect(await rowsOfGrant('RefreshToken', grantId)).toBe(1);
  // Consumed: its marker sits beside it.
  const codeRow = await store.collection('AuthorizationCode').findOne({ grantId });
  expect(await store.collection('AuthorizationCode').countDocuments({ _id: `c.${codeRow!._id}` })).toBe(1);
  expect(await userinfoStatus(first.body.access_token as string)).toBe(200);

  const replay = await redeem(code);
  expect(replay).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  expect(await rowsOfGrant('AccessToken', grantId)).toBe(0);
  expect(await rowsOfGrant('RefreshToken', grantId)).toBe(0);
  expect(await store.collection('Grant').countDocuments({ _id: grantId })).toBe(0);
  expect(await userinfoStatus(first.body.access_token as string)).toBe(401);
});

it('of 8 concurrent redemptions of one code exactly one gets tokens, and those tokens end up revoked', async () => {
  const { code, grantId } = await issueCode();
  const results = await Promise.all(Array.from({ length: 8 }, () => redeem(code)));
  const winners = results.filter((r) => r.status === 200);
  expect(winners).toHaveLength(1);
  for (const loser of results.filter((r) => r.status !== 200)) {
    expect(loser).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  }
  expect(await store.collection('Grant').countDocuments({ _id: grantId })).toBe(0);
  expect(await userinfoStatus(winners[0]?.body.access_token as string)).toBe(401);
});

it('an unrelated grant keeps working while another is revoked', async () => {
  const { code } = await issueCode();
  const other = await issueCode();
  const kept = await redeem(other.code);
  await redeem(code);
  await redeem(code);
  expect(kept.status).toBe(200);
  expect(await userinfoStatus(kept.body.access_token as string)).toBe(200);
});

describe('refresh-token rotation in a token request', () => {
  /** A refresh token of a fresh grant, as a code exchange would have issued it. */
  async function issueRefreshToken(): Promise<{ token: string; grantId: string }> {
    const { grantId, client } = await newGrant();
    const token = await new provider.RefreshToken({ accountId: 'user-1', client, grantId, scope: 'openid offline_access', gty: 'authorization_code' }).save();
    return { token, grantId };
  }

  const grantExists = async (grantId: string) => (await store.collection('Grant').countDocuments({ _id: grantId })) === 1;

  it('rotates: the new token is stored and works, the old one is marked spent beside its row', async () => {
    const { token, grantId } = await issueRefreshToken();
    const first = await refresh(token);
    expect(first.status).toBe(200);
    expect(first.body.refresh_token).toEqual(expect.any(String));
    expect(first.body.refresh_token).not.toBe(token);
    // The old row, its marker, and the new row (markers carry no grant id).
    expect(await rowsOfGrant('RefreshToken', grantId)).toBe(2);
    expect(await store.collection('RefreshToken').countDocuments({ _id: /^c\./ })).toBeGreaterThanOrEqual(1);
    expect((await provider.RefreshToken.find(token))?.consumed).toEqual(expect.any(Number));

    const second = await refresh(first.body.refresh_token as string);
    expect(second.status).toBe(200);
    expect(await grantExists(grantId)).toBe(true);
  });

  it('a rotated token presented again is refused and revokes the grant with every token issued from it', async () => {
    const { token, grantId } = await issueRefreshToken();
    const first = await refresh(token);
    expect(first.status).toBe(200);
    const replay = await refresh(token);
    expect(replay).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await grantExists(grantId)).toBe(false);
    expect(await rowsOfGrant('RefreshToken', grantId)).toBe(0);
    expect(await rowsOfGrant('AccessToken', grantId)).toBe(0);
    expect((await refresh(first.body.refresh_token as string)).status).toBe(400);
  });

  it('of 6 concurrent refreshes with one token exactly one gets tokens, and the grant ends revoked', async () => {
    const { token, grantId } = await issueRefreshToken();
    const results = await Promise.all(Array.from({ length: 6 }, () => refresh(token)));
    const winners = results.filter((r) => r.status === 200);
    expect(winners).toHaveLength(1);
    for (const loser of results.filter((r) => r.status !== 200)) expect(loser).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await grantExists(grantId)).toBe(false);
    // What the winner was issued is dead with the grant (a row written after the revocation stays until it expires,
    // but oidc-provider refuses every token whose grant is gone).
    expect((await refresh(winners[0]!.body.refresh_token as string)).status).toBe(400);
    expect(await userinfoStatus(winners[0]!.body.access_token as string)).toBe(401);
  });

  it('a token consumed in a request that fails before its new token is saved is spent all the same', async () => {
    const { token, grantId } = await issueRefreshToken();
    await expect(
      store.tokenRequest(async () => {
        const found = await provider.RefreshToken.find(token);
        await found!.consume();
        throw new Error('the request failed after consuming');
      }),
    ).rejects.toThrow('the request failed after consuming');
    expect((await provider.RefreshToken.find(token))?.consumed).toEqual(expect.any(Number));
    expect(await refresh(token)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await grantExists(grantId)).toBe(false);
  });

  it('outside a token request consume() writes its marker at once, as before', async () => {
    const { token } = await issueRefreshToken();
    const found = await provider.RefreshToken.find(token);
    await found!.consume();
    expect((await provider.RefreshToken.find(token))?.consumed).toEqual(expect.any(Number));
    await expect((await provider.RefreshToken.find(token))!.consume()).rejects.toMatchObject({ error: 'invalid_grant' });
  });
});
