// Request objects by reference (OIDC Core 6.2: `request_uri` on the authorization endpoint), an operator opt-in
// (REQUEST_URI_BY_REFERENCE) for the OIDF Dynamic OP plan, where Core 15.2 makes it mandatory. oidc-provider 9 serves
// `request_uri` only for pushed requests (PAR); here the request object is fetched and handed on as `request`, so
// oidc-provider validates it exactly as a request object by value (the client's keys or secret, no `alg: none`,
// iss/aud/exp, and the parameters it carries win).
//
// Why it is off by default, and how it is kept safe when on: fetching makes the provider send requests on a client's
// behalf. So a client may name only a URI it registered beforehand (`request_uris`, compared without the fragment);
// the URI must be https (http only for loopback, and only with ALLOW_PRIVATE_NETWORK_REQUESTS, for development);
// the address it resolves to must be public unless private network requests are allowed (checked in the lookup of
// the connection itself, so a DNS answer that changes between check and use cannot slip through); no redirects are followed; 2.5 s and
// 64 KiB at most.
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import type Provider from 'oidc-provider';
import { guardedGet, isFetchableUri } from '../services/outbound-fetch.ts';

export { guardedLookup, isSpecialUse } from '../services/outbound-fetch.ts';

const PAR_URN = 'urn:ietf:params:oauth:request_uri:';
export const MAX_REQUEST_OBJECT_BYTES = 64 * 1024;
const FETCH_TIMEOUT_MS = 2500;
const MAX_REQUEST_URIS = 20;
const MAX_URI_LENGTH = 2048;

/** Client metadata `request_uris` (OpenID Connect Registration 2): https URIs, at most 20. */
export function validateRequestUris(value: unknown): void {
  const ok =
    Array.isArray(value) &&
    value.length <= MAX_REQUEST_URIS &&
    value.every((v) => typeof v === 'string' && v.length <= MAX_URI_LENGTH && isFetchableUri(v, { allowLoopbackHttp: true }));
  if (!ok) throw new errors.InvalidClientMetadata(`request_uris must be an array of at most ${MAX_REQUEST_URIS} https URIs`);
}

const withoutFragment = (uri: string) => uri.split('#', 1)[0];

/** Whether `uri` is one the client registered (fragments, which carry a hash of the content, aside). */
export function isRegisteredRequestUri(registered: unknown, uri: string): boolean {
  return Array.isArray(registered) && registered.some((r) => typeof r === 'string' && withoutFragment(r) === withoutFragment(uri));
}

/**
 * Fetches a request object: status 200, at most 64 KiB, within 2.5 s, no redirects, under the outbound guard
 * (services/outbound-fetch.ts). Throws on anything else.
 */
export function createRequestObjectFetcher(opts: { allowPrivate: boolean }): (uri: string) => Promise<string> {
  return async (uri) => {
    const answer = await guardedGet(uri, {
      allowPrivate: opts.allowPrivate,
      maxBytes: MAX_REQUEST_OBJECT_BYTES,
      timeoutMs: FETCH_TIMEOUT_MS,
      accept: 'application/oauth-authz-req+jwt, application/jwt',
    });
    if (answer.status !== 200) throw new Error(`request_uri answered ${answer.status}`);
    return answer.body.toString('utf8').trim();
  };
}

export interface RequestUriOptions {
  allowPrivate: boolean;
  /** How the request object is fetched (tests give their own). */
  fetchRequestObject?: (uri: string) => Promise<string>;
}

/** Installs request_uri by reference on the provider's authorization endpoint and says so in discovery. */
export function requestUriByReference(provider: Provider, opts: RequestUriOptions): void {
  const fetchRequestObject = opts.fetchRequestObject ?? createRequestObjectFetcher({ allowPrivate: opts.allowPrivate });
  provider.use(async (ctx, next) => {
    const uri = ctx.query.request_uri;
    if (ctx.method === 'GET' && ctx.path === '/auth' && typeof uri === 'string' && !uri.startsWith(PAR_URN)) {
      await dereference(ctx as KoaContextWithOIDC, provider, uri, fetchRequestObject, opts.allowPrivate);
    }
    await next();
    if (ctx.path === '/.well-known/openid-configuration' && ctx.status === 200 && ctx.body && typeof ctx.body === 'object') {
      Object.assign(ctx.body as Record<string, unknown>, { request_uri_parameter_supported: true, require_request_uri_registration: true });
    }
  });
}

async function dereference(
  ctx: KoaContextWithOIDC,
  provider: Provider,
  uri: string,
  fetchRequestObject: (uri: string) => Promise<string>,
  allowPrivate: boolean,
): Promise<void> {
  const { request_uri: _uri, ...rest } = ctx.query;
  if (rest.request !== undefined) throw new errors.InvalidRequest('request and request_uri parameters MUST NOT be used together');
  if (uri.length > MAX_URI_LENGTH || !isFetchableUri(uri, { allowLoopbackHttp: allowPrivate })) {
    throw new errors.InvalidRequestUri('request_uri must be an https URI');
  }
  const clientId = typeof rest.client_id === 'string' ? rest.client_id : undefined;
  const client = clientId ? await provider.Client.find(clientId) : undefined;
  if (!client) throw new errors.InvalidClient('client is invalid', 'client not found');
  if (!isRegisteredRequestUri(client.metadata().request_uris, uri)) {
    throw new errors.InvalidRequestUri('request_uri is not registered for this client (request_uris)');
  }
  let requestObject: string;
  try {
    requestObject = await fetchRequestObject(withoutFragment(uri)!);
  } catch {
    throw new errors.InvalidRequestUri('could not fetch the request object from request_uri');
  }
  ctx.query = { ...rest, request: requestObject };
}
