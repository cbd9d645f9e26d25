// The baseline's store: oidc-provider's own in-memory adapter is an LRU of 1,000 entries, which drops live grants
// and tokens once a benchmark has minted more than that, so the baseline would answer invalid_grant for work ours
// does. This one is a plain Map that never evicts; rows expire like the real adapter's (on read) and grant-bound
// rows are revoked together, so the provider does the same work against it as against a database.
import type { Adapter, AdapterConstructor, AdapterPayload } from 'oidc-provider';

// Mirrors oidc-provider's list of models whose rows carry payload.grantId.
const GRANT_BOUND = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest', 'PreAuthorizedCode']);

interface Row {
  payload: AdapterPayload;
  /** Epoch milliseconds; Infinity when upserted without expiresIn. */
  expiresAt: number;
}

export function createMapAdapter(): AdapterConstructor {
  const rows = new Map<string, Row>();
  const byGrant = new Map<string, Set<string>>();
  const bySessionUid = new Map<string, string>();
  const byUserCode = new Map<string, string>();

  const forget = (key: string, row: Row) => {
    rows.delete(key);
    const { grantId, uid, userCode } = row.payload;
    if (typeof grantId === 'string') byGrant.get(grantId)?.delete(key);
    if (typeof uid === 'string' && bySessionUid.get(uid) === key) bySessionUid.delete(uid);
    if (typeof userCode === 'string' && byUserCode.get(userCode) === key) byUserCode.delete(userCode);
  };

  const live = (key: string | undefined): AdapterPayload | undefined => {
    if (key === undefined) return undefined;
    const row = rows.get(key);
    if (!row) return undefined;
    if (row.expiresAt <= Date.now()) {
      forget(key, row);
      return undefined;
    }
    return row.payload;
  };

  return class MapAdapter implements Adapter {
    readonly model: string;

    constructor(model: string) {
      this.model = model;
    }

    #key(id: string): string {
      return `${this.model}:${id}`;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      const key = this.#key(id);
      const previous = rows.get(key);
      if (previous) forget(key, previous);
      const row: Row = { payload: { ...payload }, expiresAt: expiresIn === undefined ? Infinity : Date.now() + expiresIn * 1000 };
      rows.set(key, row);
      const { grantId, uid, userCode } = payload;
      if (GRANT_BOUND.has(this.model) && typeof grantId === 'string') {
        const members = byGrant.get(grantId) ?? new Set<string>();
        members.add(key);
        byGrant.set(grantId, members);
      }
      if (this.model === 'Session' && typeof uid === 'string') bySessionUid.set(uid, key);
      if (typeof userCode === 'string') byUserCode.set(userCode, key);
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      return live(this.#key(id));
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return live(bySessionUid.get(uid));
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return live(byUserCode.get(userCode));
    }

    async consume(id: string): Promise<void> {
      const payload = live(this.#key(id));
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    }

    async destroy(id: string): Promise<void> {
      const key = this.#key(id);
      const row = rows.get(key);
      if (row) forget(key, row);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      for (const key of [...(byGrant.get(grantId) ?? [])]) {
        const row = rows.get(key);
        if (row) forget(key, row);
      }
      byGrant.delete(grantId);
    }
  };
}
