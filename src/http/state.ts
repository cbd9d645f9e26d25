// What our middleware and routes leave on ctx.state for each other (Koa types state loosely, so it is named here).
import type { Locale } from '../i18n/index.ts';
import type { Brand } from '../services/brands.ts';

// The application a page is about, as far as it is known: its display name and a safe place to send the user back to.
export interface ClientLink {
  name: string;
  uri?: string;
}

export interface PageState {
  requestId?: string;
  locale?: Locale;
  client?: ClientLink;
  // Where "try again" goes after a rejected form (for instance the interaction page the form came from).
  retryUrl?: string;
  // A sign-in page that is gone was reached by a browser that is signed in (Back or reload after finishing): the
  // "start again" page then says so and leads on instead.
  signedIn?: boolean;
  // The brand the page shows (http/branding.ts): the operator's, or the app's whose sign-in it belongs to.
  brand?: Brand;
  operatorBrand?: Brand;
}

export function pageState(ctx: { state: unknown }): PageState {
  return ctx.state as PageState;
}

interface ClientLike {
  clientId: string;
  clientName?: unknown;
  /** Its brand (client metadata `brand`): a display name there is what the app wants to be called. */
  brand?: unknown;
  clientUri?: unknown;
  initiateLoginUri?: unknown;
}

function webUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

// initiate_login_uri is where the client itself starts a fresh sign-in, the best "start again" target;
// client_uri (its home page) is the next best.
export function clientLink(client: ClientLike): ClientLink {
  const branded = (client.brand as { display_name?: unknown } | undefined)?.display_name;
  const name = typeof branded === 'string' && branded.trim() ? branded : typeof client.clientName === 'string' && client.clientName.trim() ? client.clientName : client.clientId;
  const uri = webUrl(client.initiateLoginUri) ?? webUrl(client.clientUri);
  return uri ? { name, uri } : { name };
}

export { webUrl };
