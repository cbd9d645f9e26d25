import Koa from 'koa';
import { deviceCookieName, deviceIdOf, ensureDeviceId, knownDeviceFor, rememberKnownLogin } from '../../../src/http/device-cookie.ts';
import { cookiesOf, serve, type Served } from './serve.ts';

const KEY = 'k'.repeat(32);
const OLD_KEY = 'o'.repeat(32);

// /read answers deviceIdOf, /ensure answers ensureDeviceId, /plant sets a correctly signed cookie of any value.
function deviceApp(keys: string[]): Koa {
  const app = new Koa();
  app.keys = keys;
  app.proxy = true; // X-Forwarded-Proto: https makes the request secure, as behind a TLS-terminating proxy
  app.use((ctx) => {
    if (ctx.path === '/read') ctx.body = { id: deviceIdOf(ctx) ?? null };
    else if (ctx.path === '/ensure') ctx.body = { id: ensureDeviceId(ctx) };
    else if (ctx.path === '/plant') {
      ctx.cookies.set(deviceCookieName(ctx.secure), String(ctx.query.value), { signed: true, secure: ctx.secure });
      ctx.body = {};
    }
  });
  return app;
}

let served: Served;
beforeAll(async () => {
  served = await serve(deviceApp([KEY]));
});
afterAll(() => served.close());

async function call(path: string, headers: Record<string, string> = {}, base = served.url) {
  const res = await fetch(`${base}${path}`, { headers });
  const { id } = (await res.json()) as { id?: string | null };
  return { id, res, setCookies: res.headers.getSetCookie(), cookie: cookiesOf(res) };
}

describe('device cookie', () => {
  it('gives a new browser a random 128-bit id in a signed, httpOnly, SameSite=Lax cookie for 400 days', async () => {
    const before = Date.now();
    const { id, setCookies } = await call('/ensure');
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(Buffer.from(id!, 'base64url')).toHaveLength(16);
    const main = setCookies.find((c) => c.startsWith('ciam_device='));
    expect(main).toBe(`ciam_device=${id}; path=/; expires=${main?.match(/expires=([^;]+)/)?.[1]}; samesite=lax; httponly`);
    const expires = Date.parse(main!.match(/expires=([^;]+)/)![1]!);
    expect(Math.abs(expires - (before + 400 * 86_400_000))).toBeLessThan(5_000);
    expect(setCookies.some((c) => c.startsWith('ciam_device.sig='))).toBe(true);
    expect((await call('/ensure')).id).not.toBe(id);
  });

  it('keeps the id of a browser that has one, and re-sets it so that it stays alive', async () => {
    const first = await call('/ensure');
    const again = await call('/ensure', { cookie: first.cookie });
    expect(again.id).toBe(first.id);
    expect(again.setCookies.some((c) => c.startsWith(`ciam_device=${first.id};`))).toBe(true);
    expect((await call('/read', { cookie: first.cookie })).id).toBe(first.id);
  });

  it('reads without ever setting a cookie', async () => {
    const { id, setCookies } = await call('/read');
    expect(id).toBeNull();
    expect(setCookies).toEqual([]);
  });

  it('ignores an id that is unsigned, signed with another key, or altered', async () => {
    const { id, cookie } = await call('/ensure');
    expect((await call('/read', { cookie: `ciam_device=${id}` })).id).toBeNull();
    const altered = cookie.replace(`ciam_device=${id}`, `ciam_device=${id!.slice(0, -1)}${id!.endsWith('A') ? 'B' : 'A'}`);
    expect((await call('/read', { cookie: altered })).id).toBeNull();
    const foreign = await serve(deviceApp(['x'.repeat(32)]));
    try {
      const other = await call('/ensure', {}, foreign.url);
      expect((await call('/read', { cookie: other.cookie })).id).toBeNull();
      const replaced = await call('/ensure', { cookie: other.cookie });
      expect(replaced.id).not.toBe(other.id);
    } finally {
      await foreign.close();
    }
  });

  it('ignores a correctly signed value that is not a device id', async () => {
    for (const value of ['short', 'x'.repeat(23), 'a+b/c=d'.padEnd(22, 'a'), '']) {
      const planted = await call(`/plant?value=${encodeURIComponent(value)}`);
      expect((await call('/read', { cookie: planted.cookie })).id).toBeNull();
    }
  });

  it('still reads ids signed with an older key after the keys rotate', async () => {
    const old = await serve(deviceApp([OLD_KEY]));
    const rotated = await serve(deviceApp([KEY, OLD_KEY]));
    try {
      const issued = await call('/ensure', {}, old.url);
      expect((await call('/read', { cookie: issued.cookie }, rotated.url)).id).toBe(issued.id);
    } finally {
      await old.close();
      await rotated.close();
    }
  });

  it('over TLS is a __Host- cookie with Secure, and the plain-HTTP cookie does not count', async () => {
    const https = { 'x-forwarded-proto': 'https' };
    const { id, setCookies, cookie } = await call('/ensure', https);
    const main = setCookies.find((c) => c.startsWith('__Host-ciam_device='));
    expect(main).toMatch(/; path=\/;/);
    expect(main).toMatch(/; secure/);
    expect(main).not.toMatch(/domain=/i);
    expect((await call('/read', { ...https, cookie })).id).toBe(id);

    const plain = await call('/ensure');
    expect((await call('/read', { ...https, cookie: plain.cookie })).id).toBeNull();
    expect(deviceCookieName(true)).toBe('__Host-ciam_device');
    expect(deviceCookieName(false)).toBe('ciam_device');
  });
});

describe('login names known on this browser', () => {
  // /remember?name= records a sign-in of that name; /known?name= answers knownDeviceFor.
  function knownApp(): Koa {
    const app = new Koa();
    app.keys = [KEY];
    app.use((ctx) => {
      const name = String(ctx.query.name);
      if (ctx.path === '/remember') {
        rememberKnownLogin(ctx, name);
        ctx.body = { id: ensureDeviceId(ctx) };
      } else ctx.body = { id: knownDeviceFor(ctx, name) ?? null };
    });
    return app;
  }
  let app: Served;
  beforeAll(async () => {
    app = await serve(knownApp());
  });
  afterAll(() => app.close());

  /** Cookies as a browser keeps them: later Set-Cookie values replace earlier ones of the same name. */
  const jar = new Map<string, string>();
  const send = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  async function visit(path: string) {
    const res = await fetch(`${app.url}${path}`, { headers: { cookie: send() } });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const at = pair!.indexOf('=');
      jar.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    return ((await res.json()) as { id: string | null }).id;
  }

  it('knows a name only after it signed in here, by this browser’s device id, for its last five names', async () => {
    expect(await visit('/known?name=a@example.com')).toBeNull();
    const device = await visit('/remember?name=a@example.com');
    expect(await visit('/known?name=a@example.com')).toBe(device);
    expect(await visit('/known?name=b@example.com')).toBeNull();
    // The cookie holds hashes, not addresses.
    expect(jar.get('ciam_known')).not.toMatch(/example/);
    for (const n of ['b', 'c', 'd', 'e', 'f']) await visit(`/remember?name=${n}@example.com`);
    expect(await visit('/known?name=f@example.com')).toBe(device);
    expect(await visit('/known?name=b@example.com')).toBe(device);
    expect(await visit('/known?name=a@example.com')).toBeNull();
  });

  it('trusts no cookie it did not sign, and no entry made for another device', async () => {
    const signed = jar.get('ciam_known')!;
    jar.set('ciam_known', `${signed.split('.')[0]}`);
    expect(await visit('/known?name=f@example.com')).toBeNull();
    jar.set('ciam_known', signed);
    const device = jar.get('ciam_device')!;
    jar.delete('ciam_device');
    jar.delete('ciam_device.sig');
    expect(await visit('/known?name=f@example.com')).toBeNull();
    expect(device).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});
