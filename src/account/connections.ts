// The account center's "Other sign-in methods" (/account/connections): the identities at other providers linked to
// the account (provider, the e-mail it gave, when linked, when last used), each of which can be unlinked — after a
// recent sign-in, audited and mailed, and never the account's last way in. Linking happens at sign-in
// (src/interaction/federation.ts): "Continue with …" on the login page, then the account's password once.
import { notFound } from '../errors.ts';
import type { Connections } from '../services/connections.ts';
import type { Identities } from '../services/identities.ts';
import type { FederatedSignIn } from '../usecases/federated-sign-in.ts';
import { meta, seeOther, str, type AccountPages } from './pages.ts';
import { formatDate, formatTime } from './view.ts';

export interface ConnectionsDeps {
  identities: Pick<Identities, 'listForAccount'>;
  connections: Pick<Connections, 'list'>;
  federatedSignIn: Pick<FederatedSignIn, 'unlink'>;
}

const PATH = '/connections';
const BASE = `/account${PATH}`;

export function connectionsRoutes(pages: AccountPages, deps: ConnectionsDeps): void {
  const { get, post, render } = pages;

  get(PATH, {}, async (ctx, account) => {
    const [linked, connections] = await Promise.all([deps.identities.listForAccount(account.accountId), deps.connections.list()]);
    const names = new Map(connections.map((c) => [c.id, c.name]));
    const problem = ctx.query.problem === 'last' ? 'federation.account.lastWayIn' : null;
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
    }, problem ? 409 : undefined);
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
