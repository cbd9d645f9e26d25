// Static assets, served from our own origin so the CSP can stay at script-src/style-src 'self': the one stylesheet,
// and the two scripts of the passkey pages (the otherwise JavaScript-free pages need WebAuthn's browser API):
// @simplewebauthn/browser's UMD bundle (base64url and CBOR glue we would otherwise hand-write) and our passkey.js,
// which drives it from a form; proof.js solves a form's proofs of work (the sign-in's when the throttle asks for one,
// the bot check of forms an operator protects); recovery.js
// copies and prints the recovery codes; forms.js, on every page, adds what forms gain from a script (show-password
// toggles, focus for the error summary's links). Each URL carries a content hash, so browsers may cache it for good and still see
// every change.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Middleware } from 'koa';

const viewsAsset = (name: string) => fileURLToPath(new URL(`../../views/assets/${name}`, import.meta.url));

// The package exports no subpath for its bundle: find it next to the CommonJS entry, wherever npm put the package.
function simpleWebAuthnBundle(): string {
  const entry = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
  return join(dirname(entry), '..', 'dist', 'bundle', 'index.umd.min.js');
}

const CSS = 'text/css; charset=utf-8';
const JS = 'text/javascript; charset=utf-8';

/** Every asset by its name under /assets/; the file is read once, on first use. */
const ASSETS = {
  'app.css': { file: () => viewsAsset('app.css'), type: CSS },
  'simplewebauthn.js': { file: simpleWebAuthnBundle, type: JS },
  'passkey.js': { file: () => viewsAsset('passkey.js'), type: JS },
  'proof.js': { file: () => viewsAsset('proof.js'), type: JS },
  'recovery.js': { file: () => viewsAsset('recovery.js'), type: JS },
  'forms.js': { file: () => viewsAsset('forms.js'), type: JS },
} as const;

export type AssetName = keyof typeof ASSETS;
export type ScriptName = Extract<AssetName, `${string}.js`>;

const PREFIX = '/assets/';
const loaded = new Map<AssetName, { body: Buffer; hash: string }>();

function asset(name: AssetName): { body: Buffer; hash: string } {
  let found = loaded.get(name);
  if (!found) {
    const body = readFileSync(ASSETS[name].file());
    found = { body, hash: createHash('sha256').update(body).digest('base64url').slice(0, 16) };
    loaded.set(name, found);
  }
  return found;
}

/** Versioned URL of an asset. */
export function assetHref(name: AssetName): string {
  return `${PREFIX}${name}?v=${asset(name).hash}`;
}

export function stylesheetHref(): string {
  return assetHref('app.css');
}

/** Versioned URL of a script; templates get it as `it.scriptHref` (see views.ts). */
export function scriptHref(name: ScriptName): string {
  return assetHref(name);
}

const isAsset = (name: string): name is AssetName => Object.hasOwn(ASSETS, name);

export function assets(): Middleware {
  return async (ctx, next) => {
    const readable = ctx.method === 'GET' || ctx.method === 'HEAD';
    // Browsers ask for it on every page; "no content" keeps their consoles (and the logs) free of 404s.
    if (ctx.path === '/favicon.ico' && readable) {
      ctx.status = 204;
      ctx.set('Cache-Control', 'public, max-age=86400');
      return;
    }
    const name = ctx.path.startsWith(PREFIX) ? ctx.path.slice(PREFIX.length) : '';
    if (!readable || !isAsset(name)) return next();
    const { body, hash } = asset(name);
    // Koa judges freshness only for a successful status, so set it before asking.
    ctx.status = 200;
    ctx.type = ASSETS[name].type;
    ctx.etag = hash;
    // A versioned URL never changes content; an unversioned one (old page, typed by hand) is kept briefly.
    ctx.set('Cache-Control', ctx.query.v === hash ? 'public, max-age=31536000, immutable' : 'public, max-age=300');
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    ctx.body = body;
  };
}
