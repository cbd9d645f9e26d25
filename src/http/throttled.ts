// A request refused for too many attempts, on whichever page it came from: 429 with Retry-After, and the message
// (in the page's language) that says how long to wait.
import type { Context } from 'koa';

export const THROTTLED_STATUS = 429;

/** Sets Retry-After and returns the message to show: 'throttle.retry' with its {seconds}. */
export function throttled(ctx: Context, retryAfterSeconds: number): { key: 'throttle.retry'; vars: { seconds: string } } {
  ctx.set('Retry-After', String(retryAfterSeconds));
  return { key: 'throttle.retry', vars: { seconds: String(retryAfterSeconds) } };
}
