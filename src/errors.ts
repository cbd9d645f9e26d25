// One error family for our own code, pages and APIs alike: an HTTP status, a stable code, and a message that is
// safe to show. Every code has its sentence in the message catalogues (ERROR_MESSAGES): a page shows that sentence
// in the customer's language, with the English message folded away as the technical detail; an API answers the code
// and the message (JSON). oidc-provider's errors are rendered by its renderError; these by src/http/errors.ts.
import type { MessageKey } from './i18n/index.ts';

/** Each code our errors carry, with the translated sentence a page shows for it. */
export const ERROR_MESSAGES = {
  invalid_request: 'error.invalidRequest',
  not_found: 'error.notFound',
  conflict: 'error.conflict',
  forbidden: 'error.forbidden',
  invalid_token: 'error.unauthorized',
  insufficient_scope: 'error.forbidden',
  csrf_failed: 'error.csrf',
  payload_too_large: 'error.tooLarge',
  malformed_body: 'error.malformed',
  unsupported_media_type: 'error.mediaType',
  // The provider's configuration asks for a page we do not have: our fault, said as such.
  unsupported_prompt: 'error.server',
} as const satisfies Record<string, MessageKey>;

export type ErrorCode = keyof typeof ERROR_MESSAGES;

// Codes whose sentence says all there is: their English message is not shown on pages as a detail.
const SAID_IN_FULL: ReadonlySet<ErrorCode> = new Set(['not_found', 'csrf_failed', 'payload_too_large', 'malformed_body', 'unsupported_media_type', 'unsupported_prompt']);

export class AppError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly expose = true;
  readonly details?: Record<string, unknown>;
  /** RFC 6750 `WWW-Authenticate` challenge of an API's 401/403. */
  readonly challenge?: string;

  constructor(status: number, code: ErrorCode, message: string, opts: { details?: Record<string, unknown>; challenge?: string } = {}) {
    super(message);
    this.name = 'AppError';
    this.status = status;
    this.code = code;
    if (opts.details) this.details = opts.details;
    if (opts.challenge) this.challenge = opts.challenge;
  }

  /** The sentence a page shows for this error (the catalogues translate it). */
  get messageKey(): MessageKey {
    return ERROR_MESSAGES[this.code];
  }

  /** What a page folds away under "Details" (English, for developers and support), where it adds to the sentence. */
  get detail(): string | undefined {
    return SAID_IN_FULL.has(this.code) ? undefined : this.message;
  }
}

export const badRequest = (message: string, details?: Record<string, unknown>) =>
  new AppError(400, 'invalid_request', message, details ? { details } : {});
export const notFound = (message = 'Not found') => new AppError(404, 'not_found', message);
export const conflict = (message: string) => new AppError(409, 'conflict', message);
export const forbidden = (message = 'Forbidden') => new AppError(403, 'forbidden', message);

export function assertThat(condition: unknown, error: AppError): asserts condition {
  if (!condition) throw error;
}
