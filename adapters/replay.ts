// What a consumable used twice means: a refresh token presented again within the reuse interval is a client's retry
// (let through); anything else is a replay, and every grant-bound row and the grant itself are revoked.
import type { Logger } from '../src/log.ts';
import { GRANT_BOUND } from './models.ts';
import { consumedMarkerOf } from './stored-id.ts';
import type { StoredDocument } from './types.ts';

export interface ReplayGuardDeps {
  /** Seconds a rotated refresh token may be exchanged again (0: never). */
  refreshReuseSeconds: number | undefined;
  findById(model: string, id: string): Promise<StoredDocument | null>;
  revokeGrant(grantId: string): Promise<void>;
  logger?: Logger | undefined;
}

export function createReplayGuard({ refreshReuseSeconds, findById, revokeGrant, logger }: ReplayGuardDeps) {
  const refreshReuseMs = Math.max(0, refreshReuseSeconds ?? 0) * 1000;

  /** Whether a refresh token consumed at `consumedAt` (ms) may still be exchanged: within the reuse interval. */
  const reusable = (model: string, consumedAt: number | undefined): consumedAt is number =>
    model === 'RefreshToken' && refreshReuseMs > 0 && consumedAt !== undefined && Date.now() - consumedAt <= refreshReuseMs;

  /** After a lost consumption: whether it is a refresh token's retry, the winner's marker within the interval. */
  async function retryWithinReuse(model: string, storedId: string): Promise<boolean> {
    if (refreshReuseMs <= 0 || model !== 'RefreshToken') return false;
    const marker = await findById(model, consumedMarkerOf(storedId));
    return typeof marker?.payload.consumed === 'number' && reusable(model, marker.payload.consumed * 1000);
  }

  return {
    reusable,
    /**
     * A consumption that lost (another caller consumed the row first): true when it is a refresh token's retry
     * within the reuse interval (let it through); otherwise every grant-bound row and the grant itself go, and false.
     */
    async settleLost(model: string, storedId: string, grantId: unknown): Promise<boolean> {
      if (await retryWithinReuse(model, storedId)) return true;
      if (GRANT_BOUND.has(model) && typeof grantId === 'string') {
        logger?.warn({ model, grantId }, 'concurrent reuse of a consumable detected: grant revoked');
        await revokeGrant(grantId);
      }
      return false;
    },
  };
}
