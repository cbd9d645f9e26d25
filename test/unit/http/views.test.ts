import { SUPPORTED_LOCALES, translator } from '../../../src/i18n/index.ts';
import { renderView, VIEW_NAMES, type CoreView } from '../../../src/http/views.ts';

const EVIL = '<script>alert(1)</script>';
const client = { id: 'shop', name: EVIL, uri: 'https://shop.example/', policyUri: 'https://shop.example/privacy', tosUri: 'https://shop.example/tos' };
const actions = { login: '/interaction/abc/login', confirm: '/interaction/abc/confirm', abort: '/interaction/abc/abort' };
const providerForm = '<form id="op.logoutForm" method="post" action="/session/end/confirm"><input type="hidden" name="xsrf" value="x1"/></form>';

const samples: Record<CoreView, Record<string, unknown>> = {
  login: { client, actions, csrfToken: 'tok', email: EVIL, error: 'login.error.credentials', errorField: 'credentials', reauthenticate: true },
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

describe('views', () => {
  it.each(SUPPORTED_LOCALES.flatMap((locale) => VIEW_NAMES.map((view) => [locale, view] as const)))(
    '%s %s renders, escapes user-supplied values and needs no inline code or style',
    (locale, view) => {
      const html = renderView(view, locale, samples[view]);
      expect(html).toMatch(/^<!doctype html>/);
      expect(html).toContain(`<html lang="${locale}">`);
      expect(html).toMatch(/<link rel="stylesheet" href="\/assets\/app\.css\?v=[\w-]+">/);
      expect(html).not.toContain(EVIL);
      expect(html).not.toMatch(/<script|style=|\son[a-z]+=/i);
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
