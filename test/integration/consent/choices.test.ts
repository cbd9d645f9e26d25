// The rules of per-item consent (services/consent-choices.ts) and the consent page that offers them, in every locale.
import ejs from 'ejs';
import { SUPPORTED_LOCALES, translator, type MessageKey } from '../../../src/i18n/index.ts';
import { renderView } from '../../../src/http/views.ts';
import { claimsOfScope } from '../../../src/services/claims.ts';
import { decide, itemsFor, optionalItems, unknownChoices } from '../../../src/services/consent-choices.ts';

const optional = optionalItems({ optional_scopes: ['email', 'openid'], optional_claims: ['name', 'sub'] });
const none = { scopes: new Set<string>(), claims: new Set<string>() };

describe('consent rules', () => {
  it('openid and protocol claims are never optional, whatever the client registers', () => {
    expect([...optional.scopes]).toEqual(['email']);
    expect([...optional.claims]).toEqual(['name']);
  });

  it('marks items required or optional; a scope-released claim follows its scope unless itself optional', () => {
    const items = itemsFor(['openid', 'email', 'phone', 'profile'], ['email', 'birthdate'], optional, claimsOfScope);
    expect(items).toEqual([
      { kind: 'scope', name: 'openid', optional: false },
      { kind: 'scope', name: 'email', optional: true },
      { kind: 'scope', name: 'phone', optional: false },
      { kind: 'scope', name: 'profile', optional: false },
      // birthdate, asked for individually, is released by profile and follows it; name is optional in itself.
      { kind: 'claim', name: 'name', optional: true },
    ]);
    // A claim asked for outside of any requested scope is its own item, optional when an optional scope releases it.
    expect(itemsFor(['openid'], ['email', 'address'], optional, claimsOfScope)).toEqual([
      { kind: 'scope', name: 'openid', optional: false },
      { kind: 'claim', name: 'email', optional: true },
      { kind: 'claim', name: 'address', optional: false },
    ]);
  });

  it('withholding a scope withholds the claims it releases; required items are always granted', () => {
    const items = itemsFor(['openid', 'email', 'phone'], ['email'], optional, claimsOfScope);
    const withheld = decide(['openid', 'email', 'phone'], ['email'], items, none, claimsOfScope, { 'https://api.example': ['read'] });
    expect(withheld.granted).toEqual({ scopes: ['openid', 'phone'], claims: [], resources: { 'https://api.example': ['read'] } });
    expect(withheld.withheld).toEqual({ scopes: ['email'], claims: ['email', 'email_verified'] });

    const kept = decide(['openid', 'email', 'phone'], ['email'], items, { scopes: new Set(['email']), claims: new Set() }, claimsOfScope);
    expect(kept.granted.scopes).toEqual(['openid', 'email', 'phone']);
    expect(kept.granted.claims).toEqual(['email']);
    expect(kept.withheld).toEqual({ scopes: [], claims: [] });
  });

  it('names every choice that is not an optional item on offer', () => {
    const items = itemsFor(['openid', 'email', 'phone'], [], optional, claimsOfScope);
    expect(unknownChoices(items, { scopes: new Set(['email']), claims: new Set() })).toEqual([]);
    expect(unknownChoices(items, { scopes: new Set(['phone', 'openid', 'email']), claims: new Set(['name']) })).toEqual(['phone', 'openid', 'name']);
  });
});

describe('the consent page with optional items', () => {
  const EVIL = '<script>alert(1)</script>';
  const data = {
    client: { id: 'partner', name: EVIL },
    actions: { login: '/i/login', confirm: '/i/confirm', abort: '/i/abort' },
    csrfToken: 'tok',
    scopes: ['See your phone number'],
    claims: [],
    resources: [],
    optional: [{ id: 'scope-1', kind: 'scope', name: 'email', label: EVIL, checked: false }],
    error: { key: 'consent.error.choice' },
  };

  it.each(SUPPORTED_LOCALES)('%s: unticked labelled checkboxes inside the CSRF-protected allow form, no inline code', (locale) => {
    // As the page shows it: escaped (Italian and French apostrophes become &#39;).
    const t = (key: MessageKey) => ejs.escapeXML(translator(locale)(key));
    const html = renderView('consent', locale, data);
    expect(html).not.toContain(EVIL);
    // Inline script or style (the CSP refuses them); forms.js, on every page, comes from /assets/.
    expect(html).not.toMatch(/<script(?![^>]*\ssrc="\/assets\/)|style=|\son[a-z]+=/i);
    expect(html).not.toMatch(/undefined|\{[a-z]+\}/);
    expect(html).toContain(t('consent.optional.hint'));
    expect(html).toContain(t('consent.error.choice'));
    expect(html).toMatch(/<input id="scope-1" name="scope" type="checkbox" value="email" aria-describedby="form-error">/);
    expect(html).toContain('<label for="scope-1">');
    const allow = /<form method="post" action="\/i\/confirm">[\s\S]*?<\/form>/.exec(html)?.[0] ?? '';
    expect(allow).toContain('name="_csrf" value="tok"');
    expect(allow).toContain('<fieldset class="consent-optional"');
    expect(html.match(/<form /g)?.length).toBe(html.match(/name="_csrf" value="tok"/g)?.length);
  });
});
