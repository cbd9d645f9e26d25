// The cookies of the request being served, for code that runs deep below the handlers and has no Koa context of its
// own: the adapter keeps a sign-in's interaction in a sealed cookie of the browser that runs it (adapters/
// interaction-cookie.ts). The middleware runs everything after it (our routes and the mounted provider) inside an
// AsyncLocalStorage scope, so `currentCookies()` answers for exactly the request whose code calls it.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context, Middleware } from 'koa';
import type { BrowserCookies } from '../../adapters/types.ts';

const scope = new AsyncLocalStorage<BrowserCookies>();

/** The cookies of the request in progress; undefined outside one (the CLI, start-up, timers). */
export const currentCookies = (): BrowserCookies | undefined => scope.getStore();

/** A cookie name, path and value this module writes carry only these characters (no quoting, no injection). */
const SAFE = /^[A-Za-z0-9_.\-~/%]+$/;

function serialize(name: string, value: string, path: string, maxAgeSeconds: number, secure: boolean): string {
  const parts = [`${name}=${value}`, `path=${path}`, `max-age=${maxAgeSeconds}`];
  parts.push(`expires=${new Date(Date.now() + maxAgeSeconds * 1000).toUTCString()}`, 'samesite=lax', 'httponly');
  if (secure) parts.push('secure');
  return parts.join('; ');
}

/**
 * Cookies of one context. A cookie written twice in one response (same name and path) is sent once, with the last
 * value: koa's `cookies` overwrite option matches on the name alone and would drop the same cookie's other paths.
 */
export function cookiesOf(ctx: Context): BrowserCookies {
  return {
    get: (name) => ctx.cookies.get(name, { signed: false }),
    set(name, value, { path, maxAgeSeconds }) {
      for (const part of [name, path, value ?? '']) {
        if (part !== '' && !SAFE.test(part)) throw new TypeError('cookie name, path or value has characters a cookie cannot carry');
      }
      const line = value === null ? serialize(name, '', path, 0, ctx.secure) : serialize(name, value, path, Math.max(0, Math.floor(maxAgeSeconds)), ctx.secure);
      const existing = ctx.res.getHeader('set-cookie');
      const lines = (Array.isArray(existing) ? existing : existing === undefined ? [] : [String(existing)]).filter(
        (l) => !(l.startsWith(`${name}=`) && l.includes(`; path=${path};`)),
      );
      ctx.res.setHeader('set-cookie', [...lines, line]);
    },
  };
}

/** Runs the rest of the request inside its cookie scope. */
export function requestCookies(): Middleware {
  return (ctx, next) => scope.run(cookiesOf(ctx), next);
}
