// SMS and e-mail factors end to end on the real database: codes travel through the official twilio client to the
// local Twilio recorder and through nodemailer to the test SMTP server, and are read back from there.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Connection } from 'mongoose';
import { generate } from 'otplib';
import { createFactorService, type FactorService, type FactorServiceDeps } from '../../../src/auth/factors.ts';
import type { PasskeyService, PasskeyView } from '../../../src/auth/passkeys.ts';
import { createRecoveryCodes, type RecoveryCodes } from '../../../src/auth/recovery-codes.ts';
import { createSmsCourier, type SmsCourier } from '../../../src/auth/sms.ts';
import { createTotp } from '../../../src/auth/totp.ts';
import { createLogger } from '../../../src/log.ts';
import { createAuditLog, type AuditLog } from '../../../src/services/audit.ts';
import { createCipher } from '../../../src/services/crypto.ts';
import { createMailer, type Mailer } from '../../../src/services/mailer.ts';
import { createOneTimeCodes, type OneTimeCodes } from '../../../src/services/one-time-codes.ts';
import { dropAndClose, openTestConnection } from '../../support/db.ts';
import { codeFrom, startTestSmtp, type TestSmtp } from '../../support/smtp.ts';
import { startTwilioRecorder, type TwilioRecorder } from '../../support/twilio.ts';

const MAX_ATTEMPTS = 3;
const key = randomBytes(32);
const cipher = createCipher(key);
const logger = createLogger('silent', new Writable({ write: (_c, _e, done) => done() }));

let conn: Connection;
let audit: AuditLog;
let codes: OneTimeCodes;
let recoveryCodes: RecoveryCodes;
let smtp: TestSmtp;
let mailer: Mailer;
let twilio: TwilioRecorder;
let sms: SmsCourier;
let factors: FactorService;
let clock = Date.now();

/** Passkeys are their own service (src/auth/passkeys.ts); the factor list only needs these three calls. */
function fakePasskeys() {
  const rows = new Map<string, { accountId: string; view: PasskeyView }>();
  const service: Pick<PasskeyService, 'list' | 'remove' | 'removeAll'> = {
    list: async (accountId) => [...rows.values()].filter((r) => r.accountId === accountId).map((r) => r.view),
    remove: async (accountId, id) => {
      const row = rows.get(id);
      if (row?.accountId !== accountId) return undefined;
      rows.delete(id);
      return row.view;
    },
    removeAll: async (accountId) => {
      for (const [id, row] of rows) if (row.accountId === accountId) rows.delete(id);
    },
  };
  const add = (accountId: string, name: string, createdAt: Date) => {
    const view: PasskeyView = { id: randomBytes(16).toString('base64url'), name, createdAt, backedUp: true };
    rows.set(view.id, { accountId, view });
    return view;
  };
  return { service, add, rows };
}
let passkeys: ReturnType<typeof fakePasskeys>;

const make = (over: Partial<FactorServiceDeps> = {}) =>
  createFactorService({
    conn,
    codes,
    mailer,
    sms,
    passkeys: passkeys.service,
    recoveryCodes,
    audit,
    productName: 'Acme ID',
    cipher,
    key,
    now: () => clock,
    ...over,
  });

const account = () => `acct-${randomBytes(6).toString('hex')}`;
let phoneSeq = 1000;
/** A fresh valid German mobile number per call. */
const phone = () => `+49151${String(10_000_000 + phoneSeq++)}`;
const smsCode = (body: string) => /^(\d{6}) /.exec(body)?.[1] ?? '';
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

async function smsTo(to: string, after: number) {
  const got = await twilio.waitFor(to, { after });
  return smsCode(got.body);
}

async function mailTo(to: string, after: number) {
  await mailer.drain();
  return codeFrom(await smtp.waitFor(to, { after }));
}

/** An account with a confirmed SMS factor. */
async function withPhone() {
  const accountId = account();
  const number = phone();
  const before = Date.now();
  const started = await factors.startSms(accountId, number, 'en');
  if (!started.ok) throw new Error(`startSms: ${started.reason}`);
  const confirmed = await factors.confirm(accountId, started.codeId, await smsTo(number, before));
  if (!confirmed.ok) throw new Error(`confirm: ${confirmed.reason}`);
  return { accountId, number, factor: confirmed.factor };
}

beforeAll(async () => {
  conn = await openTestConnection();
  audit = createAuditLog(conn);
  codes = createOneTimeCodes({ conn, cipher, key, ttlSeconds: 600, maxAttempts: MAX_ATTEMPTS, now: () => clock });
  await codes.ensureIndexes();
  recoveryCodes = createRecoveryCodes({ conn, key, audit });
  smtp = await startTestSmtp();
  mailer = createMailer({
    config: {
      env: 'test',
      issuer: 'https://id.example.com',
      productName: 'Acme ID',
      mail: { smtpUrl: smtp.url, from: 'no-reply@example.com' },
      codes: { ttlSeconds: 600, maxAttempts: MAX_ATTEMPTS },
    },
    logger,
  });
  twilio = await startTwilioRecorder();
  sms = createSmsCourier({
    config: { accountSid: twilio.accountSid, authToken: twilio.authToken, from: 'AcmeID', apiUrl: twilio.url, env: 'test' },
    logger,
  });
  passkeys = fakePasskeys();
  factors = make();
  await factors.ensureIndexes();
});
afterAll(async () => {
  mailer.close();
  await Promise.all([smtp.close(), twilio.close()]);
  await dropAndClose(conn);
});
beforeEach(() => {
  clock = Date.now();
});

describe('SMS enrollment', () => {
  it('sends a localised code to the E.164 number and stores the factor once confirmed, the number sealed', async () => {
    const accountId = account();
    const number = phone();
    const before = Date.now();
    const started = await factors.startSms(accountId, `${number.slice(0, 3)} ${number.slice(3, 6)} ${number.slice(6)}`, 'de');
    expect(started).toEqual({ ok: true, codeId: expect.any(String), destination: `+49 ••• ••${number.slice(-2)}` });
    const got = await twilio.waitFor(number, { after: before });
    expect(got.from).toBe('AcmeID');
    expect(got.body).toMatch(/^\d{6} ist Ihr Code für Acme ID\. Gültig für 5 Min\./);

    const confirmed = await factors.confirm(accountId, (started as { codeId: string }).codeId, smsCode(got.body));
    expect(confirmed).toEqual({
      ok: true,
      factor: { id: expect.any(String), type: 'sms', label: `+49 ••• ••${number.slice(-2)}`, createdAt: new Date(clock) },
    });
    const raw = await conn.collection('mfa_factors').find({ accountId }).toArray();
    expect(raw).toHaveLength(1);
    expect(JSON.stringify(raw)).not.toContain(number.slice(3));
    expect(cipher.decrypt(raw[0]?.sealed as string)).toBe(number);
    const added = await audit.list({ accountId, type: 'factor.added' });
    expect(added.map((e) => e.details)).toEqual([{ factorType: 'sms', factorId: raw[0]?._id }]);
    const sent = await audit.list({ accountId, type: 'mfa.code_sent' });
    expect(sent.map((e) => [e.outcome, e.details?.purpose])).toEqual([['success', 'factor-enroll']]);
    expect(JSON.stringify(sent)).not.toContain(smsCode(got.body));
  });

  it('refuses a number that is not a valid mobile number, and sends nothing', async () => {
    const sentBefore = twilio.messages.length;
    for (const bad of ['015112345678', '+49 30 12345678', '+49 900 1234567', 'call me', '']) {
      await expect(factors.startSms(account(), bad, 'en')).resolves.toEqual({ ok: false, reason: 'invalid_phone' });
    }
    expect(twilio.messages.length).toBe(sentBefore);
  });

  it('refuses a number the account has already', async () => {
    const { accountId, number } = await withPhone();
    await expect(factors.startSms(accountId, number, 'en')).resolves.toEqual({ ok: false, reason: 'duplicate' });
    // Another account may use the same number.
    await expect(factors.startSms(account(), number, 'en')).resolves.toMatchObject({ ok: true });
  });

  it('stores one factor when confirmations of the same number race', async () => {
    const accountId = account();
    const number = phone();
    const before = Date.now();
    const first = await factors.startSms(accountId, number, 'en');
    const code = await smsTo(number, before);
    const results = await Promise.all(Array.from({ length: 5 }, () => factors.confirm(accountId, (first as { codeId: string }).codeId, code)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(await conn.collection('mfa_factors').countDocuments({ accountId })).toBe(1);
  });

  it('answers unavailable when SMS is off or Twilio fails, and audits the failure', async () => {
    const off = make({ sms: { enabled: false, send: () => Promise.reject(new Error('off')) } });
    await expect(off.startSms(account(), phone(), 'en')).resolves.toEqual({ ok: false, reason: 'unavailable' });
    const accountId = account();
    twilio.failNext(1, { status: 500, code: 20500, message: 'Internal Server Error' });
    await expect(factors.startSms(accountId, phone(), 'en')).resolves.toEqual({ ok: false, reason: 'unavailable' });
    const events = await audit.list({ accountId, type: 'mfa.code_sent' });
    expect(events.map((e) => [e.outcome, e.reason])).toEqual([['failure', 'delivery_failed']]);
  });
});

describe('codes: attempt limits and ownership', () => {
  it('allows exactly the configured number of wrong guesses, then not even the right code', async () => {
    const accountId = account();
    const number = phone();
    const before = Date.now();
    const started = await factors.startSms(accountId, number, 'en');
    const codeId = (started as { codeId: string }).codeId;
    const code = await smsTo(number, before);
    const results = await Promise.all(Array.from({ length: 10 }, () => factors.confirm(accountId, codeId, wrong(code))));
    const reasons = results.map((r) => (r.ok ? 'ok' : r.reason)).sort();
    expect(reasons).toEqual([...Array(7).fill('exhausted'), ...Array(MAX_ATTEMPTS).fill('invalid')].sort());
    await expect(factors.confirm(accountId, codeId, code)).resolves.toEqual({ ok: false, reason: 'exhausted' });
  });

  it("spends none of the owner's attempts on a guess from another account", async () => {
    const owner = account();
    const number = phone();
    const before = Date.now();
    const started = await factors.startSms(owner, number, 'en');
    const codeId = (started as { codeId: string }).codeId;
    const code = await smsTo(number, before);
    for (let i = 0; i < MAX_ATTEMPTS + 2; i++) {
      await expect(factors.confirm('intruder', codeId, i === 0 ? code : wrong(code))).resolves.toEqual({ ok: false, reason: 'invalid' });
    }
    await expect(factors.confirm(owner, codeId, code)).resolves.toMatchObject({ ok: true });
  });

  it('expires codes', async () => {
    const accountId = account();
    const number = phone();
    const before = Date.now();
    const started = await factors.startSms(accountId, number, 'en');
    const code = await smsTo(number, before);
    clock += 5 * 60_000 + 1;
    await expect(factors.confirm(accountId, (started as { codeId: string }).codeId, code)).resolves.toEqual({ ok: false, reason: 'expired' });
  });

  it('keeps enrollment codes and sign-in codes apart', async () => {
    const { accountId, number, factor } = await withPhone();
    const before = Date.now();
    const sent = await factors.sendChallenge(accountId, factor.id, 'en');
    const code = await smsTo(number, before);
    await expect(factors.confirm(accountId, (sent as { codeId: string }).codeId, code)).resolves.toEqual({ ok: false, reason: 'invalid' });
    await expect(factors.verifyChallenge(accountId, (sent as { codeId: string }).codeId, code)).resolves.toMatchObject({ ok: true });
  });

  it('refuses malformed ids and codes without touching the database', async () => {
    await expect(factors.confirm(account(), { $ne: '' } as never, '123456')).resolves.toEqual({ ok: false, reason: 'invalid' });
    await expect(factors.verifyChallenge(account(), 'x'.repeat(1000), '123456')).resolves.toEqual({ ok: false, reason: 'invalid' });
  });
});

describe('sign-in challenges', () => {
  it('sends a code to an enrolled phone and accepts it once, marking the factor used', async () => {
    const { accountId, number, factor } = await withPhone();
    const before = Date.now();
    const sent = await factors.sendChallenge(accountId, factor.id, 'pl');
    expect(sent).toEqual({ ok: true, codeId: expect.any(String), destination: factor.label, type: 'sms' });
    const got = await twilio.waitFor(number, { after: before });
    expect(got.body).toMatch(/^\d{6} to Twój kod do usługi Acme ID\./);
    const codeId = (sent as { codeId: string }).codeId;
    clock += 1000;
    const results = await Promise.all(Array.from({ length: 10 }, () => factors.verifyChallenge(accountId, codeId, smsCode(got.body))));
    expect(results.filter((r) => r.ok)).toEqual([{ ok: true, type: 'sms', factorId: factor.id }]);
    const listed = (await factors.list(accountId)).find((f) => f.id === factor.id);
    expect(listed?.lastUsedAt).toEqual(new Date(clock));
    const events = await audit.list({ accountId, type: 'mfa.code_sent' });
    expect(events[0]?.details).toEqual({ purpose: 'mfa-code', factorType: 'sms', factorId: factor.id });
  });

  it('only the newest code works after a resend', async () => {
    const { accountId, number, factor } = await withPhone();
    const t1 = Date.now();
    const first = await factors.sendChallenge(accountId, factor.id, 'en');
    const firstCode = await smsTo(number, t1);
    clock += 1000;
    await new Promise((r) => setTimeout(r, 5));
    const t2 = Date.now();
    const second = await factors.sendChallenge(accountId, factor.id, 'en');
    const secondCode = await smsTo(number, t2);
    await expect(factors.verifyChallenge(accountId, (first as { codeId: string }).codeId, firstCode)).resolves.toEqual({ ok: false, reason: 'invalid' });
    await expect(factors.verifyChallenge(accountId, (second as { codeId: string }).codeId, secondCode)).resolves.toMatchObject({ ok: true });
  });

  it("refuses unknown factors and other accounts' factors", async () => {
    const { factor } = await withPhone();
    await expect(factors.sendChallenge(account(), factor.id, 'en')).resolves.toEqual({ ok: false, reason: 'unknown_factor' });
    await expect(factors.sendChallenge(account(), 'nope', 'en')).resolves.toEqual({ ok: false, reason: 'unknown_factor' });
    await expect(factors.sendChallenge(account(), 'email', 'en')).resolves.toEqual({ ok: false, reason: 'unknown_factor' });
  });

  it('no longer accepts a code once its factor is removed', async () => {
    const { accountId, number, factor } = await withPhone();
    const before = Date.now();
    const sent = await factors.sendChallenge(accountId, factor.id, 'en');
    const code = await smsTo(number, before);
    await factors.remove(accountId, factor.id);
    await expect(factors.verifyChallenge(accountId, (sent as { codeId: string }).codeId, code)).resolves.toEqual({ ok: false, reason: 'invalid' });
  });

  it('stops sending when the account has had its codes for the window, exactly', async () => {
    const limited = make({ sendLimit: { max: 4, windowSeconds: 3600 } });
    // The enrollment code counts too: three sends are left.
    const { accountId, factor } = await withPhone();
    const results = await Promise.all(Array.from({ length: 8 }, () => limited.sendChallenge(accountId, factor.id, 'en')));
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    expect(results.filter((r) => !r.ok)).toEqual(Array(5).fill({ ok: false, reason: 'unavailable' }));
    const refused = await audit.list({ accountId, type: 'mfa.code_sent' });
    expect(refused.filter((e) => e.reason === 'send_limit')).toHaveLength(5);
    clock += 3600_000 + 1;
    await expect(limited.sendChallenge(accountId, factor.id, 'en')).resolves.toMatchObject({ ok: true });
  });
});

describe('e-mail', () => {
  it('enrolls an address with a code from the mail and sends sign-in codes to it', async () => {
    const accountId = account();
    const email = `jane.${randomBytes(3).toString('hex')}@example.com`;
    const t1 = Date.now();
    const started = await factors.startEmail(accountId, email, 'da');
    expect(started).toEqual({ ok: true, codeId: expect.any(String), destination: 'j•••@example.com' });
    await mailer.drain();
    const mail = await smtp.waitFor(email, { after: t1 });
    expect(mail.subject).toBe('Din sikkerhedskode til Acme ID');
    expect(mail.text).toContain('Koden udløber om 10 minutter.');
    const confirmed = await factors.confirm(accountId, started.codeId, codeFrom(mail));
    expect(confirmed).toMatchObject({ ok: true, factor: { type: 'email', label: 'j•••@example.com' } });
    const factorId = (confirmed as { factor: { id: string } }).factor.id;
    expect(JSON.stringify(await conn.collection('mfa_factors').find({ accountId }).toArray())).not.toContain(email);

    const t2 = Date.now();
    const sent = await factors.sendChallenge(accountId, factorId, 'en');
    expect(sent).toEqual({ ok: true, codeId: expect.any(String), destination: 'j•••@example.com', type: 'email' });
    const code = await mailTo(email, t2);
    await expect(factors.verifyChallenge(accountId, (sent as { codeId: string }).codeId, wrong(code))).resolves.toEqual({ ok: false, reason: 'invalid' });
    await expect(factors.verifyChallenge(accountId, (sent as { codeId: string }).codeId, code)).resolves.toEqual({ ok: true, type: 'email', factorId });
  });

  it("sends to the account's own address when it has no enrolled factor (factorId 'email')", async () => {
    const accountId = account();
    const email = `solo.${randomBytes(3).toString('hex')}@example.com`;
    const before = Date.now();
    const sent = await factors.sendChallenge(accountId, 'email', 'en', email);
    expect(sent).toEqual({ ok: true, codeId: expect.any(String), destination: 's•••@example.com', type: 'email' });
    const code = await mailTo(email, before);
    await expect(factors.verifyChallenge(accountId, (sent as { codeId: string }).codeId, code)).resolves.toEqual({ ok: true, type: 'email', factorId: 'email' });
  });

  it('refuses to enroll what is not an address', async () => {
    await expect(factors.startEmail(account(), 'not-an-address', 'en')).rejects.toThrow(/e-mail/);
  });
});

describe('list and remove', () => {
  it('lists every kind of factor, oldest first, recovery codes last with the count left', async () => {
    const { accountId, factor: phoneFactor } = await withPhone();
    const totp = createTotp({ conn, cipher, issuerName: 'Acme ID', audit });
    const started = await totp.begin({ accountId, email: 'x@example.com' });
    const app = await totp.confirm(accountId, started.token, await generate({ secret: started.secret }), 'Phone app');
    const passkey = passkeys.add(accountId, 'YubiKey', new Date(clock - 60_000));
    const set = await recoveryCodes.generate(accountId);
    await recoveryCodes.use(accountId, set[0]!);

    const listed = await factors.list(accountId);
    expect(listed.map((f) => [f.type, f.label])).toEqual([
      ['passkey', 'YubiKey'],
      ['sms', phoneFactor.label],
      ['totp', 'Phone app'],
      ['recovery', 'Recovery codes'],
    ]);
    expect(listed[2]?.id).toBe(app.ok && app.factorId);
    expect(listed[3]).toMatchObject({ id: 'recovery', remaining: 9, createdAt: expect.any(Date) });
    expect(JSON.stringify(listed)).not.toMatch(/sealed|secret/);
    expect(listed.find((f) => f.id === passkey.id)).toBeDefined();
  });

  it('removes each kind by id, audits it, and never touches another account', async () => {
    const { accountId, factor } = await withPhone();
    const passkey = passkeys.add(accountId, 'Laptop', new Date(clock));
    await recoveryCodes.generate(accountId);

    await expect(factors.remove(account(), factor.id)).resolves.toBeUndefined();
    await expect(factors.remove(account(), passkey.id)).resolves.toBeUndefined();
    await expect(factors.remove(account(), 'recovery')).resolves.toBeUndefined();
    await expect(factors.remove(accountId, { $ne: '' } as never)).resolves.toBeUndefined();

    await expect(factors.remove(accountId, factor.id)).resolves.toMatchObject({ id: factor.id, type: 'sms' });
    await expect(factors.remove(accountId, factor.id)).resolves.toBeUndefined();
    await expect(factors.remove(accountId, passkey.id)).resolves.toMatchObject({ id: passkey.id, type: 'passkey', label: 'Laptop' });
    await expect(factors.remove(accountId, 'recovery')).resolves.toMatchObject({ type: 'recovery', remaining: 10 });
    await expect(factors.list(accountId)).resolves.toEqual([]);

    const removed = await audit.list({ accountId, type: 'factor.removed' });
    expect(removed.map((e) => e.details?.factorType).sort()).toEqual(['passkey', 'recovery', 'sms']);
  });

  it('removes everything of an account at once (account deletion), pending codes included', async () => {
    const { accountId, number, factor } = await withPhone();
    const keep = await withPhone();
    passkeys.add(accountId, 'Key', new Date(clock));
    await recoveryCodes.generate(accountId);
    const before = Date.now();
    const pending = await factors.sendChallenge(accountId, factor.id, 'en');
    const code = await smsTo(number, before);
    await factors.removeAll(accountId);
    await expect(factors.list(accountId)).resolves.toEqual([]);
    expect([...passkeys.rows.values()].some((r) => r.accountId === accountId)).toBe(false);
    await expect(factors.list(keep.accountId)).resolves.toHaveLength(1);
    await expect(factors.verifyChallenge(accountId, (pending as { codeId: string }).codeId, code)).resolves.toEqual({ ok: false, reason: 'invalid' });
  });
});
