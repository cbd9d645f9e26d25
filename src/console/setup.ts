// What the platform is set up with, read in one place: the connections (other providers to sign in with; never a
// secret), the versioned legal documents (in force or announced, what changed, which apps ask for them) and the
// communication topics customers choose from. Connections are changed here by admins (connections.ts) or with the API
// and the CLI; documents and topics in the configuration (LEGAL_DOCUMENTS, COMMUNICATION_TOPICS).
import { formatTime } from '../http/dates.ts';
import type { ConsoleDeps } from './deps.ts';
import type { ConsolePages } from './pages.ts';
import { connectionPath } from './connections.ts';
import { may } from './roles.ts';

/** A localised configuration text in the reader's language, else English, else the first there is. */
const inLocale = (text: Readonly<Record<string, string>> | undefined, locale: string): string =>
  text ? (text[locale] ?? text.en ?? Object.values(text)[0] ?? '') : '';

export function setupRoutes(pages: ConsolePages, deps: Pick<ConsoleDeps, 'connections' | 'config'>): void {
  pages.get('/setup', { permission: 'setup.read' }, async (ctx, op) => {
    const locale = op.account.locale;
    const now = Date.now();
    const connections = await deps.connections.list();
    const mayWrite = may(op.role, 'connections.write');
    const documents = [...deps.config.legal.documents].sort((a, b) => a.id.localeCompare(b.id) || a.effective.getTime() - b.effective.getTime());
    // In force: per document id, the latest version whose effective time has passed.
    const inForce = new Map<string, string>();
    for (const d of documents) if (d.effective.getTime() <= now) inForce.set(d.id, d.version);
    pages.render(ctx, op, 'setup', {
      section: 'setup',
      title: 'console.setup.title',
      data: {
        connections: connections.map((c) => ({
          id: c.id, name: c.name, protocol: c.protocol, issuer: c.issuer, enabled: c.enabled !== false, allowSignup: c.allowSignup, trustEmail: c.trustEmail,
          href: mayWrite ? connectionPath(c.id) : null,
          toggle: mayWrite ? `${connectionPath(c.id)}/enabled` : null,
        })),
        newConnection: mayWrite ? '/console/connections/new' : null,
        documents: documents.map((d) => ({
          id: d.id,
          version: d.version,
          title: inLocale(d.title, locale) || d.id,
          effective: formatTime(d.effective, op.account),
          state: inForce.get(d.id) === d.version ? 'inForce' : d.effective.getTime() > now ? 'upcoming' : 'superseded',
          changes: inLocale(d.changes, locale),
          clients: d.clients?.join(', ') ?? '',
        })),
        topics: deps.config.preferences.topics.map((t) => ({ id: t.id, title: inLocale(t.title, locale), channels: t.channels.join(', '), signup: t.signup })),
      },
    });
  });
}
