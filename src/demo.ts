// The demo that `npm start` sets up in development: a demo user, a demo client, and a tiny relying party at /demo
// that completes the code flow (with PKCE) and shows what an app receives. Lets anyone try a login with no other
// software; off unless DEMO=true or NODE_ENV=development.
import Router from '@koa/router';
import { createHash, randomBytes } from 'node:crypto';
import type { Services } from './app.ts';
import { AppError } from './errors.ts';
import { DEMO_CONNECTION, startDemoProvider, type DemoProvider } from './demo-provider.ts';
import { FEDERATION_CALLBACK_PATH } from './services/federation.ts';

const SCOPE = 'openid profile email offline_access';

function callbackUri(issuer: string): string {
  return `${issuer}/demo/callback`;
}

function authorizationUrl(issuer: string, clientId: string, challenge: string, state: string): string {
  const url = new URL(`${issuer}/auth`);
  url.search = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    scope: SCOPE,
    prompt: 'consent',
    redirect_uri: callbackUri(issuer),
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
  }).toString();
  return url.toString();
}

export async function seedDemo(services: Services): Promise<{ authorizationUrl: string }> {
  const { config, clients, users, logger } = services;
  const { clientId, userEmail, userPassword } = config.demo;
  if (!(await clients.get(clientId))) {
    await clients.create({
      clientId,
      public: true,
      redirectUris: [callbackUri(config.issuer)],
      postLogoutRedirectUris: [`${config.issuer}/demo`],
      grantTypes: ['authorization_code', 'refresh_token'],
      scope: SCOPE,
    });
    logger.info({ clientId }, 'demo client created');
  }
  try {
    await users.create({ email: userEmail, password: userPassword, name: 'Demo Customer', emailVerified: true });
    logger.info({ email: userEmail }, 'demo user created');
  } catch (err) {
    // Already there from an earlier start: keep it (and whatever the customer changed on it).
    if (!(err instanceof AppError && err.status === 409)) throw err;
  }
  return { authorizationUrl: `${config.issuer}/demo` };
}

/**
 * "Continue with Demo ID" on the demo's sign-in page: starts the demo OpenID provider (demo-provider.ts) and points
 * the demo connection at it (made afresh at every start: the provider's port and secret change). Not in production,
 * and not in a cluster, where the connection of an earlier single-process start is removed instead. A provider that
 * cannot start costs the demo that button, not the server.
 */
export async function demoConnection(services: Services, opts: { clustered: boolean }): Promise<DemoProvider | undefined> {
  const { config, connections, logger } = services;
  const forget = () => connections.remove(DEMO_CONNECTION.id).catch(() => {});
  if (config.env === 'production' || opts.clustered) {
    await forget();
    return undefined;
  }
  let started: DemoProvider | undefined;
  try {
    // Another host name than ours (both loopback), so that the two providers' cookies stay apart.
    const host = new URL(config.issuer).hostname === 'localhost' ? '127.0.0.1' : 'localhost';
    started = await startDemoProvider({ host, redirectUri: new URL(FEDERATION_CALLBACK_PATH, config.issuer).href });
    await forget();
    await connections.create({ ...DEMO_CONNECTION, issuer: started.issuer, clientId: started.clientId, clientSecret: started.clientSecret, trustEmail: true });
    logger.info({ connection: DEMO_CONNECTION.id, issuer: started.issuer }, 'demo provider ready');
    return started;
  } catch (err) {
    logger.warn({ err }, 'the demo provider did not start; the demo goes on without "Continue with Demo ID"');
    await started?.close();
    return undefined;
  }
}

// The demo RP keeps its PKCE verifier and state in a signed, short-lived cookie, as a real web app would in its session.
export function demoRouter(services: Services): Router {
  const { config } = services;
  const router = new Router({ prefix: '/demo' });
  const cookie = { signed: true, httpOnly: true, sameSite: 'lax' as const, maxAge: 10 * 60 * 1000, path: '/demo' };

  router.get('/', (ctx) => {
    const verifier = randomBytes(32).toString('base64url');
    const state = randomBytes(16).toString('base64url');
    ctx.cookies.set('demo_rp', JSON.stringify({ verifier, state }), cookie);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    ctx.redirect(authorizationUrl(config.issuer, config.demo.clientId, challenge, state));
  });

  router.get('/callback', async (ctx) => {
    const saved = ctx.cookies.get('demo_rp', { signed: true });
    ctx.cookies.set('demo_rp', null, cookie);
    const { code, state, error, error_description: description } = ctx.query;
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'text/html';
    if (error) {
      ctx.body = page('The app was not signed in', `<p>${escape(String(error))}: ${escape(String(description ?? ''))}</p>`);
      return;
    }
    if (!saved || typeof code !== 'string') {
      ctx.status = 400;
      ctx.body = page('Start again', '<p>This demo session expired. <a href="/demo">Start again</a>.</p>');
      return;
    }
    const { verifier, state: expected } = JSON.parse(saved) as { verifier: string; state: string };
    if (state !== expected) {
      ctx.status = 400;
      ctx.body = page('Start again', '<p>State mismatch. <a href="/demo">Start again</a>.</p>');
      return;
    }
    const response = await fetch(`${config.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: callbackUri(config.issuer),
        client_id: config.demo.clientId,
        code_verifier: verifier,
      }),
    });
    const tokens = (await response.json()) as Record<string, unknown>;
    if (!response.ok || typeof tokens.id_token !== 'string') {
      ctx.status = 502;
      ctx.body = page('Token exchange failed', `<pre>${escape(JSON.stringify(tokens, null, 2))}</pre>`);
      return;
    }
    const claims = JSON.parse(Buffer.from(tokens.id_token.split('.')[1] ?? '', 'base64url').toString('utf8')) as object;
    ctx.body = page(
      'Signed in',
      `<p>The demo app received these ID token claims:</p><pre>${escape(JSON.stringify(claims, null, 2))}</pre>
       <p>It also holds an access token${tokens.refresh_token ? ' and a refresh token' : ''} (not shown).</p>
       <p><a href="/session/end?client_id=${encodeURIComponent(config.demo.clientId)}&amp;post_logout_redirect_uri=${encodeURIComponent(`${config.issuer}/demo`)}">Sign out</a></p>`,
    );
  });
  return router;
}

function escape(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escape(title)} · demo app</title><link rel="stylesheet" href="/assets/app.css"></head>
<body><main class="card"><h1>${escape(title)}</h1>${body}</main></body></html>`;
}
