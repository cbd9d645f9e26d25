// Errors that mean "the database cannot be reached right now" (as opposed to a bug or bad data): they deserve a
// 503 "try again shortly" page, not a 500.
const UNAVAILABLE = new Set([
  'MongoServerSelectionError',
  'MongooseServerSelectionError',
  'MongoNetworkError',
  'MongoNetworkTimeoutError',
  'MongoNotConnectedError',
  'MongoTopologyClosedError',
  'MongoPoolClearedError',
  'MongoServerClosedError',
]);

const MAX_DEPTH = 5;

export function isDatabaseUnavailable(err: unknown): boolean {
  let current: unknown = err;
  // Libraries (oidc-provider included) wrap what they catch; the driver's error may sit a few causes deep.
  for (let depth = 0; depth < MAX_DEPTH && current instanceof Error; depth += 1) {
    if (UNAVAILABLE.has(current.name)) return true;
    // mongoose queues operations while disconnected and gives up with this message.
    if (current.name === 'MongooseError' && /buffering timed out/.test(current.message)) return true;
    current = current.cause;
  }
  return false;
}
