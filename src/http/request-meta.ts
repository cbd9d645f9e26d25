// Who made a request, as audit rows and session records keep it: the client address and the browser's user agent.
import type { Context } from 'koa';

/** Where a request came from, as the audit log and the throttle record it. */
export interface RequestMeta {
  ip: string;
  userAgent?: string;
}

export function requestMeta(ctx: Pick<Context, 'ip' | 'get'>): RequestMeta {
  const userAgent = ctx.get('user-agent');
  return { ip: ctx.ip, ...(userAgent ? { userAgent } : {}) };
}
