// The operator's brand from the configuration: a product name that reads as finished when none is set, a logo file
// checked like an uploaded logo, colours checked for WCAG AA contrast, a sender named after the product.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/index.ts';
import { operatorBrand } from '../../src/services/brands.ts';
import { PNG } from '../support/logos.ts';

const base = { NODE_ENV: 'test', COOKIE_KEYS: 'a'.repeat(32), DATA_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64') };
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ciam-brand-config-'));
  writeFileSync(join(dir, 'logo.png'), PNG);
  writeFileSync(join(dir, 'logo.gif'), 'GIF89a');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig({ ...base, ...env });
    return [];
  } catch (err) {
    return (err as ConfigError).problems;
  }
};

it('names the product after the issuer when PRODUCT_NAME is unset, and the sender after the product', () => {
  expect(loadConfig({ ...base, ISSUER: 'https://id.acme.example' })).toMatchObject({ productName: 'acme.example', mail: { from: '"acme.example" <no-reply@id.acme.example>' } });
  expect(loadConfig({ ...base, ISSUER: 'https://login.shop.de' }).productName).toBe('shop.de');
  expect(loadConfig({ ...base, ISSUER: 'http://localhost:3000' }).productName).toBe('localhost');
  const named = loadConfig({ ...base, ISSUER: 'https://id.acme.example', PRODUCT_NAME: 'Acme "ID"' });
  expect(named).toMatchObject({ productName: 'Acme "ID"', mail: { from: '"Acme ID" <no-reply@id.acme.example>' }, webauthn: { rpName: 'Acme "ID"' } });
  expect(loadConfig({ ...base, MAIL_FROM: 'Acme <hello@acme.example>' }).mail.from).toBe('Acme <hello@acme.example>');
});

it("reads the operator's logo file, colours and support link into the operator's brand", () => {
  const config = loadConfig({
    ...base,
    PRODUCT_NAME: 'Acme ID',
    BRAND_LOGO_FILE: join(dir, 'logo.png'),
    BRAND_PRIMARY_COLOR: '#0B5D3B',
    BRAND_BACKGROUND_COLOR: '#fff8e7',
    BRAND_SUPPORT_URL: 'https://help.acme.example/',
  });
  expect(operatorBrand(config)).toEqual({
    name: 'Acme ID',
    logo: { path: `/branding/logo/${config.branding.logo!.name}`, ext: 'png' },
    primaryColor: '#0b5d3b',
    backgroundColor: '#fff8e7',
    supportUri: 'https://help.acme.example/',
  });
});

it('refuses colours below WCAG AA, logos that are not one, and support links that are not https', () => {
  expect(problemsOf({ BRAND_PRIMARY_COLOR: '#808080' })).toEqual([expect.stringMatching(/^BRAND_PRIMARY_COLOR: button text on #808080 reaches at most 4\.19:1 .*WCAG AA needs 4\.5:1/)]);
  expect(problemsOf({ BRAND_BACKGROUND_COLOR: 'white' })).toEqual(['BRAND_BACKGROUND_COLOR: must be a colour written #rrggbb']);
  expect(problemsOf({ BRAND_LOGO_FILE: join(dir, 'logo.gif') })).toEqual([`BRAND_LOGO_FILE: ${join(dir, 'logo.gif')} is not a PNG, JPEG, WebP or SVG image`]);
  expect(problemsOf({ BRAND_LOGO_FILE: join(dir, 'missing.png') })).toEqual([expect.stringMatching(/^BRAND_LOGO_FILE: cannot read .*missing\.png/)]);
  expect(problemsOf({ BRAND_SUPPORT_URL: 'http://help.acme.example/' })).toEqual(['BRAND_SUPPORT_URL: must be an https URL']);
});
