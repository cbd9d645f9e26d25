// The one interface every feature's per-account store offers, so that the data export and the erasure cover it
// without knowing what it holds (legal acceptances, consent records, communication preferences, …).
export interface PerAccountStore {
  /** Everything held on the account, JSON-safe; never secrets (hashes, seeds, codes, keys). */
  exportFor(accountId: string): Promise<unknown>;
  /** Rows removed; idempotent. */
  removeAll(accountId: string): Promise<number>;
}

export type PerAccountStores = Readonly<Record<string, PerAccountStore | undefined>>;
