// Logos of the brands, kept in the database and served from our own origin (src/http/branding.ts), so that the
// hosted pages' CSP stays img-src 'self' whatever an app's brand shows. A logo given as an https URL is fetched once,
// when the brand is set, under the outbound guard (services/outbound-fetch.ts: public addresses only unless
// ALLOW_PRIVATE_NETWORK_REQUESTS, no redirects, 256 KiB, 5 s); an uploaded one arrives as a data: URL. Either way the
// bytes are checked (brand-logo-bytes.ts) and stored under their hash: the same logo is stored once, and a new logo
// gets a new URL, which browsers may therefore cache for good.
import type { Connection } from 'mongoose';
import { badRequest } from '../errors.ts';
import { checkLogo, fromDataUrl, LOGO_NAME, LOGO_PATH, LOGO_TYPES, MAX_LOGO_BYTES, type LogoBytes, type LogoExt } from './brand-logo-bytes.ts';
import { guardedGet, isFetchableUri, type GuardedAnswer } from './outbound-fetch.ts';

export const LOGO_COLLECTION = 'brand_logos';
const FETCH_TIMEOUT_MS = 5000;

interface LogoRow {
  _id: string;
  type: string;
  data: Buffer;
  /** Where it came from: the https URL, or "upload". */
  source: string;
  createdAt: Date;
}

export interface StoredLogo {
  type: (typeof LOGO_TYPES)[LogoExt];
  bytes: Buffer;
}

export interface BrandLogos {
  /**
   * The stored name of the logo `source` names: an https URL (fetched now), a data: URL (an upload), or the path of
   * a logo already stored (/branding/logo/<name>, kept as it is). A 400 naming `field` and the reason otherwise.
   */
  store(source: string, field?: string): Promise<string>;
  /** A stored logo (or the operator's, from the configuration) by its name; null when there is none. */
  find(name: string): Promise<StoredLogo | null>;
}

export interface BrandLogosDeps {
  conn: Connection;
  /** ALLOW_PRIVATE_NETWORK_REQUESTS: logos may come from loopback and private addresses (development, tests). */
  allowPrivate: boolean;
  /** Logos that live outside the database: the operator's (BRAND_LOGO_FILE). */
  builtIn?: readonly LogoBytes[];
  /** How a logo URL is fetched (tests may stand in); default: the guarded GET. */
  get?: (uri: string) => Promise<GuardedAnswer>;
  now?: () => number;
}

export function createBrandLogos(deps: BrandLogosDeps): BrandLogos {
  const rows = () => {
    const db = deps.conn.db;
    if (!db) throw new Error('database connection is not open');
    return db.collection<LogoRow>(LOGO_COLLECTION);
  };
  const builtIn = new Map((deps.builtIn ?? []).map((l) => [l.name, l]));
  const get = deps.get ?? ((uri: string) => guardedGet(uri, { allowPrivate: deps.allowPrivate, maxBytes: MAX_LOGO_BYTES, timeoutMs: FETCH_TIMEOUT_MS, accept: Object.values(LOGO_TYPES).join(', ') }));

  async function fetched(uri: string, field: string): Promise<{ bytes: Buffer; type?: string }> {
    if (!isFetchableUri(uri, { allowLoopbackHttp: deps.allowPrivate })) throw badRequest(`${field}: must be an https URL (or an uploaded data: URL)`);
    let answer: GuardedAnswer;
    try {
      answer = await get(uri);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw badRequest(`${field}: could not fetch ${uri}: ${/larger than/.test(reason) ? `is larger than ${MAX_LOGO_BYTES / 1024} KiB` : reason}`);
    }
    if (answer.status !== 200) throw badRequest(`${field}: ${uri} answered ${answer.status} (redirects are not followed: give the final URL)`);
    const type = answer.headers['content-type'];
    return { bytes: answer.body, ...(typeof type === 'string' ? { type } : {}) };
  }

  async function exists(name: string): Promise<boolean> {
    return builtIn.has(name) || (await rows().countDocuments({ _id: name }, { limit: 1 })) > 0;
  }

  return {
    async store(source, field = 'brand.logo') {
      if (source.startsWith(LOGO_PATH)) {
        const name = source.slice(LOGO_PATH.length);
        if (!LOGO_NAME.test(name) || !(await exists(name))) throw badRequest(`${field}: ${source} is not a logo stored here`);
        return name;
      }
      const upload = fromDataUrl(source);
      if (!upload && source.startsWith('data:')) throw badRequest(`${field}: an uploaded logo is a base64 data: URL (data:image/png;base64,…)`);
      const given = upload ?? (await fetched(source, field));
      const logo = checkLogo(given.bytes, given.type);
      if ('problem' in logo) throw badRequest(`${field}: the logo ${logo.problem}`);
      const row: Omit<LogoRow, '_id'> = { type: LOGO_TYPES[logo.ext], data: logo.bytes, source: upload ? 'upload' : source, createdAt: new Date(deps.now?.() ?? Date.now()) };
      // Content-addressed: a logo stored before under the same name is the same bytes, kept as it is.
      await rows().updateOne({ _id: logo.name }, { $setOnInsert: row }, { upsert: true });
      return logo.name;
    },

    async find(name) {
      if (!LOGO_NAME.test(name)) return null;
      const ext = name.slice(name.lastIndexOf('.') + 1) as LogoExt;
      const known = builtIn.get(name);
      if (known) return { type: LOGO_TYPES[ext], bytes: known.bytes };
      const row = await rows().findOne({ _id: name });
      if (!row) return null;
      // The driver reads binary data back as BSON Binary (whichever copy of bson mongoose brought: duck-typed).
      const data = row.data as Buffer | { value(): Uint8Array };
      return { type: LOGO_TYPES[ext], bytes: Buffer.isBuffer(data) ? data : Buffer.from(data.value()) };
    },
  };
}
