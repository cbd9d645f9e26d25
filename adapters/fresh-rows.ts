// Sessions and grants this process has just written or read, served from memory for a few seconds instead of read
// again. A sign-in reads its session on nearly every page and resume and reads back the grant its consent has just
// saved; introspection, userinfo and refresh read a token's grant each time. Between processes the copy is at most
// `ttlMs` old (ROW_CACHE_SECONDS); in this process every write, delete and revocation replaces or drops it at once.
//
// Why a stale copy elsewhere is bounded harm: revoking a grant deletes its tokens too (never cached, so they stop at
// once everywhere); a signed-out browser has lost its cookie. What the bound allows is a stolen session cookie or a
// structured access token at userinfo still working for those seconds in a process that read the row just before.
//
// A read that was in flight while the row was written or deleted is not kept: its result may predate the change.
import { cloneRow } from './key-codec.ts';
import type { StoredDocument } from './types.ts';

export const FRESH_MODELS: ReadonlySet<string> = new Set(['Session', 'Grant']);

const MAX_ENTRIES = 10_000;

export interface FreshRows {
  /** A live copy of the row, if this process wrote or read it less than the bound ago; undefined otherwise. */
  get(model: string, id: string): StoredDocument | undefined;
  /** Call before a read; pass the result to `read` so that a change made meanwhile wins. */
  ticket(): number;
  /** What a read found (rows that exist; an absent row is not remembered). */
  read(model: string, docs: readonly StoredDocument[], ticket: number): void;
  /** Rows as this process has just written them. */
  wrote(model: string, docs: readonly StoredDocument[]): void;
  /** Rows this process has deleted or ended. */
  dropped(model: string, ids: readonly string[]): void;
  /** Every row of a model (a deletion by account or grant whose ids are not all known). */
  droppedAll(model: string): void;
}

export function createFreshRows(ttlMs: number, now: () => number = Date.now): FreshRows {
  const rows = new Map<string, { doc: StoredDocument; until: number }>();
  // The ticket of the last change to each key, and to each model as a whole: a read that began before it is stale.
  const changedAt = new Map<string, number>();
  const modelChangedAt = new Map<string, number>();
  let clock = 0;
  const key = (model: string, id: string) => `${model}\u0000${id}`;
  const enabled = (model: string) => ttlMs > 0 && FRESH_MODELS.has(model);

  function keep(model: string, doc: StoredDocument): void {
    const k = key(model, doc._id);
    rows.delete(k);
    if (rows.size >= MAX_ENTRIES) rows.delete(rows.keys().next().value!);
    rows.set(k, { doc: cloneRow(doc), until: now() + ttlMs });
  }
  function changed(model: string, id: string): void {
    const k = key(model, id);
    changedAt.delete(k);
    if (changedAt.size >= MAX_ENTRIES) changedAt.delete(changedAt.keys().next().value!);
    changedAt.set(k, ++clock);
  }

  return {
    get(model, id) {
      if (!enabled(model)) return undefined;
      const k = key(model, id);
      const entry = rows.get(k);
      if (!entry) return undefined;
      const expired = entry.doc.expiresAt !== undefined && entry.doc.expiresAt.getTime() <= Date.now();
      if (entry.until <= now() || expired) {
        rows.delete(k);
        return undefined;
      }
      return cloneRow(entry.doc);
    },
    ticket: () => ++clock,
    read(model, docs, ticket) {
      if (!enabled(model) || (modelChangedAt.get(model) ?? 0) > ticket) return;
      for (const doc of docs) if ((changedAt.get(key(model, doc._id)) ?? 0) <= ticket) keep(model, doc);
    },
    wrote(model, docs) {
      if (!enabled(model)) return;
      for (const doc of docs) {
        changed(model, doc._id);
        keep(model, doc);
      }
    },
    dropped(model, ids) {
      if (!enabled(model)) return;
      for (const id of ids) {
        changed(model, id);
        rows.delete(key(model, id));
      }
    },
    droppedAll(model) {
      if (!enabled(model)) return;
      modelChangedAt.set(model, ++clock);
      for (const k of [...rows.keys()]) if (k.startsWith(`${model}\u0000`)) rows.delete(k);
    },
  };
}
