// The baseline: oidc-provider with the same configuration as ours (buildConfiguration via createProvider, the same
// resources, TTLs, features and signing keys), static clients, trivial accounts and a never-evicting memory store,
// plus the smallest login and consent pages that finish the interaction in as many HTTP round trips as ours do.
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import Koa from 'koa';
import mount from 'koa-mount';
import type Provider from 'oidc-provider';
import type { JWKS } from 'oidc-provider';
import { loadConfig } from '../src/config/index.ts';
import { createProvider } from '../src/oidc/provider.ts';
import { createMapAdapter } from './memory-adapter.ts';
import { listen, type BenchServer } from './server.ts';
import { API_CLIENT, PARTNER, REDIRECT_URI, WEB_APP } from './settings.ts';
import { createPairwiseSubjects } from '../src/services/pairwise.ts';

export interface BareStack {
  server: BenchServer;
  provider: Provider;
  close(): Promise<void>;
}

const form = (action: string, fields: string) =>
  `<!doctype html><title>bench</title><form method="post" action="${action}">${fields}<button type="submit">Continue</button></form>`;

// GET shows the step oidc-provider asks for; POST /login accepts any e-mail as the account id (no password check:
// see the README on what the login ratio compares); POST /confirm grants exactly what the request asked for.
function interactionPages(provider: Provider): Router {
  const router = new Router({ prefix: '/interaction/:uid' });
  const parse = bodyParser({ enableTypes: ['form'] });
  router.get('/', async (ctx) => {
    const { uid, prompt } = await provider.interactionDetails(ctx.req, ctx.res);
    ctx.type = 'html';
    ctx.body =
      prompt.name === 'login'
        ? form(`/interaction/${uid}/login`, '<input name="email" type="email"><input name="password" type="password">')
        : form(`/interaction/${uid}/confirm`, '');
  });
  router.post('/login', parse, async (ctx) => {
    const { email } = ctx.request.body as { email?: string };
    if (!email) throw new Error('the login form carried no e-mail');
    const to = await provider.interactionResult(ctx.req, ctx.res, { login: { accountId: email } }, { mergeWithLastSubmission: false });
    ctx.redirect(to);
    ctx.status = 303;
  });
  router.post('/confirm', parse, async (ctx) => {
    const { prompt, params, session, grantId } = await provider.interactionDetails(ctx.req, ctx.res);
    if (!session) throw new Error('consent before login');
    const grant = grantId ? await provider.Grant.find(grantId) : new provider.Grant({ accountId: session.accountId, clientId: String(params.client_id) });
    if (!grant) throw new Error(`grant ${grantId} not found`);
    const details = prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
    if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
    if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(details.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
    const saved = await grant.save();
    const to = await provider.interactionResult(ctx.req, ctx.res, { consent: { grantId: saved } }, { mergeWithLastSubmission: true });
    ctx.redirect(to);
    ctx.status = 303;
  });
  return router;
}

export async function startBare(env: Record<string, string>, jwks: JWKS): Promise<BareStack> {
  const server = await listen();
  // No database is opened for the baseline; the URI only satisfies the configuration schema.
  const config = loadConfig({ ...env, ISSUER: server.url, MONGODB_URI: 'mongodb://127.0.0.1:9/unused' });
  const provider = createProvider({
    config,
    Adapter: createMapAdapter(),
    jwks,
    pairwise: createPairwiseSubjects(config.dataEncryptionKey),
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub, email: sub, email_verified: true, name: 'Bench Customer' }) }),
    staticClients: [
      { client_id: PARTNER.id, client_secret: PARTNER.secret, redirect_uris: [], response_types: [], grant_types: ['client_credentials'], scope: PARTNER.scope },
      { client_id: API_CLIENT.id, client_secret: API_CLIENT.secret, redirect_uris: [], response_types: [], grant_types: ['client_credentials'] },
      { client_id: WEB_APP.id, client_secret: WEB_APP.secret, redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code', 'refresh_token'], scope: WEB_APP.scope },
    ],
  });
  const app = new Koa();
  app.keys = config.cookieKeys;
  app.silent = true;
  const pages = interactionPages(provider);
  app.use(pages.routes());
  app.use(mount(provider as unknown as Koa));
  server.serve(app.callback());
  return { server, provider, close: () => server.close() };
}
