// Customers brought in from another system, in bulk: JSON lines, one account each, with the e-mail address, its
// verified flag, any standard claim and, optionally, the password hash the old system kept (bcrypt, argon2,
// PBKDF2-SHA256/512, salted SHA-256, scrypt or Firebase's scrypt: foreign-hashes.ts). The hash is checked at the
// account's first sign-in here and replaced by our argon2id then. Each line is one account, imported whole or not
// at all; a line that does not hold (not JSON, a field that does not pass the same rules as a created account, an
// address already taken or repeated in the file) is reported with its line number and stores nothing. A dry run
// checks everything and writes nothing. Accounts go in batches: a few commands per batch, not per account.
// A row may keep its account's id (`id`, e.g. from another deployment's `ciam users export`): the `sub` its apps
// know stays the same; an id already in use is refused like a taken address.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { z } from 'zod';
import { normaliseEmail, userModel } from '../db/models/user.ts';
import { userEmailModel } from '../db/models/user-email.ts';
import type { AuditLog } from './audit.ts';
import { foreignHashSchema, storedForeignHash } from './foreign-hashes.ts';
import { hashPassword } from './passwords.ts';
import { claimsSchema, parseCreateUser } from './user-input.ts';

export const importRowSchema = claimsSchema
  .extend({
    email: z.string().max(254),
    email_verified: z.boolean().optional(),
    password_hash: foreignHashSchema.optional(),
    id: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._:@|-]{0,99}$/, { message: 'an id is 1 to 100 letters, digits and . _ : @ | -' })
      .optional()
      .describe('The id to keep (the `sub` apps know); absent: a new one'),
    disabled: z.boolean().optional().describe('Imported disabled: sign-ins refused until enabled'),
  })
  .strict();

export interface ImportReport {
  dryRun: boolean;
  /** Lines read (blank lines aside). */
  read: number;
  imported: number;
  /** Every line refused; `rejected` lists the first thousand of them. */
  rejectedCount: number;
  rejected: { line: number; reason: string }[];
}

export interface UserImport {
  /** Imports the lines in order; resolves with what was imported and what was refused, line by line. */
  run(lines: AsyncIterable<string> | Iterable<string>, opts?: { dryRun?: boolean; onProgress?: (report: ImportReport) => void }): Promise<ImportReport>;
}

const BATCH = 500;
/** Rejections reported in full; beyond, only counted. */
const MAX_REPORTED = 1000;

interface Ready {
  line: number;
  email: string;
  /** The id the row keeps, if it names one. */
  id?: string;
  doc: Record<string, unknown>;
}

function describe(err: unknown): string {
  const problems = (err as { details?: { problems?: unknown } }).details?.problems;
  if (Array.isArray(problems)) return problems.join('; ');
  if (err instanceof z.ZodError) return err.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
  return (err as Error).message;
}

export function createUserImport(deps: { conn: Connection; audit: Pick<AuditLog, 'record' | 'held'> }): UserImport {
  const users = userModel(deps.conn);
  const emails = userEmailModel(deps.conn);

  /** One line as the account it makes, or why not. */
  function prepare(line: string, seen: Set<string>): Omit<Ready, 'line'> | { reason: string } {
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      return { reason: 'not a JSON object' };
    }
    const parsed = importRowSchema.safeParse(raw);
    if (!parsed.success) return { reason: describe(parsed.error) };
    const { password_hash: hash, email_verified: emailVerified, id, disabled, ...rest } = parsed.data;
    let valid;
    try {
      // The rules of any created account (address, claims), without a password: the hash stands for it.
      valid = parseCreateUser({ ...rest, ...(emailVerified !== undefined ? { emailVerified } : {}) });
    } catch (err) {
      return { reason: describe(err) };
    }
    const email = normaliseEmail(valid.email);
    if (seen.has(email)) return { reason: 'the address is on an earlier line of this file' };
    if (id !== undefined && seen.has(`id:${id}`)) return { reason: 'the id is on an earlier line of this file' };
    seen.add(email);
    if (id !== undefined) seen.add(`id:${id}`);
    const { emailVerified: verified, password: _none, ...claims } = valid;
    return {
      email,
      ...(id !== undefined ? { id } : {}),
      doc: {
        ...claims,
        email,
        email_verified: verified ?? false,
        ...(disabled ? { disabled: true } : {}),
        ...(hash ? { passwordHash: storedForeignHash(hash) } : { noPassword: true }),
      },
    };
  }

  /** Claims the batch's addresses (one command), then writes its accounts (one command); what lost its address is rejected. */
  async function write(all: Ready[], report: ImportReport, unknownPasswordHash: () => Promise<string>): Promise<void> {
    const batch = await withFreeIds(all, report);
    const ids = new Map(batch.map((r) => [r.email, r.id ?? randomUUID()]));
    const taken = new Set<string>();
    try {
      await emails.insertMany(batch.map((r) => ({ _id: r.email, userId: ids.get(r.email)!, at: new Date() })), { ordered: false });
    } catch (err) {
      const failed = (err as { writeErrors?: { index?: number; err?: { index?: number } }[] }).writeErrors;
      if (!failed) throw err;
      for (const w of failed) taken.add(batch[w.index ?? w.err?.index ?? -1]?.email ?? '');
    }
    const fresh = batch.filter((r) => !taken.has(r.email));
    for (const r of batch.filter((r) => taken.has(r.email))) reject(report, r.line, 'an account with this address already exists');
    if (fresh.length === 0) return;
    const none = fresh.some((r) => r.doc.noPassword) ? await unknownPasswordHash() : undefined;
    const lost = new Set<number>();
    try {
      await users.insertMany(
        fresh.map((r) => ({ ...r.doc, _id: ids.get(r.email)!, ...(r.doc.noPassword ? { passwordHash: none } : {}) })),
        { ordered: false },
      );
    } catch (err) {
      // An account that could not be written (its address taken at this moment by a sign-up): its claim goes back.
      const failed = (err as { writeErrors?: { index?: number; err?: { index?: number } }[] }).writeErrors;
      if (!failed) throw err;
      for (const w of failed) lost.add(w.index ?? w.err?.index ?? -1);
      await emails.deleteMany({ $or: fresh.filter((_r, i) => lost.has(i)).map((r) => ({ _id: r.email, userId: ids.get(r.email)! })) });
    }
    const stored = fresh.filter((_r, i) => !lost.has(i));
    for (const r of fresh.filter((_r, i) => lost.has(i))) reject(report, r.line, 'the account could not be written (its address or id was taken meanwhile)');
    await deps.audit.held(async () => {
      for (const r of stored) await deps.audit.record({ type: 'user.created', outcome: 'success', accountId: ids.get(r.email)!, details: { source: 'import' } });
    });
    report.imported += stored.length;
  }

  /** The rows whose kept id (if any) no account has yet; the others are rejected. One command, only when ids are kept. */
  async function withFreeIds(batch: Ready[], report: ImportReport): Promise<Ready[]> {
    const kept = batch.flatMap((r) => (r.id !== undefined ? [r.id] : []));
    if (kept.length === 0) return batch;
    const used = new Set((await users.find({ _id: { $in: kept } }, { _id: 1 }).lean<{ _id: string }[]>()).map((u) => u._id));
    for (const r of batch) if (r.id !== undefined && used.has(r.id)) reject(report, r.line, 'an account with this id already exists');
    return batch.filter((r) => r.id === undefined || !used.has(r.id));
  }

  function reject(report: ImportReport, line: number, reason: string): void {
    report.rejectedCount += 1;
    if (report.rejected.length < MAX_REPORTED) report.rejected.push({ line, reason });
  }

  return {
    async run(lines, opts = {}) {
      const report: ImportReport = { dryRun: opts.dryRun === true, read: 0, imported: 0, rejectedCount: 0, rejected: [] };
      const seen = new Set<string>();
      // Accounts without a password share the hash of random bytes nobody knows (made once per import): a password
      // sign-in then costs the same argon2 time as for any account, and fails.
      let noneHash: Promise<string> | undefined;
      const unknownPasswordHash = () => (noneHash ??= hashPassword(randomBytes(32).toString('base64url')));
      let batch: Ready[] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        if (report.dryRun) {
          const free = await withFreeIds(batch, report);
          const existing = new Set((await emails.find({ _id: { $in: free.map((r) => r.email) } }, { _id: 1 }).lean<{ _id: string }[]>()).map((r) => r._id));
          for (const r of free) {
            if (existing.has(r.email)) reject(report, r.line, 'an account with this address already exists');
            else report.imported += 1;
          }
        } else {
          await write(batch, report, unknownPasswordHash);
        }
        batch = [];
        told = report.read;
        opts.onProgress?.(report);
      };
      let told = 0;
      let line = 0;
      for await (const text of lines) {
        line += 1;
        if (text.trim() === '') continue;
        report.read += 1;
        const prepared = prepare(text, seen);
        if ('reason' in prepared) {
          reject(report, line, prepared.reason);
          continue;
        }
        batch.push({ line, ...prepared });
        if (batch.length >= BATCH) await flush();
      }
      await flush();
      if (told !== report.read) opts.onProgress?.(report);
      return report;
    },
  };
}
