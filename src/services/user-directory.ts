// Finding customers for operators (management API, CLI, the coming console): by exact e-mail address (one indexed
// lookup), or by a few criteria (part of the name or address, phone number, creation and last sign-in times) in the
// order accounts were created, a page at a time. A cursor names the last row of a page (its creation time and id),
// so pages neither skip nor repeat accounts as others are created meanwhile. On the embedded store these filters
// scan the users (it pushes down no filter but `_id`); on MongoDB the createdAt index serves them.
import type { Connection } from 'mongoose';
import { normaliseEmail, userModel, type User } from '../db/models/user.ts';
import { decodeCursor, encodeCursor } from './page-cursor.ts';
import type { EmailLookup } from './user-emails.ts';
import { toView, type UserView } from './users.ts';

export interface UserQuery {
  email?: string;
  /** Part of the name or e-mail address, case-insensitive. */
  q?: string;
  createdAfter?: Date;
  createdBefore?: Date;
  /** Exactly this phone number (E.164). */
  phoneNumber?: string;
  /** The last sign-in (to the hour) at or after / before. */
  lastLoginAfter?: Date;
  lastLoginBefore?: Date;
  disabled?: boolean;
  limit: number;
  cursor?: string;
}

export interface UserPage {
  users: UserView[];
  /** Where the next page starts; absent on the last page. */
  next?: string;
}

export interface UserDirectory {
  search(query: UserQuery): Promise<UserPage>;
}

export const MAX_PAGE = 200;

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function createUserDirectory(deps: { conn: Connection; emails: Pick<EmailLookup, 'find'> }): UserDirectory {
  const users = userModel(deps.conn);
  return {
    async search(query) {
      const limit = Math.min(Math.max(1, Math.floor(query.limit)), MAX_PAGE);
      const filter: Record<string, unknown>[] = [];
      if (query.email !== undefined) {
        // An address names one account at most: its lookup by _id, then the other criteria on that row alone.
        const found = await deps.emails.find(normaliseEmail(query.email));
        if (!found) return { users: [] };
        filter.push({ _id: found._id });
      }
      if (query.q) {
        const pattern = new RegExp(escapeRegex(query.q.slice(0, 100)), 'i');
        filter.push({ $or: [{ email: pattern }, { name: pattern }, { given_name: pattern }, { family_name: pattern }] });
      }
      if (query.createdAfter) filter.push({ createdAt: { $gte: query.createdAfter } });
      if (query.createdBefore) filter.push({ createdAt: { $lt: query.createdBefore } });
      if (query.phoneNumber) filter.push({ phone_number: query.phoneNumber });
      if (query.lastLoginAfter) filter.push({ lastLoginAt: { $gte: query.lastLoginAfter } });
      if (query.lastLoginBefore) filter.push({ lastLoginAt: { $lt: query.lastLoginBefore } });
      if (query.disabled !== undefined) filter.push(query.disabled ? { disabled: true } : { disabled: { $ne: true } });
      if (query.cursor) {
        const after = decodeCursor(query.cursor);
        filter.push({ $or: [{ createdAt: { $gt: after.at } }, { createdAt: after.at, _id: { $gt: after.id } }] });
      }
      const rows = await users
        .find(filter.length ? { $and: filter } : {}, { passwordHash: 0 })
        .sort({ createdAt: 1, _id: 1 })
        .limit(limit + 1)
        .lean<User[]>();
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return { users: page.map(toView), ...(rows.length > limit && last ? { next: encodeCursor({ at: last.createdAt, id: last._id }) } : {}) };
    },
  };
}
