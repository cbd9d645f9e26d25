import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
});
