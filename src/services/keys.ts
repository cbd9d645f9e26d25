// Signing keys shared by every process through the database, with staged rotation:
//   next    published in the JWKS but never used to sign, so relying parties cache it before it signs;
//   current signs (one per algorithm);
//   retired published (verify only) until what it signed has expired, then removed.
import { dateOf, systemClock, type Clock } from '../clock.ts';
import { createHash } from 'node:crypto';
import type { JWK } from 'jose';
import type { Connection } from 'mongoose';
import type { Config } from '../config/index.ts';
import { badRequest } from '../errors.ts';
import { keyRingModel, ringId, type KeyRing, type KeyState, type StoredKey } from '../db/models/signing-key.ts';
import type { AuditLog } from './audit.ts';
import type { Cipher } from './crypto.ts';
import { generateSigningKey, SIGNING_ALGS, unsealPrivateJwk, type SigningAlg } from './key-material.ts';
import { isDuplicateKey } from '../db/duplicate-key.ts';

export interface KeyInfo {
  kid: string;
  alg: string;
  state: KeyState;
  createdAt: Date;
  activatedAt?: Date;
  retiredAt?: Date;
  removeAfter?: Date;
}

/**
 * How long a retired key must stay published: the longest lifetime of anything it signs (ID tokens, JWT access
 * tokens). Refresh tokens and codes are opaque database rows, not signed, so they do not count.
 */
export function longestSignedTtl(config: Pick<Config, 'ttl' | 'resources'>): number {
  const resourceTtls = Object.values(config.resources).map((r) => r.accessTokenTTL ?? 0);
  return Math.max(config.ttl.accessToken, config.ttl.idToken, config.ttl.clientCredentials, ...resourceTtls);
}

export interface RotationResult {
  activated: string[];
  retired: string[];
  created: string[];
  removed: string[];
}

export interface KeyStore {
  ensureKeys(): Promise<void>;
  providerJwks(): Promise<{ keys: JWK[] }>;
  list(): Promise<KeyInfo[]>;
  rotate(opts: { retainSeconds: number }): Promise<RotationResult>;
  fingerprint(): Promise<string>;
}

export interface KeyStoreDeps {
  conn: Connection;
  cipher: Cipher;
  audit: AuditLog;
  algs?: readonly SigningAlg[];
  now?: Clock;
}

const STATE_ORDER: Record<KeyState, number> = { current: 0, next: 1, retired: 2 };
const MAX_ATTEMPTS = 5;

export function createKeyStore(deps: KeyStoreDeps): KeyStore {
  const { cipher, audit } = deps;
  const rings = keyRingModel(deps.conn);
  const algs = deps.algs ?? SIGNING_ALGS;
  const clock = deps.now ?? systemClock;
  const now = () => dateOf(clock);

  // Retired keys past their removeAfter are no longer published, even before a rotation deletes them.
  const live = (k: StoredKey, at: Date) => !(k.state === 'retired' && k.removeAfter && k.removeAfter <= at);

  // The highest version of each algorithm's ring; older versions are history awaiting deletion.
  async function latestRings(): Promise<Map<string, KeyRing>> {
    const all = await rings.find({ alg: { $in: [...algs] } }).sort({ version: -1 }).lean<KeyRing[]>();
    const latest = new Map<string, KeyRing>();
    for (const ring of all) if (!latest.has(ring.alg)) latest.set(ring.alg, ring);
    return latest;
  }

  async function liveKeys(): Promise<(StoredKey & { alg: string })[]> {
    const at = now();
    const all = [...(await latestRings()).values()];
    return all
      .flatMap((ring) => ring.keys.filter((k) => live(k, at)).map((k) => ({ ...k, alg: ring.alg })))
      .sort((a, b) => STATE_ORDER[a.state] - STATE_ORDER[b.state] || algs.indexOf(a.alg as SigningAlg) - algs.indexOf(b.alg as SigningAlg));
  }

  async function createRing(alg: SigningAlg): Promise<void> {
    const at = now();
    const [current, next] = await Promise.all([generateSigningKey(alg, cipher), generateSigningKey(alg, cipher)]);
    try {
      await rings.create({
        _id: ringId(alg, 1),
        alg,
        version: 1,
        keys: [
          { ...current, state: 'current', createdAt: at, activatedAt: at },
          { ...next, state: 'next', createdAt: at },
        ],
      });
    } catch (err) {
      // Another process created this algorithm's keys first: theirs are the keys, ours are discarded unused.
      if (isDuplicateKey(err)) return;
      throw err;
    }
    await audit.record({ type: 'key.created', outcome: 'success', details: { alg, kids: [current.kid, next.kid] } });
  }

  async function rotateRing(alg: SigningAlg, retainSeconds: number, result: RotationResult): Promise<void> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const ring = (await latestRings()).get(alg);
      if (!ring) {
        await createRing(alg);
        continue;
      }
      const at = now();
      const removeAfter = new Date(at.getTime() + retainSeconds * 1000);
      const fresh = await generateSigningKey(alg, cipher);
      const kept = ring.keys.filter((k) => live(k, at));
      const removed = ring.keys.filter((k) => !live(k, at)).map((k) => k.kid);
      // Normally the ring has a next key; one created by hand without it gets the fresh key straight away.
      const hasNext = kept.some((k) => k.state === 'next');
      const keys: StoredKey[] = kept.map((k): StoredKey => {
        if (k.state === 'current') return { ...k, state: 'retired', retiredAt: at, removeAfter };
        if (k.state === 'next') return { ...k, state: 'current', activatedAt: at };
        return k;
      });
      keys.push({ ...fresh, state: hasNext ? 'next' : 'current', createdAt: at, ...(!hasNext && { activatedAt: at }) });

      const version = ring.version + 1;
      try {
        await rings.create({ _id: ringId(alg, version), alg, version, keys });
      } catch (err) {
        // Another rotation wrote this version first: rotate again on top of it, so both land in full.
        if (isDuplicateKey(err)) continue;
        throw err;
      }
      await rings.deleteMany({ alg, version: { $lt: version } });
      result.activated.push(...keys.filter((k) => k.state === 'current').map((k) => k.kid));
      result.retired.push(...ring.keys.filter((k) => k.state === 'current').map((k) => k.kid));
      result.created.push(fresh.kid);
      result.removed.push(...removed);
      return;
    }
    throw new Error(`signing keys for ${alg} changed concurrently ${MAX_ATTEMPTS} times; rotation abandoned, try again`);
  }

  return {
    async ensureKeys() {
      // Correctness rests on the primary key; the index only keeps "latest version" lookups cheap.
      await rings.createIndexes();
      const existing = new Set(await rings.distinct<string>('alg', { alg: { $in: [...algs] } }));
      for (const alg of algs) {
        if (!existing.has(alg)) await createRing(alg);
      }
    },

    async providerJwks() {
      // Current keys first: oidc-provider signs with the first key of an algorithm (its key selection sorts stably), so
      // a next or retired key is published and verifies, but never signs. No key_ops: they would change as a key moves
      // from next to current to retired, and relying parties (and the OpenID Foundation's rotation test) expect a
      // published key to stay byte-for-byte the same for its whole life.
      const keys = (await liveKeys()).map((k): JWK => unsealPrivateJwk(k, cipher));
      return { keys };
    },

    async list() {
      return (await liveKeys()).map((k) => ({
        kid: k.kid,
        alg: k.alg,
        state: k.state,
        createdAt: k.createdAt,
        ...(k.activatedAt && { activatedAt: k.activatedAt }),
        ...(k.retiredAt && { retiredAt: k.retiredAt }),
        ...(k.removeAfter && { removeAfter: k.removeAfter }),
      }));
    },

    async rotate({ retainSeconds }) {
      if (!Number.isInteger(retainSeconds) || retainSeconds < 0) {
        throw badRequest('retainSeconds must be a whole number of seconds, 0 or more');
      }
      const result: RotationResult = { activated: [], retired: [], created: [], removed: [] };
      for (const alg of algs) await rotateRing(alg, retainSeconds, result);
      await audit.record({ type: 'key.rotated', outcome: 'success', details: { ...result, retainSeconds } });
      return result;
    },

    async fingerprint() {
      const summary = (await liveKeys()).map((k) => `${k.alg}:${k.kid}:${k.state}`).join('|');
      return createHash('sha256').update(summary).digest('base64url');
    },
  };
}
