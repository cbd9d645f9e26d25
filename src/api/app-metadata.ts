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
import { bodyParser } from '@koa/bodyparser';
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

export const API_PREFIX = '/api/v1';
export const READ_SCOPE = 'app_metadata:read';
export const WRITE_SCOPE = 'app_metadata:write';
export const BODY_LIMIT = '64kb';

/** The resource indicator (and audience) of the provider's own API. */
export const apiAudience = (issuer: string) => `${issuer.replace(/\/+$/, '')}/api`;

export interface AppMetadataApiDeps {
  provider: () => Provider;
  appMetadata: AppMetadata;
  hasGrant: (accountId: string, clientId: string) => Promise<boolean>;
  /** The account a pairwise app means by its `sub` (services/pairwise.ts). */
  subjects: Pick<PairwiseSubjects, 'accountOf'>;
  audit: Pick<AuditLog, 'record'>;
  logger: Logger;
}

interface Caller {
  clientId: string;
  scopes: Set<string>;
  /** Set for an app registered with subject_type=pairwise: its sector, which its `sub` values belong to. */
  sector?: string;
}

// RFC 6750 b64token; bounded, so that no lookup is made for something that cannot be one of our tokens.
const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]{1,512}=*)$/i;
const quote = (s: string) => s.replace(/[\\"]/g, '');

function unauthorized(realm: string, description?: string): AppError {
  // Without credentials the challenge carries no error code (RFC 6750 §3.1); with bad ones it says invalid_token.
  const challenge = description
    ? `Bearer realm="${quote(realm)}", error="invalid_token", error_description="${quote(description)}"`
    : `Bearer realm="${quote(realm)}"`;
  return new AppError(401, 'invalid_token', description ?? 'A bearer access token is required', { challenge });
}

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

// Not strict: a body of "text" or 42 is then refused by the service with "must be a JSON object", which says more than
// "invalid JSON".
const parseJson = bodyParser({ enableTypes: ['json'], jsonLimit: BODY_LIMIT, jsonStrict: false, encoding: 'utf-8' });

async function jsonBody(ctx: Context): Promise<unknown> {
  if (!ctx.is('application/json')) {
    throw new AppError(415, 'unsupported_media_type', 'The body must be a JSON object sent as application/json');
  }
  try {
    await parseJson(ctx, async () => {});
  } catch (err) {
    if ((err as { status?: unknown }).status === 413) {
      throw new AppError(413, 'payload_too_large', `The request body must not exceed ${BODY_LIMIT}`);
    }
    throw new AppError(400, 'invalid_request', 'The body is not valid JSON');
  }
  return ctx.request.body;
}

export function appMetadataRouter(deps: AppMetadataApiDeps): Router {
  const { appMetadata, hasGrant, audit, logger } = deps;
  const router = new Router({ prefix: API_PREFIX });

  async function authenticate(ctx: Context): Promise<Caller> {
    const provider = deps.provider();
    const audience = apiAudience(provider.issuer);
    const header = ctx.get('authorization');
    if (!header) throw unauthorized(audience);
    const match = BEARER.exec(header);
    if (!match?.[1]) throw unauthorized(audience, 'The Authorization header must be "Bearer <access token>"');
    const token = await provider.ClientCredentials.find(match[1]);
    if (!token || token.isExpired) throw unauthorized(audience, 'The access token is invalid or has expired');
    const aud = (token as { aud?: unknown }).aud;
    if (!(Array.isArray(aud) ? aud.includes(audience) : aud === audience)) {
      throw unauthorized(audience, 'The access token was not issued for this API');
    }
    // A DPoP- or certificate-bound token is only good with its proof, which this API does not verify.
    if (token.isSenderConstrained()) throw unauthorized(audience, 'Sender-constrained access tokens are not accepted here');
    const client = token.clientId ? await provider.Client.find(token.clientId) : undefined;
    if (!token.clientId || !client) {
      throw unauthorized(audience, 'The client of this access token no longer exists');
    }
    const sector = client.subjectType === 'pairwise' ? client.sectorIdentifier : undefined;
    return { clientId: token.clientId, scopes: token.scopes, ...(typeof sector === 'string' ? { sector } : {}) };
  }

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
        throw new AppError(403, 'insufficient_scope', `The access token lacks the scope ${scope}`, {
          challenge: `Bearer realm="${apiAudience(deps.provider().issuer)}", error="insufficient_scope", scope="${scope}"`,
        });
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
