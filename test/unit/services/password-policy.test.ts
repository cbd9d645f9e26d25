import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPasswordPolicy, normalizePassword } from '../../../src/services/password-policy.ts';

const warnings: unknown[] = [];
const logger = { warn: (...args: unknown[]) => void warnings.push(args) };
const sha1 = (s: string) => createHash('sha1').update(s, 'utf8').digest('hex').toUpperCase();

const BREACHED = 'correct horse battery staple';
const PADDED = 'a padding entry only, count 0';

let server: Server;
let base: string;
const requests: { url: string; padding?: string }[] = [];

beforeAll(async () => {
  // A stand-in for the Pwned Passwords range API: SUFFIX:COUNT lines, with padding entries of count 0.
  server = createServer((req, res) => {
    const prefix = (req.url ?? '').split('/').pop() ?? '';
    requests.push({ url: req.url ?? '', padding: req.headers['add-padding'] as string | undefined });
    if (prefix === 'FFFFF') {
      res.writeHead(503).end();
      return;
    }
    const lines = ['0018A45C4D1DEF81644B54AB7F969B88D65:1', '00D4F6E8FA6EECAD2A3AA415EEC418D38EC:0'];
    for (const [password, count] of [[BREACHED, 37615], [PADDED, 0]] as const) {
      const hash = sha1(password);
      if (hash.startsWith(prefix)) lines.push(`${hash.slice(5)}:${count}`);
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end(lines.join('\r\n'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/range/`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => {
  warnings.length = 0;
  requests.length = 0;
});

describe('password policy', () => {
  const policy = createPasswordPolicy({ minLength: 8, logger });

  it('accepts any characters with no composition rules, from the minimum up to 1024 characters', async () => {
    expect(policy).toMatchObject({ minLength: 8, maxLength: 1024 });
    for (const password of ['gleaming tuba', 'zebra-orbit-kettle', 'ŻÓŁW płynie wolno', 'x'.repeat(64) + 'ä', 'y'.repeat(1024)]) {
      expect([password.slice(0, 20), await policy.check(password)]).toEqual([password.slice(0, 20), { ok: true }]);
    }
    expect(await policy.check('abcdefg')).toEqual({ ok: false, problem: 'tooShort' });
    expect(await policy.check('')).toEqual({ ok: false, problem: 'tooShort' });
    expect(await policy.check('y'.repeat(1025))).toEqual({ ok: false, problem: 'tooLong' });
  });

  it('counts code points after NFKC normalisation, not UTF-16 units', async () => {
    // Seven emoji are 14 UTF-16 units but seven characters; eight are enough.
    expect(await policy.check('🐙🦑🐳🐬🦀🦞🐚')).toEqual({ ok: false, problem: 'tooShort' });
    expect(await policy.check('🐙🦑🐳🐬🦀🦞🐚🐠')).toEqual({ ok: true });
    // "e" + combining acute (two code points) composes to one "é": ten code points typed, eight characters.
    const decomposed = 'cafe\u0301cafe\u0301';
    expect(decomposed.length).toBe(10);
    expect(await createPasswordPolicy({ minLength: 9, logger }).check(decomposed)).toEqual({ ok: false, problem: 'tooShort' });
    expect(await policy.check(decomposed)).toEqual({ ok: true });
    expect(normalizePassword('ﬁ\u212B')).toBe('fiÅ');
    expect(await createPasswordPolicy({ minLength: 12, logger }).check('x'.repeat(11) + '🐙')).toEqual({ ok: true });
  });

  it('refuses common passwords, whatever their case', async () => {
    for (const password of ['password1', 'qwertyuiop', 'PassWord1', 'QWERTYUIOP', 'iloveyou', '1234567890']) {
      expect([password, await policy.check(password)]).toEqual([password, { ok: false, problem: 'common' }]);
    }
  });

  it('refuses a password containing the local part of the e-mail address, when it has at least 3 characters', async () => {
    expect(await policy.check('my Jessica.Miller pass', { email: 'jessica.miller@example.com' })).toEqual({ ok: false, problem: 'containsEmail' });
    expect(await policy.check('JESSICA.MILLER@EXAMPLE.COM', { email: 'jessica.miller@example.com' })).toEqual({ ok: false, problem: 'containsEmail' });
    expect(await policy.check('wojtek wins again', { email: 'Wojtek@example.pl' })).toEqual({ ok: false, problem: 'containsEmail' });
    expect(await policy.check('joyful marmalade', { email: 'jo@example.com' })).toEqual({ ok: true });
    expect(await policy.check('joyful marmalade')).toEqual({ ok: true });
  });

  it('with a breach API, refuses breached passwords sending only a 5-character hash prefix, and ignores padding', async () => {
    const checked = createPasswordPolicy({ minLength: 8, breachApiUrl: base, logger });
    expect(await checked.check(BREACHED)).toEqual({ ok: false, problem: 'breached' });
    expect(requests).toEqual([{ url: `/range/${sha1(BREACHED).slice(0, 5)}`, padding: 'true' }]);
    expect(await checked.check(PADDED)).toEqual({ ok: true });
    expect(await checked.check('unlisted quiet violet harbour')).toEqual({ ok: true });
    // The breach check runs last: a password that fails a local rule never leaves the process, not even hashed.
    requests.length = 0;
    await checked.check('password1');
    expect(requests).toHaveLength(0);
    expect(warnings).toHaveLength(0);
  });

  it('fails open with a warning (and nothing of the password) when the breach API is unreachable or failing', async () => {
    const closed = await new Promise<string>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(`http://127.0.0.1:${port}/range/`));
      });
    });
    expect(await createPasswordPolicy({ minLength: 8, breachApiUrl: closed, logger }).check(BREACHED)).toEqual({ ok: true });
    const failing = createPasswordPolicy({
      minLength: 8,
      breachApiUrl: base,
      logger,
      fetch: (() => fetch(`${base}FFFFF`)) as typeof fetch,
    });
    expect(await failing.check(BREACHED)).toEqual({ ok: true });
    expect(warnings).toHaveLength(2);
    expect(JSON.stringify(warnings)).not.toMatch(new RegExp(`horse|${sha1(BREACHED).slice(0, 5)}`));
  });

  it('refuses a minimum below 8', () => {
    expect(() => createPasswordPolicy({ minLength: 6, logger })).toThrow(/8 to 64/);
  });
});
