// Versioned legal documents (terms of service, privacy policy, a partner's own terms) and the customers' acceptance
// of them. The operator configures every version with the time it takes effect (config.legal.documents); the one in
// force for a sign-in is, per document, the latest version applying to that app whose time has come, so a new
// version can be published (and read at /legal/:id/:version) before it applies. A customer who has not accepted the
// version in force is asked at the next sign-in (the `legal` prompt, oidc/policy.ts); sign-up records acceptance.
// Acceptances are kept for good (the evidence of a contract), removed only with the account.
import { dateOf, systemClock, type Clock } from '../clock.ts';
import type { Connection } from 'mongoose';
import type { LegalDocumentConfig } from '../config/index.ts';
import { isDuplicateKey } from '../db/duplicate-key.ts';
import {
  acceptanceId,
  legalAcceptanceModel,
  type AcceptanceSource,
  type LegalAcceptanceRecord,
} from '../db/models/legal-acceptance.ts';
import { translator, type Locale, type MessageKey } from '../i18n/index.ts';
import type { AuditLog } from './audit.ts';
import type { PerAccountStore } from './per-account-store.ts';

/** A localised value as shown: the text and the language it is actually in (for the page's lang attribute). */
export interface Localized {
  value: string;
  lang: string;
}

export interface LegalDocument {
  id: string;
  version: string;
  effective: Date;
  /** Only sign-ins to these clients ask for it; absent: every client. */
  clients?: readonly string[];
  title(locale: Locale): string;
  /** The configured URL, or this provider's own page for a document given as text (a path: /legal/:id/:version). */
  url(locale: Locale): string;
  /** The document's text, when the operator gave it as text (served by the public page). */
  text(locale: Locale): Localized | undefined;
  /** A summary of what changed since the previous version. */
  changes(locale: Locale): Localized | undefined;
  /** Where what changed is explained: the configured changesUrl, or the public page's #changes section. */
  changesUrl(locale: Locale): string | undefined;
}

export interface Acceptance {
  documentId: string;
  version: string;
  acceptedAt: Date;
  source: AcceptanceSource;
  clientId?: string;
  ip?: string;
  userAgent?: string;
}

export interface DocumentRef {
  id: string;
  version: string;
}

export interface AcceptMeta {
  source: AcceptanceSource;
  clientId?: string;
  ip?: string;
  userAgent?: string;
  /** When the customer accepted; default now. Sign-up accepts on its form and creates the account later. */
  at?: Date;
}

export interface LegalService extends PerAccountStore {
  /** Every configured version (past, in force and announced), in configuration order. */
  readonly documents: readonly LegalDocument[];
  /** The version in force of each document applying to the client (every client's documents when omitted: none
   *  restricted to particular clients). Sorted by document id. */
  inForce(clientId?: string, at?: Date): LegalDocument[];
  /** One configured version, whether or not in force. */
  find(id: string, version: string): LegalDocument | undefined;
  /** Versions of documents applying to the client that take effect after `at` (announced ahead). */
  upcoming(clientId?: string, at?: Date): LegalDocument[];
  /** Documents in force for the client whose current version the account has not accepted. */
  pending(accountId: string, clientId: string): Promise<LegalDocument[]>;
  /** Records acceptance (once per version) and audits `legal.accepted`; unknown (id, version) pairs throw. */
  accept(accountId: string, docs: readonly DocumentRef[], meta: AcceptMeta): Promise<void>;
  /** Audits `legal.declined`: the customer refused these versions and the sign-in ended. */
  decline(accountId: string, docs: readonly DocumentRef[], meta: Omit<AcceptMeta, 'source' | 'at'>): Promise<void>;
  /** Every acceptance ever, newest first. */
  history(accountId: string): Promise<Acceptance[]>;
}

export interface LegalDeps {
  conn: Connection;
  documents: readonly LegalDocumentConfig[];
  audit: Pick<AuditLog, 'record'>;
  now?: Clock;
}

// Standard names for the two documents every operator has, when the configuration gives no title.
const DEFAULT_TITLES: Record<string, MessageKey> = { terms: 'legal.doc.terms', privacy: 'legal.doc.privacy' };

/** The customer's language, else English, else whatever the operator wrote first. */
function pick(record: Readonly<Record<string, string>> | undefined, locale: Locale): Localized | undefined {
  if (!record) return undefined;
  for (const lang of [locale, 'en']) {
    const value = record[lang];
    if (value !== undefined) return { value, lang };
  }
  const [first] = Object.entries(record);
  return first ? { value: first[1], lang: first[0] } : undefined;
}

export function publicPath(id: string, version: string): string {
  return `/legal/${encodeURIComponent(id)}/${encodeURIComponent(version)}`;
}

function toDocument(c: LegalDocumentConfig): LegalDocument {
  const path = publicPath(c.id, c.version);
  return {
    id: c.id,
    version: c.version,
    effective: c.effective,
    ...(c.clients ? { clients: [...c.clients] } : {}),
    title: (locale) => pick(c.title, locale)?.value ?? (DEFAULT_TITLES[c.id] ? translator(locale)(DEFAULT_TITLES[c.id]!) : c.id),
    url: (locale) => pick(c.url, locale)?.value ?? path,
    text: (locale) => pick(c.text, locale),
    changes: (locale) => pick(c.changes, locale),
    changesUrl: (locale) => pick(c.changesUrl, locale)?.value ?? (c.changes ? `${path}#changes` : undefined),
  };
}

const appliesTo = (doc: LegalDocument, clientId: string | undefined) =>
  doc.clients === undefined || (clientId !== undefined && doc.clients.includes(clientId));

const toAcceptance = (r: LegalAcceptanceRecord): Acceptance => ({
  documentId: r.documentId,
  version: r.version,
  acceptedAt: r.acceptedAt,
  source: r.source,
  ...(r.clientId ? { clientId: r.clientId } : {}),
  ...(r.ip ? { ip: r.ip } : {}),
  ...(r.userAgent ? { userAgent: r.userAgent } : {}),
});

// Client-supplied strings are bounded like the audit log's.
const MAX_FIELD = 512;
const clip = (v: string | undefined) => (v === undefined ? undefined : v.slice(0, MAX_FIELD));

export function createLegal(deps: LegalDeps): LegalService {
  const clock = deps.now ?? systemClock;
  const now = () => dateOf(clock);
  const rows = legalAcceptanceModel(deps.conn);
  const documents = deps.documents.map(toDocument);

  function inForce(clientId?: string, at: Date = now()): LegalDocument[] {
    const current = new Map<string, LegalDocument>();
    for (const doc of documents) {
      if (doc.effective > at || !appliesTo(doc, clientId)) continue;
      const seen = current.get(doc.id);
      // The latest effective time wins; on a tie the later entry (the operator's correction) does.
      if (!seen || doc.effective >= seen.effective) current.set(doc.id, doc);
    }
    return [...current.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  function find(id: string, version: string): LegalDocument | undefined {
    return documents.find((d) => d.id === id && d.version === version);
  }

  function known(docs: readonly DocumentRef[]): DocumentRef[] {
    return docs.map((d) => {
      if (!find(d.id, d.version)) throw new Error(`unknown legal document ${d.id} version ${d.version}`);
      return { id: d.id, version: d.version };
    });
  }

  return {
    documents,
    inForce,
    find,

    upcoming(clientId, at = now()) {
      return documents
        .filter((d) => d.effective > at && appliesTo(d, clientId))
        .sort((a, b) => a.effective.getTime() - b.effective.getTime() || a.id.localeCompare(b.id));
    },

    async pending(accountId, clientId) {
      const due = inForce(clientId);
      if (due.length === 0) return [];
      const accepted = await rows
        .find({ _id: { $in: due.map((d) => acceptanceId(accountId, d.id, d.version)) } }, { _id: 1 })
        .lean<{ _id: string }[]>();
      const have = new Set(accepted.map((r) => r._id));
      return due.filter((d) => !have.has(acceptanceId(accountId, d.id, d.version)));
    },

    async accept(accountId, docs, meta) {
      const refs = known(docs);
      if (refs.length === 0) return;
      const acceptedAt = meta.at ?? now();
      const recorded: DocumentRef[] = [];
      for (const ref of refs) {
        try {
          await rows.create({
            _id: acceptanceId(accountId, ref.id, ref.version),
            accountId,
            documentId: ref.id,
            version: ref.version,
            acceptedAt,
            source: meta.source,
            clientId: meta.clientId,
            ip: clip(meta.ip),
            userAgent: clip(meta.userAgent),
          });
          recorded.push(ref);
        } catch (err) {
          // Accepted already (another tab, a double submit): the first acceptance is the one on record.
          if (!isDuplicateKey(err)) throw err;
        }
      }
      if (recorded.length === 0) return;
      await deps.audit.record({
        type: 'legal.accepted',
        outcome: 'success',
        accountId,
        clientId: meta.clientId,
        ip: meta.ip,
        userAgent: meta.userAgent,
        reason: meta.source,
        details: { documents: recorded },
      });
    },

    async decline(accountId, docs, meta) {
      await deps.audit.record({
        type: 'legal.declined',
        outcome: 'failure',
        accountId,
        clientId: meta.clientId,
        ip: meta.ip,
        userAgent: meta.userAgent,
        details: { documents: known(docs) },
      });
    },

    async history(accountId) {
      const found = await rows.find({ accountId }).sort({ acceptedAt: -1, documentId: 1 }).lean<LegalAcceptanceRecord[]>();
      return found.map(toAcceptance);
    },

    async exportFor(accountId) {
      const found = await rows.find({ accountId }).sort({ acceptedAt: -1, documentId: 1 }).lean<LegalAcceptanceRecord[]>();
      return {
        acceptances: found.map((r) => ({
          document: r.documentId,
          version: r.version,
          title: find(r.documentId, r.version)?.title('en') ?? r.documentId,
          acceptedAt: r.acceptedAt,
          source: r.source,
          clientId: r.clientId ?? null,
          ip: r.ip ?? null,
          userAgent: r.userAgent ?? null,
        })),
      };
    },

    async removeAll(accountId) {
      const { deletedCount } = await rows.deleteMany({ accountId });
      return deletedCount;
    },
  };
}
