// The console's operators, for admins: who has which role, and the one thing changed here — letting a support
// operator search every customer for a few hours (services/operators.ts grantSearch: at most MAX_SEARCH_GRANT_HOURS,
// with a reason; audited with the admin as actor), and ending that early. Roles themselves are given with
// `ciam operators`. The grant is checked on the server for every console request of the agent (pages.ts, roles.ts).
import type { Context } from 'koa';
import { notFound } from '../errors.ts';
import { formatTime } from '../http/dates.ts';
import type { MessageKey } from '../i18n/index.ts';
import { MAX_SEARCH_GRANT_HOURS } from '../services/operators.ts';
import type { ConsoleDeps } from './deps.ts';
import { actorOf, seeOther, type Body, type ConsolePages, type Operator } from './pages.ts';

const HOURS = Array.from({ length: MAX_SEARCH_GRANT_HOURS }, (_, i) => i + 1);
const MAX_ID = 100;
const operatorPath = (id: string) => `/console/operators/${encodeURIComponent(id)}`;

interface Refused {
  id: string;
  hours: string;
  reason: string;
  error: MessageKey;
}

export function operatorRoutes(pages: ConsolePages, deps: Pick<ConsoleDeps, 'operators' | 'users'>): void {
  const { get, post, render } = pages;

  const page = async (ctx: Context, op: Operator, refused?: Refused) => {
    const operators = await deps.operators.list();
    const time = (d: Date) => formatTime(d, op.account);
    const rows = await Promise.all(
      operators.map(async (o) => {
        const user = await deps.users.findById(o.accountId);
        const grantor = o.searchGrant ? await deps.users.findById(o.searchGrant.grantedBy) : null;
        return {
          id: o.accountId,
          email: user?.email ?? o.accountId,
          name: user?.name ?? '',
          role: o.role,
          grant: o.searchGrant ? { until: time(o.searchGrant.until), reason: o.searchGrant.reason, by: grantor?.email ?? o.searchGrant.grantedBy } : null,
          action: `${operatorPath(o.accountId)}/search`,
          form: refused?.id === o.accountId ? refused : { hours: '2', reason: '', error: null },
        };
      }),
    );
    render(ctx, op, 'operators', {
      section: 'operators',
      title: 'console.operators.title',
      ...(refused ? { status: 400 } : {}),
      data: { operators: rows, hours: HOURS, max: MAX_SEARCH_GRANT_HOURS },
    });
  };

  get('/operators', { permission: 'operators.grant' }, (ctx, op) => page(ctx, op));

  const support = async (id: unknown) => {
    const found = typeof id === 'string' && id.length <= MAX_ID ? (await deps.operators.list()).find((o) => o.accountId === id) : undefined;
    if (!found) throw notFound('No such operator');
    return found;
  };
  const changer = (ctx: Context, op: Operator) => {
    const actor = actorOf(ctx, op);
    return { source: 'console' as const, ...(actor.operatorId ? { operatorId: actor.operatorId } : {}), ...(actor.ip ? { ip: actor.ip } : {}), ...(actor.userAgent ? { userAgent: actor.userAgent } : {}) };
  };

  post('/operators/:id/search', { permission: 'operators.grant', back: () => '/console/operators' }, async (ctx, op, body: Body) => {
    const target = await support(ctx.params.id);
    const hours = typeof body.hours === 'string' ? body.hours.trim().slice(0, 4) : '';
    const reason = typeof body.reason === 'string' ? body.reason.slice(0, 1000) : '';
    const granted = await deps.operators.grantSearch(target.accountId, { hours: /^\d+$/.test(hours) ? Number(hours) : NaN, reason }, changer(ctx, op));
    if (!granted.ok) return page(ctx, op, { id: target.accountId, hours, reason: reason.trim(), error: `console.operators.error.${granted.reason}` });
    seeOther(ctx, '/console/operators', 'console.flash.searchGranted');
  });

  post('/operators/:id/search/revoke', { permission: 'operators.grant', back: () => '/console/operators' }, async (ctx, op) => {
    const target = await support(ctx.params.id);
    const revoked = await deps.operators.revokeSearch(target.accountId, changer(ctx, op));
    seeOther(ctx, '/console/operators', revoked ? 'console.flash.searchRevoked' : 'console.flash.searchNotActive');
  });
}
