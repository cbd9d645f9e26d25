// The management API's errors as RFC 9457 problem details (application/problem+json): `type` about:blank with the
// status's `title`, the reason in `detail`, our stable `code` (the one error family, src/errors.ts), and for a
// request that does not match its schema the `errors` found (where, what). 401 and 403 carry the RFC 6750 challenge.
import { STATUS_CODES } from 'node:http';
import type { Middleware } from 'koa';
import { z } from 'zod';
import { AppError } from '../../errors.ts';
import { classify, RETRY_AFTER_SECONDS } from '../../http/errors.ts';
import type { Logger } from '../../log.ts';

export const PROBLEM_TYPE = 'application/problem+json';

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    code: z.string(),
    errors: z.array(z.object({ at: z.string(), message: z.string() })).optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' });

export type Problem = z.infer<typeof problemSchema>;

/** A request that did not match its schema: 400 with each problem and where it is. */
export function invalidRequest(where: 'path' | 'query' | 'body', error: z.ZodError): AppError {
  const errors = error.issues.slice(0, 20).map((i) => ({ at: [where, ...i.path.map(String)].join('.'), message: i.message }));
  return new AppError(400, 'invalid_request', `The request's ${where} does not match this operation`, { details: { errors } });
}

const problem = (status: number, code: string, detail?: string, errors?: Problem['errors']): Problem => ({
  type: 'about:blank',
  title: STATUS_CODES[status] ?? 'Error',
  status,
  ...(detail ? { detail } : {}),
  code,
  ...(errors ? { errors } : {}),
});

export function problemErrors(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      ctx.remove('Location');
      let body: Problem;
      if (err instanceof AppError) {
        if (err.challenge) ctx.set('WWW-Authenticate', err.challenge);
        body = problem(err.status, err.code, err.message, err.details?.errors as Problem['errors']);
      } else {
        const failure = classify(err);
        if (failure.kind === 'unavailable') {
          ctx.set('Retry-After', RETRY_AFTER_SECONDS);
          body = problem(503, 'temporarily_unavailable', 'The service is temporarily unavailable; try again shortly');
        } else if (failure.kind === 'error' && !failure.unexpected) {
          body = problem(failure.status, failure.code, (err as Error).message || undefined);
        } else {
          logger.error({ err, requestId: ctx.state.requestId }, 'management API failed');
          body = problem(500, 'server_error', 'An unexpected error occurred');
        }
      }
      ctx.status = body.status;
      ctx.body = body;
      ctx.type = PROBLEM_TYPE;
    }
  };
}
