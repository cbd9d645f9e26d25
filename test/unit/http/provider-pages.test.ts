import type { KoaContextWithOIDC } from 'oidc-provider';
import { errors } from 'oidc-provider';
import { localiseUserCodeForm, providerPages } from '../../../src/oidc/pages.ts';
import { translator } from '../../../src/i18n/index.ts';
import { createLogger } from '../../../src/log.ts';

interface FakeCtx {
  status: number;
  type: string;
  body: unknown;
  state: Record<string, unknown>;
  headers: Record<string, string>;
  oidc: { params?: Record<string, unknown>; client?: Record<string, unknown> };
  get(name: string): string;
  set(name: string, value: string): void;
  response: { get(name: string): string; set(name: string, value: string): void };
}

function fakeCtx(opts: { params?: Record<string, unknown>; client?: Record<string, unknown>; status?: number } = {}): FakeCtx {
  const headers: Record<string, string> = {
    'content-security-policy': "default-src 'self'; form-action 'self'",
  };
  const ctx: FakeCtx = {
    status: opts.status ?? 200,
    type: '',
    body: undefined,
    state: { requestId: 'req-1' },
    headers,
    oidc: { params: opts.params, client: opts.client },
    get: () => '',
    set: (name, value) => void (headers[name.toLowerCase()] = value),
    response: {
      get: (name) => headers[name.toLowerCase()] ?? '',
      set: (name, value) => void (headers[name.toLowerCase()] = value),
    },
  };
  return ctx;
}

const as = (ctx: FakeCtx) => ctx as unknown as KoaContextWithOIDC;
const pages = providerPages({ config: { issuer: 'https://id.example.com' }, logger: createLogger('silent') });
const client = { clientId: 'shop', clientName: 'Shop <i>', clientUri: 'https://shop.example/' };

describe('providerPages', () => {
  it('renders the logout confirmation around the provider form, in ui_locales, and allows the post-logout redirect', async () => {
    const ctx = fakeCtx({ params: { ui_locales: 'da', post_logout_redirect_uri: 'https://shop.example/bye' }, client });
    const form = '<form id="op.logoutForm" method="post" action="/session/end/confirm"><input type="hidden" name="xsrf" value="s3cr3t"/></form>';
    await pages.logoutSource(as(ctx), form);
    const html = String(ctx.body);
    expect(html).toContain(form);
    expect(html).toContain('Vil du logge ud af id.example.com?');
    expect(html).toContain('Shop &lt;i&gt;');
    expect(html).toContain('form="op.logoutForm" name="logout" value="yes"');
    expect(ctx.headers['content-security-policy']).toContain("form-action 'self' https://shop.example");
  });

  it('renders the post-logout page with or without a client', async () => {
    const withClient = fakeCtx({ client });
    await pages.postLogoutSuccessSource(as(withClient));
    expect(String(withClient.body)).toContain('You have been signed out of Shop &lt;i&gt;.');
    const without = fakeCtx();
    await pages.postLogoutSuccessSource(as(without));
    expect(String(without.body)).toContain('You have been signed out.');
  });

  it('explains each user-code error and keeps the xsrf input', async () => {
    const form = '<form id="op.deviceInputForm" novalidate method="post" action="/device"><input type="hidden" name="xsrf" value="x9"/><input type="text" name="user_code" placeholder="Enter code" onfocus="this.select(); this.onfocus = undefined;" autofocus autocomplete="off"></input></form>';
    const cases: [Error | undefined, string][] = [
      [undefined, 'Enter the code shown on your device.'],
      [Object.assign(new Error('x'), { name: 'NotFoundError' }), 'That code is not valid.'],
      [Object.assign(new Error('x'), { name: 'ExpiredError' }), 'That code has expired.'],
      [Object.assign(new Error('x'), { name: 'AlreadyUsedError' }), 'That code has already been used.'],
      [Object.assign(new Error('x'), { name: 'AbortedError' }), 'The sign-in was cancelled.'],
      [new errors.InvalidRequest('xsrf token invalid'), 'Something went wrong.'],
    ];
    for (const [err, text] of cases) {
      const ctx = fakeCtx();
      await pages.userCodeInputSource(as(ctx), form, undefined, err);
      const html = String(ctx.body);
      expect(html).toContain(text);
      expect(html).toContain('name="xsrf" value="x9"');
      expect(html).not.toContain('onfocus');
      expect(html).toContain('aria-label="Code from your device"');
    }
  });

  it('localises the user-code input and leaves unknown markup working', () => {
    const t = translator('pl');
    expect(localiseUserCodeForm('<input placeholder="Enter code">', t)).toBe('<input placeholder="Wpisz kod" aria-label="Kod z Twojego urządzenia">');
    expect(localiseUserCodeForm('<input name="user_code">', t)).toBe('<input name="user_code">');
  });

  it('shows the user code and client on the confirmation page, escaped', async () => {
    const ctx = fakeCtx();
    const form = '<form id="op.deviceConfirmForm" method="post" action="/device"><input type="hidden" name="xsrf" value="x9"/></form>';
    await pages.userCodeConfirmSource(as(ctx), form, client as never, {}, 'ABCD-<b>');
    const html = String(ctx.body);
    expect(html).toContain('ABCD-&lt;b&gt;');
    expect(html).toContain('Shop &lt;i&gt; wants to sign in on a device.');
    expect(html).toContain('name="abort" value="yes"');
  });

  it('renders the device success page', async () => {
    const ctx = fakeCtx({ client });
    await pages.successSource(as(ctx));
    expect(String(ctx.body)).toContain('You are signed in to Shop &lt;i&gt; on your device.');
  });

  it('renders provider errors: start again, 503, public description, or a 500 with reference only', async () => {
    const expired = fakeCtx({ status: 400, client });
    await pages.renderError(as(expired), { error: 'invalid_request', error_description: 'authorization request has expired' }, new errors.SessionNotFound('authorization request has expired'));
    expect(String(expired.body)).toContain('Please start again');
    expect(String(expired.body)).toContain('href="https://shop.example/"');

    const down = fakeCtx({ status: 500 });
    const dbError = Object.assign(new Error('connect ECONNREFUSED'), { name: 'MongoNetworkError' });
    await pages.renderError(as(down), { error: 'server_error', error_description: 'oops! something went wrong' }, dbError);
    expect(down.status).toBe(503);
    expect(down.headers['retry-after']).toBe('5');
    expect(String(down.body)).not.toContain('ECONNREFUSED');

    const bad = fakeCtx({ status: 400 });
    await pages.renderError(as(bad), { error: 'invalid_redirect_uri', error_description: "redirect_uri did not match any of the client's registered redirect_uris" }, new errors.InvalidRequest('x'));
    expect(bad.status).toBe(400);
    expect(String(bad.body)).toContain('invalid_redirect_uri');
    expect(String(bad.body)).toContain('redirect_uri did not match any of the client&#39;s registered redirect_uris');

    const crash = fakeCtx({ status: 500 });
    await pages.renderError(as(crash), { error: 'server_error', error_description: 'oops! something went wrong' }, new TypeError('internal detail'));
    expect(String(crash.body)).toContain('req-1');
    expect(String(crash.body)).not.toContain('internal detail');
  });
});
