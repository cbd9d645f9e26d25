// Finding a customer by their support code (issue 16): the customer makes a code in the account center and reads it
// out; the agent types it here and lands on that customer's page — the only way a support agent finds anyone (roles.ts).
// The look-up is the support-codes service's: a code works once, wrong ones block the agent, both sides are audited.
import { requestMeta } from '../http/request-meta.ts';
import type { MessageKey } from '../i18n/index.ts';
import { normaliseSupportCode } from '../services/support-codes.ts';
import type { ConsoleDeps } from './deps.ts';
import { customerPath } from './lookup.ts';
import { seeOther, type ConsolePages } from './pages.ts';

const MAX_TYPED = 20;

export function supportCodeRoutes(pages: ConsolePages, deps: Pick<ConsoleDeps, 'supportCodes'>): void {
  const { get, post, render } = pages;

  const page = (ctx: Parameters<ConsolePages['render']>[0], op: Parameters<ConsolePages['render']>[1], form: { code?: string; error?: MessageKey; minutes?: number }, status?: number) =>
    render(ctx, op, 'code', {
      section: 'code',
      title: 'console.code.title',
      ...(status ? { status } : {}),
      data: { code: form.code ?? '', error: form.error ?? null, minutes: form.minutes ?? null },
    });

  get('/code', { permission: 'customers.code' }, (ctx, op) => page(ctx, op, {}));

  post('/code', { permission: 'customers.code', back: () => '/console/code' }, async (ctx, op, body) => {
    const typed = typeof body.code === 'string' ? body.code.slice(0, MAX_TYPED) : '';
    if (!/^\d{6}$/.test(normaliseSupportCode(typed))) return page(ctx, op, { code: typed, error: 'console.code.error.format' }, 400);
    const { ip, userAgent } = requestMeta(ctx);
    const found = await deps.supportCodes.lookup(typed, { accountId: op.account.accountId, ip: ip ?? '', ...(userAgent ? { userAgent } : {}) });
    if (found.ok) return seeOther(ctx, customerPath(found.accountId));
    if (found.reason === 'throttled') return page(ctx, op, { code: '', error: 'console.code.error.throttled', minutes: Math.ceil(found.retryAfterSeconds / 60) }, 429);
    page(ctx, op, { code: typed, error: 'console.code.error.unknown' }, 400);
  });
}
