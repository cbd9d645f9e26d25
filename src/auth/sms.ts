// The one place that sends SMS: Twilio's Messages API through the official client. Without an account SID outside
// production, messages are written to the log instead (development works without Twilio, like the mailer).
//
// Phone numbers are E.164, checked with libphonenumber-js's full metadata: a number must be valid for its country,
// and numbers that cannot receive a text or that cost the sender (premium rate, toll free, shared cost) are refused
// — SMS pumping fraud targets exactly those.
import { parsePhoneNumberFromString, type NumberType } from 'libphonenumber-js/max';
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import type { Logger } from '../log.ts';

export interface SmsCourier {
  /** False in production without Twilio credentials: SMS factors are not offered then. */
  readonly enabled: boolean;
  /** Rejects when Twilio refuses or cannot be reached (the error names neither recipient nor text). */
  send(to: string /* E.164 */, body: string): Promise<void>;
}

export interface SmsConfig {
  accountSid?: string;
  authToken?: string;
  /** Sender: an E.164 number or an alphanumeric sender ID. Either this or messagingServiceSid. */
  from?: string;
  messagingServiceSid?: string;
  /** Base URL instead of https://api.twilio.com (tests, egress proxies). */
  apiUrl?: string;
  env: 'development' | 'test' | 'production';
}

const TWILIO_API = 'https://api.twilio.com';
const TIMEOUT_MS = 10_000;
// Twilio concatenates up to 10 segments; ours are one or two.
const MAX_BODY = 1600;
const SMS_CAPABLE: ReadonlySet<NumberType> = new Set<NumberType>(['MOBILE', 'FIXED_LINE_OR_MOBILE', 'PERSONAL_NUMBER', 'VOIP']);

/** E.164 ("+4915112345678") for a valid number that can receive a text, written in international form; else undefined. */
export function normalisePhone(input: string): string | undefined {
  if (typeof input !== 'string' || input.length > 32) return undefined;
  const trimmed = input.trim();
  // International form only: no country is assumed, and "00" is the common way to type "+".
  const international = trimmed.startsWith('00') ? `+${trimmed.slice(2)}` : trimmed;
  if (!international.startsWith('+') || /[^\d\s()+./-]/.test(international)) return undefined;
  const phone = parsePhoneNumberFromString(international);
  if (!phone?.isValid()) return undefined;
  const type = phone.getType();
  // Unknown type: the metadata could not tell (some countries); a valid number is given the benefit of the doubt.
  if (type !== undefined && !SMS_CAPABLE.has(type)) return undefined;
  return phone.number;
}

/** "+4915112345678" → "+49 ••• ••78": enough to recognise one's own number, too little to call it. */
export function maskPhone(e164: string): string {
  const phone = parsePhoneNumberFromString(e164);
  const prefix = phone ? `+${phone.countryCallingCode}` : e164.slice(0, 3);
  return `${prefix} ••• ••${e164.slice(-2)}`;
}

/** Twilio's API at another base URL: every request the client makes is re-addressed, nothing else changes. */
class RebasedRequestClient extends twilio.RequestClient {
  readonly #base: URL;

  constructor(apiUrl: string) {
    super({ timeout: TIMEOUT_MS });
    this.#base = new URL(apiUrl.endsWith('/') ? apiUrl : `${apiUrl}/`);
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const original = new URL(opts.uri);
    const target = new URL(`${original.pathname.replace(/^\//, '')}${original.search}`, this.#base);
    return super.request<TData>({ ...opts, uri: target.href });
  }
}

function deliveryError(err: unknown): Record<string, unknown> {
  // RestException: status, code (Twilio's error number), moreInfo. Never the message: it may quote the number.
  const e = (err ?? {}) as { name?: unknown; status?: unknown; code?: unknown; moreInfo?: unknown };
  return { name: e.name, status: e.status, errorCode: e.code, moreInfo: e.moreInfo };
}

export function createSmsCourier(deps: { config: SmsConfig; logger: Logger }): SmsCourier {
  const { config, logger } = deps;
  const { accountSid, authToken, from, messagingServiceSid, apiUrl } = config;

  if (!accountSid) {
    const enabled = config.env !== 'production';
    return {
      enabled,
      async send(to, body) {
        check(to, body);
        if (!enabled) throw new Error('SMS is not configured (TWILIO_ACCOUNT_SID is unset)');
        // Development only: the one log line allowed to hold a code, like the mailer's.
        logger.info({ sms: { to: maskPhone(to), body } }, 'SMS not sent (TWILIO_ACCOUNT_SID is unset): logged instead');
      },
    };
  }

  if (!authToken) throw new Error('TWILIO_AUTH_TOKEN is required with TWILIO_ACCOUNT_SID');
  if (!from && !messagingServiceSid) throw new Error('TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID is required with TWILIO_ACCOUNT_SID');
  if (apiUrl !== undefined && !/^https?:\/\//.test(apiUrl)) throw new Error('the Twilio API URL must be an http(s) URL');

  const client = twilio(accountSid, authToken, {
    // No process.env reading by the client: configuration comes from our config alone.
    env: {},
    timeout: TIMEOUT_MS,
    ...(apiUrl && apiUrl.replace(/\/+$/, '') !== TWILIO_API ? { httpClient: new RebasedRequestClient(apiUrl) } : {}),
  });
  const sender = messagingServiceSid ? { messagingServiceSid } : { from: from as string };

  return {
    enabled: true,
    async send(to, body) {
      check(to, body);
      try {
        const message = await client.messages.create({ to, body, ...sender });
        logger.debug({ sms: { sid: message.sid, status: message.status } }, 'SMS accepted by Twilio');
      } catch (err) {
        logger.error({ err: deliveryError(err) }, 'SMS delivery failed');
        throw new Error('SMS delivery failed', { cause: err });
      }
    },
  };
}

function check(to: string, body: string): void {
  if (typeof to !== 'string' || normalisePhone(to) !== to) throw new TypeError('SMS recipient must be an E.164 phone number');
  if (typeof body !== 'string' || body.length === 0 || body.length > MAX_BODY) throw new TypeError('SMS body must be 1 to 1600 characters');
}
