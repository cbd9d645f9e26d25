// Loading an interaction for a request: oidc-provider's details, the client it is for and the page language.
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { InteractionResults } from 'oidc-provider';
import { errors } from 'oidc-provider';
import { pickLocale, type Locale } from '../i18n/index.ts';
import { clientLink, pageState, webUrl } from '../http/state.ts';
import { productMetadata, type ProductClientMetadata } from '../oidc/policy.ts';
import { interactionPath } from '../oidc/provider.ts';
import { allowImage } from '../http/security-headers.ts';
import { useClientBrand } from '../http/branding.ts';

export type InteractionDetails = Awaited<ReturnType<Provider['interactionDetails']>>;

export interface ClientView {
  id: string;
  name: string;
  uri?: string;
  policyUri?: string;
  tosUri?: string;
  /** The app's logo (https only), shown on the sign-in pages; this response's CSP lets its origin in. */
  logoUri?: string;
}

export interface LoadedInteraction {
  uid: string;
  details: InteractionDetails;
  client: ClientView;
  locale: Locale;
  actions: { login: string; confirm: string; abort: string };
  /** The client's registration, for this product's settings (first_party, mfa_policy, …: oidc/policy.ts). */
  metadata: ProductClientMetadata;
}

// The path of an interaction's pages, as oidc-provider is told it (oidc/provider.ts).
export { interactionPath };

// The interaction each request loaded (and oidc-provider checked against the cookie and the session).
const loadedBy = new WeakMap<Context, InteractionDetails>();

export async function loadInteraction(ctx: Context, provider: Provider): Promise<LoadedInteraction> {
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  // The cookie names the interaction; the URL must name the same one, or a stale tab would act on another flow.
  if (details.uid !== ctx.params.uid) throw new errors.SessionNotFound('interaction does not match the page');
  loadedBy.set(ctx, details);

  const clientId = String(details.params.client_id);
  const client = await provider.Client.find(clientId);
  // A client deleted mid-flow cannot receive the result: nothing to do but start again.
  if (!client) throw new errors.SessionNotFound('client of the interaction no longer exists');

  const link = clientLink(client);
  const locale = pickLocale(details.params.ui_locales, ctx.get('accept-language'));
  const state = pageState(ctx);
  state.locale = locale;
  state.client = link;

  const base = interactionPath(details.uid);
  const metadata = client.metadata();
  // The app's brand heads its pages; its brand logo (served by us) stands in for a logo_uri from elsewhere.
  useClientBrand(ctx, metadata);
  const brandLogo = typeof (metadata.brand as { logo?: unknown } | undefined)?.logo === 'string';
  const logoUri = !brandLogo && webUrl(client.logoUri)?.startsWith('https:') ? webUrl(client.logoUri) : undefined;
  if (logoUri) allowImage(ctx, logoUri);
  return {
    uid: details.uid,
    details,
    client: {
      id: client.clientId,
      ...link,
      ...(webUrl(client.policyUri) ? { policyUri: webUrl(client.policyUri) } : {}),
      ...(webUrl(client.tosUri) ? { tosUri: webUrl(client.tosUri) } : {}),
      ...(logoUri ? { logoUri } : {}),
    },
    locale,
    actions: { login: `${base}/login`, confirm: `${base}/confirm`, abort: `${base}/abort` },
    metadata: productMetadata(metadata),
  };
}

/**
 * Records a step's outcome on the interaction and answers where the browser goes next. What oidc-provider's
 * interactionResult does, on the interaction this request has already loaded and checked (loadInteraction) instead
 * of reading it and its session again. Every step that finishes goes through here.
 */
export async function recordResult(
  ctx: Context,
  provider: Provider,
  result: InteractionResults,
  { mergeWithLastSubmission = true }: { mergeWithLastSubmission?: boolean } = {},
): Promise<string> {
  const interaction = loadedBy.get(ctx) ?? (await provider.interactionDetails(ctx.req, ctx.res));
  interaction.result = mergeWithLastSubmission && !('error' in result) ? { ...interaction.lastSubmission, ...result } : result;
  await interaction.save(interaction.exp - Math.floor(Date.now() / 1000));
  return interaction.returnTo;
}

export { isSignedIn } from '../oidc/session-state.ts';

// After the interaction is gone from the cookie's point of view (lost cookie, other browser) the stored record
// may still name its client; the "start again" page can then link back to it.
export async function clientOfInteraction(provider: Provider, uid: string, ctx?: Pick<Context, 'state'>): Promise<ReturnType<typeof clientLink> | undefined> {
  const interaction = await provider.Interaction.find(uid);
  const clientId = interaction?.params.client_id;
  if (typeof clientId !== 'string') return undefined;
  const client = await provider.Client.find(clientId);
  // The "start again" page is still the app's: its brand too.
  if (client && ctx) useClientBrand(ctx, client.metadata());
  return client ? clientLink(client) : undefined;
}
