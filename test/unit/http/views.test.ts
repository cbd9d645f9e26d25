import { SUPPORTED_LOCALES, translator } from '../../../src/i18n/index.ts';
import { renderView, VIEW_NAMES, type CoreView } from '../../../src/http/views.ts';

const EVIL = '<script>alert(1)</script>';
// Inline script or style, which the CSP refuses; a script of our own from /assets/ (forms.js on every page) is fine.
const INLINE_CODE = /<script(?![^>]*\ssrc="\/assets\/[\w.-]+\?v=[\w-]+")|style=|\son[a-z]+=/i;
const client = { id: 'shop', name: EVIL, uri: 'https://shop.example/', policyUri: 'https://shop.example/privacy', tosUri: 'https://shop.example/tos' };
const actions = { login: '/interaction/abc/login', confirm: '/interaction/abc/confirm', abort: '/interaction/abc/abort' };
const providerForm = '<form id="op.logoutForm" method="post" action="/session/end/confirm"><input type="hidden" name="xsrf" value="x1"/></form>';

const samples: Record<CoreView, Record<string, unknown>> = {
  login: {
    client, actions, csrfToken: 'tok', email: EVIL, error: { key: 'login.error.credentials', field: 'password' }, reauthenticate: true,
    signup: '/interaction/abc/signup', forgot: '/interaction/abc/forgot',
    formAction: actions.login, linking: { name: EVIL, email: EVIL }, connections: [{ name: EVIL, href: '/interaction/abc/federated/acme' }],
  },
  consent: {
    client, actions, csrfToken: 'tok',
    scopes: ['See your e-mail address', EVIL], claims: ['Your full name'], resources: [{ name: EVIL, scopes: ['read'] }],
  },
  logout: { form: providerForm, host: 'id.example.com', client },
  'logged-out': { client },
  'device-input': { form: '<form id="op.deviceInputForm"></form>', error: 'device.input.error.notFound' },
  'device-confirm': { form: '<form id="op.deviceConfirmForm"></form>', client, userCode: EVIL },
  'device-success': { client },
  error: { message: 'error.lead', detail: EVIL, code: 'invalid_request', requestId: 'req-123', retryUrl: '/interaction/abc' },
  expired: { client },
  unavailable: { requestId: 'req-123' },
};

// The self-service pages of the sign-in, titled by their callers.
const paths = { signup: '/i/signup', login: '/i/login', verify: '/i/v', resend: '/i/r', forgot: '/i/forgot', reset: '/i/reset', abort: '/i/abort' };
const fields = [
  { name: 'given_name', label: 'field.given_name', type: 'text', autocomplete: 'given-name', value: EVIL, maxLength: 100 },
  { name: 'address_region', label: 'field.address.region', type: 'text', autocomplete: 'address-level1', value: '', maxLength: 100, optional: true },
];
const selfService = [
  ['signup', 'signup.title', { client, csrfToken: 'tok', paths, email: EVIL, error: { key: 'field.error.required', field: 'given_name' }, minLength: '8', fields, terms: 'https://x.example/tos', privacy: null }],
  ['code', 'verify.title', {
    client, csrfToken: 'tok', lead: { key: 'verify.lead', vars: { email: EVIL } }, ref: 'r1', code: EVIL, error: { key: 'throttle.retry', vars: { seconds: '30' } },
    notice: 'verify.resent', action: '/i/v', resend: '/i/r', back: { href: '/i/abort', key: 'verifyEmail.cancel', post: true },
  }],
  ['forgot', 'forgot.title', { client, csrfToken: 'tok', paths, email: EVIL, error: { key: 'login.error.emailInvalid' } }],
  ['reset', 'reset.title', { client, csrfToken: 'tok', paths, masked: EVIL, ref: 'r1', code: '', minLength: '8', error: { key: 'reset.error.mismatch', field: 'confirm' } }],
  ['profile-step', 'profileStep.title', { client, csrfToken: 'tok', fields, error: null, action: '/i/p', abort: '/i/abort' }],
] as const;

describe('self-service pages', () => {
  it.each(SUPPORTED_LOCALES.flatMap((locale) => selfService.map(([view, title, data]) => [locale, view, title, data] as const)))(
    '%s %s renders every message, escapes user-supplied values, labels every input',
    (locale, view, title, data) => {
      const t = translator(locale);
      const html = renderView(view, locale, data as Record<string, unknown>, title);
      expect(html).toContain(`<title>${t(title)}</title>`);
      expect(html).not.toContain(EVIL);
      expect(html).not.toMatch(INLINE_CODE);
      expect(html).not.toMatch(/undefined|\{[a-z]+\}/);
      for (const [, id] of html.matchAll(/<input id="([^"]+)"/g)) expect(html).toContain(`<label for="${id}">`);
      const forms = html.match(/<form /g)?.length ?? 0;
      expect(html.match(/name="_csrf" value="tok"/g)?.length ?? 0).toBe(forms);
    },
  );

  it('names the field a message is about', () => {
    const html = renderView('signup', 'en', selfService[0][2] as unknown as Record<string, unknown>, 'signup.title');
    expect(html).toContain('Fill in “First name”.');
    expect(html).toMatch(/id="given_name"[^>]*aria-invalid="true"/);
  });
});

describe('views', () => {
  it.each(SUPPORTED_LOCALES.flatMap((locale) => VIEW_NAMES.map((view) => [locale, view] as const)))(
    '%s %s renders, escapes user-supplied values and needs no inline code or style',
    (locale, view) => {
      const html = renderView(view, locale, samples[view]);
      expect(html).toMatch(/^<!doctype html>/);
      expect(html).toContain(`<html lang="${locale}">`);
      expect(html).toMatch(/<link rel="stylesheet" href="\/assets\/app\.css\?v=[\w-]+">/);
      expect(html).not.toContain(EVIL);
      expect(html).not.toMatch(INLINE_CODE);
      expect(html).not.toContain('undefined');
    },
  );

  it('shows the page title and body text in the chosen language', () => {
    for (const locale of SUPPORTED_LOCALES) {
      const t = translator(locale);
      const html = renderView('login', locale, samples.login);
      expect(html).toContain(`<title>${t('login.title')}</title>`);
      expect(html).toContain(t('login.password'));
    }
  });

  it('puts the CSRF token into every form of ours', () => {
    for (const view of ['login', 'consent'] as const) {
      const html = renderView(view, 'en', samples[view]);
      const forms = html.match(/<form[\s\S]*?<\/form>/g) ?? [];
      expect(forms.length).toBeGreaterThanOrEqual(2);
      for (const form of forms) expect(form).toContain('<input type="hidden" name="_csrf" value="tok">');
    }
  });

  it("keeps oidc-provider's own form with its xsrf token intact", () => {
    expect(renderView('logout', 'en', samples.logout)).toContain(providerForm);
  });

  it('labels every input of the login form', () => {
    const html = renderView('login', 'en', samples.login);
    expect(html).toContain('<label for="email">');
    expect(html).toContain('<label for="password">');
    expect(html).toContain('role="alert"');
  });

  it('links back to the client on the start-again page only when a link is known', () => {
    expect(renderView('expired', 'en', { client })).toContain('href="https://shop.example/"');
    expect(renderView('expired', 'en', { client: { name: 'x' } })).not.toContain('class="button"');
    expect(renderView('expired', 'en', { client: null })).not.toContain('class="button"');
  });
});
