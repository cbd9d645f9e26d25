// A refresh token presented again right after its rotation (a client's network retry, two tabs refreshing at once) is
// exchanged again within the reuse interval instead of revoking the whole grant; later, or with no interval, a reuse
// is a replay and revokes everything (issue 13). Driven through a real oidc-provider's token endpoint on our adapter.
import { createHash, randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import { createMongoAdapter } from '../../adapters/mongodb.ts';
import type { MongoAdapter } from '../../adapters/types.ts';
import { createStoredIds } from '../../adapters/stored-id.ts';
import { createCipher } from '../../src/services/crypto.ts';
import { dropAndClose, openTestConnection } from '../support/db.ts';
import { startProviderOnAdapter, type ProviderOnAdapter } from '../support/provider-on-adapter.ts';
import { rowOf, wireOf } from '../../adapters/wire.ts';

const clientId = 'reuse-test-client';
const clientSecret = randomBytes(24).toString('base64url');
const redirectUri = 'http://127.0.0.1/cb';
const verifier = randomBytes(32).toString('base64url');

interface Stack extends ProviderOnAdapter {
  store: MongoAdapter;
  /** The stored id of a refresh token's consumption marker. */
  markerOf(rt: string): string;
}

let conn: Connection;
const stacks: Stack[] = [];

beforeAll(async () => {
  conn = await openTestConnection();
});
afterAll(async () => {
  for (const s of stacks) await s.close();
  await dropAndClose(conn);
});

async function stack(refreshReuseSeconds: number): Promise<Stack> {
  const key = randomBytes(32);
  const store = createMongoAdapter({ db: conn.db!, cipher: createCipher(randomBytes(32)), key, refreshReuseSeconds });
  const ids = createStoredIds(key);
  await store.ensureIndexes();
  const running = await startProviderOnAdapter(store, { clientId, clientSecret, redirectUri }, { rotateRefreshToken: true });
  const s = { store, markerOf: (rt: string) => `c.${ids.of('RefreshToken', rt)}`, ...running };
  stacks.push(s);
  return s;
}

async function token(s: Stack, params: Record<string, string>): Promise<{ status: number; body: Record<string, string> }> {
  const res = await fetch(`${s.base}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

/** A signed-in customer's first refresh token, as the code exchange hands it out. */
async function firstRefreshToken(s: Stack): Promise<{ rt: string; grantId: string }> {
  const grant = new s.provider.Grant({ accountId: 'user-1', clientId });
  grant.addOIDCScope('openid offline_access');
  const grantId = await grant.save();
  const client = await s.provider.Client.find(clientId);
  const code = await new s.provider.AuthorizationCode({
    accountId: 'user-1',
    client: client!,
    grantId,
    redirectUri,
    scope: 'openid offline_access',
    codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
    codeChallengeMethod: 'S256',
    gty: 'authorization_code',
  }).save();
  const exchanged = await token(s, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier });
  expect(exchanged.status).toBe(200);
  return { rt: exchanged.body.refresh_token!, grantId };
}

const refresh = (s: Stack, rt: string) => token(s, { grant_type: 'refresh_token', refresh_token: rt });

describe('within the reuse interval', () => {
  it('exchanges a just-rotated refresh token again for a fresh pair, and the grant lives on', async () => {
    const s = await stack(30);
    const { rt, grantId } = await firstRefreshToken(s);
    const first = await refresh(s, rt);
    expect(first.status).toBe(200);
    const retry = await refresh(s, rt);
    expect(retry.status).toBe(200);
    expect(retry.body.refresh_token).not.toBe(first.body.refresh_token);
    // Both successors work, and so does what they rotate into.
    expect((await refresh(s, first.body.refresh_token!)).status).toBe(200);
    expect((await refresh(s, retry.body.refresh_token!)).status).toBe(200);
    expect(await s.store.collection('Grant').countDocuments({ _id: grantId })).toBe(1);
  });

  it('lets two tabs refreshing with the same token at once both through', async () => {
    const s = await stack(30);
    const { rt } = await firstRefreshToken(s);
    const both = await Promise.all([refresh(s, rt), refresh(s, rt)]);
    expect(both.map((r) => r.status)).toEqual([200, 200]);
  });
});

describe('without a reuse interval (or after it)', () => {
  it('a reuse is a replay: refused, and the grant with every token of it revoked', async () => {
    const s = await stack(0);
    const { rt, grantId } = await firstRefreshToken(s);
    const first = await refresh(s, rt);
    expect(first.status).toBe(200);
    expect(await refresh(s, rt)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await refresh(s, first.body.refresh_token!)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await s.store.collection('Grant').countDocuments({ _id: grantId })).toBe(0);
  });

  it('a token consumed longer ago than the interval revokes the grant too', async () => {
    const s = await stack(30);
    const { rt, grantId } = await firstRefreshToken(s);
    expect((await refresh(s, rt)).status).toBe(200);
    // Its consumption marker, moved back past the interval (as if the retry came a minute later).
    const rows = s.store.collection('RefreshToken');
    const marker = rowOf((await rows.findOne({ _id: s.markerOf(rt) }))!);
    const moved = await rows.replaceOne({ _id: marker._id }, wireOf({ ...marker, payload: { consumed: Math.floor(Date.now() / 1000) - 60 } }));
    expect(moved.modifiedCount).toBe(1);
    expect(await refresh(s, rt)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await s.store.collection('Grant').countDocuments({ _id: grantId })).toBe(0);
  });
});
