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
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import ipaddr from 'ipaddr.js';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import type Provider from 'oidc-provider';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

const PAR_URN = 'urn:ietf:params:oauth:request_uri:';
export const MAX_REQUEST_OBJECT_BYTES = 64 * 1024;
const FETCH_TIMEOUT_MS = 2500;
const MAX_REQUEST_URIS = 20;
const MAX_URI_LENGTH = 2048;

/** Whether an address lies outside the public unicast space (loopback, private, link-local, reserved, …). */
export function isSpecialUse(address: string): boolean {
  if (!ipaddr.isValid(address)) return true;
  return ipaddr.process(address).range() !== 'unicast';
}

/** Client metadata `request_uris` (OpenID Connect Registration 2): https URIs, at most 20. */
export function validateRequestUris(value: unknown): void {
  const ok =
    Array.isArray(value) &&
    value.length <= MAX_REQUEST_URIS &&
    value.every((v) => typeof v === 'string' && v.length <= MAX_URI_LENGTH && isFetchableUri(v, { allowLoopbackHttp: true }));
  if (!ok) throw new errors.InvalidClientMetadata(`request_uris must be an array of at most ${MAX_REQUEST_URIS} https URIs`);
}

function isFetchableUri(value: string, opts: { allowLoopbackHttp: boolean }): boolean {
  const url = URL.parse(value);
  if (!url || url.username || url.password) return false;
  if (url.protocol === 'https:') return true;
  return opts.allowLoopbackHttp && url.protocol === 'http:' && ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
}

const withoutFragment = (uri: string) => uri.split('#', 1)[0];

/** Whether `uri` is one the client registered (fragments, which carry a hash of the content, aside). */
export function isRegisteredRequestUri(registered: unknown, uri: string): boolean {
  return Array.isArray(registered) && registered.some((r) => typeof r === 'string' && withoutFragment(r) === withoutFragment(uri));
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A DNS lookup that refuses, at connect time, host names resolving to special-use addresses. */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options }, (err, address: string | LookupAddress[], family?: number) => {
      if (err) return callback(err, address);
      const addresses = Array.isArray(address) ? address.map((a) => a.address) : [address];
      if (!allowPrivate && addresses.some(isSpecialUse)) {
        return callback(Object.assign(new Error(`${hostname} resolves to a special-use address`), { code: 'ESPECIALUSE' }), address);
      }
      callback(null, address, family);
    });
  };
}

/**
 * Fetches a request object: status 200, at most 64 KiB, within 2.5 s, no redirects. Throws on anything else. Node's
 * own http(s) client with a guarded lookup: no global fetch dispatcher is touched (oidc-provider installs its own).
 */
export function createRequestObjectFetcher(opts: { allowPrivate: boolean }): (uri: string) => Promise<string> {
  const lookup = guardedLookup(opts.allowPrivate);
  return (uri) =>
    new Promise<string>((resolve, reject) => {
      const url = new URL(uri);
      // An address literal is never looked up, so the lookup's check does not see it: it is checked here.
      const host = url.hostname.replace(/^\[|\]$/g, '');
      if (!opts.allowPrivate && ipaddr.isValid(host) && isSpecialUse(host)) return reject(new Error(`${host} is a special-use address`));
      const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
        method: 'GET',
        lookup: lookup as never,
        timeout: FETCH_TIMEOUT_MS,
        headers: { accept: 'application/oauth-authz-req+jwt, application/jwt' },
      });
      const deadline = setTimeout(() => request.destroy(new Error('request_uri timed out')), FETCH_TIMEOUT_MS);
      request.on('timeout', () => request.destroy(new Error('request_uri timed out')));
      request.on('error', (err) => {
        clearTimeout(deadline);
        reject(err);
      });
      request.on('response', (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          clearTimeout(deadline);
          return reject(new Error(`request_uri answered ${res.statusCode}`));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_REQUEST_OBJECT_BYTES) return request.destroy(new Error('request object too large'));
          chunks.push(chunk);
        });
        res.on('end', () => {
          clearTimeout(deadline);
          resolve(Buffer.concat(chunks).toString('utf8').trim());
        });
        res.on('error', reject);
      });
      request.end();
    });
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
