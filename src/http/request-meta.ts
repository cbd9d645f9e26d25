// Who made a request, as audit rows and session records keep it: the client address and the browser's user agent.
import type { Context } from 'koa';

export function requestMeta(ctx: Pick<Context, 'ip' | 'get'>): { ip: string; userAgent?: string } {
  const userAgent = ctx.get('user-agent');
  return { ip: ctx.ip, ...(userAgent ? { userAgent } : {}) };
}
