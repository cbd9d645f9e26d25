// The demo that `npm start` sets up in development: a demo user, a demo client, and a tiny relying party at /demo
// that completes the code flow (with PKCE) and shows what an app receives. Lets anyone try a login with no other
// software; off unless DEMO=true or NODE_ENV=development.
import Router from '@koa/router';
import type { Context } from 'koa';
import { createHash, randomBytes } from 'node:crypto';
import type { Services } from './app.ts';
import { ACR } from './auth/types.ts';
import { SUPPORTED_LOCALES } from './i18n/index.ts';
import { AppError } from './errors.ts';
import { DEMO_CONNECTION, startDemoProvider, type DemoProvider } from './demo-provider.ts';
import { FEDERATION_CALLBACK_PATH } from './services/federation.ts';

const SCOPE = 'openid profile email offline_access';

function callbackUri(issuer: string): string {
  return `${issuer}/demo/callback`;
}

function authorizationUrl(issuer: string, clientId: string, challenge: string, state: string, extra: Record<string, string> = {}): string {
  const url = new URL(`${issuer}/auth`);
  url.search = new URLSearchParams({
    ...extra,
    client_id: clientId,
    response_type: 'code',
    scope: SCOPE,
    // The consent page always, to show what the app asks for; "sign in again" or "create an account" besides.
    prompt: extra.prompt ? `${extra.prompt} consent` : 'consent',
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
  const html = (ctx: Context, title: string, body: string, status = 200) => {
    ctx.status = status;
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'text/html';
    ctx.body = page(title, body);
  };

  // Starts a sign-in, passing on what an app may ask for: ?ui_locales=de, ?acr_values=…, ?login_hint=… ; after a
  // sign-out (the provider returns with the state the demo gave it) it says so instead of starting another.
  router.get('/', (ctx) => {
    if (ctx.query.state === SIGNED_OUT) {
      return html(ctx, 'Signed out', `<p>The demo app signed you out, and so did the provider.</p>${startLinks()}`);
    }
    const verifier = randomBytes(32).toString('base64url');
    const state = randomBytes(16).toString('base64url');
    ctx.cookies.set('demo_rp', JSON.stringify({ verifier, state }), cookie);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    ctx.redirect(authorizationUrl(config.issuer, config.demo.clientId, challenge, state, passedOn(ctx.query)));
  });

  router.get('/callback', async (ctx) => {
    const saved = ctx.cookies.get('demo_rp', { signed: true });
    ctx.cookies.set('demo_rp', null, cookie);
    const { code, state, error, error_description: description } = ctx.query;
    if (error) {
      const cancelled = error === 'access_denied';
      return html(
        ctx,
        cancelled ? 'Sign-in cancelled' : 'The app was not signed in',
        `<p>${cancelled ? 'You went back to the app without signing in.' : `${escape(String(error))}: ${escape(String(description ?? ''))}`}</p>${startLinks()}`,
      );
    }
    if (!saved || typeof code !== 'string') return html(ctx, 'Start again', `<p>This demo session expired.</p>${startLinks()}`, 400);
    const { verifier, state: expected } = JSON.parse(saved) as { verifier: string; state: string };
    if (state !== expected) return html(ctx, 'Start again', `<p>The answer did not belong to this sign-in.</p>${startLinks()}`, 400);
    const tokens = await exchange(config.issuer, config.demo.clientId, code, verifier);
    if (!tokens.ok) return html(ctx, 'Token exchange failed', `<pre>${escape(JSON.stringify(tokens.body, null, 2))}</pre>${startLinks()}`, 502);
    const { idToken, userinfo } = tokens;
    const name = typeof userinfo.name === 'string' ? userinfo.name : undefined;
    const email = typeof userinfo.email === 'string' ? userinfo.email : undefined;
    const endSession = new URLSearchParams({
      id_token_hint: tokens.idTokenRaw,
      client_id: config.demo.clientId,
      post_logout_redirect_uri: `${config.issuer}/demo`,
      state: SIGNED_OUT,
    });
    html(
      ctx,
      name ? `Hello, ${name}` : 'Signed in',
      `<p class="lead">The demo app signed you in${email ? ` as <strong>${escape(email)}</strong>` : ''}.</p>
       <dl class="facts">${[
         ['Signed in with', Array.isArray(idToken.amr) ? idToken.amr.join(', ') : '—'],
         ['Assurance (acr)', typeof idToken.acr === 'string' ? idToken.acr : '—'],
         ['Subject (sub)', String(idToken.sub ?? '')],
       ]
         .map(([k, v]) => `<dt>${escape(k!)}</dt><dd>${escape(v!)}</dd>`)
         .join('')}</dl>
       <details><summary>What the app received from the userinfo endpoint</summary><pre class="wrap">${escape(JSON.stringify(userinfo, null, 2))}</pre></details>
       <details><summary>The ID token's claims</summary><pre class="wrap">${escape(JSON.stringify(idToken, null, 2))}</pre></details>
       <p>It also holds an access token${tokens.refreshToken ? ' and a refresh token' : ''} (not shown).</p>
       <p class="actions"><a class="button" href="/session/end?${escape(endSession.toString())}">Sign out</a> <a href="/account">Your account</a></p>
       <h2>Sign in again, another way</h2>${startLinks()}`,
    );
  });
  return router;
}

/** The state the demo gives the provider's sign-out, to know on its return that the customer signed out. */
const SIGNED_OUT = 'signed-out';
const HINT = /^[\w .:/@+-]{1,200}$/;

/** What the demo passes on to the authorization request from its own query (each checked, others ignored). */
function passedOn(query: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['ui_locales', 'acr_values', 'login_hint', 'prompt', 'max_age'] as const) {
    const value = query[name];
    if (typeof value === 'string' && HINT.test(value)) out[name] = value;
  }
  return out;
}

const option = (value: string, label: string) => `<option value="${escape(value)}">${escape(label)}</option>`;

/**
 * Ways (back) in: the choices an app can make in its authorization request — the language of the pages
 * (ui_locales), the assurance it needs (acr_values) and whether to ask the customer to sign in again or to create an
 * account (prompt) — as a plain GET form to /demo.
 */
function startLinks(): string {
  const language = SUPPORTED_LOCALES.map((l) => option(l, new Intl.DisplayNames([l], { type: 'language' }).of(l) ?? l)).join('');
  const assurance = [
    option(ACR.password, 'One factor (a password or a mailed code)'),
    option(ACR.mfa, 'Two factors'),
    option(ACR.phishingResistant, 'A passkey (phishing-resistant)'),
  ].join('');
  const prompt = [option('login', 'Sign in again, even when signed in'), option('create', 'Create an account')].join('');
  return `<form class="stack" method="get" action="/demo">
    <div class="field"><label for="ui_locales">Language of the pages</label><select id="ui_locales" name="ui_locales">${option('', 'The browser’s')}${language}</select></div>
    <div class="field"><label for="acr_values">Assurance the app asks for</label><select id="acr_values" name="acr_values">${option('', 'What the app’s policy says')}${assurance}</select></div>
    <div class="field"><label for="prompt">Ask the customer to</label><select id="prompt" name="prompt">${option('', 'Sign in when not signed in')}${prompt}</select></div>
    <p class="actions"><button class="button" type="submit">Sign in</button></p>
  </form>`;
}

async function exchange(issuer: string, clientId: string, code: string, verifier: string) {
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: callbackUri(issuer), client_id: clientId, code_verifier: verifier }),
  });
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok || typeof body.id_token !== 'string' || typeof body.access_token !== 'string') return { ok: false as const, body };
  const idToken = JSON.parse(Buffer.from(body.id_token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  // The profile and e-mail the app asked for come from the userinfo endpoint (the ID token carries the sign-in).
  const me = await fetch(`${issuer}/me`, { headers: { authorization: `Bearer ${body.access_token}` } });
  const userinfo = me.ok ? ((await me.json()) as Record<string, unknown>) : {};
  return { ok: true as const, idToken, idTokenRaw: body.id_token, userinfo, refreshToken: typeof body.refresh_token === 'string' };
}

function escape(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escape(title)} · demo app</title><link rel="stylesheet" href="/assets/app.css"></head>
<body class="demo"><main class="card"><p class="muted">Demo app</p><h1>${escape(title)}</h1>${body}</main></body></html>`;
}
