// Every console page renders in every language with every message it names, escapes what customers typed, labels every
// control, and puts a CSRF token in every form that posts (the pages' data as src/console/*.ts builds it).
import { SUPPORTED_LOCALES, translator, type MessageKey } from '../../../src/i18n/index.ts';
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
      expect(html).toContain(`<title>${translator(locale)(title)}</title>`);
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
