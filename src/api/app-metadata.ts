// The application-metadata API: an app's back end reads and writes what it keeps about one of its users.
//
//   GET    /api/v1/users/:sub/app-metadata   scope app_metadata:read    -> 200 the object ({} when none)
//   PUT    /api/v1/users/:sub/app-metadata   scope app_metadata:write   JSON object -> 200 the stored object
//   DELETE /api/v1/users/:sub/app-metadata   scope app_metadata:write   -> 204
//
// Authorization: Bearer <opaque access token from client_credentials for the resource `${issuer}/api`>. The token's
// client is the only app whose record is touched, and only for users who have a grant with that app; anyone else
// is answered 404 exactly like an unknown user, so an app cannot probe which accounts exist. Errors are JSON
// {error, error_description}, with WWW-Authenticate on 401 and 403 (RFC 6750).
import Router from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import type Provider from 'oidc-provider';
import { AppError } from '../errors.ts';
import { classify, RETRY_AFTER_SECONDS } from '../http/errors.ts';
import type { Logger } from '../log.ts';
import type { AppMetadata } from '../services/app-metadata.ts';
import type { AuditLog } from '../services/audit.ts';
import { requestMeta } from '../http/request-meta.ts';
import type { PairwiseSubjects } from '../services/pairwise.ts';
import { apiAudience, authenticateCaller, insufficientScope, type ApiCaller } from './bearer.ts';
import { jsonBody } from './json-body.ts';

export { BODY_LIMIT } from './json-body.ts';

export const API_PREFIX = '/api/v1';
export const READ_SCOPE = 'app_metadata:read';
export const WRITE_SCOPE = 'app_metadata:write';

export { apiAudience } from './bearer.ts';

export interface AppMetadataApiDeps {
  provider: () => Provider;
  appMetadata: AppMetadata;
  hasGrant: (accountId: string, clientId: string) => Promise<boolean>;
  /** The account a pairwise app means by its `sub` (services/pairwise.ts). */
  subjects: Pick<PairwiseSubjects, 'accountOf'>;
  audit: Pick<AuditLog, 'record'>;
  logger: Logger;
}

type Caller = ApiCaller;

const notFound = () => new AppError(404, 'not_found', 'No such user');

function renderErrors(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      ctx.remove('Location');
      if (err instanceof AppError) {
        ctx.status = err.status;
        if (err.challenge) ctx.set('WWW-Authenticate', err.challenge);
        ctx.body = { error: err.code, error_description: err.message };
        return;
      }
      const failure = classify(err);
      ctx.status = failure.status;
      if (failure.kind === 'unavailable') {
        ctx.set('Retry-After', RETRY_AFTER_SECONDS);
        ctx.body = { error: 'temporarily_unavailable', error_description: 'The service is temporarily unavailable; try again shortly' };
      } else if (failure.kind === 'error' && !failure.unexpected) {
        ctx.body = { error: failure.code, error_description: (err as Error).message ?? 'Bad request' };
      } else {
        logger.error({ err, requestId: ctx.state.requestId }, 'app metadata API failed');
        ctx.body = { error: 'server_error', error_description: 'An unexpected error occurred' };
      }
    }
  };
}

export function appMetadataRouter(deps: AppMetadataApiDeps): Router {
  const { appMetadata, hasGrant, audit, logger } = deps;
  const router = new Router({ prefix: API_PREFIX });

  const authenticate = (ctx: Context): Promise<Caller> => authenticateCaller(ctx, deps.provider());

  // Authentication, then scope, then the grant: a caller learns whether a user exists only with a token allowed
  // to ask, and even then only for its own users.
  const authorize =
    (scope: string): Middleware =>
    async (ctx: Context, next: Next) => {
      const caller = await authenticate(ctx);
      const sub = ctx.params.sub ?? '';
      const meta = { clientId: caller.clientId, ...requestMeta(ctx) };
      if (!caller.scopes.has(scope)) {
        await audit.record({ type: 'app_metadata.denied', outcome: 'failure', ...meta, reason: 'insufficient_scope', details: { scope } });
        throw insufficientScope(apiAudience(deps.provider().issuer), scope);
      }
      // A pairwise app names the customer by the identifier it was given; everyone else by the account id.
      const accountId = caller.sector ? deps.subjects.accountOf(sub, caller.sector) : sub;
      if (!accountId || accountId.length > 200 || !(await hasGrant(accountId, caller.clientId))) {
        await audit.record({ type: 'app_metadata.denied', outcome: 'failure', ...meta, reason: 'no_grant' });
        throw notFound();
      }
      ctx.state.apiCaller = caller;
      ctx.state.apiAccountId = accountId;
      return next();
    };

  const callerOf = (ctx: Context) => ctx.state.apiCaller as Caller;
  const accountOf = (ctx: Context) => ctx.state.apiAccountId as string;
  const path = '/users/:sub/app-metadata';

  router.use(path, renderErrors(logger));

  router.get(path, authorize(READ_SCOPE), async (ctx) => {
    ctx.body = (await appMetadata.get(accountOf(ctx), callerOf(ctx).clientId)) ?? {};
  });

  router.put(path, authorize(WRITE_SCOPE), async (ctx) => {
    const body = await jsonBody(ctx);
    ctx.body = await appMetadata.set(accountOf(ctx), callerOf(ctx).clientId, body);
  });

  router.delete(path, authorize(WRITE_SCOPE), async (ctx) => {
    await appMetadata.remove(accountOf(ctx), callerOf(ctx).clientId);
    ctx.status = 204;
  });

  return router;
}
