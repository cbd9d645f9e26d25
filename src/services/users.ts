// Accounts: creation, password authentication and the account lookup oidc-provider calls (findAccount).
import { systemClock, type Clock } from '../clock.ts';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Account } from 'oidc-provider';
import type { ProfileAttribute } from '../config/index.ts';
import { conflict, notFound } from '../errors.ts';
import { normaliseEmail, userWriteCount, type AccountRecord, type User, type UserClaims, type UserModel } from '../db/models/user.ts';
import type { Logger } from '../log.ts';
import type { AuditLog } from './audit.ts';
import { accountClaims } from './claims.ts';
import { hashPassword, needsRehash, verifyPassword } from './passwords.ts';
import { parseCreateUser, type CreateUserInput } from './user-input.ts';
import type { EmailLookup } from './user-emails.ts';
import { isDuplicateKey } from '../db/duplicate-key.ts';
import { createLazyMigration } from './lazy-migration.ts';
import type { LegacyAuth } from './legacy-auth.ts';
import type { ProfileField } from './profile-input.ts';

/** What the sign-in steps need of an account (oidc/policy.ts): is the e-mail verified, which wanted attributes are missing. */
export interface AccountState {
  /** The sign-in address (what the consent page names). */
  email: string;
  emailVerified: boolean;
  /** The subset of `wanted` the account has no value for. */
  missing(wanted: readonly ProfileAttribute[]): ProfileAttribute[];
}

export type UserView = UserClaims & {
  id: string;
  email: string;
  email_verified: boolean;
  /** No password was ever set (an account made at a sign-in through another provider). */
  noPassword?: boolean;
  disabled: boolean;
  /** The last sign-in, to the hour (absent: never signed in since this was recorded). */
  lastLoginAt?: Date;
  createdAt: Date;
  updatedAt: Date;
};

export interface LoginMeta {
  ip?: string;
  userAgent?: string;
  clientId?: string;
}

/**
 * A right password: signed in, or (the account waits for its erasure, src/services/erasure.ts) not signed in but
 * allowed to learn when the erasure is due and to cancel it. null for everything else.
 */
export type AuthenticateResult = { accountId: string } | { scheduledErasure: { accountId: string; dueAt: Date } } | null;

export interface UserService {
  /** `source: 'legacy'`: made at a first sign-in the old system vouched for (lazy-migration.ts). */
  create(input: CreateUserInput, opts?: { source?: 'legacy' }): Promise<UserView>;
  /** A password sign-in. An address without an account here is first asked of the old system when `legacy` is set. */
  authenticate(email: string, password: string, meta: LoginMeta): Promise<AuthenticateResult>;
  /**
   * Notes a successful sign-in (every way in: password, passkey, another provider, the end of sign-up) as the
   * account's last one, to the hour: at most one write per account and hour, none when `known` (the value the
   * caller read) is already this hour's. Not a change of the account as the caches see it (nothing on a token's
   * path reads it), so cached accounts stay.
   */
  noteSignIn(accountId: string, known?: Date): Promise<void>;
  /**
   * Creates a customer from a verified sign-up: the password was hashed (and policy-checked) when the sign-up was
   * submitted, and the e-mail is verified because the customer just entered the code mailed to it. Throws a
   * conflict when the address got an account in the meantime.
   */
  createFromSignup(input: { email: string; passwordHash: string; claims?: UserClaims }): Promise<UserView>;
  /**
   * Creates a customer at a first sign-in through another provider that vouched for the e-mail address (verified
   * upstream, connection trusted for it). Throws a conflict when the address has an account.
   */
  createFromFederation(input: { email: string; claims?: Partial<Pick<UserClaims, ProfileField>> }): Promise<UserView>;
  /** Checks an account's current password (account center: change password, delete account). */
  checkPassword(accountId: string, password: string): Promise<boolean>;
  /** Replaces the password (hash it, stamp passwordChangedAt) and writes `password.changed` to the audit log. */
  setPassword(accountId: string, password: string, meta: LoginMeta & { reason: 'reset' | 'change' }): Promise<void>;
  findById(id: string): Promise<UserView | null>;
  findByEmail(email: string): Promise<UserView | null>;
  /** Marks the address verified, provided it is still the account's address (it may have changed meanwhile). */
  markEmailVerified(accountId: string, email: string): Promise<boolean>;
  /**
   * Sets profile claims the sign-in collected (progressive profiling). An `address` becomes the primary postal
   * address (added to the list). Values must already be validated.
   */
  addClaims(accountId: string, claims: UserClaims): Promise<void>;
  /** What the sign-in steps need: is the e-mail verified, which wanted attributes are missing. */
  accountState(accountId: string): Promise<AccountState | undefined>;
  findAccount(ctx: unknown, sub: string): Promise<Account | undefined>;
}

export type { CreateUserInput };

/**
 * The password of an account that has none yet: random bytes nobody knows, hashed like any password so that a
 * password sign-in takes the same argon2 time as for any account and fails; "Forgot your password?" sets one.
 */
const unknownPassword = () => randomBytes(32).toString('base64url');

export function toView(u: User): UserView {
  const { _id, passwordHash: _secret, passwordChangedAt: _changed, ...rest } = u;
  return { id: _id, ...rest };
}

export function hasAttribute(user: AccountRecord, attribute: ProfileAttribute): boolean {
  if (attribute === 'address') return Boolean(user.addresses?.length) || Boolean(user.address && Object.keys(user.address).length);
  const value = user[attribute];
  return value !== undefined && value !== null && value !== '';
}

export interface UserServiceDeps {
  users: UserModel;
  /** The one clock (src/clock.ts). */
  now?: Clock;
  emails: EmailLookup;
  audit: AuditLog;
  logger?: Logger;
  /**
   * Seconds findAccount and accountState may answer from an account read this process made (0: read every time).
   * Any write to accounts in this process drops the cache at once; a change made by another process shows within
   * this bound. Disabling an account also ends its sessions and revokes its grants, so no token is issued from a
   * stale read either way.
   */
  accountCacheSeconds?: number;
  /** Lazy migration (LEGACY_AUTH_URL): the old system that checks the passwords of addresses unknown here. */
  legacy?: LegacyAuth | undefined;
}

const ACCOUNT_CACHE_ENTRIES = 10_000;
const HOUR_MS = 3_600_000;

export function createUserService(deps: UserServiceDeps): UserService {
  const { users, emails, audit, logger } = deps;
  const now = deps.now ?? systemClock;
  const accountCacheMs = (deps.accountCacheSeconds ?? 0) * 1000;
  const recentAccounts = new Map<string, { user: AccountRecord; writes: number; until: number }>();

  /** The account by id for token issuance and the sign-in policy, from this process's recent reads when still good. */
  async function readAccount(id: string): Promise<AccountRecord | null> {
    const hit = recentAccounts.get(id);
    if (hit && hit.writes === userWriteCount() && hit.until > now()) return hit.user;
    const writes = userWriteCount();
    const user = await users.findById(id, { passwordHash: 0 }).lean<AccountRecord>();
    recentAccounts.delete(id);
    if (user) remember(user, writes);
    return user;
  }

  /** Keeps an account this process has just read, unless an account write happened since `writes` was taken. */
  function remember(user: AccountRecord, writes: number): void {
    if (accountCacheMs <= 0 || writes !== userWriteCount()) return;
    const { passwordHash: _secret, ...record } = user as AccountRecord & { passwordHash?: string };
    if (recentAccounts.size >= ACCOUNT_CACHE_ENTRIES) recentAccounts.delete(recentAccounts.keys().next().value!);
    recentAccounts.set(user._id, { user: record, writes, until: now() + accountCacheMs });
  }

  // The unique e-mail index is what makes "one account per address" true under concurrent sign-ups; the
  // connection does not auto-create indexes, so make sure it exists before the first write.
  let indexes: Promise<unknown> | undefined;
  const ensureIndexes = () => {
    indexes ??= users.createIndexes().catch((err: unknown) => {
      indexes = undefined;
      throw err;
    });
    return indexes;
  };

  // Unknown e-mails are verified against this hash so that they cost the same time as a wrong password.
  let dummy: Promise<string> | undefined;
  const dummyHash = () => (dummy ??= hashPassword(randomBytes(16).toString('base64url')));

  /**
   * Inserts the account after claiming its address in the e-mail lookup (the claim is what a concurrent sign-up of
   * the same address loses); the unique e-mail index on the accounts stays as the second guard.
   */
  async function insertAccount(fields: Omit<Partial<User>, '_id'> & { email: string }): Promise<User> {
    const _id = randomUUID();
    if ((await emails.claim(fields.email, _id)) === 'taken') throw conflict('An account with this e-mail address already exists');
    try {
      const doc = await users.create({ ...fields, _id });
      return doc.toObject<User>();
    } catch (err) {
      await emails.release(fields.email, _id);
      if (isDuplicateKey(err)) throw conflict('An account with this e-mail address already exists');
      throw err;
    }
  }

  async function rehash(user: User, password: string): Promise<void> {
    try {
      const passwordHash = await hashPassword(password);
      // Conditional on the hash read at sign-in, so that a password changed meanwhile is never replaced by the old
      // one. The one compound filter left on the sign-in path: it runs once per account after the hashing
      // parameters change (MongoDB serves it by _id; the embedded database scans).
      await users.updateOne({ _id: user._id, passwordHash: user.passwordHash }, { $set: { passwordHash } });
      await audit.record({ type: 'password.rehashed', outcome: 'success', accountId: user._id });
    } catch (err) {
      // The login itself succeeded; the upgrade is retried at the next one.
      logger?.warn({ err, accountId: user._id }, 'password rehash failed');
    }
  }

  async function create(input: CreateUserInput, opts: { source?: 'legacy' } = {}): Promise<UserView> {
    const { password, emailVerified, ...claims } = parseCreateUser(input);
    await ensureIndexes();
    const passwordHash = await hashPassword(password ?? unknownPassword());
    const user = await insertAccount({
      ...claims,
      email: normaliseEmail(claims.email),
      email_verified: emailVerified ?? false,
      passwordHash,
      ...(password === undefined ? { noPassword: true } : {}),
    });
    const source = opts.source ?? (password === undefined ? 'no_password' : undefined);
    await audit.record({ type: 'user.created', outcome: 'success', accountId: user._id, ...(source ? { details: { source } } : {}) });
    return toView(user);
  }

  async function noteSignIn(accountId: string, known?: Date): Promise<void> {
    const hour = new Date(Math.floor(now() / HOUR_MS) * HOUR_MS);
    if (known && known.getTime() >= hour.getTime()) return;
    // The driver's collection, not the model: the model counts its writes to drop cached accounts, and this one
    // changes nothing they hold.
    await users.collection.updateOne({ _id: accountId, $or: [{ lastLoginAt: { $exists: false } }, { lastLoginAt: { $lt: hour } }] } as never, { $set: { lastLoginAt: hour } });
  }

  const migration = deps.legacy ? createLazyMigration({ legacy: deps.legacy, create, audit, logger }) : undefined;

  /**
   * The account another request is creating for `email`: its address is claimed a moment before the account is
   * written, so a few short waits (at most ~300 ms, in a rare race only) let the write land.
   */
  async function accountBeingCreated(email: string): Promise<User | null> {
    for (let round = 1; ; round++) {
      const user = await emails.find(email);
      if (user || round === 5) return user;
      await new Promise((resolve) => setTimeout(resolve, 20 * round));
    }
  }

  return {
    create,

    async authenticate(email, password, meta) {
      const writes = userWriteCount();
      let user = await emails.find(email);
      const context = { ip: meta.ip, userAgent: meta.userAgent, clientId: meta.clientId };
      if (!user && migration) {
        // Only an address without an account here is ever asked of the old system.
        const result = await migration.migrate(email, password, context);
        if (result && 'migrated' in result) {
          await audit.record({ type: 'login.success', outcome: 'success', accountId: result.migrated.accountId, ...context });
          await noteSignIn(result.migrated.accountId);
          return { accountId: result.migrated.accountId };
        }
        // A concurrent first sign-in of the address created the account a moment ago: check the password against it.
        if (result?.taken) user = await accountBeingCreated(email);
      }
      // Always run exactly one verification, whatever the account state, so timing reveals nothing.
      const ok = await verifyPassword(user?.passwordHash ?? (await dummyHash()), password);

      if (user && ok && user.disabled && user.erasure) {
        await audit.record({ type: 'login.failure', outcome: 'failure', accountId: user._id, reason: 'erasure_scheduled', ...context });
        return { scheduledErasure: { accountId: user._id, dueAt: user.erasure.dueAt } };
      }
      if (!user || !ok || user.disabled) {
        const reason = !user ? 'unknown_account' : user.disabled ? 'disabled' : 'bad_password';
        await audit.record({ type: 'login.failure', outcome: 'failure', accountId: user?._id, reason, ...context });
        return null;
      }
      if (needsRehash(user.passwordHash)) await rehash(user, password);
      // The sign-in goes on to issue tokens for this account within seconds: they need not read it again.
      remember(user, writes);
      await audit.record({ type: 'login.success', outcome: 'success', accountId: user._id, ...context });
      await noteSignIn(user._id, user.lastLoginAt);
      return { accountId: user._id };
    },

    noteSignIn,

    async createFromSignup({ email, passwordHash, claims = {} }) {
      await ensureIndexes();
      const { address, ...rest } = claims;
      const addresses = address ? [{ id: randomUUID(), primary: true, ...address }] : undefined;
      const user = await insertAccount({
        ...rest,
        ...(addresses && { addresses }),
        email: normaliseEmail(email),
        email_verified: true,
        passwordHash,
        passwordChangedAt: new Date(now()),
      });
      await audit.record({ type: 'user.created', outcome: 'success', accountId: user._id, details: { source: 'signup' } });
      return toView(user);
    },

    async createFromFederation({ email, claims = {} }) {
      await ensureIndexes();
      const passwordHash = await hashPassword(unknownPassword());
      const user = await insertAccount({ ...claims, email: normaliseEmail(email), email_verified: true, passwordHash, noPassword: true });
      await audit.record({ type: 'user.created', outcome: 'success', accountId: user._id, details: { source: 'federation' } });
      return toView(user);
    },

    async checkPassword(accountId, password) {
      const user = await users.findById(accountId).lean<User>();
      const ok = await verifyPassword(user?.passwordHash ?? (await dummyHash()), password);
      return Boolean(user && ok && !user.disabled);
    },

    async setPassword(accountId, password, meta) {
      const passwordHash = await hashPassword(password);
      const result = await users.updateOne({ _id: accountId }, { $set: { passwordHash, passwordChangedAt: new Date(now()) }, $unset: { noPassword: 1 } });
      if (result.matchedCount === 0) throw notFound('No such account');
      await audit.record({
        type: 'password.changed',
        outcome: 'success',
        accountId,
        ip: meta.ip,
        userAgent: meta.userAgent,
        clientId: meta.clientId,
        reason: meta.reason,
      });
    },

    async findByEmail(email) {
      const user = await emails.find(email);
      return user ? toView(user) : null;
    },

    async markEmailVerified(accountId, email) {
      // Read, then update by _id alone. Between the two the address can only change through the account center's
      // confirmed change, which verifies the new address itself: nothing unproven is ever marked verified.
      const user = await users.findById(accountId, { email: 1 }).lean<Pick<User, 'email'>>();
      if (!user || user.email !== normaliseEmail(email)) return false;
      const result = await users.updateOne({ _id: accountId }, { $set: { email_verified: true } });
      if (result.matchedCount === 0) return false;
      await audit.record({ type: 'email.verified', outcome: 'success', accountId });
      return true;
    },

    async addClaims(accountId, claims) {
      const { address, ...rest } = claims;
      const update: Record<string, unknown> = { $set: { ...rest } };
      if (address) {
        const user = await users.findById(accountId).lean<User>();
        const others = (user?.addresses ?? []).map((a) => ({ ...a, primary: false }));
        update.$set = { ...rest, addresses: [{ id: randomUUID(), primary: true, ...address }, ...others] };
      }
      await users.updateOne({ _id: accountId }, update);
      await audit.record({ type: 'profile.updated', outcome: 'success', accountId, details: { fields: Object.keys(claims) } });
    },

    async accountState(accountId) {
      const user = await readAccount(accountId);
      if (!user || user.disabled) return undefined;
      return { email: user.email, emailVerified: user.email_verified, missing: (wanted) => wanted.filter((a) => !hasAttribute(user, a)) };
    },

    async findById(id) {
      const user = await users.findById(id).lean<User>();
      return user ? toView(user) : null;
    },

    async findAccount(_ctx, sub) {
      if (typeof sub !== 'string' || !sub) return undefined;
      const user = await readAccount(sub);
      // A disabled account gets no new tokens or userinfo, even from a session that is still open.
      if (!user || user.disabled) return undefined;
      return {
        accountId: user._id,
        // Everything the account has; oidc-provider releases only what the granted scopes and claims allow.
        claims: async () => accountClaims(user),
      };
    },
  };
}
