// Every template in every language through real SMTP: nodemailer -> an in-process smtp-server -> postal-mime,
// read the way a mail client reads it.
import { createServer, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { SUPPORTED_LOCALES } from '../../../src/i18n/index.ts';
import { createLogger } from '../../../src/log.ts';
import { createMailer, MAIL_TEMPLATES, renderMail, type Mailer, type MailerConfig, type MailTemplate } from '../../../src/services/mailer.ts';
import { codeFrom, linkFrom, startTestSmtp, type TestSmtp } from '../../support/smtp.ts';

let smtp: TestSmtp;
let mailer: Mailer;
let config: MailerConfig;

const base = 'https://id.example.com';
const DATA: Record<MailTemplate, Record<string, string>> = {
  'verify-email': { code: '314159', link: `${base}/interaction/u1/signup/verify?ref=Ref1&code=314159` },
  'signup-existing': { signInLink: `${base}/interaction/u1/login`, resetLink: `${base}/interaction/u1/forgot` },
  'password-reset': { code: '271828', link: `${base}/interaction/u1/reset?ref=Ref2&code=271828`, minutes: '15' },
  'password-reset-unknown': { signupLink: `${base}/interaction/u1/signup` },
  'password-changed': { resetLink: `${base}/recover` },
  'sign-in-blocked': { resetLink: `${base}/recover` },
  'email-change-verify': { code: '007007', link: `${base}/account/email/verify?ref=Ref3&code=007007` },
  'email-changed': { newEmail: 'renamed@example.org' },
  'mfa-code': { code: '123123' },
  'recovery-code-used': { remaining: '1', securityLink: `${base}/account/security` },
  'factor-added': { factor: 'Authenticator app', securityLink: `${base}/account/security` },
  'factor-removed': { factor: '+49 ••• ••12', securityLink: `${base}/account/security` },
  'link-identity': { code: '246810', name: 'Google' },
  'password-reset-link': { resetLink: 'https://id.example.com/recover?email=ada%40example.com' },
  'factors-reset': {},
  'signin-code': { code: '123456', link: 'https://id.example.com/interaction/abc/email-code?ref=r&code=123456' },
  'signin-code-unknown': { signupLink: 'https://id.example.com/interaction/abc/signup' },
};
const LINK_FIELD: Partial<Record<MailTemplate, string>> = {
  'verify-email': 'link',
  'signup-existing': 'signInLink',
  'password-reset': 'link',
  'password-reset-unknown': 'signupLink',
  'password-changed': 'resetLink',
  'sign-in-blocked': 'resetLink',
  'email-change-verify': 'link',
  'recovery-code-used': 'securityLink',
  'factor-added': 'securityLink',
  'factor-removed': 'securityLink',
};

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, logger: createLogger('info', stream) };
}

beforeAll(async () => {
  smtp = await startTestSmtp();
  config = {
    env: 'test',
    issuer: base,
    productName: 'Acme ID',
    mail: { smtpUrl: smtp.url, from: '"Acme ID" <no-reply@acme.example>' },
    codes: { ttlSeconds: 600, maxAttempts: 5 },
  };
  mailer = createMailer({ config, logger: capture().logger });
});
afterAll(async () => {
  mailer.close();
  await smtp.close();
});

describe('mailer over SMTP', () => {
  it.each(SUPPORTED_LOCALES.flatMap((locale) => MAIL_TEMPLATES.map((template) => [template, locale] as const)))(
    '%s in %s arrives complete',
    async (template, locale) => {
      const to = `${template}.${locale}@example.com`;
      const data = DATA[template];
      const expected = renderMail(config, { to, template, locale, data });
      await mailer.send({ to, template, locale, data });
      const mail = await smtp.waitFor(to);

      expect(mail.to).toEqual([to]);
      expect(mail.from).toBe('no-reply@acme.example');
      expect(mail.subject).toBe(expected.subject);
      expect(mail.headers['auto-submitted']).toBe('auto-generated');
      for (const part of [mail.subject, mail.text, mail.html]) {
        expect(part).not.toMatch(/\{\w+\}|<%|%>|undefined|NaN/);
      }
      expect(mail.html).toContain(`lang="${locale}"`);
      expect(mail.text.trim()).toBe(expected.text.trim());

      if (data.code) {
        expect(codeFrom(mail)).toBe(data.code);
        expect(mail.html).toContain(`>${data.code}</p>`);
        expect(mail.text).toContain(template === 'password-reset' ? '15' : '10');
        // The draft OTP-Token header binds the code to our origin (for mail clients that offer autofill).
        expect(mail.headers['otp-token']).toBe(`"${data.code}"; origin="${base}"`);
      } else {
        expect(() => codeFrom(mail)).toThrow(/no code/);
        expect(mail.headers['otp-token']).toBeUndefined();
      }
      const field = LINK_FIELD[template];
      if (field) {
        const link = data[field] ?? '';
        expect(linkFrom(mail, new URL(link).pathname)).toBe(link);
        expect(mail.html).toContain(`href="${link.replaceAll('&', '&amp;')}"`);
      }
      if (template === 'email-changed') expect(mail.text).toContain('renamed@example.org');
    },
  );

  it('queue() returns before delivery; drain() waits for it', async () => {
    const to = 'queued@example.com';
    const before = Date.now();
    mailer.queue({ to, template: 'password-changed', locale: 'da' });
    expect(smtp.messages.some((m) => m.to.includes(to))).toBe(false);
    await mailer.drain();
    const mail = await smtp.waitFor(to, { subject: /adgangskode/, after: before, timeoutMs: 1_000 });
    expect(mail.subject).toBe('Din adgangskode til Acme ID er blevet ændret');
  });

  it('waitFor names what did arrive when the expected mail does not', async () => {
    await expect(smtp.waitFor('nobody@example.com', { timeoutMs: 100 })).rejects.toThrow(/no mail to nobody@example.com within 100 ms/);
  });
});

describe('delivery failures', () => {
  it('are logged by queue() without recipient, code or text, and do not reject', async () => {
    // A port that was free a moment ago: the connection is refused.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));

    const { lines, logger } = capture();
    const broken = createMailer({ config: { ...config, mail: { ...config.mail, smtpUrl: `smtp://127.0.0.1:${port}` } }, logger });
    broken.queue({ to: 'secret-recipient@example.com', template: 'password-reset', locale: 'en', data: DATA['password-reset'] });
    await broken.drain();
    await expect(broken.send({ to: 'x@example.com', template: 'password-changed', locale: 'en' })).rejects.toThrow();
    broken.close();

    const log = lines.join('');
    expect(log).toMatch(/"msg":"mail delivery failed"/);
    expect(log).toMatch(/"template":"password-reset"/);
    expect(log).toMatch(/"errorCode":"ESOCKET"/);
    expect(log).not.toContain('secret-recipient');
    expect(log).not.toContain(DATA['password-reset'].code);
    expect(log).not.toContain('Reset your');
  });
});
