import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/index.ts';

const secrets = {
  COOKIE_KEYS: 'a'.repeat(32),
  DATA_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
};

describe('loadConfig', () => {
  it('applies development defaults', () => {
    const c = loadConfig({ ...secrets });
    expect(c.port).toBe(3000);
    expect(c.issuer).toBe('http://localhost:3000');
    expect(c.demo.enabled).toBe(true);
    // The SSRF guard on outgoing requests stays on unless an operator turns it off.
    expect(c.allowPrivateNetworkRequests).toBe(false);
    expect(loadConfig({ ...secrets, ALLOW_PRIVATE_NETWORK_REQUESTS: 'true' }).allowPrivateNetworkRequests).toBe(true);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('names every bad variable in one error', () => {
    let error: unknown;
    try {
      loadConfig({ ...secrets, PORT: 'eighty', ISSUER: 'not a url', TRUST_PROXY: 'maybe', RESOURCES: '{' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ['PORT', 'ISSUER', 'TRUST_PROXY', 'RESOURCES']) expect(message).toContain(name);
  });

  it('requires secrets in production and never invents them there', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/COOKIE_KEYS: required[\s\S]*DATA_ENCRYPTION_KEY: required/);
    expect(() => loadConfig({ NODE_ENV: 'production', COOKIE_KEYS: 'short', DATA_ENCRYPTION_KEY: secrets.DATA_ENCRYPTION_KEY }))
      .toThrow(/COOKIE_KEYS: each key must be at least 32 characters/);
  });

  it('hashes passwords at OWASP\'s cost by default, and refuses less than OWASP\'s floor in production only', () => {
    expect(loadConfig({ ...secrets }).password.hash).toEqual({ memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    const production = { ...secrets, NODE_ENV: 'production', SMTP_URL: 'smtp://mail.example.test', DEMO: 'false' };
    expect(loadConfig({ ...production, PASSWORD_HASH_MEMORY_KIB: '47104', PASSWORD_HASH_PASSES: '1' }).password.hash.memoryCost).toBe(47_104);
    expect(loadConfig({ ...production, PASSWORD_HASH_MEMORY_KIB: '7168', PASSWORD_HASH_PASSES: '5' }).password.hash.timeCost).toBe(5);
    expect(() => loadConfig({ ...production, PASSWORD_HASH_MEMORY_KIB: '19456', PASSWORD_HASH_PASSES: '1' })).toThrow(/PASSWORD_HASH_MEMORY_KIB: .*OWASP/);
    expect(() => loadConfig({ ...production, PASSWORD_HASH_MEMORY_KIB: '4096', PASSWORD_HASH_PASSES: '10' })).toThrow(/OWASP/);
    // Outside production the cheapest legal cost is allowed (the tests use it), nothing below.
    expect(loadConfig({ ...secrets, NODE_ENV: 'test', PASSWORD_HASH_MEMORY_KIB: '1024', PASSWORD_HASH_PASSES: '1' }).password.hash.memoryCost).toBe(1024);
    // Password hashes at once: one core left to the rest unless configured; never zero.
    expect(loadConfig({ ...secrets }).password.hashConcurrency).toBe(Math.max(1, availableParallelism() - 1));
    expect(loadConfig({ ...secrets, PASSWORD_HASH_CONCURRENCY: '6' }).password.hashConcurrency).toBe(6);
    expect(() => loadConfig({ ...secrets, PASSWORD_HASH_CONCURRENCY: '0' })).toThrow(/PASSWORD_HASH_CONCURRENCY/);
    expect(() => loadConfig({ ...secrets, PASSWORD_HASH_MEMORY_KIB: '512' })).toThrow(/PASSWORD_HASH_MEMORY_KIB/);
  });

  it('keeps signing keys for every algorithm by default, or for a set that includes RS256', () => {
    expect(loadConfig({ ...secrets }).signingAlgs).toEqual(['ES256', 'RS256', 'EdDSA']);
    expect(loadConfig({ ...secrets, SIGNING_ALGS: 'RS256, ES256,RS256' }).signingAlgs).toEqual(['RS256', 'ES256']);
    expect(() => loadConfig({ ...secrets, SIGNING_ALGS: 'ES256' })).toThrow(/SIGNING_ALGS: must include RS256/);
    expect(() => loadConfig({ ...secrets, SIGNING_ALGS: 'RS256,HS256' })).toThrow(/SIGNING_ALGS: each algorithm must be one of/);
  });

  it('offers the code flow (and none) always, implicit and hybrid flows only when listed', () => {
    expect(loadConfig({ ...secrets }).responseTypes).toEqual(['code', 'none']);
    expect(loadConfig({ ...secrets, RESPONSE_TYPES: 'token id_token, code  id_token,id_token' }).responseTypes).toEqual([
      'code',
      'none',
      'id_token token',
      'code id_token',
      'id_token',
    ]);
    expect(() => loadConfig({ ...secrets, RESPONSE_TYPES: 'token' })).toThrow(/RESPONSE_TYPES: each response type must be one of/);
  });

  it('generates development secrets once, privately, and reuses them', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ciam-cfg-')), 'dev.json');
    const a = loadConfig({ DEV_SECRETS_FILE: file });
    const b = loadConfig({ DEV_SECRETS_FILE: file });
    expect(a.cookieKeys).toEqual(b.cookieKeys);
    expect(a.dataEncryptionKey.equals(b.dataEncryptionKey)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8')).cookieKeys[0].length).toBeGreaterThanOrEqual(32);
  });

  it('parses resource servers', () => {
    const c = loadConfig({ ...secrets, RESOURCES: '{"https://api.example.com":{"scope":"orders:read"}}' });
    expect(c.resources['https://api.example.com']).toEqual({ scope: 'orders:read', accessTokenFormat: 'jwt', introspectors: [] });
    expect(() => loadConfig({ ...secrets, RESOURCES: '{"not-a-url":{}}' })).toThrow(/RESOURCES/);
  });

  it('turns lazy migration on with an https LEGACY_AUTH_URL and its token (plain http only to this machine)', () => {
    const env = { ...secrets, NODE_ENV: 'test' };
    const token = 't'.repeat(24);
    expect(loadConfig(env).legacyAuth).toBeUndefined();
    expect(loadConfig({ ...env, LEGACY_AUTH_URL: 'https://legacy.example.com/check', LEGACY_AUTH_TOKEN: token }).legacyAuth).toEqual({
      url: 'https://legacy.example.com/check',
      token,
      timeoutMs: 3000,
    });
    expect(loadConfig({ ...env, LEGACY_AUTH_URL: 'http://127.0.0.1:8080/check', LEGACY_AUTH_TOKEN: token, LEGACY_AUTH_TIMEOUT_MS: '500' }).legacyAuth)
      .toMatchObject({ url: 'http://127.0.0.1:8080/check', timeoutMs: 500 });
    expect(() => loadConfig({ ...env, LEGACY_AUTH_URL: 'http://legacy.example.com/check', LEGACY_AUTH_TOKEN: token })).toThrow(/LEGACY_AUTH_URL: must be an https URL/);
    expect(() => loadConfig({ ...env, LEGACY_AUTH_URL: 'https://user:pw@legacy.example.com/check', LEGACY_AUTH_TOKEN: token })).toThrow(/LEGACY_AUTH_URL: must carry no credentials/);
    expect(() => loadConfig({ ...env, LEGACY_AUTH_URL: 'https://legacy.example.com/check' })).toThrow(/LEGACY_AUTH_TOKEN: required with LEGACY_AUTH_URL/);
    expect(() => loadConfig({ ...env, LEGACY_AUTH_URL: 'https://legacy.example.com/check', LEGACY_AUTH_TOKEN: 'short' })).toThrow(/LEGACY_AUTH_TOKEN/);
  });
});

describe('legal documents (LEGAL_DOCUMENTS, LEGAL_DOCUMENTS_FILE, TERMS_URL / PRIVACY_URL)', () => {
  const env = { ...secrets, NODE_ENV: 'test' };
  const problemsOf = (vars: Record<string, string>): string[] => {
    try {
      loadConfig({ ...env, ...vars });
    } catch (e) {
      if (e instanceof ConfigError) return e.problems;
      throw e;
    }
    throw new Error('expected a ConfigError');
  };
  const terms2 = {
    id: 'terms',
    version: '2024-06',
    effective: '2024-06-01T00:00:00Z',
    title: { en: 'Terms', de: 'Bedingungen' },
    text: { en: 'Be kind.' },
    changes: { en: 'Refunds explained.' },
    changesUrl: { en: 'https://example.com/changes' },
  };

  it('parses versions with effective dates, per-locale values and per-client scope', () => {
    const docs = [
      { id: 'terms', version: '1', effective: '2020-01-01', url: { en: 'https://example.com/terms', de: 'https://example.com/de/terms' } },
      terms2,
      { id: 'partner_terms', version: 'a', effective: '2021-03-04T05:06:07+02:00', text: { pl: 'Tylko dla partnera.' }, clients: ['partner'] },
    ];
    const { legal } = loadConfig({ ...env, LEGAL_DOCUMENTS: JSON.stringify(docs) });
    expect(legal.documents).toEqual([
      { id: 'terms', version: '1', effective: new Date('2020-01-01T00:00:00Z'), url: { en: 'https://example.com/terms', de: 'https://example.com/de/terms' } },
      { ...terms2, effective: new Date('2024-06-01T00:00:00Z') },
      { id: 'partner_terms', version: 'a', effective: new Date('2021-03-04T03:06:07Z'), text: { pl: 'Tylko dla partnera.' }, clients: ['partner'] },
    ]);
    expect(loadConfig({ ...env, LEGAL_DOCUMENTS: '[]' }).legal.documents).toEqual([]);
  });

  it('names the entry and field that is wrong, all at once', () => {
    expect(problemsOf({ LEGAL_DOCUMENTS: '[{"id":' })).toEqual(['LEGAL_DOCUMENTS: must be a JSON array of documents']);
    expect(problemsOf({ LEGAL_DOCUMENTS: '{"id":"terms"}' })).toEqual([expect.stringMatching(/^LEGAL_DOCUMENTS: .*expected array/)]);
    expect(problemsOf({ LEGAL_DOCUMENTS: '[{"id":"terms","version":"1","effective":"2024-01-01"}]' })).toEqual([
      'LEGAL_DOCUMENTS.0: each document needs a url or a text',
    ]);
    const many = problemsOf({
      LEGAL_DOCUMENTS: JSON.stringify([
        terms2,
        { id: 'Terms!', version: '', effective: 'soon', url: { en: 'not a url' } },
        { id: 'privacy', version: '1', effective: '2024-01-01', text: {}, clients: [] },
        { id: 'faq', version: '1', effective: '2024-01-01', url: { english: 'https://example.com' } },
      ]),
    });
    expect(many).toEqual(
      expect.arrayContaining([
        'LEGAL_DOCUMENTS.1.id: must be a short lower-case slug (a-z, 0-9, _ and -)',
        expect.stringMatching(/^LEGAL_DOCUMENTS\.1\.version: /),
        'LEGAL_DOCUMENTS.1.effective: must be a date or date-time (ISO 8601)',
        expect.stringMatching(/^LEGAL_DOCUMENTS\.1\.url\.en: /),
        'LEGAL_DOCUMENTS.2.text: needs at least one locale',
        expect.stringMatching(/^LEGAL_DOCUMENTS\.2\.clients: /),
        'LEGAL_DOCUMENTS.3.url: keys must be locales such as en or de',
      ]),
    );
    expect(many.some((p) => p.startsWith('LEGAL_DOCUMENTS.0'))).toBe(false);
  });

  it('refuses the same version of a document twice, and both the variable and its file', () => {
    const twice = [terms2, { ...terms2, effective: '2025-01-01' }];
    expect(problemsOf({ LEGAL_DOCUMENTS: JSON.stringify(twice) })).toEqual(['LEGAL_DOCUMENTS: each (id, version) may appear once']);
    // Another version of the same document, or the same version of another one, is fine.
    expect(loadConfig({ ...env, LEGAL_DOCUMENTS: JSON.stringify([terms2, { ...terms2, version: '2025' }, { ...terms2, id: 'privacy' }]) }).legal.documents).toHaveLength(3);
    expect(problemsOf({ LEGAL_DOCUMENTS: '[]', LEGAL_DOCUMENTS_FILE: '/nonexistent.json' })).toEqual([
      'LEGAL_DOCUMENTS: give either it or LEGAL_DOCUMENTS_FILE, not both',
    ]);
  });

  it('reads LEGAL_DOCUMENTS_FILE, and says which file and which entry is wrong', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ciam-legal-'));
    const good = join(dir, 'legal.json');
    writeFileSync(good, JSON.stringify([terms2]));
    expect(loadConfig({ ...env, LEGAL_DOCUMENTS_FILE: good }).legal.documents).toEqual([{ ...terms2, effective: new Date('2024-06-01T00:00:00Z') }]);

    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify([terms2, { id: 'privacy', version: '1', effective: 'never', text: { en: 'x' } }]));
    expect(problemsOf({ LEGAL_DOCUMENTS_FILE: bad })).toEqual(['LEGAL_DOCUMENTS_FILE: 1.effective: must be a date or date-time (ISO 8601)']);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '[{');
    expect(problemsOf({ LEGAL_DOCUMENTS_FILE: broken })).toEqual(['LEGAL_DOCUMENTS_FILE: (root): must be a JSON array of documents']);
    expect(problemsOf({ LEGAL_DOCUMENTS_FILE: join(dir, 'missing.json') })).toEqual([
      expect.stringMatching(/^LEGAL_DOCUMENTS_FILE: cannot read .*missing\.json \(ENOENT/),
    ]);
  });

  it('turns TERMS_URL and PRIVACY_URL alone into version 1 of terms and privacy, in force since ever', () => {
    const both = loadConfig({ ...env, TERMS_URL: 'https://example.com/terms', PRIVACY_URL: 'https://example.com/privacy' });
    expect(both.legal.documents).toEqual([
      { id: 'terms', version: '1', effective: new Date(0), url: { en: 'https://example.com/terms' } },
      { id: 'privacy', version: '1', effective: new Date(0), url: { en: 'https://example.com/privacy' } },
    ]);
    expect(both.signup).toMatchObject({ termsUrl: 'https://example.com/terms', privacyUrl: 'https://example.com/privacy' });
    expect(loadConfig({ ...env, PRIVACY_URL: 'https://example.com/privacy' }).legal.documents.map((d) => d.id)).toEqual(['privacy']);
    expect(loadConfig({ ...env }).legal.documents).toEqual([]);
    // Configured documents win: the single URLs are not added as further documents.
    expect(loadConfig({ ...env, TERMS_URL: 'https://example.com/terms', LEGAL_DOCUMENTS: JSON.stringify([terms2]) }).legal.documents.map((d) => `${d.id}@${d.version}`)).toEqual([
      'terms@2024-06',
    ]);
    expect(problemsOf({ TERMS_URL: 'terms.html' })).toEqual([expect.stringMatching(/^TERMS_URL: /)]);
  });
});
