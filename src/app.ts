// Composition root: configuration → database → the service graph (compose.ts) → Koa app.
// Dependencies are passed by hand; the server (main.ts), the operator CLI, the tests and the benchmark all build
// exactly the same graph here.
import type Router from '@koa/router';
import Koa from 'koa';
import mount from 'koa-mount';
import type Provider from 'oidc-provider';
import { recoverRouter } from './account/recover.ts';
import { accountRouter } from './account/routes.ts';
import { consoleRouter } from './console/routes.ts';
import { appMetadataRouter } from './api/app-metadata.ts';
import { managementRouter } from './api/management/index.ts';
import { composeServices, type OutsideWorld, type Services } from './compose.ts';
import { systemClock, type Clock } from './clock.ts';
import type { Config } from './config/index.ts';
import { openDatabase, type Database } from './db/connection.ts';
import { assets } from './http/assets.ts';
import { brandingRoutes, brandScope } from './http/branding.ts';
import { databaseGate } from './http/database-gate.ts';
import { errorHandler } from './http/errors.ts';
import { issuerScheme } from './http/issuer-scheme.ts';
import { requestId } from './http/request-id.ts';
import { requestCookies } from './http/request-cookies.ts';
import { pageRoutes } from './http/page-routes.ts';
import { noStore, securityHeaders } from './http/security-headers.ts';
import { federationCallbackRouter } from './interaction/federation.ts';
import { interactionRouter } from './interaction/routes.ts';
import { legalPublicRouter } from './legal/public.ts';
import { createLogger, type Logger } from './log.ts';
import { postAsGet } from './oidc/post-as-get.ts';
import { providerRequestGuards, unservedMethods } from './oidc/request-guards.ts';
import { healthRouter } from './ops/health.ts';
import { metricsRouter } from './ops/metrics.ts';
import { requestLogger } from './ops/request-logger.ts';
import { usePasswordHashConcurrency, usePasswordParams } from './services/passwords.ts';

export type { Services } from './compose.ts';

/** `clock`: the one clock every service reads (default the system's; tests may move it). */
export async function createServices(config: Config, opts: { logger?: Logger; db?: Database; clock?: Clock; outside?: OutsideWorld } = {}): Promise<Services> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  usePasswordParams(config.password.hash);
  usePasswordHashConcurrency(config.password.hashConcurrency);
  const db = opts.db ?? (await openDatabase(config, logger));
  try {
    return await composeServices(config, logger, db, opts.clock ?? systemClock, opts.outside);
  } catch (err) {
    // A start that fails half-way (a bad client registration, keys that cannot be read) leaves no connection open
    // behind it: the process can exit, or report and retry.
    if (!opts.db) await db.close().catch(() => {});
    throw err;
  }
}

/** The routers of our own pages and APIs, in the order they are tried. Each takes the services it declares. */
function pageRouters(services: Services): Router[] {
  const { config } = services;
  const provider = () => services.provider();
  return [
    interactionRouter({ ...services, provider, smsEnabled: services.sms.enabled }),
    managementRouter({ ...services, provider }),
    appMetadataRouter({ ...services, provider, hasGrant: (accountId, clientId) => services.grants.hasGrant(accountId, clientId) }),
    accountRouter({
      ...services,
      provider,
      removeAppMetadata: (accountId) => services.appMetadata.remove(accountId),
      mfaFactors: config.mfa.factors,
      smsEnabled: services.sms.enabled,
    }),
    // The operator console: operators sign in as the first-party client ciam-console (src/console/).
    consoleRouter({ ...services, provider }),
    recoverRouter({ config }),
    // The one redirect URI every connection's provider answers at (src/interaction/federation.ts).
    federationCallbackRouter(services),
    // Legal documents given as text, readable by anyone (before signing up, too).
    legalPublicRouter({ legal: services.legal }),
  ];
}

export function createApp(services: Services, extraRouters: Router[] = []): Koa {
  const { config, logger } = services;
  const app = new Koa();
  app.keys = config.cookieKeys;
  app.proxy = config.trustProxy;
  // Errors are rendered by errorHandler; Koa's default handler would print stack traces to stderr.
  app.silent = true;

  app.use(requestId());
  if (services.metrics) app.use(services.metrics.requests());
  app.use(requestCookies());
  // The operator's brand for every page and mail of the request, until one shows an app's sign-in (http/branding.ts).
  app.use(brandScope(config));
  app.use(issuerScheme(config.issuer));
  app.use(requestLogger(logger));
  app.use(errorHandler({ logger }));
  // A request's audit events are written together as it ends, before its response (one command, not one each).
  app.use((_ctx, next) => services.audit.held(next));
  app.use(unservedMethods());
  app.use(securityHeaders(config));
  app.use(assets());

  const health = healthRouter(services.db);
  app.use(health.routes());
  // Before the database gate: the metrics are most wanted while the database is away.
  if (services.metrics) app.use(metricsRouter(services.metrics, config.metricsToken).routes());
  app.use(databaseGate(services.db.availability));
  // Brand logos and colours, cacheable for good (their names change with them): before noStore.
  app.use(brandingRoutes({ logos: services.brandLogos }));
  app.use(noStore());
  app.use(pageRoutes([...pageRouters(services), ...extraRouters]));

  // The provider serves everything else (discovery, authorization, token, …). It is looked up per request because
  // a key rotation replaces it; mount() composes its middleware once per provider instance.
  const mounted = new WeakMap<Provider, Koa.Middleware>();
  app.use(providerRequestGuards({ provider: () => services.provider(), sessionTtlSeconds: config.ttl.session }));
  app.use(postAsGet().routes());
  // A refresh token's rotation writes the old token's marker beside the new token (adapters/mongodb.ts tokenRequest).
  app.use((ctx, next) => (ctx.method === 'POST' ? services.adapter.tokenRequest(next) : next()));
  app.use((ctx, next) => {
    const current = services.provider();
    let middleware = mounted.get(current);
    if (!middleware) {
      middleware = mount(current as unknown as Koa) as Koa.Middleware;
      mounted.set(current, middleware);
    }
    return middleware(ctx, next);
  });
  return app;
}
