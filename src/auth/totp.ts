// Authenticator apps (TOTP, RFC 6238, via otplib): SHA-1, 6 digits, 30-second steps — what every app supports.
//
// - The seed is sealed with the data encryption key, in the pending enrollment (a token the form carries back) and
//   in the stored factor; the raw collection never holds it in base32 or any other readable form.
// - Codes of the current step and of one step either side are accepted (clock drift of up to 30 s either way),
//   not two.
// - A code is accepted once: a (factor, time step) accepted inserts `<factorId>:<step>` into totp_used_steps, and
//   only the one insert that wins may succeed, however many requests race. Steps older than the newest accepted
//   one are refused as well (RFC 6238 §5.2: no earlier code after a later one).
// - A pending enrollment carries its factor id, so confirming it twice stores one factor.
// Guess limits are the caller's (an AttemptBudget per sign-in): six digits need them.
import { systemClock, type Clock } from '../clock.ts';
import { randomBytes } from 'node:crypto';
import { readSixDigitCode } from '../services/code-input.ts';
import type { Connection } from 'mongoose';
import { generateSecret, generateURI, verify as verifyOtp } from 'otplib';
import QRCode from 'qrcode';
import { ensureExpiryIndexes, type ExpiringRow } from '../../adapters/maintenance.ts';
import { factorModel, usedStepModel, type FactorRecord } from '../db/models/factor.ts';
import type { AuditLog } from '../services/audit.ts';
import type { Cipher } from '../services/crypto.ts';
import { isDuplicateKey } from '../db/duplicate-key.ts';

export interface TotpEnrollment {
  /** Cipher-sealed {accountId, email, factorId, secret, exp}: the form carries it back to confirm(). */
  token: string;
  /** Base32 seed, for typing into an app by hand. */
  secret: string;
  /** otpauth:// URI (what the QR code holds). */
  uri: string;
  /** The URI as an inline SVG QR code (CSP forbids data: images). */
  qrSvg: string;
}

export type TotpConfirmResult = { ok: true; factorId: string } | { ok: false; reason: 'invalid' | 'expired' };

export interface TotpService {
  /** Pending enrollment: `token` is the cipher-sealed {accountId, secret, exp(+15 min)} carried by the form. */
  begin(account: { accountId: string; email: string }): Promise<TotpEnrollment>;
  /** The pending enrollment of `token` again (to re-render the form after a wrong code); undefined when invalid or expired. */
  reopen(accountId: string, token: string): Promise<TotpEnrollment | undefined>;
  /** Confirms with a first code; stores the factor (name default "Authenticator app"); audits factor.added. */
  confirm(accountId: string, token: string, code: string, name?: string): Promise<TotpConfirmResult>;
  /** Any of the account's TOTP factors; updates lastUsedAt. Replay ⇒ { ok: false }. */
  verify(accountId: string, code: string): Promise<{ ok: true; factorId: string } | { ok: false }>;
  /** Deletes used-step rows whose step has left the window. Run periodically where no TTL index exists. */
  sweepExpired(): Promise<number>;
  /** Indexes of the factor and used-step collections (TTL where the server accepts one). Run once at start. */
  ensureIndexes(): Promise<{ ttl: boolean }>;
}

export interface TotpDeps {
  conn: Connection;
  cipher: Cipher;
  /** Shown in the app next to the account (the product name). */
  issuerName: string;
  audit: Pick<AuditLog, 'record'>;
  /** Clock, for tests. */
  now?: Clock;
}

export const TOTP_PERIOD_SECONDS = 30;
const WINDOW_STEPS = 1;
export const ENROLLMENT_TTL_MS = 15 * 60_000;
// A used step must outlive its acceptability: step s is accepted until step s+1 ends.
const USED_STEP_KEEP_MS = 2 * 60_000;
const DEFAULT_NAME = 'Authenticator app';
const MAX_NAME_LENGTH = 64;
const MAX_TOKEN_LENGTH = 1024;
const TOKEN_PURPOSE = 'totp-enroll';

interface PendingEnrollment {
  purpose: typeof TOKEN_PURPOSE;
  accountId: string;
  /** The label shown in the app. */
  email: string;
  factorId: string;
  secret: string;
  exp: number;
}

/** What a user may type (services/code-input.ts): spaces and dashes between the digits are ignored. */
export function normaliseTotpCode(code: unknown): string | undefined {
  const read = readSixDigitCode(code);
  return read.ok ? read.code : undefined;
}

function cleanName(name: string | undefined): string {
  const trimmed = typeof name === 'string' ? name.replace(/\s+/g, ' ').trim().slice(0, MAX_NAME_LENGTH) : '';
  return trimmed || DEFAULT_NAME;
}

export function createTotp(deps: TotpDeps): TotpService {
  const { conn, cipher, issuerName, audit } = deps;
  const now = deps.now ?? systemClock;
  const factors = factorModel(conn);
  const usedSteps = usedStepModel(conn);

  function openToken(token: unknown): PendingEnrollment | undefined {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return undefined;
    try {
      const p = JSON.parse(cipher.decrypt(token)) as Partial<PendingEnrollment>;
      // The purpose stops any other sealed value of this deployment from passing as an enrollment.
      if (p.purpose !== TOKEN_PURPOSE || typeof p.accountId !== 'string' || typeof p.factorId !== 'string') return undefined;
      if (typeof p.secret !== 'string' || typeof p.exp !== 'number' || typeof p.email !== 'string') return undefined;
      return p as PendingEnrollment;
    } catch {
      return undefined;
    }
  }

  /** The matching time step within ±1 of now, newer than `after`; undefined when the code does not match. */
  async function match(secret: string, code: string, after?: number): Promise<number | undefined> {
    const epoch = Math.floor(now() / 1000);
    // Every step of the window is at or before `after` (otplib would throw rather than answer).
    if (after !== undefined && after >= Math.floor(epoch / TOTP_PERIOD_SECONDS) + WINDOW_STEPS) return undefined;
    const result = await verifyOtp({
      secret,
      token: code,
      epoch,
      period: TOTP_PERIOD_SECONDS,
      epochTolerance: WINDOW_STEPS * TOTP_PERIOD_SECONDS,
      ...(after === undefined ? {} : { afterTimeStep: after }),
    });
    // delta: the matching step's distance from the current one (otplib's union type hides TOTP's timeStep).
    return result.valid ? Math.floor(epoch / TOTP_PERIOD_SECONDS) + result.delta : undefined;
  }

  /** The one winner for a (factor, step): true for the request whose insert got there first. */
  async function claimStep(factorId: string, step: number): Promise<boolean> {
    const stepEnd = (step + 1 + WINDOW_STEPS) * TOTP_PERIOD_SECONDS * 1000;
    try {
      await usedSteps.create({ _id: `${factorId}:${step}`, expiresAt: new Date(Math.max(stepEnd, now()) + USED_STEP_KEEP_MS) });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  async function present(token: string, { email, secret }: PendingEnrollment): Promise<TotpEnrollment> {
    const uri = generateURI({ issuer: issuerName, label: email, secret, period: TOTP_PERIOD_SECONDS });
    const qrSvg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    return { token, secret, uri, qrSvg };
  }

  return {
    async begin({ accountId, email }) {
      if (typeof accountId !== 'string' || accountId.length === 0) throw new TypeError('accountId must be a non-empty string');
      const pending: PendingEnrollment = {
        purpose: TOKEN_PURPOSE,
        accountId,
        email,
        factorId: randomBytes(12).toString('base64url'),
        secret: generateSecret({ length: 20 }),
        exp: now() + ENROLLMENT_TTL_MS,
      };
      return present(cipher.encrypt(JSON.stringify(pending)), pending);
    },

    async reopen(accountId, token) {
      const pending = openToken(token);
      if (!pending || pending.accountId !== accountId || pending.exp <= now()) return undefined;
      return present(token, pending);
    },

    async confirm(accountId, token, code, name) {
      const pending = openToken(token);
      if (!pending || pending.accountId !== accountId) return { ok: false, reason: 'invalid' };
      if (pending.exp <= now()) return { ok: false, reason: 'expired' };
      const digits = normaliseTotpCode(code);
      const step = digits === undefined ? undefined : await match(pending.secret, digits);
      if (step === undefined) return { ok: false, reason: 'invalid' };

      const { factorId } = pending;
      // The factor id travels in the token: of racing posts of one form, exactly one insert stores the factor.
      try {
        await factors.create({
          _id: factorId,
          accountId,
          type: 'totp',
          label: cleanName(name),
          sealed: cipher.encrypt(pending.secret),
          createdAt: new Date(now()),
          lastStep: step,
        });
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
        // The same form posted twice: the first post stored the factor, the second is not an error.
        return { ok: true, factorId };
      }
      // The confirming code is used up: it cannot sign in a second time right after (lastStep refuses it too).
      await claimStep(factorId, step);
      await audit.record({ type: 'factor.added', outcome: 'success', accountId, details: { factorType: 'totp', factorId } });
      return { ok: true, factorId };
    },

    async verify(accountId, code) {
      const digits = normaliseTotpCode(code);
      if (digits === undefined || typeof accountId !== 'string') return { ok: false };
      const rows = await factors.find({ accountId, type: 'totp' }).lean<FactorRecord[]>();
      for (const row of rows) {
        let secret: string;
        try {
          secret = cipher.decrypt(row.sealed);
        } catch {
          continue;
        }
        const step = await match(secret, digits, row.lastStep);
        if (step === undefined) continue;
        // The code matched this factor: whether it wins decides the answer; no other factor is tried with it.
        if (!(await claimStep(row._id, step))) return { ok: false };
        // Best effort (not atomic on FerretDB, and need not be: the used-step row is what refuses a replay).
        await factors.updateOne({ _id: row._id }, { $set: { lastUsedAt: new Date(now()) }, $max: { lastStep: step } });
        return { ok: true, factorId: row._id };
      }
      return { ok: false };
    },

    async sweepExpired() {
      const { deletedCount } = await usedSteps.deleteMany({ expiresAt: { $lte: new Date(now()) } });
      return deletedCount;
    },

    async ensureIndexes() {
      await factors.createIndexes();
      const db = conn.db;
      if (!db) throw new Error('database connection is not open');
      return ensureExpiryIndexes([db.collection<ExpiringRow>(usedSteps.collection.collectionName)]);
    },
  };
}
