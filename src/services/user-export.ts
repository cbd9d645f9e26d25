// Migration out: every account in the form `ciam users import` (and POST /api/v1/users/import) reads, one JSON
// object per account: its id (the `sub` apps without pairwise identifiers know), address, standard claims, whether
// it is disabled, and its password hash (our argon2id, or a hash imported from a system before us and not yet
// replaced) in the form an import row gives it. An operator who leaves takes the credentials with them; another
// deployment of ours imports the file as it is, keeping ids and passwords.
//
// Accounts waiting for their erasure are left out: the customer asked to be forgotten, and an export must not
// carry them to the next system. An account without a password (made through another provider, or imported
// without a hash) has no password_hash. Read in creation order a page at a time (the cursor of the customer
// search), so an export of any size streams and rows created meanwhile are neither skipped nor repeated.
import type { Connection } from 'mongoose';
import { z } from 'zod';
import { userModel, type AccountRecord, type User } from '../db/models/user.ts';
import { accountClaims } from './claims.ts';
import { portableHash } from './foreign-hashes.ts';
import { decodeCursor, encodeCursor } from './page-cursor.ts';
import { importRowSchema } from './user-import.ts';

export const exportRowSchema = importRowSchema.required({ id: true }).meta({ description: 'An account as `ciam users import` reads it back' });
export type ExportRow = z.input<typeof exportRowSchema>;

export interface ExportPage {
  rows: ExportRow[];
  /** Where the next page starts; absent on the last page. */
  next?: string;
}

export interface UserExport {
  page(opts: { cursor?: string; limit: number; passwordHashes: boolean }): Promise<ExportPage>;
  /** Every row, a page at a time. */
  all(opts: { passwordHashes: boolean; pageSize?: number }): AsyncGenerator<ExportRow>;
}

export const MAX_EXPORT_PAGE = 1000;
const CLAIMS = new Set(Object.keys(importRowSchema.shape));

export function exportRow(user: User, passwordHashes: boolean): ExportRow {
  const { passwordHash, ...account } = user;
  const released = accountClaims(account as AccountRecord) as Record<string, unknown>;
  const claims = Object.fromEntries(Object.entries(released).filter(([name, value]) => CLAIMS.has(name) && value !== undefined && value !== null && value !== ''));
  const hash = passwordHashes && user.noPassword !== true ? portableHash(passwordHash) : undefined;
  return {
    ...claims,
    id: user._id,
    email: user.email,
    email_verified: user.email_verified === true,
    ...(user.disabled ? { disabled: true } : {}),
    ...(hash ? { password_hash: hash } : {}),
  };
}

export function createUserExport(deps: { conn: Connection }): UserExport {
  const users = userModel(deps.conn);

  async function page({ cursor, limit, passwordHashes }: { cursor?: string; limit: number; passwordHashes: boolean }): Promise<ExportPage> {
    const size = Math.min(Math.max(1, Math.floor(limit)), MAX_EXPORT_PAGE);
    const filter: Record<string, unknown>[] = [{ erasure: { $exists: false } }];
    if (cursor) {
      const after = decodeCursor(cursor);
      filter.push({ $or: [{ createdAt: { $gt: after.at } }, { createdAt: after.at, _id: { $gt: after.id } }] });
    }
    const found = await users
      .find({ $and: filter }, passwordHashes ? {} : { passwordHash: 0 })
      .sort({ createdAt: 1, _id: 1 })
      .limit(size + 1)
      .lean<User[]>();
    const rows = found.slice(0, size);
    const last = rows.at(-1);
    return { rows: rows.map((u) => exportRow(u, passwordHashes)), ...(found.length > size && last ? { next: encodeCursor({ at: last.createdAt, id: last._id }) } : {}) };
  }

  return {
    page,
    async *all({ passwordHashes, pageSize = MAX_EXPORT_PAGE }) {
      let cursor: string | undefined;
      do {
        const got = await page({ limit: pageSize, passwordHashes, ...(cursor ? { cursor } : {}) });
        yield* got.rows;
        cursor = got.next;
      } while (cursor);
    },
  };
}
