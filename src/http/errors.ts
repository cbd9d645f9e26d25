// The one Koa error middleware for everything outside oidc-provider's own endpoints (which render through
// providerPages().renderError). Every failure becomes a page in the user's language, or JSON for clients that
// ask for it: our AppErrors with their safe message, an expired interaction as "please start again", an
// unreachable database as 503 "temporarily unavailable", anything unexpected as a 500 with a reference to
// quote. Stack traces go to the log, never to the user.
import type { Context, Middleware } from 'koa';
import { errors } from 'oidc-provider';
import { AppError } from '../errors.ts';
import { pickLocale, type MessageKey } from '../i18n/index.ts';
import type { Logger } from '../log.ts';
import { isDatabaseUnavailable } from './db-errors.ts';
import { pageState } from './state.ts';
import { renderPage } from './views.ts';

export type Failure =
  | { kind: 'expired'; status: number }
  | { kind: 'unavailable'; status: 503 }
  | { kind: 'error'; status: number; code: string; message: MessageKey; detail?: string; unexpected?: boolean };

export const RETRY_AFTER_SECONDS = '5';

const STATUS_MESSAGES: Record<number, MessageKey> = { 404: 'error.notFound', 413: 'error.tooLarge', 415: 'error.mediaType' };

export function isSessionNotFound(err: unknown): boolean {
  return err instanceof errors.SessionNotFound || (err instanceof Error && err.name === 'SessionNotFound');
}

export function classify(err: unknown): Failure {
  if (err instanceof AppError) {
    // The sentence of the code, translated; the English message, where it says more, as the folded detail.
    const { detail } = err;
    return { kind: 'error', status: err.status, code: err.code, message: err.messageKey, ...(detail ? { detail } : {}) };
  }
  if (isSessionNotFound(err)) return { kind: 'expired', status: 400 };
  if (isDatabaseUnavailable(err)) return { kind: 'unavailable', status: 503 };
  if (err instanceof errors.OIDCProviderError && err.expose) {
    return { kind: 'error', status: err.statusCode, code: err.error, message: 'error.lead', detail: err.error_description };
  }
  // Errors from Koa itself and its helpers (http-errors): a client error whose message is meant to be shown.
  const status = (err as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500 && (err as { expose?: unknown }).expose === true) {
    return { kind: 'error', status, code: 'invalid_request', message: STATUS_MESSAGES[status] ?? 'error.lead' };
  }
  return { kind: 'error', status: 500, code: 'server_error', message: 'error.server', unexpected: true };
}

const JSON_DESCRIPTIONS = {
  expired: 'The sign-in session has expired or was already used; start again from the application',
  unavailable: 'The service is temporarily unavailable; try again shortly',
};

function respondJson(ctx: Context, failure: Failure, requestId: string | undefined, safeMessage: string | undefined) {
  ctx.status = failure.status;
  const body =
    failure.kind === 'expired'
      ? { error: 'session_not_found', error_description: JSON_DESCRIPTIONS.expired }
      : failure.kind === 'unavailable'
        ? { error: 'temporarily_unavailable', error_description: JSON_DESCRIPTIONS.unavailable }
        : { error: failure.code, ...(safeMessage ? { error_description: safeMessage } : {}) };
  ctx.body = { ...body, ...(requestId ? { request_id: requestId } : {}) };
}

export function respondWithFailure(ctx: Context, failure: Failure, err?: unknown): void {
  const state = pageState(ctx);
  const requestId = state.requestId;
  ctx.remove('Location');
  if (failure.kind === 'unavailable') ctx.set('Retry-After', RETRY_AFTER_SECONDS);

  if (ctx.accepts('html', 'json') === 'json') {
    const safe = failure.kind === 'error' && !failure.unexpected ? (failure.detail ?? safeMessageOf(err)) : undefined;
    respondJson(ctx, failure, requestId, safe);
    return;
  }

  const locale = state.locale ?? pickLocale(ctx.query.ui_locales, ctx.get('accept-language'));
  if (failure.kind === 'expired') {
    const signedIn = state.signedIn === true;
    renderPage(ctx, 'expired', { locale, status: failure.status, ...(signedIn ? { title: 'expired.signedIn.title' } : {}), data: { client: state.client ?? null, signedIn } });
  } else if (failure.kind === 'unavailable') {
    renderPage(ctx, 'unavailable', { locale, status: 503, data: { requestId: requestId ?? null } });
  } else {
    const retryUrl = failure.status >= 400 && failure.status < 500 && failure.status !== 404 ? state.retryUrl : undefined;
    renderPage(ctx, 'error', {
      locale,
      status: failure.status,
      data: {
        message: failure.message,
        detail: failure.detail ?? null,
        code: failure.code,
        requestId: requestId ?? null,
        retryUrl: retryUrl ?? null,
      },
    });
  }
}

function safeMessageOf(err: unknown): string | undefined {
  return err instanceof AppError ? err.message : undefined;
}

function log(logger: Logger, ctx: Context, failure: Failure, err: unknown): void {
  const requestId = pageState(ctx).requestId;
  const where = { requestId, method: ctx.method, path: ctx.path, status: failure.status };
  if (failure.kind === 'unavailable') {
    // The outage itself is logged once, when it starts (src/db/availability.ts).
    logger.debug({ ...where, err: { name: (err as Error).name, message: (err as Error).message } }, 'database unavailable');
  } else if (failure.status >= 500) {
    logger.error({ ...where, err }, 'request failed');
  } else if (failure.status === 404) {
    logger.debug({ ...where }, 'not found');
  } else {
    logger.info({ ...where, code: failure.kind === 'error' ? failure.code : 'session_not_found' }, 'request rejected');
  }
}

export function errorHandler(deps: { logger: Logger }): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      // Nothing downstream answered: show a page rather than Koa's bare "Not Found".
      if (ctx.status === 404 && ctx.body == null && ctx.respond !== false && !ctx.headerSent) {
        respondWithFailure(ctx, { kind: 'error', status: 404, code: 'not_found', message: 'error.notFound' });
      }
    } catch (err) {
      // Once bytes are on the wire there is no page to show; Koa closes the response and logs.
      if (ctx.headerSent || !ctx.writable) throw err;
      const failure = classify(err);
      log(deps.logger, ctx, failure, err);
      respondWithFailure(ctx, failure, err);
    }
  };
}
