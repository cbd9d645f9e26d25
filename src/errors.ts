// One error family for our own code: an HTTP status, a stable code and a message that is safe to show.
// oidc-provider's errors are rendered by its renderError; these by the Koa error middleware.
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  readonly expose = true;
  readonly details?: Record<string, unknown>;

  constructor(status: number, code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'AppError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export const badRequest = (message: string, details?: Record<string, unknown>) =>
  new AppError(400, 'invalid_request', message, details);
export const notFound = (message = 'Not found') => new AppError(404, 'not_found', message);
export const conflict = (message: string) => new AppError(409, 'conflict', message);
export const forbidden = (message = 'Forbidden') => new AppError(403, 'forbidden', message);

export function assertThat(condition: unknown, error: AppError): asserts condition {
  if (!condition) throw error;
}
