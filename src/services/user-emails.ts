// The e-mail → account lookup (db/models/user-email.ts), kept beside the accounts it points at.
//
// Only the account's own `email` field is the truth; a lookup row is a pointer to it and is believed only when the
// account it names still has that address. So a row left behind (a process stopped between two writes) misleads no
// one: it finds nothing, and a new claim of the address takes it over once it is older than CLAIM_GRACE_MS (a
// younger one may be a sign-up in the middle of its two writes). The order of writes keeps a live account findable:
// an address is claimed before an account gets it, and released only after the account let go of it.
//
// Accounts created before the lookup existed get their rows from backfill(): one pass at start, marked done in the
// `migrations` collection so later starts skip it.
import { systemClock, type Clock } from '../clock.ts';
import type { Connection } from 'mongoose';
import { isDuplicateKey } from '../db/duplicate-key.ts';
import { normaliseEmail, userModel, type User } from '../db/models/user.ts';
import { userEmailModel, type UserEmailRecord } from '../db/models/user-email.ts';
import type { Logger } from '../log.ts';

export const CLAIM_GRACE_MS = 60_000;
const BACKFILL_MARKER = 'user_emails.backfill';

export type Claim = 'claimed' | 'taken';

export interface EmailLookup {
  /** The account whose address this is (normalised here), read by `_id` twice: the lookup row, then the account. */
  find(email: string): Promise<User | null>;
  /** Reserves the address for `userId` before the account gets it; 'taken' when another account has it. */
  claim(email: string, userId: string): Promise<Claim>;
  /** Drops the address's row if it still points at `userId` (after the account let go of it, or its write failed). */
  release(email: string, userId: string): Promise<void>;
  /** Rows for accounts that predate the lookup: once per database, idempotent, safe to run from several processes. */
  backfill(): Promise<number>;
}

// Never an account's id (those are UUIDs): what an unknown address's lookup reads, finding nothing.
const NO_ACCOUNT = 'no-account';

export function createEmailLookup(deps: { conn: Connection; logger?: Logger; now?: Clock }): EmailLookup {
  const { conn, logger } = deps;
  const now = deps.now ?? systemClock;
  const emails = userEmailModel(conn);
  const users = userModel(conn);
  const migrations = conn.collection<{ _id: string; at: Date }>('migrations');

  const owner = (row: UserEmailRecord) => users.findById(row.userId).lean<User>();

  async function insert(email: string, userId: string): Promise<boolean> {
    try {
      await emails.create({ _id: email, userId, at: new Date(now()) });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  return {
    async find(email) {
      if (typeof email !== 'string') return null;
      const address = normaliseEmail(email);
      const row = await emails.findById(address).lean<UserEmailRecord>();
      // An unknown address reads the accounts too (by an id no account has): both answers take the same two indexed
      // reads, so the sign-in, sign-up and recovery forms cannot be timed to tell whether an address has an account.
      const user = await users.findById(row?.userId ?? NO_ACCOUNT).lean<User>();
      return row && user && user.email === address ? user : null;
    },

    async claim(email, userId) {
      const address = normaliseEmail(email);
      for (let round = 0; round < 2; round++) {
        if (await insert(address, userId)) return 'claimed';
        const row = await emails.findById(address).lean<UserEmailRecord>();
        if (!row) continue; // released meanwhile: try the insert again
        if (row.userId === userId) return 'claimed';
        if (now() - row.at.getTime() < CLAIM_GRACE_MS) return 'taken';
        const user = await owner(row);
        if (user && user.email === address) return 'taken';
        // Left behind: its account is gone or has another address now. Deleted only as it was read, so that a
        // competing claimer's fresh row survives (rare path: a compound filter is fine here).
        await emails.deleteOne({ _id: address, userId: row.userId, at: row.at });
      }
      return 'taken';
    },

    async release(email, userId) {
      const address = normaliseEmail(email);
      const row = await emails.findById(address).lean<UserEmailRecord>();
      if (row?.userId === userId) await emails.deleteOne({ _id: address });
    },

    async backfill() {
      if (await migrations.findOne({ _id: BACKFILL_MARKER })) return 0;
      let added = 0;
      for await (const user of users.find({}, { _id: 1, email: 1 }).lean<Pick<User, '_id' | 'email'>[]>().cursor()) {
        if (await insert(user.email, user._id)) added += 1;
      }
      await migrations.updateOne({ _id: BACKFILL_MARKER }, { $set: { at: new Date(now()) } }, { upsert: true });
      if (added > 0) logger?.info({ added }, 'e-mail lookup filled for existing accounts');
      return added;
    },
  };
}
