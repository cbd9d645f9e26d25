// Requests the provider sends on someone else's say-so (a client's request_uri, a logo URL an operator or an app
// gives): guarded against server-side request forgery. The address a host name resolves to must be public unless
// private network requests are allowed (ALLOW_PRIVATE_NETWORK_REQUESTS), checked in the lookup of the connection
// itself, so that a DNS answer that changes between check and use cannot slip through; an address literal is checked
// before connecting. No redirects are followed (the next hop would escape the check of the URI), the answer is read
// up to a size cap and within a deadline. Node's own http(s) client: no global fetch dispatcher is touched
// (oidc-provider installs its own).
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import ipaddr from 'ipaddr.js';

/** Whether an address lies outside the public unicast space (loopback, private, link-local, reserved, …). */
export function isSpecialUse(address: string): boolean {
  if (!ipaddr.isValid(address)) return true;
  return ipaddr.process(address).range() !== 'unicast';
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

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** https, or (only where private network requests are allowed: development, tests) plain http to this machine; no credentials. */
export function isFetchableUri(value: string, opts: { allowLoopbackHttp: boolean }): boolean {
  const url = URL.parse(value);
  if (!url || url.username || url.password) return false;
  if (url.protocol === 'https:') return true;
  return opts.allowLoopbackHttp && url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

export interface GuardedGetOptions {
  allowPrivate: boolean;
  maxBytes: number;
  timeoutMs: number;
  accept: string;
}

export interface GuardedAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Why a guarded request failed, in words an operator can act on. */
export class OutboundError extends Error {
  override readonly name = 'OutboundError';
}

/**
 * GET `uri` under the guard: resolves with any status (a redirect is an answer, not followed); rejects when the
 * address is special-use (and not allowed), the body is larger than maxBytes, the deadline passes or the network fails.
 */
export function guardedGet(uri: string, opts: GuardedGetOptions): Promise<GuardedAnswer> {
  const lookup = guardedLookup(opts.allowPrivate);
  return new Promise<GuardedAnswer>((resolve, reject) => {
    const url = new URL(uri);
    // An address literal is never looked up, so the lookup's check does not see it: it is checked here.
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (!opts.allowPrivate && ipaddr.isValid(host) && isSpecialUse(host)) return reject(new OutboundError(`${host} is a special-use address`));
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method: 'GET',
      lookup: lookup as never,
      timeout: opts.timeoutMs,
      headers: { accept: opts.accept },
    });
    const fail = (err: Error) => {
      clearTimeout(deadline);
      reject(err);
    };
    const deadline = setTimeout(() => request.destroy(new OutboundError('no answer in time')), opts.timeoutMs);
    request.on('timeout', () => request.destroy(new OutboundError('no answer in time')));
    request.on('error', fail);
    request.on('response', (res) => {
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > opts.maxBytes) return request.destroy(new OutboundError(`larger than ${opts.maxBytes} bytes`));
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > opts.maxBytes) return request.destroy(new OutboundError(`larger than ${opts.maxBytes} bytes`));
        chunks.push(chunk);
      });
      res.on('end', () => {
        clearTimeout(deadline);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
      });
      res.on('error', fail);
    });
    request.end();
  });
}
