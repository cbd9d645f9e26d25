// The account center's "Terms and policies" (/account/legal): the documents in force for this customer — every app's
// and those of the apps they accepted a document for — with whether the version in force is accepted, versions
// announced ahead, and the full history of acceptances (document, version, time, app, where).
import type Provider from 'oidc-provider';
import type { LegalDocument, LegalService } from '../services/legal.ts';
import type { AccountPages } from './pages.ts';
import { formatDate, formatTime } from './view.ts';
import { documentLink, formatDay } from '../interaction/legal.ts';

export interface LegalPageDeps {
  provider: () => Provider;
  legal: Pick<LegalService, 'inForce' | 'upcoming' | 'history' | 'find'>;
}

/** Display names of clients (a deleted client keeps its id). */
async function clientNames(provider: Provider, ids: Iterable<string>): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const id of new Set(ids)) {
    // Display only: a client deleted since (undefined) or whose stored registration no longer validates (throws) is
    // shown by its id rather than failing the customer's page.
    const client = await provider.Client.find(id).catch(() => undefined);
    const name = client?.clientName;
    names.set(id, typeof name === 'string' && name.trim() ? name : id);
  }
  return names;
}

export function legalRoutes(pages: AccountPages, deps: LegalPageDeps): void {
  const { get, render } = pages;

  get('/legal', {}, async (ctx, account) => {
    const { locale } = account;
    const history = await deps.legal.history(account.accountId);
    // Every app's documents, plus the documents of the apps this customer accepted one through.
    const apps = [...new Set(history.map((h) => h.clientId).filter((c): c is string => c !== undefined))];
    const byKey = new Map<string, LegalDocument>();
    const upcoming = new Map<string, LegalDocument>();
    for (const clientId of [undefined, ...apps]) {
      for (const doc of deps.legal.inForce(clientId)) byKey.set(`${doc.id}\u0000${doc.version}`, doc);
      for (const doc of deps.legal.upcoming(clientId)) upcoming.set(`${doc.id}\u0000${doc.version}`, doc);
    }
    const current = [...byKey.values()].sort((a, b) => a.id.localeCompare(b.id) || a.version.localeCompare(b.version));
    const names = await clientNames(deps.provider(), [...apps, ...current.flatMap((d) => d.clients ?? [])]);

    render(ctx, account, 'legal', 'legal', 'legal.account.title', {
      documents: current.map((doc) => {
        const accepted = history.find((h) => h.documentId === doc.id && h.version === doc.version);
        return {
          ...documentLink(doc, locale),
          effective: formatDay(doc.effective, locale),
          accepted: accepted ? formatDate(accepted.acceptedAt, account) : null,
          apps: doc.clients ? doc.clients.map((c) => names.get(c) ?? c).join(', ') : null,
        };
      }),
      upcoming: [...upcoming.values()].map((doc) => ({ ...documentLink(doc, locale), date: formatDay(doc.effective, locale) })),
      history: history.map((h) => ({
        title: deps.legal.find(h.documentId, h.version)?.title(locale) ?? h.documentId,
        url: deps.legal.find(h.documentId, h.version)?.url(locale) ?? null,
        version: h.version,
        time: formatTime(h.acceptedAt, account),
        iso: h.acceptedAt.toISOString(),
        app: h.clientId ? (names.get(h.clientId) ?? h.clientId) : null,
        source: h.source === 'signup' ? 'legal.account.source.signup' : 'legal.account.source.login',
      })),
    });
  });
}
