// Rows written before payloads were stored as one JSON string (wire.ts) hold them as nested documents, with keys
// escaped: oidc-provider payloads use data as object keys (resource indicator URLs in Grant.resources, claim names in
// the `claims` parameter, client ids in Session.authorizations), and FerretDB refuses any key containing '.' or
// starting with '$'. Those rows are read back here ('%2E' -> '.', a leading '%24' -> '$', '%25' -> '%'). Also: the
// deep copy every cache of rows hands out.

const NEEDS_DECODING = /%(?:25|2E|24)/;

function decodeKey(key: string): string {
  if (!NEEDS_DECODING.test(key)) return key;
  return key.replaceAll('%2E', '.').replace(/^%24/, '$').replaceAll('%25', '%');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function mapKeys(value: unknown, rename: (key: string) => string): unknown {
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : mapKeys(item, rename)));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    // Dropped like JSON.stringify does: the driver would otherwise store null, which oidc-provider reads differently.
    if (item === undefined) continue;
    // defineProperty keeps a literal "__proto__" key as data instead of replacing the prototype.
    Object.defineProperty(out, rename(key), { value: mapKeys(item, rename), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

export function decodeKeys<T>(value: T): T {
  return mapKeys(value, decodeKey) as T;
}

/**
 * A deep copy of a stored row (plain objects, arrays, dates and primitives, as the driver returns them), made in the
 * caller's own realm: structuredClone would build objects of Node's main realm, which a test VM compares as foreign.
 */
export function cloneRow<T>(value: T): T {
  if (Array.isArray(value)) return value.map(cloneRow) as T;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cloneRow(v)])) as T;
  return value;
}
