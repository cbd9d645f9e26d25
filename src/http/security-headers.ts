// Security headers for every response (pages, provider endpoints, errors), set before anything downstream runs so
// that error pages carry them too. koa-helmet supplies the well-known set; what it cannot know is which client a
// page is about, so form-action is widened per response by allowFormAction().
//
// Why form-action is 'self' plus exact client origins, and not simply 'self' or absent:
// - form-action does not fall back to default-src; without it an injected <form> could post anywhere.
// - Chromium (and CSP3) checks form-action against every hop of the redirect chain that follows a form POST,
//   using the policy of the page the form was on. Our login / consent / logout forms POST to ourselves and the
//   answer is a redirect to the client's redirect_uri (or post_logout_redirect_uri): with 'self' alone that last
//   hop is blocked. So each page adds the origin of the one redirect target oidc-provider has already validated
//   for this request (a custom scheme such as com.example.app: for native apps), nothing broader — never "https:".
// - oidc-provider's response_mode=form_post page posts straight to the redirect_uri, so the same origin is added
//   to provider responses after they are produced (see allowProviderTargets).
// script-src is spelled out (not left to default-src) because oidc-provider adds the sha256 of its one inline
// auto-submit script to an existing script-src directive; without it form_post would stall on a blank page.
import type { Context, Middleware } from 'koa';
import helmet from 'koa-helmet';
import type { Config } from '../config/index.ts';

const CSP_HEADER = 'Content-Security-Policy';
const ONE_YEAR = 365 * 24 * 3600;
// Schemes that could run code or read local data if a (mis)registered redirect URI used them.
const NEVER_ALLOWED = new Set(['javascript:', 'data:', 'blob:', 'file:', 'filesystem:', 'about:', 'vbscript:']);

// Pages carry CSRF tokens, personal data and one-time state: no browser or proxy may keep a copy. A route that
// serves something cacheable (the stylesheet) overrides this header.
export function noStore(): Middleware {
  return async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  };
}

export function securityHeaders(config: Pick<Config, 'issuer'>): Middleware {
  const tls = new URL(config.issuer).protocol === 'https:';
  const setHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'base-uri': ["'none'"],
        'object-src': ["'none'"],
        'frame-ancestors': ["'none'"],
        'form-action': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        'img-src': ["'self'"],
        ...(tls ? { 'upgrade-insecure-requests': [] } : {}),
      },
    },
    // same-origin would cut the opener link of relying parties that run the sign-in in a popup.
    crossOriginOpenerPolicy: false,
    crossOriginResourcePolicy: { policy: 'same-origin' },
    referrerPolicy: { policy: 'no-referrer' },
    // HSTS only means something over TLS; over plain http (local development) it would be ignored or, worse,
    // stick to "localhost". Sub-domains are not included: they may belong to other services of the operator.
    strictTransportSecurity: tls ? { maxAge: ONE_YEAR, includeSubDomains: false } : false,
    // Legacy companion of frame-ancestors for browsers that predate CSP2.
    xFrameOptions: { action: 'deny' },
  });

  return async (ctx, next) => {
    await setHeaders(ctx, async () => {});
    await next();
    allowProviderTargets(ctx);
  };
}

// The CSP source that matches a redirect target: its origin for web URLs, its scheme for a native app's custom
// scheme, nothing for anything else.
export function formActionSource(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  if (url.protocol === 'https:' || url.protocol === 'http:') return url.origin;
  if (NEVER_ALLOWED.has(url.protocol) || !/^[a-z][a-z0-9+.-]*:$/.test(url.protocol)) return undefined;
  return url.protocol;
}

export function allowFormAction(ctx: Pick<Context, 'response'>, uri: unknown): void {
  if (typeof uri !== 'string') return;
  const source = formActionSource(uri);
  if (source) addSource(ctx, 'form-action', source);
}

/** Lets this response's page show an image from `uri`'s origin (an app's logo): https only, nothing else widened. */
export function allowImage(ctx: Pick<Context, 'response'>, uri: string): void {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return;
  }
  if (url.protocol === 'https:') addSource(ctx, 'img-src', url.origin);
}

function addSource(ctx: Pick<Context, 'response'>, directive: string, source: string): void {
  const csp = ctx.response.get(CSP_HEADER);
  if (!csp) return;
  const directives = csp.split(';').map((d) => d.trim()).filter(Boolean);
  const index = directives.findIndex((d) => d.split(/\s+/)[0] === directive);
  const current = directives[index];
  if (current === undefined) return;
  if (current.split(/\s+/).includes(source)) return;
  directives[index] = `${current} ${source}`;
  ctx.response.set(CSP_HEADER, directives.join('; '));
}

interface ProviderContextView {
  route?: string;
  redirectUriCheckPerformed?: boolean;
  params?: Record<string, unknown>;
}

// On oidc-provider's own HTML responses: the form_post page (authorization / resume) and the logout
// confirmation (end_session). Both targets were validated against the client's registration by then:
// redirectUriCheckPerformed is set only after that check, and end_session drops an unregistered
// post_logout_redirect_uri before rendering.
function allowProviderTargets(ctx: Context): void {
  if (!Object.hasOwn(ctx, 'oidc') || !ctx.response.is('html')) return;
  const oidc = (ctx as Context & { oidc?: ProviderContextView }).oidc;
  const params = oidc?.params;
  if (!oidc || !params) return;
  if (oidc.redirectUriCheckPerformed) allowFormAction(ctx, params.redirect_uri);
  if (oidc.route === 'end_session') allowFormAction(ctx, params.post_logout_redirect_uri);
}
