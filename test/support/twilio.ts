// A stand-in for Twilio's Messages API on 127.0.0.1: the official client, pointed at `url`, sends here what it would
// send to api.twilio.com, and the recorder answers the way Twilio does. It checks what Twilio checks — Basic auth
// with the account SID and auth token, the account in the path, a form-encoded body with To in E.164, a sender
// (From or MessagingServiceSid) and a Body of at most 1600 characters — and refuses anything else with Twilio's
// status codes and error JSON ({code, message, more_info, status}), counting each refusal in `rejected`.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedSms {
  to: string;
  /** The From number or sender ID; undefined when sent through a messaging service. */
  from?: string;
  messagingServiceSid?: string;
  body: string;
  sid: string;
  /** What sent it: the official client says "twilio-node/<version> …". */
  userAgent: string;
  /** Date.now() when accepted. */
  receivedAt: number;
}

export interface TwilioRejection {
  status: number;
  code: number;
  message: string;
}

export interface TwilioRecorder {
  /** Base URL to give the client instead of https://api.twilio.com. */
  url: string;
  accountSid: string;
  authToken: string;
  messages: RecordedSms[];
  rejected: TwilioRejection[];
  /** The first message to `to` received at or after `after` (default any time), waiting up to timeoutMs (5 s). */
  waitFor(to: string, opts?: { after?: number; timeoutMs?: number }): Promise<RecordedSms>;
  /** The next `count` well-formed requests fail as Twilio does when it has trouble (default 500, code 20500). */
  failNext(count?: number, error?: TwilioRejection): void;
  close(): Promise<void>;
}

const E164 = /^\+[1-9]\d{1,14}$/;
// Alphanumeric sender IDs: up to 11 characters, letters, digits and spaces, at least one letter.
const SENDER_ID = /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/;
const SERVICE_SID = /^MG[0-9a-f]{32}$/;

class TwilioError extends Error {
  readonly status: number;
  readonly code: number;
  constructor(status: number, code: number, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 64 * 1024) throw new TwilioError(413, 20001, 'Request entity too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function single(form: URLSearchParams, name: string): string | undefined {
  const values = form.getAll(name);
  if (values.length > 1) throw new TwilioError(400, 20001, `Parameter '${name}' was given more than once`);
  return values[0];
}

export async function startTwilioRecorder(): Promise<TwilioRecorder> {
  const accountSid = `AC${hex(16)}`;
  const authToken = hex(16);
  const messages: RecordedSms[] = [];
  const rejected: TwilioRejection[] = [];
  const waiters = new Set<() => void>();
  const failures: TwilioRejection[] = [];

  function check(req: IncomingMessage, raw: string): RecordedSms {
    const url = new URL(req.url ?? '/', 'http://recorder');
    const path = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(url.pathname);
    if (!path) throw new TwilioError(404, 20404, `The requested resource ${url.pathname} was not found`);
    if (req.method !== 'POST') throw new TwilioError(405, 20004, 'Method not allowed');

    const auth = /^Basic ([A-Za-z0-9+/=]+)$/.exec(req.headers.authorization ?? '');
    const [user, ...rest] = auth?.[1] ? Buffer.from(auth[1], 'base64').toString('utf8').split(':') : [];
    if (user !== accountSid || rest.join(':') !== authToken) throw new TwilioError(401, 20003, 'Authenticate');
    if (path[1] !== accountSid) throw new TwilioError(404, 20404, `The requested resource ${url.pathname} was not found`);

    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') throw new TwilioError(400, 20001, 'Content-Type must be application/x-www-form-urlencoded');
    const form = new URLSearchParams(raw);

    const to = single(form, 'To');
    if (!to) throw new TwilioError(400, 21604, "A 'To' phone number is required.");
    if (!E164.test(to)) throw new TwilioError(400, 21211, `Invalid 'To' Phone Number: ${to}`);
    const from = single(form, 'From');
    const messagingServiceSid = single(form, 'MessagingServiceSid');
    if (!from && !messagingServiceSid) throw new TwilioError(400, 21603, "A 'From' phone number is required.");
    if (from && !E164.test(from) && !SENDER_ID.test(from)) throw new TwilioError(400, 21212, `Invalid From Number (caller ID): ${from}`);
    if (messagingServiceSid && !SERVICE_SID.test(messagingServiceSid)) {
      throw new TwilioError(400, 21701, `The Messaging Service Sid ${messagingServiceSid} is invalid.`);
    }
    const body = single(form, 'Body');
    if (!body) throw new TwilioError(400, 21602, 'Message body is required.');
    if (body.length > 1600) throw new TwilioError(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');

    return {
      to,
      ...(from ? { from } : {}),
      ...(messagingServiceSid ? { messagingServiceSid } : {}),
      body,
      sid: `SM${hex(16)}`,
      userAgent: req.headers['user-agent'] ?? '',
      receivedAt: Date.now(),
    };
  }

  function reply(res: ServerResponse, status: number, payload: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(payload));
  }

  function refuse(res: ServerResponse, { status, code, message }: TwilioRejection): void {
    rejected.push({ status, code, message });
    reply(res, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
  }

  const server = createServer((req, res) => {
    readBody(req)
      .then((raw) => {
        const sms = check(req, raw);
        const failure = failures.shift();
        if (failure) return refuse(res, failure);
        messages.push(sms);
        for (const wake of waiters) wake();
        const created = new Date().toUTCString().replace('GMT', '+0000');
        reply(res, 201, {
          sid: sms.sid,
          account_sid: accountSid,
          api_version: '2010-04-01',
          to: sms.to,
          from: sms.from ?? null,
          messaging_service_sid: sms.messagingServiceSid ?? null,
          body: sms.body,
          status: sms.messagingServiceSid ? 'accepted' : 'queued',
          direction: 'outbound-api',
          num_segments: '1',
          num_media: '0',
          price: null,
          price_unit: 'USD',
          error_code: null,
          error_message: null,
          date_created: created,
          date_updated: created,
          date_sent: null,
          uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sms.sid}.json`,
          subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${sms.sid}/Media.json` },
        });
      })
      .catch((err: unknown) => {
        if (err instanceof TwilioError) return refuse(res, err);
        refuse(res, { status: 500, code: 20500, message: 'Internal Server Error' });
      });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  function find(to: string, after: number): RecordedSms | undefined {
    return messages.find((m) => m.to === to && m.receivedAt >= after);
  }

  return {
    url: `http://127.0.0.1:${port}`,
    accountSid,
    authToken,
    messages,
    rejected,
    waitFor(to, { after = 0, timeoutMs = 5_000 } = {}) {
      const found = find(to, after);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const wake = () => {
          const hit = find(to, after);
          if (!hit) return;
          clearTimeout(timer);
          waiters.delete(wake);
          resolve(hit);
        };
        const timer = setTimeout(() => {
          waiters.delete(wake);
          const seen = messages.map((m) => m.to).join(', ') || 'none';
          reject(new Error(`no SMS to ${to} within ${timeoutMs} ms (received: ${seen})`));
        }, timeoutMs);
        waiters.add(wake);
      });
    },
    failNext(count = 1, error = { status: 500, code: 20500, message: 'Internal Server Error' }) {
      for (let i = 0; i < count; i++) failures.push(error);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
