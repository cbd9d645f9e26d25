// Grows the token collections the way months of use would: rows shaped as the adapter writes them (adapters/wire.ts:
// the payload as one JSON string, expiresAt, grantId, and the top-level accountId of account-bound models), alive
// (expiring in the future), under random ids that no real token will ever have. Inserted directly through the
// driver, a thousand at a time.
import { randomBytes } from 'node:crypto';
import type { Collection, Db, Document } from 'mongodb';
import { collectionName } from '../adapters/models.ts';
import { wireOf, type WireDocument } from '../adapters/wire.ts';

/** The models whose collections grow with traffic, and what one of their rows carries. */
const GROWING: Record<string, (ids: { accountId: string; grantId: string; jti: string }, now: number) => Document> = {
  AccessToken: ({ accountId, grantId, jti }, now) => ({
    iat: now, exp: now + 3600, accountId, clientId: 'filler-app', grantId, gty: 'authorization_code', kind: 'AccessToken',
    jti, scope: 'openid email profile', sessionUid: jti.slice(0, 21), expiresWithSession: false,
  }),
  RefreshToken: ({ accountId, grantId, jti }, now) => ({
    iat: now, exp: now + 14 * 86400, accountId, clientId: 'filler-app', grantId, gty: 'authorization_code refresh_token',
    kind: 'RefreshToken', jti, scope: 'openid offline_access', authTime: now, sessionUid: jti.slice(0, 21), iiat: now, rotations: 1,
  }),
  ClientCredentials: ({ jti }, now) => ({
    iat: now, exp: now + 600, clientId: 'filler-partner', kind: 'ClientCredentials', jti, scope: 'orders:read', aud: 'https://filler.test',
  }),
  AuthorizationCode: ({ accountId, grantId, jti }, now) => ({
    iat: now, exp: now + 60, accountId, clientId: 'filler-app', grantId, kind: 'AuthorizationCode', jti, scope: 'openid email profile',
    redirectUri: 'https://filler.test/cb', codeChallenge: jti, codeChallengeMethod: 'S256', authTime: now, sessionUid: jti.slice(0, 21),
  }),
  Grant: ({ accountId, jti }, now) => ({
    iat: now, exp: now + 14 * 86400, accountId, clientId: 'filler-app', kind: 'Grant', jti,
    openid: { scope: 'openid email profile offline_access' },
  }),
  Session: ({ accountId, grantId, jti }, now) => ({
    iat: now, exp: now + 14 * 86400, accountId, uid: jti.slice(0, 21), kind: 'Session', jti, loginTs: now,
    authorizations: { 'filler-app': { sid: jti.slice(21), grantId, persistsLogout: false } },
  }),
};

const ACCOUNT_BOUND = new Set(['AccessToken', 'RefreshToken', 'AuthorizationCode', 'Grant', 'Session']);
const BATCH = 1000;

export const GROWING_COLLECTIONS = Object.keys(GROWING).map(collectionName);

const id = () => randomBytes(32).toString('base64url');

async function insertFiller(rows: Collection<WireDocument>, model: string, count: number): Promise<void> {
  const shape = GROWING[model]!;
  for (let done = 0; done < count; done += BATCH) {
    const now = Math.floor(Date.now() / 1000);
    const docs = Array.from({ length: Math.min(BATCH, count - done) }, () => {
      const jti = id();
      const accountId = randomBytes(12).toString('hex');
      const payload = shape({ accountId, grantId: id(), jti }, now);
      return wireOf({ _id: jti, payload, expiresAt: new Date((payload.exp as number) * 1000), ...(ACCOUNT_BOUND.has(model) ? { accountId } : {}) });
    });
    await rows.insertMany(docs, { ordered: false });
  }
}

/**
 * Adds `count` rows to each growing collection. The rows already there (the tokens the next phase will use) are
 * moved to the middle: a store that scans in insertion order would otherwise find them first, as it never would
 * in a database whose live rows are spread over months of writes.
 */
export async function fillTokenCollections(db: Db, count: number, progress: (line: string) => void): Promise<void> {
  for (const model of Object.keys(GROWING)) {
    const started = performance.now();
    const rows = db.collection<WireDocument>(collectionName(model));
    const present = await rows.find({}).toArray();
    await insertFiller(rows, model, Math.floor(count / 2));
    for (let i = 0; i < present.length; i += BATCH) {
      const chunk = present.slice(i, i + BATCH);
      await rows.deleteMany({ _id: { $in: chunk.map((doc) => doc._id) } });
      await rows.insertMany(chunk, { ordered: false });
    }
    await insertFiller(rows, model, count - Math.floor(count / 2));
    progress(`  ${collectionName(model)}: +${count} rows (${present.length} live ones moved to the middle) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}
