// oidc-provider's own screens (logout, device flow, errors) rendered with our layout and catalogs instead of its
// English placeholders. The `form` strings oidc-provider hands over are its own markup carrying its own xsrf
// token; they are embedded as they are and our buttons submit them by form id.
import ejs from 'ejs';
import type { Client, ErrorOut, KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../config/index.ts';
import { pickLocale, translator, type Locale, type MessageKey, type Translate } from '../i18n/index.ts';
import { classify, RETRY_AFTER_SECONDS } from '../http/errors.ts';
import { allowFormAction } from '../http/security-headers.ts';
import { useClientBrand } from '../http/branding.ts';
import { clientLink, pageState } from '../http/state.ts';
import { renderPage } from '../http/views.ts';
import type { Logger } from '../log.ts';


// Device-flow re-render errors, by the class name oidc-provider gives them.
const USER_CODE_ERRORS: Record<string, MessageKey> = {
  NoCodeError: 'device.input.error.missing',
  NotFoundError: 'device.input.error.notFound',
  ExpiredError: 'device.input.error.expired',
  AlreadyUsedError: 'device.input.error.used',
  AbortedError: 'device.input.error.aborted',
};

function paramsOf(ctx: KoaContextWithOIDC): Record<string, unknown> | undefined {
  try {
    return ctx.oidc.params as Record<string, unknown> | undefined;
  } catch {
    return undefined;
  }
}

function localeOf(ctx: KoaContextWithOIDC): Locale {
  return pickLocale(paramsOf(ctx)?.ui_locales, ctx.get('accept-language'));
}

/** The client the request is about, if any; its brand becomes the page's (http/branding.ts). */
function clientOf(ctx: KoaContextWithOIDC): Client | undefined {
  let client: Client | undefined;
  try {
    client = ctx.oidc.client;
  } catch {
    return undefined;
  }
  if (client) showBrandOf(ctx, client);
  return client;
}

/** The page shows the client's brand (its registration's `brand`, over the operator's). */
function showBrandOf(ctx: KoaContextWithOIDC, client: Client): void {
  if (typeof client.metadata === 'function') useClientBrand(ctx, client.metadata());
}

// The provider's user-code input has an English placeholder, no accessible name and an inline onfocus handler
// (which our CSP blocks anyway). Patch those three; if its markup ever changes, the form still works unpatched.
export function localiseUserCodeForm(form: string, t: Translate): string {
  const placeholder = ejs.escapeXML(t('device.input.placeholder'));
  const label = ejs.escapeXML(t('device.input.label'));
  return form
    .replace(/\s+onfocus="[^"]*"/, '')
    .replace('placeholder="Enter code"', `placeholder="${placeholder}" aria-label="${label}"`);
}

export function providerPages(deps: { config: Pick<Config, 'issuer'>; logger: Logger }) {
  const host = new URL(deps.config.issuer).host;

  return {
    async logoutSource(ctx: KoaContextWithOIDC, form: string): Promise<void> {
      const client = clientOf(ctx);
      // The confirmation POST ends in a redirect to the (already validated) post_logout_redirect_uri.
      allowFormAction(ctx, paramsOf(ctx)?.post_logout_redirect_uri);
      renderPage(ctx, 'logout', {
        locale: localeOf(ctx),
        data: { form, host, client: client ? clientLink(client) : null },
      });
    },

    async postLogoutSuccessSource(ctx: KoaContextWithOIDC): Promise<void> {
      const client = clientOf(ctx);
      renderPage(ctx, 'logged-out', { locale: localeOf(ctx), data: { client: client ? clientLink(client) : null } });
    },

    async userCodeInputSource(ctx: KoaContextWithOIDC, form: string, _out?: ErrorOut, err?: Error): Promise<void> {
      const locale = localeOf(ctx);
      let error: MessageKey | null = null;
      // Called before anything set a status: Koa's default would be 404.
      let status = err ? ctx.status : 200;
      if (err) {
        if (classify(err).kind === 'unavailable') {
          error = 'unavailable.lead';
          status = 503;
          ctx.set('Retry-After', RETRY_AFTER_SECONDS);
        } else {
          error = USER_CODE_ERRORS[err.name] ?? 'device.input.error.other';
        }
      }
      renderPage(ctx, 'device-input', {
        locale,
        status,
        data: { form: localiseUserCodeForm(form, translator(locale)), error },
      });
    },

    async userCodeConfirmSource(
      ctx: KoaContextWithOIDC,
      form: string,
      client: Client,
      _deviceInfo: unknown,
      userCode: string,
    ): Promise<void> {
      showBrandOf(ctx, client);
      renderPage(ctx, 'device-confirm', {
        locale: localeOf(ctx),
        data: { form, client: clientLink(client), userCode },
      });
    },

    async successSource(ctx: KoaContextWithOIDC): Promise<void> {
      const client = clientOf(ctx);
      renderPage(ctx, 'device-success', { locale: localeOf(ctx), data: { client: client ? clientLink(client) : null } });
    },

    // Errors of the provider's own endpoints when the browser asked for HTML. `out` is already the safe public
    // view of the error (oidc-provider replaces anything not meant for users by server_error).
    async renderError(ctx: KoaContextWithOIDC, out: ErrorOut, error: Error): Promise<void> {
      const locale = localeOf(ctx);
      const state = pageState(ctx);
      const requestId = state.requestId ?? null;
      const client = clientOf(ctx);

      // The same classification as our own routes' error handler; only the rendering differs (provider context).
      const failure = classify(error);
      if (failure.kind === 'expired') {
        // Reload of a finished sign-in's return (/auth/<uid>): the browser is signed in, which the page says.
        const signedIn = typeof ctx.oidc?.session?.accountId === 'string';
        renderPage(ctx, 'expired', { locale, status: ctx.status, ...(signedIn ? { title: 'expired.signedIn.title' } : {}), data: { client: client ? clientLink(client) : null, signedIn } });
        return;
      }
      if (failure.kind === 'unavailable') {
        deps.logger.debug({ requestId, err: { name: error.name, message: error.message } }, 'database unavailable');
        ctx.set('Retry-After', RETRY_AFTER_SECONDS);
        renderPage(ctx, 'unavailable', { locale, status: 503, data: { requestId } });
        return;
      }
      const unexpected = out.error === 'server_error';
      if (unexpected) deps.logger.error({ requestId, err: error }, 'provider request failed');
      renderPage(ctx, 'error', {
        locale,
        status: ctx.status,
        data: {
          // The technical description is oidc-provider's English, for developers: folded away under the plain words.
          message: unexpected ? 'error.server' : APP_SETUP_ERRORS.has(out.error) ? (SIGN_OUT_ROUTES.has(String(ctx.oidc?.route)) ? 'error.appSignOut' : 'error.app') : 'error.lead',
          detail: unexpected ? null : (out.error_description ?? null),
          code: out.error,
          requestId,
          retryUrl: null,
        },
      });
    },
  };
}

/** Errors that mean the app is registered wrongly (unknown client, a redirect URI it did not register). */
const APP_SETUP_ERRORS = new Set(['invalid_client', 'invalid_redirect_uri', 'unauthorized_client']);
/** The provider's sign-out routes: an app set up wrongly there failed to sign the customer out, not in. */
const SIGN_OUT_ROUTES = new Set(['end_session', 'end_session_confirm', 'end_session_success']);

export type ProviderPageHooks = ReturnType<typeof providerPages>;
