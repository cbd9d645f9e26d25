// What the customer reads about second factors: the MFA mails and the SMS text.
import { SUPPORTED_LOCALES, translator, type Locale } from '../../../src/i18n/index.ts';
import { renderMail, type MailerConfig } from '../../../src/services/mailer.ts';

const config: MailerConfig = {
  env: 'test',
  issuer: 'https://id.example.com',
  productName: 'Acme ID',
  mail: { from: 'no-reply@example.com' },
  codes: { ttlSeconds: 600, maxAttempts: 5 },
};
const base = { to: 'jane@example.com' };

describe('recovery-code-used', () => {
  const text = (locale: Locale, remaining: string) => renderMail(config, { ...base, template: 'recovery-code-used', locale, data: { remaining } }).text;

  it('says how many codes are left, in the right plural form', () => {
    expect(text('en', '1')).toContain('You have 1 recovery code left.');
    expect(text('en', '9')).toContain('You have 9 recovery codes left.');
    expect(text('de', '1')).toContain('Sie haben noch 1 Wiederherstellungscode.');
    expect(text('da', '2')).toContain('Du har 2 gendannelseskoder tilbage.');
    expect(text('pl', '1')).toContain('Został Ci 1 kod zapasowy.');
    expect(text('pl', '3')).toContain('Zostały Ci 3 kody zapasowe.');
    expect(text('pl', '5')).toContain('Zostało Ci 5 kodów zapasowych.');
  });

  it('tells the customer to make new codes when none are left', () => {
    expect(text('en', '0')).toContain('You have no recovery codes left.');
    expect(text('en', '0')).not.toContain('0 recovery codes');
    expect(text('pl', '0')).toContain('Nie masz już kodów zapasowych.');
  });

  it('links to the sign-in security page by default, or to the given link', () => {
    expect(text('en', '4')).toContain('https://id.example.com/account/security');
    const custom = renderMail(config, {
      ...base,
      template: 'recovery-code-used',
      locale: 'en',
      data: { remaining: '4', securityLink: 'https://id.example.com/elsewhere' },
    });
    expect(custom.text).toContain('https://id.example.com/elsewhere');
  });

  it('refuses a remaining count that is not a whole number', () => {
    for (const remaining of ['-1', 'ten', '1.5', '']) {
      expect(() => renderMail(config, { ...base, template: 'recovery-code-used', locale: 'en', data: { remaining } })).toThrow(/remaining/);
    }
  });
});

describe('factor-added / factor-removed', () => {
  it('name the factor, escaped in HTML', () => {
    const factor = '<b>Key</b> & co';
    for (const template of ['factor-added', 'factor-removed'] as const) {
      const mail = renderMail(config, { ...base, template, locale: 'en', data: { factor } });
      expect(mail.text).toContain(factor);
      expect(mail.html).toContain('&lt;b&gt;Key&lt;/b&gt; &amp; co');
      expect(mail.html).not.toContain('<b>Key</b>');
      expect(mail.html).toContain('href="https://id.example.com/account/security"');
    }
  });

  it('refuse to go without the factor', () => {
    expect(() => renderMail(config, { ...base, template: 'factor-added', locale: 'en' })).toThrow(/data\.factor/);
  });
});

describe('mfa-code', () => {
  it('carries the code on a line of its own and its lifetime', () => {
    const mail = renderMail(config, { ...base, template: 'mfa-code', locale: 'de', data: { code: '042042', minutes: '5' } });
    expect(mail.text).toMatch(/^042042$/m);
    expect(mail.text).toContain('Der Code ist 5 Minuten lang gültig.');
    expect(mail.subject).toBe('Ihr Sicherheitscode für Acme ID');
  });
});

describe('sms.code', () => {
  // GSM 03.38 basic character set: a text in it fits 160 characters per segment; anything else halves that.
  const GSM = /^[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&'()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà]*$/;

  it.each(SUPPORTED_LOCALES)('%s: the code first, the product, the lifetime, in one segment', (locale) => {
    const text = translator(locale)('sms.code', { code: '123456', productName: 'Acme ID', minutes: '5' });
    expect(text).toMatch(/^123456 /);
    expect(text).toContain('Acme ID');
    expect(text).toContain('5');
    expect(text).not.toMatch(/\{\w+\}|https?:/);
    if (locale === 'pl') {
      expect(text.length).toBeLessThanOrEqual(134); // UCS-2: two segments of 67
    } else {
      expect(text).toMatch(GSM);
      expect(text.length).toBeLessThanOrEqual(160);
    }
  });
});
