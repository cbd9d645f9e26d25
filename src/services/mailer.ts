// The one place that sends e-mail. Messages are rendered from views/emails/<template>.{html,text}.ejs in the
// recipient's language and handed to SMTP (SMTP_URL) or, without SMTP outside production, written to the log so
// that development works without a mail server. Callers on request paths use queue(): the response must not wait
// for (or reveal, by its timing) the SMTP conversation.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ejs, { type TemplateFunction } from 'ejs';
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import type { Config } from '../config/index.ts';
import { codeMinutes, pluralKey, translator, type Locale, type MessageKey } from '../i18n/index.ts';
import type { Logger } from '../log.ts';
import { currentBrand, operatorBrand, type Brand } from './brands.ts';
import { mailBrand } from './mail-brand.ts';

export type MailTemplate =
  | 'verify-email'
  | 'signup-existing'
  | 'password-reset'
  | 'password-reset-unknown'
  | 'password-changed'
  | 'sign-in-blocked'
  | 'email-change-verify'
  | 'email-changed'
  | 'mfa-code'
  | 'recovery-code-used'
  | 'factor-added'
  | 'factor-removed'
  | 'link-identity'
  | 'password-reset-link'
  | 'factors-reset'
  | 'signin-code'
  | 'signin-code-unknown';

/**
 * data per template: verify-email, password-reset, email-change-verify {code, link, minutes?};
 * signup-existing {signInLink, resetLink}; password-reset-unknown {signupLink}; password-changed, sign-in-blocked {resetLink?};
 * email-changed {newEmail} (sent to the old address); mfa-code {code, minutes?}; recovery-code-used {remaining,
 * securityLink?}; factor-added, factor-removed {factor, securityLink?} (factor: "Authenticator app", "+49 ••• ••12", a
 * passkey's name). `minutes` defaults to config.codes.ttlSeconds; `resetLink` to `${issuer}/recover`; `securityLink`
 * to `${issuer}/account/security`. link-identity {code, name} (name: the other provider's). password-reset-link
 * {resetLink} and factors-reset {securityLink?}: what an operator's support action sends (API, CLI, console).
 * signin-code {code, link} (the link works in the browser that asked only); signin-code-unknown {signupLink?}
 * (absent when sign-up is off). Every *Link must be an absolute http(s) URL.
 */
export interface MailMessage {
  to: string;
  template: MailTemplate;
  locale: Locale;
  data?: Record<string, string>;
  /** The brand it shows; default: the brand of the request sending it (services/brands.ts), else the operator's. */
  brand?: Brand;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export interface Mailer {
  /** Renders and delivers; rejects when delivery fails. */
  send(msg: MailMessage): Promise<void>;
  /**
   * Fire-and-forget (keeps response timing independent of SMTP); delivery failures are logged without the content.
   * Bad input (unknown template, missing data) throws here, synchronously: that is a bug, not a delivery problem.
   */
  queue(msg: MailMessage): void;
  /** Resolves when all queued sends settled (tests, shutdown). */
  drain(): Promise<void>;
  close(): void;
}

export type MailerConfig = Pick<Config, 'mail' | 'productName' | 'env' | 'issuer'> & Partial<Pick<Config, 'codes' | 'branding'>>;

export const MAIL_TEMPLATES = [
  'verify-email',
  'signup-existing',
  'password-reset',
  'password-reset-unknown',
  'password-changed',
  'sign-in-blocked',
  'email-change-verify',
  'email-changed',
  'mfa-code',
  'recovery-code-used',
  'factor-added',
  'factor-removed',
  'link-identity',
  'password-reset-link',
  'factors-reset',
  'signin-code',
  'signin-code-unknown',
] as const satisfies readonly MailTemplate[];

interface TemplateSpec {
  /** Message key prefix in src/i18n/messages/mail.ts. */
  keys:
    | 'mail.verifyEmail'
    | 'mail.signupExisting'
    | 'mail.passwordReset'
    | 'mail.passwordResetUnknown'
    | 'mail.passwordChanged'
    | 'mail.signInBlocked'
    | 'mail.emailChangeVerify'
    | 'mail.emailChanged'
    | 'mail.mfaCode'
    | 'mail.recoveryCodeUsed'
    | 'mail.factorAdded'
    | 'mail.factorRemoved'
    | 'mail.linkIdentity'
    | 'mail.passwordResetLink'
    | 'mail.factorsReset'
    | 'mail.signinCode'
    | 'mail.signinCodeUnknown';
  required: readonly string[];
  /** Carries a code: shows its expiry and tags the message with the OTP-Token header. */
  code?: boolean;
}

const TEMPLATES: Record<MailTemplate, TemplateSpec> = {
  'verify-email': { keys: 'mail.verifyEmail', required: ['code', 'link'], code: true },
  'signup-existing': { keys: 'mail.signupExisting', required: ['signInLink', 'resetLink'] },
  'password-reset': { keys: 'mail.passwordReset', required: ['code', 'link'], code: true },
  'password-reset-unknown': { keys: 'mail.passwordResetUnknown', required: ['signupLink'] },
  'password-changed': { keys: 'mail.passwordChanged', required: [] },
  'sign-in-blocked': { keys: 'mail.signInBlocked', required: [] },
  'email-change-verify': { keys: 'mail.emailChangeVerify', required: ['code', 'link'], code: true },
  'email-changed': { keys: 'mail.emailChanged', required: ['newEmail'] },
  'mfa-code': { keys: 'mail.mfaCode', required: ['code'], code: true },
  'recovery-code-used': { keys: 'mail.recoveryCodeUsed', required: ['remaining'] },
  'factor-added': { keys: 'mail.factorAdded', required: ['factor'] },
  'factor-removed': { keys: 'mail.factorRemoved', required: ['factor'] },
  'link-identity': { keys: 'mail.linkIdentity', required: ['code', 'name'], code: true },
  'password-reset-link': { keys: 'mail.passwordResetLink', required: ['resetLink'] },
  'factors-reset': { keys: 'mail.factorsReset', required: [] },
  'signin-code': { keys: 'mail.signinCode', required: ['code', 'link'], code: true },
  'signin-code-unknown': { keys: 'mail.signinCodeUnknown', required: [] },
};

const EMAILS_DIR = fileURLToPath(new URL('../../views/emails/', import.meta.url));
const compiled = new Map<string, TemplateFunction>();

// Plain-text parts use the same <%= %> tags without HTML escaping: "&" must stay "&" in a text mail.
const plain = (value: unknown) => (value == null ? '' : String(value));

function template(file: string): TemplateFunction {
  let fn = compiled.get(file);
  if (!fn) {
    const filename = `${EMAILS_DIR}${file}`;
    const text = file.endsWith('.text.ejs');
    fn = ejs.compile(readFileSync(filename, 'utf8'), {
      filename,
      strict: true,
      localsName: 'it',
      async: false,
      cache: true,
      ...(text ? { escape: plain } : {}),
    });
    compiled.set(file, fn);
  }
  return fn;
}

function validate(msg: MailMessage): Record<string, string> {
  const spec = (TEMPLATES as Partial<Record<string, TemplateSpec>>)[msg.template];
  if (!spec) throw new TypeError(`unknown mail template: ${String(msg.template)}`);
  if (typeof msg.to !== 'string' || !msg.to.includes('@') || /[\r\n]/.test(msg.to)) throw new TypeError('mail recipient must be an e-mail address');
  const data = msg.data ?? {};
  for (const name of spec.required) {
    if (typeof data[name] !== 'string' || data[name] === '') throw new TypeError(`mail template ${msg.template} needs data.${name}`);
  }
  for (const [name, value] of Object.entries(data)) {
    if (typeof value !== 'string') throw new TypeError(`mail data.${name} must be a string`);
    if (/link$/i.test(name) && !isWebUrl(value)) throw new TypeError(`mail data.${name} must be an absolute http(s) URL`);
    if (name === 'minutes' && !/^[1-9]\d{0,5}$/.test(value)) throw new TypeError('mail data.minutes must be a positive whole number');
    if (name === 'remaining' && !/^(0|[1-9]\d{0,2})$/.test(value)) throw new TypeError('mail data.remaining must be a whole number');
  }
  return data;
}

function isWebUrl(value: string): boolean {
  if (/[\s<>"]/.test(value)) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

// Whole minutes of a code's life and the plural forms come from i18n (one wording on pages and in mail).
export { codeMinutes } from '../i18n/index.ts';

type PluralMessage = 'mail.code.expires' | 'mail.recoveryCodeUsed.remaining';

/** Renders a message without sending it (the mailer's own first step; exported for tests and previews). */
export function renderMail(config: MailerConfig, msg: MailMessage): RenderedMail {
  const data = validate(msg);
  const spec = TEMPLATES[msg.template];
  const minutes = data.minutes ?? (config.codes ? String(codeMinutes(config.codes.ttlSeconds)) : undefined);
  const brand = mailBrand(msg.brand ?? currentBrand() ?? operatorBrand(config), config.issuer);
  const vars: Record<string, string> = {
    resetLink: `${config.issuer}/recover`,
    securityLink: `${config.issuer}/account/security`,
    ...data,
    productName: brand.name,
    email: msg.to,
    ...(minutes === undefined ? {} : { minutes }),
  };
  const translate = translator(msg.locale);
  const t = (key: MessageKey, extra?: Record<string, string>) => translate(key, extra ? { ...vars, ...extra } : vars);
  const expiry = spec.code && minutes !== undefined ? t(pluralKey(msg.locale, 'mail.code.expires', Number(minutes))) : '';
  const plural = (prefix: PluralMessage, count: string) => t(pluralKey(msg.locale, prefix, Number(count)));
  // Partials see `brand` too: ejs hands an include the including template's data.
  const it = { t, plural, data: vars, expiry, lang: msg.locale, brand };

  const subject = t(`${spec.keys}.subject`);
  const footer = t('mail.footer');
  const support = brand.supportUri ? t('brand.mail.support', { supportUri: brand.supportUri }) : '';
  const body = template(`${msg.template}.text.ejs`)(it);
  const text = `${tidy(body)}\n\n-- \n${footer}\n${support ? `${support}\n` : ''}`;
  const html = template('layout.html.ejs')({
    lang: msg.locale,
    subject,
    preheader: spec.code ? expiry || t(`${spec.keys}.heading`) : t(`${spec.keys}.intro`),
    brand,
    supportLabel: brand.supportUri ? t('brand.support') : '',
    footer,
    body: template(`${msg.template}.html.ejs`)(it),
  });
  return { subject, text, html };
}

// Templates keep one line per sentence; optional lines leave blank runs behind, which are folded here.
function tidy(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** The draft OTP-Token header (draft-goto-otp-token) binds the code to our origin; only https origins qualify. */
function otpOrigin(issuer: string): string | undefined {
  try {
    const url = new URL(issuer);
    if (url.protocol !== 'https:' || url.username || url.password) return undefined;
    return /^([a-z0-9_-]+\.)*[a-z0-9_-]+$/.test(url.hostname) ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

type Deliver = (mail: SendMailOptions & { to: string; subject: string; text: string }) => Promise<void>;

function smtpDelivery(url: string, from: string): { deliver: Deliver; close(): void } {
  // The URL carries every option: smtp://user:pass@host:587 (STARTTLS when offered), smtps://…:465 (implicit TLS),
  // query parameters for the rest (?pool=true, ?requireTLS=true, ?connectionTimeout=10000).
  const transporter: Transporter = nodemailer.createTransport(url, { from });
  return {
    deliver: async (mail) => {
      await transporter.sendMail(mail);
    },
    close: () => transporter.close(),
  };
}

function logDelivery(logger: Logger): { deliver: Deliver; close(): void } {
  return {
    // Development only (config refuses production without SMTP_URL): the one log line allowed to hold a code.
    deliver: async ({ to, subject, text }) => {
      logger.info({ mail: { to, subject, text } }, 'mail not sent (SMTP_URL is unset): logged instead');
    },
    close: () => {},
  };
}

/**
 * What may be logged about a failed delivery: no recipient, no content (SMTP replies can quote both). The error code
 * is `errorCode` because the logger redacts every `*.code` (meant for one-time and authorization codes).
 */
function failure(err: unknown): Record<string, unknown> {
  const e = (err ?? {}) as { name?: unknown; code?: unknown; responseCode?: unknown; command?: unknown; permanent?: unknown };
  return { name: e.name, errorCode: e.code, responseCode: e.responseCode, command: e.command, permanent: e.permanent };
}

export function createMailer(deps: { config: MailerConfig; logger: Logger }): Mailer {
  const { config, logger } = deps;
  if (!config.mail.smtpUrl && config.env === 'production') throw new Error('SMTP_URL is required in production');
  const transport = config.mail.smtpUrl ? smtpDelivery(config.mail.smtpUrl, config.mail.from) : logDelivery(logger);
  const origin = otpOrigin(config.issuer);
  const pending = new Set<Promise<void>>();

  function prepare(msg: MailMessage) {
    const rendered = renderMail(config, msg);
    const code = TEMPLATES[msg.template].code ? msg.data?.code : undefined;
    return {
      to: msg.to,
      from: config.mail.from,
      ...rendered,
      headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
      ...(code && origin ? { otp: { code, origin } } : {}),
    };
  }

  return {
    async send(msg) {
      await transport.deliver(prepare(msg));
    },
    queue(msg) {
      const mail = prepare(msg);
      const delivery = transport
        .deliver(mail)
        .catch((err: unknown) => {
          logger.error({ mail: { template: msg.template, locale: msg.locale }, err: failure(err) }, 'mail delivery failed');
        })
        .finally(() => pending.delete(delivery));
      pending.add(delivery);
    },
    async drain() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    close() {
      transport.close();
    },
  };
}
