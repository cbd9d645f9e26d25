// The customer's own profile, as the account center edits it: the standard name, picture, language, time zone,
// birth date and phone claims, the postal addresses (one primary, released as the `address` claim) and the
// confirmed change of the sign-in e-mail. What the forms accept is services/profile-input.ts.
import type { AuditDetails, AuditEventType } from './audit-events.ts';
import { randomUUID } from 'node:crypto';
import { normaliseEmail, type PostalAddress, type User, type UserModel } from '../db/models/user.ts';
import type { Logger } from '../log.ts';
import { auditEvent, type AuditLog } from './audit.ts';
import { ADDRESS_FIELDS, MAX_ADDRESSES, PROFILE_FIELDS, type AddressInput, type ChangeMeta, type ProfileChanges, type ProfileField } from './profile-input.ts';
import type { EmailLookup } from './user-emails.ts';
import { isDuplicateKey } from '../db/duplicate-key.ts';

export * from './profile-input.ts';

export type AddressResult = { ok: true; address: PostalAddress } | { ok: false; reason: 'limit' | 'not_found' };
export type EmailChangeResult = { ok: true; oldEmail: string } | { ok: false; reason: 'taken' | 'same' | 'not_found' };

export interface ProfileService {
  get(accountId: string): Promise<User | null>;
  /** Applies the changes that differ from what is stored; resolves with the names of the fields that changed. */
  update(accountId: string, changes: ProfileChanges, meta?: ChangeMeta): Promise<ProfileField[]>;
  /** The account's postal addresses, primary first (an address from before the list existed counts as one). */
  addresses(user: User): PostalAddress[];
  addAddress(accountId: string, input: AddressInput, meta?: ChangeMeta): Promise<AddressResult>;
  updateAddress(accountId: string, id: string, input: AddressInput, meta?: ChangeMeta): Promise<AddressResult>;
  removeAddress(accountId: string, id: string, meta?: ChangeMeta): Promise<boolean>;
  setPrimaryAddress(accountId: string, id: string, meta?: ChangeMeta): Promise<boolean>;
  /** Replaces the sign-in e-mail with a verified one; never takes an address another account has. */
  changeEmail(accountId: string, newEmail: string, meta?: ChangeMeta): Promise<EmailChangeResult>;
  /** Removes the account record itself (account deletion does the rest). */
  deleteUser(accountId: string): Promise<boolean>;
}

const LEGACY_ADDRESS_ID = 'primary';

export function createProfileService(deps: {
  users: UserModel;
  emails: Pick<EmailLookup, 'claim' | 'release'>;
  audit: Pick<AuditLog, 'record'>;
  logger?: Logger;
}): ProfileService {
  const { users, emails, audit } = deps;
  const load = (accountId: string) => users.findById(accountId).lean<User>();

  function addresses(user: User): PostalAddress[] {
    if (user.addresses?.length) {
      const list = user.addresses.map((a) => ({ ...a }));
      if (!list.some((a) => a.primary) && list[0]) list[0].primary = true;
      return list.sort((a, b) => Number(b.primary) - Number(a.primary));
    }
    // Accounts created with a single `address` claim (CLI, older sign-ups): shown, and moved into the list on
    // the first change.
    return user.address && Object.keys(user.address).length ? [{ id: LEGACY_ADDRESS_ID, primary: true, ...user.address }] : [];
  }

  async function saveAddresses(accountId: string, list: PostalAddress[]): Promise<void> {
    const clean = list.map((a) => Object.fromEntries(Object.entries(a).filter(([, v]) => v !== undefined && v !== '')) as unknown as PostalAddress);
    await users.updateOne({ _id: accountId }, { $set: { addresses: clean }, $unset: { address: 1 } });
  }

  const record = <T extends AuditEventType>(type: T, accountId: string, meta: ChangeMeta, details?: AuditDetails[T]) =>
    audit.record(auditEvent({ type, outcome: 'success', accountId, ip: meta.ip, userAgent: meta.userAgent, ...(details ? { details } : {}) }));

  function fromInput(id: string, primary: boolean, input: AddressInput): PostalAddress {
    const out: PostalAddress = { id, primary };
    for (const field of ADDRESS_FIELDS) {
      const value = input[field];
      if (value) out[field] = value;
    }
    return out;
  }

  return {
    get: load,

    async update(accountId, changes, meta = {}) {
      const user = await load(accountId);
      if (!user) return [];
      const set: Record<string, unknown> = {};
      const unset: Record<string, 1> = {};
      const changed: ProfileField[] = [];
      for (const field of PROFILE_FIELDS) {
        if (!(field in changes)) continue;
        const next = changes[field];
        const current = user[field];
        if (next === undefined || (next === null && (current === undefined || current === null || current === ''))) continue;
        if (next === current) continue;
        changed.push(field);
        if (next === null) unset[field] = 1;
        else set[field] = next;
      }
      if (changed.length === 0) return [];
      // A new number is unconfirmed until it is verified; no number, no verification state.
      if (changed.includes('phone_number')) {
        if (changes.phone_number === null) unset.phone_number_verified = 1;
        else set.phone_number_verified = false;
      }
      const update: Record<string, unknown> = {};
      if (Object.keys(set).length) update.$set = set;
      if (Object.keys(unset).length) update.$unset = unset;
      await users.updateOne({ _id: accountId }, update);
      // Field names only: the values are personal data and stay out of the audit log.
      await record('profile.updated', accountId, meta, { fields: changed });
      return changed;
    },

    addresses,

    async addAddress(accountId, input, meta = {}) {
      const user = await load(accountId);
      if (!user) return { ok: false, reason: 'not_found' };
      const list = addresses(user);
      if (list.length >= MAX_ADDRESSES) return { ok: false, reason: 'limit' };
      const address = fromInput(randomUUID(), list.length === 0, input);
      await saveAddresses(accountId, [...list, address]);
      await record('address.added', accountId, meta, { addressId: address.id, primary: address.primary });
      return { ok: true, address };
    },

    async updateAddress(accountId, id, input, meta = {}) {
      const user = await load(accountId);
      const list = user ? addresses(user) : [];
      const index = list.findIndex((a) => a.id === id);
      const existing = list[index];
      if (!existing) return { ok: false, reason: 'not_found' };
      const address = fromInput(existing.id === LEGACY_ADDRESS_ID ? randomUUID() : existing.id, existing.primary, input);
      list[index] = address;
      await saveAddresses(accountId, list);
      await record('address.updated', accountId, meta, { addressId: address.id });
      return { ok: true, address };
    },

    async removeAddress(accountId, id, meta = {}) {
      const user = await load(accountId);
      const list = user ? addresses(user) : [];
      const removed = list.find((a) => a.id === id);
      if (!removed) return false;
      const rest = list.filter((a) => a.id !== id);
      // The primary one goes: the next one (the oldest remaining) takes its place.
      if (removed.primary && rest[0]) rest[0].primary = true;
      await saveAddresses(accountId, rest);
      await record('address.removed', accountId, meta, { addressId: id, ...(removed.primary && rest[0] ? { promoted: rest[0].id } : {}) });
      return true;
    },

    async setPrimaryAddress(accountId, id, meta = {}) {
      const user = await load(accountId);
      const list = user ? addresses(user) : [];
      if (!list.some((a) => a.id === id)) return false;
      if (list.find((a) => a.id === id)?.primary) return true;
      await saveAddresses(
        accountId,
        list.map((a) => ({ ...a, primary: a.id === id })),
      );
      await record('address.primary_changed', accountId, meta, { addressId: id });
      return true;
    },

    async changeEmail(accountId, newEmail, meta = {}) {
      const email = normaliseEmail(newEmail);
      const user = await load(accountId);
      if (!user) return { ok: false, reason: 'not_found' };
      if (user.email === email) return { ok: false, reason: 'same' };
      // The new address is claimed in the e-mail lookup first (a sign-up or another change racing for it loses
      // there), the old one released only once the account has let go of it: the account is findable throughout.
      if ((await emails.claim(email, accountId)) === 'taken') return { ok: false, reason: 'taken' };
      try {
        // The unique e-mail index stays the second guard.
        const result = await users.updateOne({ _id: accountId }, { $set: { email, email_verified: true } });
        if (result.matchedCount === 0) {
          await emails.release(email, accountId);
          return { ok: false, reason: 'not_found' };
        }
      } catch (err) {
        await emails.release(email, accountId);
        if (isDuplicateKey(err)) return { ok: false, reason: 'taken' };
        throw err;
      }
      await emails.release(user.email, accountId);
      await record('email.changed', accountId, meta);
      return { ok: true, oldEmail: user.email };
    },

    async deleteUser(accountId) {
      const user = await load(accountId);
      const { deletedCount } = await users.deleteOne({ _id: accountId });
      if (user) await emails.release(user.email, accountId);
      return deletedCount === 1;
    },
  };
}
