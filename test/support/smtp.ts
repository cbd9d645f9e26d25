// A real SMTP server in the test process: what nodemailer sends arrives here, parsed, so tests read mail as a
// user's client would. Plain SMTP on loopback, no auth, no STARTTLS: point the mailer at `url` as it is
// (smtp://127.0.0.1:PORT; nodemailer sends in plain text when the server offers no STARTTLS).
import type { AddressInfo } from 'node:net';
import PostalMime from 'postal-mime';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** Envelope recipients (RCPT TO), lowercased. */
  to: string[];
  /** The From header's address. */
  from: string;
  subject: string;
  text: string;
  html: string;
  /** Date.now() when the server accepted the message. */
  receivedAt: number;
  /** Every header, lowercase names (last one wins). */
  headers: Record<string, string>;
}

export interface TestSmtp {
  url: string;
  messages: ReceivedMail[];
  /**
   * The first message to `to` (case-insensitive) matching `subject`, received at or after `after` (a Date.now()
   * value; default: any time), waiting up to timeoutMs (default 5 s) for it to arrive.
   */
  waitFor(to: string, opts?: { subject?: RegExp; timeoutMs?: number; after?: number }): Promise<ReceivedMail>;
  close(): Promise<void>;
}

export async function startTestSmtp(): Promise<TestSmtp> {
  const messages: ReceivedMail[] = [];
  const waiters = new Set<() => void>();

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', callback);
      stream.on('end', () => {
        PostalMime.parse(Buffer.concat(chunks))
          .then((mail) => {
            const headers: Record<string, string> = {};
            for (const h of mail.headers) headers[h.key] = h.value;
            const from = mail.from && 'address' in mail.from ? (mail.from.address ?? '') : '';
            messages.push({
              to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
              from,
              subject: mail.subject ?? '',
              text: mail.text ?? '',
              html: mail.html ?? '',
              receivedAt: Date.now(),
              headers,
            });
            for (const wake of waiters) wake();
            callback();
          })
          .catch((err: unknown) => callback(err as Error));
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.server.address() as AddressInfo;

  function find(to: string, subject: RegExp | undefined, after: number): ReceivedMail | undefined {
    const address = to.toLowerCase();
    return messages.find((m) => m.receivedAt >= after && m.to.includes(address) && (!subject || subject.test(m.subject)));
  }

  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    waitFor(to, { subject, timeoutMs = 5_000, after = 0 } = {}) {
      const hit = find(to, subject, after);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = find(to, subject, after);
          if (!found) return;
          done();
          resolve(found);
        };
        const timer = setTimeout(() => {
          done();
          const seen = messages.map((m) => `${m.to.join(',')}: ${m.subject}`).join('; ') || 'none';
          reject(new Error(`no mail to ${to}${subject ? ` matching ${subject}` : ''} within ${timeoutMs} ms (received: ${seen})`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The six-digit code of a message: the line of its text part that holds only the code. */
export function codeFrom(mail: ReceivedMail): string {
  const match = /^\s*(\d{6})\s*$/m.exec(mail.text);
  if (!match?.[1]) throw new Error(`no code in the mail "${mail.subject}"`);
  return match[1];
}

/**
 * The first link in the text part whose path starts with pathPrefix (e.g. '/interaction/'), or whose whole URL
 * does when pathPrefix is itself an absolute URL.
 */
export function linkFrom(mail: ReceivedMail, pathPrefix: string): string {
  for (const [candidate] of mail.text.matchAll(/https?:\/\/[^\s<>"]+/g)) {
    const absolute = /^https?:\/\//.test(pathPrefix);
    if (absolute ? candidate.startsWith(pathPrefix) : new URL(candidate).pathname.startsWith(pathPrefix)) return candidate;
  }
  throw new Error(`no link under ${pathPrefix} in the mail "${mail.subject}"`);
}
