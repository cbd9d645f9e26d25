// Per-application metadata about a user: a small JSON object an app keeps on the user's identity (its customer
// number, preferences, onboarding state), readable and writable by that app only. Each (account, client) pair
// has its own record, so one app can neither read nor overwrite another's.
import { systemClock, type Clock } from '../clock.ts';
import type { Connection } from 'mongoose';
import { appMetadataModel } from '../db/models/app-metadata.ts';
import { badRequest } from '../errors.ts';
import type { AuditLog } from './audit.ts';
import { isDuplicateKey } from '../db/duplicate-key.ts';

export interface AppMetadataEntry {
  clientId: string;
  data: Record<string, unknown>;
  updatedAt: Date;
}

export interface AppMetadata {
  get(accountId: string, clientId: string): Promise<Record<string, unknown> | undefined>;
  /** Replaces the app's object. Throws badRequest (400) with a message for the developer when data is not a JSON
   *  object, nests deeper than MAX_DEPTH or serialises to more than maxBytes; nothing is stored then. */
  set(accountId: string, clientId: string, data: unknown): Promise<Record<string, unknown>>;
  /** One app's record, or every app's when clientId is omitted (account deletion). */
  remove(accountId: string, clientId?: string): Promise<void>;
  listForAccount(accountId: string): Promise<AppMetadataEntry[]>;
}

export interface AppMetadataDeps {
  /** The one clock (src/clock.ts). */
  now?: Clock;
  conn: Connection;
  maxBytes: number;
  audit: Pick<AuditLog, 'record'>;
}

/** Nesting levels allowed, the top-level object being the first. */
export const MAX_DEPTH = 5;

const isPlainObject = (v: unknown): v is Record<string, unknown> => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
};

// Walks the value once: only JSON types, at most MAX_DEPTH levels. Bounded by the depth, so a cyclic object
// from a programming error is refused rather than followed.
function checkValue(value: unknown, depth: number): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw badRequest('app metadata may contain finite numbers only');
    return;
  }
  const children = Array.isArray(value) ? value : isPlainObject(value) ? Object.values(value) : undefined;
  if (!children) throw badRequest('app metadata may contain JSON values only (objects, arrays, strings, numbers, booleans, null)');
  if (depth > MAX_DEPTH) throw badRequest(`app metadata must not nest deeper than ${MAX_DEPTH} levels`);
  for (const child of children) checkValue(child, depth + 1);
}

/** The validated object and its JSON text. */
export function validateAppMetadata(data: unknown, maxBytes: number): { data: Record<string, unknown>; json: string } {
  if (!isPlainObject(data)) throw badRequest('app metadata must be a JSON object');
  checkValue(data, 1);
  const json = JSON.stringify(data);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > maxBytes) throw badRequest(`app metadata is ${bytes} bytes as JSON; at most ${maxBytes} are allowed`);
  return { data, json };
}

const parse = (json: string) => JSON.parse(json) as Record<string, unknown>;

export function createAppMetadata(deps: AppMetadataDeps): AppMetadata {
  const { maxBytes, audit } = deps;
  const now = deps.now ?? systemClock;
  const rows = appMetadataModel(deps.conn);
  // The unique (account, client) index makes two first writes racing each other collide instead of creating two
  // rows; made on first use, so the service works wherever it is constructed.
  let indexes: Promise<unknown> | undefined;
  const ready = () =>
    (indexes ??= rows.createIndexes().catch((err: unknown) => {
      indexes = undefined;
      throw err;
    }));

  return {
    async get(accountId, clientId) {
      const row = await rows.findOne({ accountId, clientId }, { data: 1 }).lean();
      return row ? parse(row.data) : undefined;
    },

    async set(accountId, clientId, input) {
      const { data, json } = validateAppMetadata(input, maxBytes);
      await ready();
      const write = () =>
        rows.updateOne({ accountId, clientId }, { $set: { data: json, updatedAt: new Date(now()) } }, { upsert: true });
      try {
        await write();
      } catch (err) {
        // Another first write for the same pair won the insert; ours is now an ordinary update (last write wins).
        if (!isDuplicateKey(err)) throw err;
        await write();
      }
      await audit.record({
        type: 'app_metadata.updated',
        outcome: 'success',
        accountId,
        clientId,
        details: { bytes: Buffer.byteLength(json, 'utf8') },
      });
      return data;
    },

    async remove(accountId, clientId) {
      const { deletedCount } = await rows.deleteMany(clientId === undefined ? { accountId } : { accountId, clientId });
      if (deletedCount > 0) {
        await audit.record({ type: 'app_metadata.deleted', outcome: 'success', accountId, clientId, details: { records: deletedCount } });
      }
    },

    async listForAccount(accountId) {
      const found = await rows.find({ accountId }).sort({ clientId: 1 }).lean();
      return found.map((r) => ({ clientId: r.clientId, data: parse(r.data), updatedAt: r.updatedAt }));
    },
  };
}
