// The account center's "Other sign-in methods" (/account/connections): the identities at other providers linked to
// the account (provider, the e-mail it gave, when linked, when last used), each of which can be unlinked — after a
// recent sign-in, audited and mailed, and never the account's last way in — and the enabled providers not linked yet,
// each of which can be linked from here: after a recent sign-in, a round trip to the provider bound to this signed-in
// session (services/federation.ts accountBinding), then the same link use case as at sign-in (audited, mailed). The
// customer is signed in here, so the provider's e-mail proves nothing and is not asked for. Linking also happens at
// sign-in (src/interaction/federation.ts).
import { notFound } from '../errors.ts';
import { allowImage } from '../http/security-headers.ts';
import type { MessageKey } from '../i18n/index.ts';
import { federationError } from '../interaction/federation.ts';
import type { Connections } from '../services/connections.ts';
import { accountBinding, FederationFailure, type Federation, type FederationFailureReason } from '../services/federation.ts';
import type { Identities } from '../services/identities.ts';
import type { FederatedSignIn } from '../usecases/federated-sign-in.ts';
import { meta, seeOther, str, type AccountPages } from './pages.ts';
import { formatDate, formatTime } from './view.ts';

export interface ConnectionsDeps {
  identities: Pick<Identities, 'listForAccount'>;
  connections: Pick<Connections, 'list' | 'enabled'>;
  federation: Pick<Federation, 'begin' | 'finish'>;
  federatedSignIn: Pick<FederatedSignIn, 'unlink' | 'link'>;
}

const PATH = '/connections';
const BASE = `/account${PATH}`;

const FAILURES: readonly FederationFailureReason[] = ['denied', 'upstream_error', 'invalid_response', 'unavailable', 'expired', 'not_allowed'];
const PROBLEMS: Record<string, MessageKey> = { last: 'federation.account.lastWayIn', taken: 'federation.account.taken' };

export function connectionsRoutes(pages: AccountPages, deps: ConnectionsDeps): void {
  const { get, post, render } = pages;

  get(PATH, {}, async (ctx, account) => {
    const [linked, connections] = await Promise.all([deps.identities.listForAccount(account.accountId), deps.connections.list()]);
    const names = new Map(connections.map((c) => [c.id, c.name]));
    const named = typeof ctx.query.connection === 'string' ? (names.get(ctx.query.connection) ?? ctx.query.connection.slice(0, 40)) : '';
    const code = typeof ctx.query.problem === 'string' ? ctx.query.problem : '';
    const problem = PROBLEMS[code]
      ? { key: PROBLEMS[code], vars: { name: named } }
      : (FAILURES as readonly string[]).includes(code)
        ? federationError(code as FederationFailureReason, named)
        : null;
    const linkedIds = new Set(linked.map((i) => i.connectionId));
    const available = connections.filter((c) => c.enabled && !linkedIds.has(c.id));
    for (const c of available) if (c.icon) allowImage(ctx, c.icon);
    render(ctx, account, 'connections', 'connections', 'federation.account.title', {
      problem,
      identities: linked.map((i) => ({
        connectionId: i.connectionId,
        subject: i.subject,
        name: names.get(i.connectionId) ?? i.connectionId,
        email: i.email ?? null,
        linkedAt: formatDate(i.linkedAt, account),
        lastUsedAt: formatTime(i.lastUsedAt, account),
      })),
      // One identity per provider is linked from here; another one of the same provider still links at sign-in.
      available: available.map((c) => ({ id: c.id, name: c.name, icon: c.icon ?? null })),
      continueTo: null,
    }, problem ? (code === 'last' || code === 'taken' ? 409 : 400) : undefined);
  });

  // "Link …": a form post (CSRF-checked; a forged link could tie someone else's provider account to this one), then
  // a page with the way to the provider: a redirect after a form post would have to pass the page's form-action.
  post(`${PATH}/link`, { back: BASE, recent: true }, async (ctx, account, body) => {
    const connectionId = str(body.connection, 40);
    const connection = connectionId ? await deps.connections.enabled(connectionId) : undefined;
    if (!connection) throw notFound('No such sign-in method');
    let url: URL | undefined;
    try {
      url = await deps.federation.begin(connection.id, accountBinding(account.accountId, account.uid));
    } catch (err) {
      if (!(err instanceof FederationFailure)) throw err;
      return seeOther(ctx, `${BASE}?${new URLSearchParams({ problem: err.reason, connection: connection.id })}`);
    }
    if (!url) throw notFound('No such sign-in method');
    render(ctx, account, 'connections', 'connections', 'federation.account.title', {
      problem: null,
      identities: [],
      available: [],
      continueTo: { href: url.href, name: connection.name },
    });
  });

  // The provider's answer, handed on by the fixed callback: redeemed only for this signed-in session.
  get(`${PATH}/return`, {}, async (ctx, account) => {
    const query = new URLSearchParams(ctx.querystring);
    let identity;
    try {
      identity = await deps.federation.finish(accountBinding(account.accountId, account.uid), query);
    } catch (err) {
      if (!(err instanceof FederationFailure)) throw err;
      return seeOther(ctx, `${BASE}?${new URLSearchParams({ problem: err.reason, connection: err.connection?.id ?? '' })}`);
    }
    const { connection, subject, email, tokens } = identity;
    const linked = await deps.federatedSignIn.link(account.accountId, { connectionId: connection.id, subject, ...(email ? { email } : {}), ...(tokens ? { tokens } : {}) }, meta(ctx));
    if (!linked) return seeOther(ctx, `${BASE}?${new URLSearchParams({ problem: 'taken', connection: connection.id })}`);
    seeOther(ctx, BASE, 'federation.account.flash.linked');
  });

  post(`${PATH}/unlink`, { back: BASE, recent: true }, async (ctx, account, body) => {
    const connectionId = str(body.connection, 40);
    const subject = str(body.subject, 500);
    if (!connectionId || !subject) throw notFound('No such sign-in method');
    const outcome = await deps.federatedSignIn.unlink(account.accountId, { connectionId, subject }, meta(ctx));
    if (outcome === 'not_found') throw notFound('No such sign-in method');
    if (outcome === 'last_way_in') return seeOther(ctx, `${BASE}?problem=last`);
    seeOther(ctx, BASE, 'federation.account.flash.unlinked');
  });
}
