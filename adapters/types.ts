// The adapter's shapes: its options, the rows it stores, and what it offers beyond oidc-provider's Adapter interface
// (adapters/mongodb.ts implements them).
import type { Collection, Db } from 'mongodb';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Logger } from '../src/log.ts';
import type { Cipher } from '../src/services/crypto.ts';

export interface MongoAdapterOptions {
  db: Db;
  cipher: Cipher;
  /** The key stored ids are derived from (the data-encryption key; a sub-key is derived for this purpose). */
  key: Buffer;
  logger?: Logger;
  /**
   * Seconds a row outlives its expiresIn, so that oidc-provider can still load a just-expired code or token and
   * answer "expired" rather than "not found". Pass the provider's clockTolerance. Default 15 (oidc-provider's).
   */
  clockToleranceSeconds?: number;
  /** Seconds a client's registration is served from memory (0: read every time). Default 0. */
  clientCacheSeconds?: number;
  /**
   * Seconds a session or grant this process has just written or read is served from memory (fresh-rows.ts; 0: read
   * every time). This process's own changes replace or drop the copy at once. Default 0.
   */
  rowCacheSeconds?: number;
  /**
   * Seconds after its rotation during which a refresh token may be presented again (a client's network retry, two
   * tabs) and still be exchanged, for a fresh pair, instead of counting as a replay that revokes the grant. Default 0.
   */
  refreshReuseSeconds?: number;
  /**
   * The browser's cookies while a request is served (undefined elsewhere). Given, a sign-in's interaction lives
   * sealed in a cookie of the browser that runs it instead of a row (interaction-cookie.ts); without it, in a row.
   */
  browserCookies?: () => BrowserCookies | undefined;
  /** The paths a browser sends an interaction's cookie to: its pages and its resume URL (default: the latter). */
  interactionPaths?: (uid: string, payload: AdapterPayload) => string[];
}

/** One request's cookies: read from the request, written to its response (httpOnly, SameSite=Lax). */
export interface BrowserCookies {
  get(name: string): string | undefined;
  /** `null` clears the cookie at that path. */
  set(name: string, value: string | null, options: { path: string; maxAgeSeconds: number }): void;
}

/** A row as the database holds it (wire.ts): `data` (this version) or `payload` (rows written before it). */
export interface WireDocument {
  _id: string;
  data?: string;
  payload?: AdapterPayload;
  expiresAt?: Date;
  accountId?: string;
  grantId?: string;
  code?: string;
}

/** A row in memory, its payload decoded (how it lies in the database: wire.ts). */
export interface StoredDocument {
  _id: string;
  payload: AdapterPayload;
  expiresAt?: Date;
  /** payload.accountId, copied for the models in ACCOUNT_BOUND: indexed, so rows can be found per account. */
  accountId?: string;
  /** On a device flow's user-code lookup row: the device code, encrypted. */
  code?: string;
}

/** A live row of an account, decoded as oidc-provider stored it. `id` is the row's stored id (see destroyStored). */
export interface AccountRow {
  id: string;
  payload: AdapterPayload;
  expiresAt?: Date;
}

/**
 * oidc-provider's Adapter. consume resolves only for the one caller that consumed the row; every other caller
 * (already consumed, missing or expired) gets a rejection carrying oidc-provider's own error.
 */
export interface OidcAdapter extends Adapter {
  readonly model: string;
}

export interface MongoAdapter {
  Adapter: new (model: string) => OidcAdapter;
  ensureIndexes(): Promise<{ ttl: boolean }>;
  sweep(): Promise<number>;
  startSweeper(intervalSeconds: number): () => void;
  /** A model's rows as the database holds them (wire.ts: rowOf reads one). */
  collection(model: string): Collection<WireDocument>;
  /** Live rows of one account, for the models in ACCOUNT_BOUND (sessions, grants, tokens, codes). */
  findByAccount(model: string, accountId: string): Promise<AccountRow[]>;
  /** Deletes every row of one account in an ACCOUNT_BOUND model; resolves with how many went. */
  deleteByAccount(model: string, accountId: string): Promise<number>;
  /** Deletes one row by the id it is stored under (an AccountRow's id), with what belongs to it. */
  destroyStored(model: string, storedId: string): Promise<void>;
  /** Drops a client from this process's cache, after a change made around the adapter. */
  forgetClient(clientId: string): void;
  /** Drops this process's copies of a model's rows (sessions, grants) after a change made around the adapter. */
  forgetRows(model: string): void;
  /**
   * Runs a session's save under a new id (`oldId` its id before): the old row's delete and the new rows' write go
   * as one command. The old row is deleted in any case before this resolves.
   */
  rekeying<T>(oldId: string, save: () => Promise<T>): Promise<T>;
  /**
   * Runs a token request: a refresh token's rotation then writes the old token's consumption marker together with
   * the new token (one round trip less); the marker is written at the end if nothing took it.
   */
  tokenRequest<T>(handle: () => Promise<T>): Promise<T>;
}
