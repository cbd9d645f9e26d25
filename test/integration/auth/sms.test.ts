// The SMS courier through the official twilio client, pointed at the local recorder that answers like Twilio.
import { Writable } from 'node:stream';
import { createSmsCourier, type SmsConfig } from '../../../src/auth/sms.ts';
import { createLogger } from '../../../src/log.ts';
import { startTwilioRecorder, type TwilioRecorder } from '../../support/twilio.ts';

let twilio: TwilioRecorder;
const TO = '+4915112345678';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger('debug', stream) };
}

const config = (over: Partial<SmsConfig> = {}): SmsConfig => ({
  accountSid: twilio.accountSid,
  authToken: twilio.authToken,
  from: '+15005550006',
  apiUrl: twilio.url,
  env: 'test',
  ...over,
});

beforeAll(async () => {
  twilio = await startTwilioRecorder();
});
afterAll(() => twilio.close());

describe('the courier with Twilio', () => {
  it('sends through the Messages API the way Twilio expects it', async () => {
    const { logger, lines } = capture();
    const sms = createSmsCourier({ config: config(), logger });
    expect(sms.enabled).toBe(true);
    const rejectedBefore = twilio.rejected.length;
    await sms.send(TO, '123456 is your Acme ID code.');
    const got = await twilio.waitFor(TO);
    expect(got).toMatchObject({ to: TO, from: '+15005550006', body: '123456 is your Acme ID code.' });
    expect(got.messagingServiceSid).toBeUndefined();
    expect(got.userAgent).toMatch(/^twilio-node\/\d+\.\d+\.\d+ /);
    expect(twilio.rejected).toHaveLength(rejectedBefore);
    // Nothing about the recipient or the text in the log.
    expect(JSON.stringify(lines)).not.toContain('123456');
    expect(JSON.stringify(lines)).not.toContain(TO);
    expect(lines.some((l) => (l.sms as { sid?: string } | undefined)?.sid === got.sid)).toBe(true);
  });

  it('sends through a messaging service when one is configured', async () => {
    const serviceSid = `MG${'a'.repeat(32)}`;
    const sms = createSmsCourier({ config: config({ from: undefined, messagingServiceSid: serviceSid }), logger: capture().logger });
    const to = '+48512345678';
    await sms.send(to, 'Twój kod: 654321');
    await expect(twilio.waitFor(to)).resolves.toMatchObject({ to, messagingServiceSid: serviceSid, body: 'Twój kod: 654321' });
  });

  it('rejects when Twilio refuses the credentials, logging neither number nor text', async () => {
    const { logger, lines } = capture();
    const sms = createSmsCourier({ config: config({ authToken: 'wrong-token-1234' }), logger });
    const before = twilio.rejected.length;
    await expect(sms.send(TO, 'secret 999111')).rejects.toThrow('SMS delivery failed');
    expect(twilio.rejected.slice(before)).toEqual([{ status: 401, code: 20003, message: 'Authenticate' }]);
    const logged = JSON.stringify(lines);
    expect(logged).toContain('SMS delivery failed');
    expect(logged).toContain('20003');
    expect(logged).not.toContain('999111');
    expect(logged).not.toContain(TO);
  });

  it('rejects when Twilio has trouble', async () => {
    const sms = createSmsCourier({ config: config(), logger: capture().logger });
    twilio.failNext(1, { status: 503, code: 20503, message: 'Service unavailable' });
    await expect(sms.send(TO, 'x')).rejects.toThrow('SMS delivery failed');
  });

  it('refuses a recipient that is not E.164 and an empty or oversized text before calling Twilio', async () => {
    const sms = createSmsCourier({ config: config(), logger: capture().logger });
    const before = twilio.messages.length + twilio.rejected.length;
    await expect(sms.send('0151 12345678', 'x')).rejects.toThrow(/E\.164/);
    await expect(sms.send('+49 151 12345678', 'x')).rejects.toThrow(/E\.164/);
    await expect(sms.send('+499001234567', 'x')).rejects.toThrow(/E\.164/); // premium rate
    await expect(sms.send(TO, '')).rejects.toThrow(/body/);
    await expect(sms.send(TO, 'x'.repeat(1601))).rejects.toThrow(/body/);
    expect(twilio.messages.length + twilio.rejected.length).toBe(before);
  });

  it('refuses incomplete configuration at start', () => {
    const logger = capture().logger;
    expect(() => createSmsCourier({ config: config({ authToken: undefined }), logger })).toThrow(/TWILIO_AUTH_TOKEN/);
    expect(() => createSmsCourier({ config: config({ from: undefined }), logger })).toThrow(/TWILIO_FROM/);
    expect(() => createSmsCourier({ config: config({ apiUrl: 'ftp://x' }), logger })).toThrow(/URL/);
  });
});

describe('the courier without Twilio', () => {
  it('logs the text with a masked number outside production', async () => {
    const { logger, lines } = capture();
    const sms = createSmsCourier({ config: { env: 'development' }, logger });
    expect(sms.enabled).toBe(true);
    await sms.send(TO, '123456 is your code');
    const line = lines.find((l) => l.sms) as { level: number; sms: { to: string; body: string } };
    expect(line.level).toBe(30);
    expect(line.sms).toEqual({ to: '+49 ••• ••78', body: '123456 is your code' });
  });

  it('is disabled in production and refuses to send', async () => {
    const { logger, lines } = capture();
    const sms = createSmsCourier({ config: { env: 'production' }, logger });
    expect(sms.enabled).toBe(false);
    await expect(sms.send(TO, '123456')).rejects.toThrow(/not configured/);
    expect(JSON.stringify(lines)).not.toContain('123456');
  });
});

describe('the recorder', () => {
  // Requests the client would never make: the recorder must refuse them as Twilio does, or the tests above prove little.
  const post = (form: Record<string, string>, auth = `${twilio.accountSid}:${twilio.authToken}`, sid = twilio.accountSid) =>
    fetch(`${twilio.url}/2010-04-01/Accounts/${sid}/Messages.json`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(auth).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form),
    });

  it.each([
    ['no To', 400, 21604, { From: '+15005550006', Body: 'hi' }],
    ['a To not in E.164', 400, 21211, { To: '015112345678', From: '+15005550006', Body: 'hi' }],
    ['no sender', 400, 21603, { To: TO, Body: 'hi' }],
    ['a bad From', 400, 21212, { To: TO, From: 'not a valid sender', Body: 'hi' }],
    ['a bad messaging service', 400, 21701, { To: TO, MessagingServiceSid: 'MG123', Body: 'hi' }],
    ['no Body', 400, 21602, { To: TO, From: '+15005550006' }],
    ['a Body over 1600 characters', 400, 21617, { To: TO, From: '+15005550006', Body: 'x'.repeat(1601) }],
  ])('refuses %s with %i / %i', async (_name, status, code, form: Record<string, string>) => {
    const before = twilio.rejected.length;
    const res = await post(form);
    expect(res.status).toBe(status);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ code, status, more_info: `https://www.twilio.com/docs/errors/${code}` });
    expect(twilio.rejected.length).toBe(before + 1);
  });

  it('refuses wrong credentials, another account and a JSON body', async () => {
    expect((await post({ To: TO, From: '+15005550006', Body: 'x' }, `${twilio.accountSid}:nope`)).status).toBe(401);
    const otherSid = `AC${'0'.repeat(32)}`;
    expect((await post({ To: TO, From: '+15005550006', Body: 'x' }, undefined, otherSid)).status).toBe(404);
    const json = await fetch(`${twilio.url}/2010-04-01/Accounts/${twilio.accountSid}/Messages.json`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${twilio.accountSid}:${twilio.authToken}`).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ To: TO, From: '+15005550006', Body: 'x' }),
    });
    expect(json.status).toBe(400);
  });

  it('answers a good request with 201 and the message resource', async () => {
    const res = await post({ To: '+4530123456', From: 'AcmeID', Body: 'hello' });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ sid: expect.stringMatching(/^SM[0-9a-f]{32}$/), status: 'queued', to: '+4530123456', from: 'AcmeID' });
  });
});
