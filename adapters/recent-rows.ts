// What the adapter just read of a consumable row (a code, a refresh token), kept briefly so that the consume call
// oidc-provider makes right after its find needs no second read. Only what consume needs is kept: the grant to revoke
// on a replay and the expiry for the consumption marker. Bounded in size and age; a miss only costs the read.
export interface RecentRow {
  grantId?: unknown;
  expiresAt?: Date;
  consumed?: boolean;
  /** A refresh token consumed this long ago (ms since epoch) that may still be presented (the reuse interval). */
  consumedAt?: number;
}

const MAX_ENTRIES = 10_000;
const MAX_AGE_MS = 60_000;

export function createRecentRows() {
  const rows = new Map<string, RecentRow & { at: number }>();
  return {
    remember(model: string, storedId: string, row: RecentRow): void {
      const key = `${model}:${storedId}`;
      rows.delete(key);
      if (rows.size >= MAX_ENTRIES) rows.delete(rows.keys().next().value!);
      rows.set(key, { ...row, at: Date.now() });
    },
    /** The remembered row, forgotten as it is handed out: a second consume of the same id reads the database. */
    take(model: string, storedId: string): RecentRow | undefined {
      const key = `${model}:${storedId}`;
      const row = rows.get(key);
      rows.delete(key);
      if (!row || Date.now() - row.at > MAX_AGE_MS) return undefined;
      return { grantId: row.grantId, ...(row.expiresAt ? { expiresAt: row.expiresAt } : {}), ...(row.consumedAt !== undefined ? { consumedAt: row.consumedAt } : {}) };
    },
  };
}
