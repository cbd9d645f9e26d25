// One JSON log line per request with its id, method, path (never the query string: it can carry codes and tokens),
// status and duration. Cookies, Authorization headers and bodies are never logged.
import type { Middleware } from 'koa';
import type { Logger } from '../log.ts';

export function requestLogger(logger: Logger): Middleware {
  return async (ctx, next) => {
    const started = performance.now();
    const log = logger.child({ reqId: ctx.state.requestId as string | undefined });
    ctx.state.log = log;
    try {
      await next();
    } finally {
      const ms = Math.round((performance.now() - started) * 10) / 10;
      const level = ctx.status >= 500 ? 'error' : 'info';
      // Health probes hit every few seconds; logging them at info would bury everything else.
      if (ctx.path === '/healthz' || ctx.path === '/readyz') {
        log.debug({ method: ctx.method, path: ctx.path, status: ctx.status, ms }, 'request');
      } else {
        log[level]({ method: ctx.method, path: ctx.path, status: ctx.status, ms, ip: ctx.ip }, 'request');
      }
    }
  };
}
