// One JSON log line per request with its id, method, path (never the query string: it can carry codes and tokens),
// status and duration. Cookies, Authorization headers and bodies are never logged.
import type { Middleware } from 'koa';
import type { Logger } from '../log.ts';

export function requestLogger(logger: Logger): Middleware {
  return async (ctx, next) => {
    const started = performance.now();
    // The id as a field of the line (what a child logger would bind, without making one per request).
    const reqId = ctx.state.requestId as string | undefined;
    try {
      await next();
    } finally {
      const ms = Math.round((performance.now() - started) * 10) / 10;
      const level = ctx.status >= 500 ? 'error' : 'info';
      // Health probes hit every few seconds; logging them at info would bury everything else.
      if (ctx.path === '/healthz' || ctx.path === '/readyz') {
        logger.debug({ reqId, method: ctx.method, path: ctx.path, status: ctx.status, ms }, 'request');
      } else {
        logger[level]({ reqId, method: ctx.method, path: ctx.path, status: ctx.status, ms, ip: ctx.ip }, 'request');
      }
    }
  };
}
