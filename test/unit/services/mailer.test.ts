import { Writable } from 'node:stream';
import { SUPPORTED_LOCALES, type Locale } from '../../../src/i18n/index.ts';
import { mailMessages } from '../../../src/i18n/messages/mail.ts';
import { createLogger } from '../../../src/log.ts';
import { createMailer, MAIL_TEMPLATES, renderMail, type MailerConfig, type MailTemplate } from '../../../src/services/mailer.ts';

const config: MailerConfig = {
  env: 'test',
  issuer: 'https://id.example.com',
  productName: 'Acme ID',
  mail: { from: '"Acme ID" <no-reply@example.com>' },
  codes: { ttlSeconds: 600, maxAttempts: 5 },
};

const LINK = 'https://id.example.com/interaction/abc/verify?ref=R1&code=123456';
const SAMPLE_DATA: Record<MailTemplate, Record<string, string>> = {
  'verify-email': { code: '123456', link: LINK },
  'signup-existing': { signInLink: 'https://id.example.com/interaction/abc/login', resetLink: 'https://id.example.com/interaction/abc/forgot' },
  'password-reset': { code: '654321', link: LINK },
  'password-reset-unknown': { signupLink: 'https://id.example.com/interaction/abc/signup' },
  'password-changed': {},
  'sign-in-blocked': {},
  'email-change-verify': { code: '000042', link: LINK },
  'email-changed': { newEmail: 'new.address@example.org' },
  'mfa-code': { code: '424242' },
  'recovery-code-used': { remaining: '3' },
  'factor-added': { factor: 'Authenticator app' },
  'factor-removed': { factor: '+49 ••• ••12' },
  'link-identity': { code: '246810', name: 'Google' },
  'password-reset-link': { resetLink: 'https://id.example.com/recover?email=ada%40example.com' },
  'factors-reset': {},
  'signin-code': { code: '123456', link: 'https://id.example.com/interaction/abc/email-code?ref=r&code=123456' },
  'signin-code-unknown': { signupLink: 'https://id.example.com/interaction/abc/signup' },
};

const escapeHtml = (s: string) => s.replaceAll('&', '&amp;');

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger('info', stream) };
}

describe('mail messages', () => {
  const vars = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();

  it('exist in every language with the English placeholders and no empty text', () => {
    for (const locale of SUPPORTED_LOCALES) {
      const bundle = mailMessages[locale] as Record<string, string>;
      expect(Object.keys(bundle).sort()).toEqual(Object.keys(mailMessages.en).sort());
      for (const [key, english] of Object.entries(mailMessages.en)) {
        expect([locale, key, bundle[key]?.trim() === '']).toEqual([locale, key, false]);
        expect([locale, key, vars(bundle[key] ?? '')]).toEqual([locale, key, vars(english)]);
      }
    }
  });

  it('are translations, not copies of the English text', () => {
    for (const locale of SUPPORTED_LOCALES.filter((l) => l !== 'en')) {
      const same = Object.entries(mailMessages.en).filter(([k, v]) => (mailMessages[locale] as Record<string, string>)[k] === v);
      expect([locale, same]).toEqual([locale, []]);
    }
  });
});

describe('renderMail', () => {
  it.each(SUPPORTED_LOCALES.flatMap((locale) => MAIL_TEMPLATES.map((template) => [template, locale] as const)))(
    '%s in %s: subject, text and HTML are complete',
    (template, locale) => {
      const data = SAMPLE_DATA[template];
      const mail = renderMail(config, { to: 'user@example.com', template, locale, data });
      for (const part of [mail.subject, mail.text, mail.html]) {
        expect(part).not.toMatch(/\{\w+\}|<%|%>|undefined|NaN|\[object /);
      }
      expect(mail.subject).toContain('Acme ID');
      expect(mail.subject).not.toMatch(/\d{6}/); // codes stay out of subjects (lock screens, notification previews)
      expect(mail.html).toMatch(new RegExp(`^<!doctype html>\\s*<html lang="${locale}"`));
      expect(mail.text).toContain('user@example.com');
      for (const value of Object.values(data)) {
        expect(mail.text).toContain(value);
        expect(mail.html).toContain(escapeHtml(value));
      }
      if (data.code) {
        expect(mail.text).toMatch(new RegExp(`^${data.code}$`, 'm'));
        expect(mail.text).toMatch(/\b10\b/); // the expiry, from config.codes.ttlSeconds
      }
    },
  );

  it('escapes data in HTML and leaves it as typed in the text part', () => {
    const newEmail = '"<script>alert(1)</script>"@example.com';
    const mail = renderMail(config, { to: 'a&b@example.com', template: 'email-changed', locale: 'en', data: { newEmail } });
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&lt;script&gt;');
    expect(mail.html).toContain('a&amp;b@example.com');
    expect(mail.text).toContain(newEmail);
    expect(mail.text).toContain('a&b@example.com');
  });

  it('states the expiry with the right plural form, from data.minutes or the configured lifetime', () => {
    const text = (locale: Locale, minutes?: string, ttlSeconds = 600) =>
      renderMail({ ...config, codes: { ttlSeconds, maxAttempts: 5 } }, {
        to: 'u@example.com',
        template: 'password-reset',
        locale,
        data: { code: '123456', link: LINK, ...(minutes ? { minutes } : {}) },
      }).text;
    expect(text('en', '1')).toContain('The code expires in 1 minute.');
    expect(text('en', '15')).toContain('The code expires in 15 minutes.');
    expect(text('en', undefined, 599)).toContain('The code expires in 9 minutes.');
    expect(text('pl', '1')).toContain('Kod wygaśnie za 1 minutę.');
    expect(text('pl', '3')).toContain('Kod wygaśnie za 3 minuty.');
    expect(text('pl', '5')).toContain('Kod wygaśnie za 5 minut.');
    expect(text('pl', '22')).toContain('Kod wygaśnie za 22 minuty.');
    expect(text('de', '1')).toContain('Der Code ist 1 Minute lang gültig.');
    expect(text('da', '30')).toContain('Koden udløber om 30 minutter.');
  });

  it('links "password changed" to recovery by default, or to the given resetLink', () => {
    const plain = renderMail(config, { to: 'u@example.com', template: 'password-changed', locale: 'en' });
    expect(plain.text).toContain('https://id.example.com/recover');
    const custom = renderMail(config, {
      to: 'u@example.com',
      template: 'password-changed',
      locale: 'en',
      data: { resetLink: 'https://id.example.com/interaction/x/forgot' },
    });
    expect(custom.text).toContain('https://id.example.com/interaction/x/forgot');
    expect(custom.text).not.toContain('/recover');
  });

  it('refuses unknown templates, missing data, non-web links and bad minutes', () => {
    const base = { to: 'u@example.com', locale: 'en' as const };
    expect(() => renderMail(config, { ...base, template: 'nope' as never })).toThrow(/unknown mail template/);
    expect(() => renderMail(config, { ...base, template: 'verify-email', data: { code: '123456' } })).toThrow(/data\.link/);
    expect(() => renderMail(config, { ...base, template: 'verify-email', data: { code: '123456', link: 'javascript:alert(1)' } })).toThrow(
      /http\(s\) URL/,
    );
    expect(() => renderMail(config, { ...base, template: 'password-reset-unknown', data: { signupLink: '/relative' } })).toThrow(/http\(s\) URL/);
    expect(() => renderMail(config, { ...base, template: 'password-reset', data: { code: '1', link: LINK, minutes: 'ten' } })).toThrow(/minutes/);
    expect(() => renderMail(config, { ...base, to: 'x@example.com\r\nBcc: y@example.com', template: 'password-changed' })).toThrow(/recipient/);
  });
});

describe('createMailer without SMTP_URL', () => {
  it('writes recipient, subject and text to the log at info instead of sending', async () => {
    const { lines, logger } = capture();
    const mailer = createMailer({ config, logger });
    await mailer.send({ to: 'dev@example.com', template: 'verify-email', locale: 'de', data: SAMPLE_DATA['verify-email'] });
    mailer.queue({ to: 'dev2@example.com', template: 'email-changed', locale: 'en', data: SAMPLE_DATA['email-changed'] });
    await mailer.drain();
    mailer.close();
    const mails = lines.filter((l) => l.mail);
    expect(mails).toHaveLength(2);
    const [first, second] = mails as { level: number; mail: { to: string; subject: string; text: string } }[];
    expect(first?.level).toBe(30);
    expect(first?.mail.to).toBe('dev@example.com');
    expect(first?.mail.subject).toBe('Bestätigen Sie Ihre E-Mail-Adresse für Acme ID');
    expect(first?.mail.text).toMatch(/^123456$/m);
    expect(second?.mail.text).toContain('new.address@example.org');
  });

  it('refuses to run in production', () => {
    expect(() => createMailer({ config: { ...config, env: 'production' }, logger: capture().logger })).toThrow(/SMTP_URL/);
  });

  it('throws bad input from queue() at once instead of losing it in the background', () => {
    const mailer = createMailer({ config, logger: capture().logger });
    expect(() => mailer.queue({ to: 'u@example.com', template: 'verify-email', locale: 'en', data: {} })).toThrow(/data\.code/);
  });
});
