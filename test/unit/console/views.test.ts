// Every console page renders in every language with every message it names, escapes what customers typed, labels every
// control, and puts a CSRF token in every form that posts (the pages' data as src/console/*.ts builds it).
import { SUPPORTED_LOCALES, translator, type MessageKey } from '../../../src/i18n/index.ts';
import ejs from 'ejs';
import { renderView } from '../../../src/http/views.ts';
import { AUDIT_EVENT_TYPES } from '../../../src/services/audit-events.ts';

const EVIL = '<script>alert(1)</script>';
const frame = (role: string) => ({
  csrfToken: 'tok',
  flash: 'console.flash.disabled',
  nav: [
    { section: 'customers', href: '/console/customers', label: 'console.nav.customers' },
    { section: 'audit', href: '/console/audit', label: 'console.nav.audit' },
  ],
  section: 'customers',
  operator: { name: EVIL, email: 'op@example.com', role },
  signOutUrl: '/session/end?client_id=ciam-console',
});
const customer = { email: EVIL, emailVerified: false, name: EVIL, phone: '+4915112345678', phoneVerified: true, locale: 'de', disabled: true, erasureDue: 'Jan 1', noPassword: true, createdAt: 'Jan 1', lastLoginAt: '', id: 'u1' };

const APP_FORM = {
  clientId: 'shop', clientName: '', redirectUris: '', postLogoutRedirectUris: '', grantTypes: ['authorization_code'], responseTypes: ['code'], tokenEndpointAuthMethod: 'none', scope: '',
  firstParty: true, requireVerifiedEmail: false, emailCodeSignin: 'on', requiredProfileAttributes: ['given_name'], mfaPolicy: 'required', mfaFactors: ['totp'], optionalScopes: '', optionalClaims: '',
  connectionsMode: 'chosen', connections: ['acme'], policyUri: '', tosUri: '', metadata: '', brandName: '', brandPrimary: '', brandBackground: '', brandSupport: '', brandLogo: '', brandLogoUrl: '', brandLogoRemove: false,
};
const APP_OPTIONS = {
  grantTypes: ['authorization_code', 'refresh_token'], responseTypes: ['code', 'none'], authMethods: ['client_secret_basic', 'none'], mfaPolicies: ['', 'off', 'adaptive', 'required'],
  factors: ['totp', 'sms', 'email', 'passkey', 'recovery'], attributes: ['given_name', 'address'], connections: [{ id: 'acme', name: EVIL, enabled: false }],
};

const pages: [string, MessageKey, Record<string, unknown>][] = [
  ['customers', 'console.customers.title', {
    ...frame('admin'), form: { email: EVIL, q: '', phone: 'x' }, errors: { email: 'console.customers.error.email', phone: 'console.customers.error.phone' }, searched: true,
    customers: [{ href: '/console/customers/u1', email: EVIL, emailVerified: true, name: EVIL, phone: '', disabled: false, createdAt: 'Jan 1', lastLoginAt: '' }],
    next: '/console/customers?cursor=x', first: '/console/customers',
  }],
  ['customer', 'console.customer.title', {
    ...frame('support'), customer,
    sessions: [{ loginAt: 'Jan 1', lastSeenAt: '', ip: '', browser: EVIL, os: '', device: '' }],
    apps: [{ clientId: 'shop', name: EVIL, scopes: 'openid', grantedAt: '' }],
    factors: ['totp', 'sms', 'email', 'passkey', 'recovery'].map((type) => ({ type, label: EVIL, createdAt: 'Jan 1', lastUsedAt: '', remaining: type === 'recovery' ? 8 : null })),
    identities: [{ connection: 'acme', email: EVIL, linkedAt: 'Jan 1', lastUsedAt: 'Jan 2' }],
    actions: [{ href: '/console/customers/u1/actions/enable', label: 'console.action.enable', danger: false }],
    auditHref: '/console/audit?account=u1',
    acceptances: [{ document: EVIL, id: 'terms', version: EVIL, acceptedAt: 'Jan 1', source: 'console.source.signup', clientId: EVIL }],
    preferences: [{ topic: EVIL, topicId: 'news', channel: 'email', optIn: true, since: 'Jan 1', source: 'console.source.accountCenter' }],
    preferenceChanges: [{ topicId: 'news', channel: 'email', optIn: false, at: 'Jan 1', source: null, clientId: EVIL }],
    consentHistory: [{ clientId: 'shop', name: EVIL, records: [{ at: 'Jan 1', action: 'withdrawn', source: 'console.source.operator', granted: '', grantedClaims: '', withheld: EVIL }, { at: 'Jan 1', action: 'granted', source: null, granted: 'openid', grantedClaims: EVIL, withheld: '' }] }],
    cut: 1,
  }],
  ['customers', 'console.customers.title', {
    ...frame('support'), form: { email: '', q: EVIL, phone: '' }, errors: {}, searched: true, customers: [], next: null, first: null,
    grant: { until: 'Jan 1, 10:00', reason: EVIL },
  }],
  ['app', 'console.app.title', {
    ...frame('admin'),
    app: { clientId: 'shop', public: false, tokenEndpointAuthMethod: 'client_secret_basic', grantTypes: ['authorization_code'], scope: EVIL, redirectUris: [EVIL], mfaPolicy: 'adaptive', builtIn: false, hasSecret: true },
    form: { ...APP_FORM, clientName: EVIL, redirectUris: EVIL, metadata: EVIL, brandLogo: '/branding/logo/x.png', brandLogoUrl: EVIL },
    options: APP_OPTIONS, legal: ['terms'], problems: [EVIL], secret: EVIL, created: true, mayWrite: true, action: '/console/apps/shop',
  }],
  ['app-new', 'console.app.new.title', { ...frame('admin'), form: { ...APP_FORM, clientId: EVIL }, options: APP_OPTIONS, problems: [EVIL], action: '/console/apps' }],
  ['operators', 'console.operators.title', {
    ...frame('admin'), hours: [1, 2, 8], max: 8,
    operators: [
      { id: 'a1', email: EVIL, name: EVIL, role: 'admin', grant: null, action: '/console/operators/a1/search', form: { hours: '2', reason: '', error: null } },
      { id: 's1', email: EVIL, name: '', role: 'support', grant: { until: 'Jan 1', reason: EVIL, by: EVIL }, action: '/console/operators/s1/search', form: { hours: '9', reason: EVIL, error: 'console.operators.error.hours' } },
    ],
  }],
  ['connection', 'console.connection.title', {
    ...frame('admin'), isNew: false, problems: [EVIL], protocols: ['oidc', 'github', 'facebook'], responseModes: ['query', 'form_post'], action: '/console/connections/acme',
    form: { id: 'acme', name: EVIL, protocol: 'oidc', issuer: EVIL, clientId: EVIL, scopes: '', allowSignup: true, trustEmail: false, responseMode: 'query', icon: '', authorization: '', token: '', api: '', tenants: EVIL, mfaAmr: '', mfaAcr: '', attributes: EVIL, keepTokens: false, enabled: true, signedSecret: false },
  }],
  ['confirm', 'console.action.resetMfa', {
    ...frame('admin'), customer: { email: EVIL, href: '/console/customers/u1' }, lead: 'console.action.resetMfa.lead', confirm: 'console.action.resetMfa.confirm', danger: true, action: '/console/customers/u1/actions/reset-mfa',
  }],
  ['audit', 'console.audit.title', {
    ...frame('auditor'), form: { type: '', account: EVIL, actor: '', from: 'x', to: '' }, errors: { from: 'console.audit.error.date', type: 'console.audit.error.type' }, unknownEmail: true, types: AUDIT_EVENT_TYPES,
    events: [{ at: 'Jan 1', iso: '2026-01-01T00:00:00.000Z', type: 'account.disabled', failed: true, account: { id: 'erased:x', href: null }, actor: { id: 'op1', href: '/console/customers/op1' }, clientId: 'ciam-console', reason: 'console', ip: '', details: EVIL }],
    next: null, first: '/console/audit',
  }],
  ['forbidden', 'console.forbidden.title', { title: 'console.forbidden.title', message: 'console.forbidden.role', role: 'auditor', account: { email: EVIL, name: EVIL }, home: '/console', signOutUrl: '/session/end' }],
  ['signin-problem', 'console.signin.problem.title', { title: 'console.signin.problem.title', message: 'console.signin.problem.state', retry: '/console' }],
  ['signed-out', 'console.signedOut.title', { title: 'console.signedOut.title' }],
];

describe('console pages', () => {
  it.each(SUPPORTED_LOCALES.flatMap((locale) => pages.map(([view, title, data]) => [locale, view, title, data] as const)))(
    '%s %s renders every message, escapes what was typed, labels every control',
    (locale, view, title, data) => {
      const html = renderView(`console/${view}`, locale, { title, ...data }, title);
      expect(html).toContain(`<title>${ejs.escapeXML(translator(locale)(title))}</title>`);
      expect(html).not.toContain(EVIL);
      // Inline script or style (the CSP refuses them); forms.js, on every page, comes from /assets/.
      expect(html).not.toMatch(/<script(?![^>]*\ssrc="\/assets\/)|style=|\son[a-z]+=/i);
      expect(html).not.toMatch(/undefined|\{[a-z]+\}/);
      for (const [, id] of html.matchAll(/<(?:input|select) id="([^"]+)"/g)) expect(html).toContain(`<label for="${id}">`);
      const posting = html.match(/<form method="post"/g)?.length ?? 0;
      expect(html.match(/name="_csrf" value="tok"/g)?.length ?? 0).toBe(posting);
    },
  );
});
