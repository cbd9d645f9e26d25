import { createProofOfWork, leadingZeroBits, proofDigest, solveProof } from '../../../src/services/proof-of-work.ts';

const key = Buffer.alloc(32, 3);
let clock = 1_800_000_000_000;
const pow = (bits = 8) => createProofOfWork({ key, bits, ttlSeconds: 60, now: () => clock });

describe('leadingZeroBits', () => {
  it('counts whole and partial bytes', () => {
    expect(leadingZeroBits(Buffer.from([0, 0, 0x0f]), 20)).toBe(true);
    expect(leadingZeroBits(Buffer.from([0, 0, 0x1f]), 20)).toBe(false);
    expect(leadingZeroBits(Buffer.from([0, 0x80]), 8)).toBe(true);
    expect(leadingZeroBits(Buffer.from([0, 0x80]), 9)).toBe(false);
  });
});

describe('proof of work', () => {
  it('accepts a solution of a challenge issued for the same name, and says until when to keep it spent', () => {
    const p = pow();
    const { challenge, bits } = p.issue('login\0a@example.com');
    const nonce = solveProof(challenge, bits);
    expect(leadingZeroBits(proofDigest(challenge, nonce), 8)).toBe(true);
    const result = p.solves('login\0a@example.com', challenge, nonce);
    expect(result).toEqual({ ok: true, id: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), expiresAt: new Date(Math.ceil((clock + 60_000) / 1000) * 1000) });
  });

  it('refuses another name, a wrong nonce, an expired or altered challenge, and a challenge of another key', () => {
    const p = pow();
    const { challenge, bits } = p.issue('login\0a@example.com');
    const nonce = solveProof(challenge, bits);
    expect(p.solves('login\0b@example.com', challenge, nonce)).toEqual({ ok: false });
    let wrong = 0;
    while (leadingZeroBits(proofDigest(challenge, String(wrong)), 8)) wrong++;
    expect(p.solves('login\0a@example.com', challenge, String(wrong))).toEqual({ ok: false });
    // Easier puzzle claimed: the MAC covers the difficulty.
    const easier = challenge.replace(/^8\./, '1.');
    expect(p.solves('login\0a@example.com', easier, solveProof(easier, 1))).toEqual({ ok: false });
    const other = createProofOfWork({ key: Buffer.alloc(32, 4), bits: 8, now: () => clock });
    expect(other.solves('login\0a@example.com', challenge, nonce)).toEqual({ ok: false });
    for (const junk of ['', 'x', `${challenge}.`, challenge.toUpperCase()]) expect(p.solves('login\0a@example.com', junk, nonce)).toEqual({ ok: false });
    for (const junk of ['', '-1', '1e3', '12345678901234567']) expect(p.solves('login\0a@example.com', challenge, junk)).toEqual({ ok: false });
    clock += 61_000;
    expect(p.solves('login\0a@example.com', challenge, nonce)).toEqual({ ok: false });
  });

  it('keeps judging a challenge by the difficulty it was issued with after the setting changes', () => {
    const { challenge } = pow(6).issue('n');
    expect(pow(10).solves('n', challenge, solveProof(challenge, 6)).ok).toBe(true);
  });

  it('binds a solution to the subject it was solved for (trimmed and lower-cased by the caller)', () => {
    const p = pow();
    const { challenge, bits } = p.issue('bot-check\0recover\0uid-1');
    const nonce = solveProof(challenge, bits, 'a@example.com');
    expect(p.solves('bot-check\0recover\0uid-1', challenge, nonce, 'a@example.com').ok).toBe(true);
    // A solution for another subject, or for none, that does not happen to solve this one too, is refused.
    const solvesOnly = (subject: string | undefined) => {
      let n = 0;
      const hits = (s: string | undefined) => leadingZeroBits(proofDigest(challenge, String(n), s), bits);
      while (!hits(subject) || hits('a@example.com')) n++;
      return String(n);
    };
    expect(p.solves('bot-check\0recover\0uid-1', challenge, solvesOnly('b@example.com'), 'a@example.com')).toEqual({ ok: false });
    expect(p.solves('bot-check\0recover\0uid-1', challenge, solvesOnly(undefined), 'a@example.com')).toEqual({ ok: false });
  });

  it('lets a challenge issued with a wait pass without a solution once the wait is over, and only then', () => {
    const p = pow();
    const issued = p.issue('bot-check\0signup\0uid-1', { waitSeconds: 5 });
    expect(issued.waitUntil).toEqual(new Date(Math.ceil((clock + 5000) / 1000) * 1000));
    expect(p.waited('bot-check\0signup\0uid-1', issued.challenge)).toEqual({ ok: false, early: 5 });
    clock += 3000;
    expect(p.waited('bot-check\0signup\0uid-1', issued.challenge)).toEqual({ ok: false, early: expect.any(Number) });
    clock += 2500;
    const passed = p.waited('bot-check\0signup\0uid-1', issued.challenge);
    expect(passed).toEqual({ ok: true, id: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), expiresAt: expect.any(Date) });
    // Its id is the one a solution of the same challenge has: spending either spends both.
    expect(p.solves('bot-check\0signup\0uid-1', issued.challenge, solveProof(issued.challenge, issued.bits))).toEqual(passed);
    // Another binding, an altered wait, a challenge issued without a wait, an expired one: no.
    expect(p.waited('bot-check\0signup\0uid-2', issued.challenge)).toEqual({ ok: false });
    const sooner = issued.challenge.replace(/^(\d+)\.(\d+)\./, (_m, b: string, w: string) => `${b}.${Number(w) - 60}.`);
    expect(p.waited('bot-check\0signup\0uid-1', sooner)).toEqual({ ok: false });
    const plain = p.issue('bot-check\0signup\0uid-1');
    expect(plain.waitUntil).toBeUndefined();
    expect(p.waited('bot-check\0signup\0uid-1', plain.challenge)).toEqual({ ok: false });
    clock += 61_000;
    expect(p.waited('bot-check\0signup\0uid-1', issued.challenge)).toEqual({ ok: false });
  });

  it('keeps the MAC keys of its callers apart', () => {
    const login = pow();
    const bots = createProofOfWork({ key, bits: 8, purpose: 'bot-check', now: () => clock });
    const { challenge, bits } = bots.issue('n');
    const nonce = solveProof(challenge, bits);
    expect(bots.solves('n', challenge, nonce).ok).toBe(true);
    expect(login.solves('n', challenge, nonce)).toEqual({ ok: false });
  });

  it('refuses a difficulty outside 1–32', () => {
    expect(() => pow(0)).toThrow(RangeError);
    expect(() => pow(33)).toThrow(RangeError);
  });
});
