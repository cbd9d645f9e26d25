// How a row lies in the database. The payload is one JSON string (`data`), not a nested document: the database stores,
// sends and parses one field instead of every claim, scope and authorization as a field of its own. Measured on the
// embedded store (FerretDB keeps each field with its type beside it and decodes them all on every read): a lookup by
// _id costs it about half the CPU, and the driver's BSON work shrinks alike. No key needs escaping inside a string.
//
// What is queried stays a field of its own: _id, expiresAt, accountId, grantId (copied from the payload when it names
// one: revocation by grant deletes by it) and a device flow's sealed `code`. Rows written before keep their nested
// `payload` (its keys escaped, key-codec.ts): every read accepts both shapes, and a revocation by grant matches both,
// so nothing needs rewriting and nobody is signed out by the upgrade.
import type { AdapterPayload } from 'oidc-provider';
import { decodeKeys } from './key-codec.ts';
import type { StoredDocument, WireDocument } from './types.ts';

export type { WireDocument } from './types.ts';

/** The row to write for a row in memory. */
export function wireOf(doc: StoredDocument): WireDocument {
  const { payload, ...rest } = doc;
  const wire: WireDocument = { ...rest, data: JSON.stringify(payload) };
  if (typeof payload.grantId === 'string' && payload.grantId) wire.grantId = payload.grantId;
  return wire;
}

/** The row in memory for a row read from the database, in either shape. */
export function rowOf(wire: WireDocument): StoredDocument {
  const { data, payload, grantId: _copy, ...rest } = wire;
  const open = typeof data === 'string' ? (JSON.parse(data) as AdapterPayload) : decodeKeys(payload ?? {});
  return { ...rest, payload: open };
}

/** The filter matching a grant's rows, in both shapes. */
export const ofGrant = (grantId: string) => ({ $or: [{ grantId }, { 'payload.grantId': grantId }] });
