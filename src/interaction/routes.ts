// The hosted interaction pages oidc-provider sends the browser to (interactions.url -> /interaction/:uid).
// Every route lives under /interaction/:uid because oidc-provider scopes its interaction cookie to that path.
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type Provider from 'oidc-provider';
import type { Config } from '../config/index.ts';
import { AppError } from '../errors.ts';
import { csrf } from '../http/csrf.ts';
import { isSessionNotFound } from '../http/errors.ts';
import { formBody } from '../http/form-body.ts';
import { pageState } from '../http/state.ts';
import type { Logger } from '../log.ts';
import type { AuditLog } from '../services/audit.ts';
import type { UserService } from '../services/users.ts';
import { abortInteraction, confirmConsent, renderConsent } from './consent.ts';
import { clientOfInteraction, interactionPath, loadInteraction } from './context.ts';
import { loginHint, renderLogin, submitLogin } from './login.ts';

export interface InteractionDeps {
  provider: () => Provider;
  users: Pick<UserService, 'authenticate'>;
  audit: Pick<AuditLog, 'record'>;
  config: Pick<Config, 'issuer'>;
  logger: Logger;
}

export function interactionRouter(deps: InteractionDeps): Router {
  const router = new Router();

  // Runs first on every interaction route: gives error pages a "try again" target and, when the interaction
  // has expired or the cookie is gone, the client to send the user back to.
  async function prepare(ctx: Context, next: Next): Promise<void> {
    const uid = String(ctx.params.uid);
    pageState(ctx).retryUrl = interactionPath(uid);
    try {
      await next();
    } catch (err) {
      if (isSessionNotFound(err) && !pageState(ctx).client) {
        try {
          const client = await clientOfInteraction(deps.provider(), uid);
          if (client) pageState(ctx).client = client;
        } catch (lookupError) {
          // The start-again page works without the link; the original error is the one to report.
          deps.logger.warn({ err: lookupError, requestId: pageState(ctx).requestId }, 'client lookup for expired interaction failed');
        }
      }
      throw err;
    }
  }

  router.get('/interaction/:uid', prepare, csrf(), async (ctx) => {
    const loaded = await loadInteraction(ctx, deps.provider());
    const prompt = loaded.details.prompt.name;
    if (prompt === 'login') return renderLogin(ctx, loaded, { email: loginHint(loaded) });
    if (prompt === 'consent') return renderConsent(ctx, loaded);
    // Only login and consent are configured; another prompt means the provider configuration changed under us.
    throw new AppError(500, 'unsupported_prompt', `No page for the "${prompt}" prompt`);
  });

  router.post('/interaction/:uid/login', prepare, formBody(), csrf(), async (ctx) => {
    const provider = deps.provider();
    const loaded = await loadInteraction(ctx, provider);
    // A second submit (other tab, back button) after the login already went through: show the current step.
    if (loaded.details.prompt.name !== 'login') return seeOther(ctx, interactionPath(loaded.uid));
    await submitLogin(ctx, loaded, { provider, users: deps.users });
  });

  router.post('/interaction/:uid/confirm', prepare, formBody(), csrf(), async (ctx) => {
    const provider = deps.provider();
    const loaded = await loadInteraction(ctx, provider);
    if (loaded.details.prompt.name !== 'consent') return seeOther(ctx, interactionPath(loaded.uid));
    await confirmConsent(ctx, loaded, { provider, audit: deps.audit });
  });

  router.post('/interaction/:uid/abort', prepare, formBody(), csrf(), async (ctx) => {
    const provider = deps.provider();
    const loaded = await loadInteraction(ctx, provider);
    await abortInteraction(ctx, loaded, { provider, audit: deps.audit });
  });

  return router;
}

function seeOther(ctx: Context, location: string): void {
  ctx.status = 303;
  ctx.redirect(location);
}
