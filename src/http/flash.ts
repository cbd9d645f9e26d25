// A one-time notice after Post/Redirect/Get ("saved"), for a first-party area's pages: a signed cookie scoped to the
// area's path that the next page shows once. Only keys of the area's closed list travel in it: it is signed, but a
// closed list keeps it from carrying anything else.
import type { Context } from 'koa';

export interface FlashCookie<F extends string> {
  set(ctx: Context, flash: F): void;
  /** The notice waiting for this page, if any (and gone after). */
  take(ctx: Context): F | undefined;
}

export function flashCookie<F extends string>(name: string, path: string, allowed: readonly F[]): FlashCookie<F> {
  const options = (ctx: Context) => ({ signed: true, httpOnly: true, sameSite: 'lax' as const, secure: ctx.secure, path, overwrite: true });
  return {
    set(ctx, flash) {
      ctx.cookies.set(name, flash, { ...options(ctx), maxAge: 60_000 });
    },
    take(ctx) {
      const value = ctx.cookies.get(name, { signed: true });
      if (!value) return undefined;
      ctx.cookies.set(name, null, options(ctx));
      return (allowed as readonly string[]).includes(value) ? (value as F) : undefined;
    },
  };
}
