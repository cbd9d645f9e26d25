// Disabling and enabling an account, from any entry point (management API, CLI, the operator console). Disabling
// ends every way the account is signed in (sessions with back-channel logout, tokens, sign-ins in progress): a
// disabled account keeps nothing that works. An account waiting for its erasure is disabled by the erasure and is
// enabled only by cancelling that.
import type { Connection } from 'mongoose';
import { userModel, type User } from '../db/models/user.ts';
import { conflict, notFound } from '../errors.ts';
import { DEFAULT_LOCALE, isLocale, type Locale } from '../i18n/index.ts';
import type { AuditLog } from '../services/audit.ts';
import type { SignOut } from '../services/sign-out.ts';

/** Who acts: the entry point, the API client when it is one, and the operator's account when a person acted in the console. */
export interface Actor {
  source: 'api' | 'cli' | 'console';
  clientId?: string;
  /** The operator's account id (console). */
  operatorId?: string;
  ip?: string;
  userAgent?: string;
}

/** How an audit row names the actor: the entry point as its reason, the client, the operator (actorId), from where. */
export function actorFields(actor: Actor) {
  return { reason: actor.source, ...actorMeta(actor) };
}

/** Who acted, as the erasure, export and audit take it: the API client, the console operator, from where. */
export function actorMeta(actor: Omit<Actor, 'source'>): { clientId?: string; actorId?: string; ip?: string; userAgent?: string } {
  return {
    ...(actor.clientId ? { clientId: actor.clientId } : {}),
    ...(actor.operatorId ? { actorId: actor.operatorId } : {}),
    ...(actor.ip ? { ip: actor.ip } : {}),
    ...(actor.userAgent ? { userAgent: actor.userAgent } : {}),
  };
}

/** Whom an operator's action concerns, and where and in which language the customer is told of it. */
export interface CustomerContact {
  accountId: string;
  email: string;
  locale: Locale;
  disabled: boolean;
}

export function customerContact(view: { id: string; email: string; locale?: string | undefined; disabled?: boolean | undefined }): CustomerContact {
  return { accountId: view.id, email: view.email, locale: view.locale && isLocale(view.locale) ? view.locale : DEFAULT_LOCALE, disabled: view.disabled === true };
}

export interface AccountStatus {
  /** Disables the account and ends what it has open; the counts are of what was ended (0 when already disabled). */
  disable(accountId: string, actor: Actor): Promise<{ sessions: number; tokens: number }>;
  /** Enables a disabled account; a conflict when it waits for its erasure. */
  enable(accountId: string, actor: Actor): Promise<void>;
}

export function createAccountStatus(deps: { conn: Connection; signOut: Pick<SignOut, 'everything'>; audit: Pick<AuditLog, 'record'> }): AccountStatus {
  const users = userModel(deps.conn);
  const load = async (accountId: string) => {
    const user = typeof accountId === 'string' && accountId ? await users.findById(accountId, { disabled: 1, erasure: 1 }).lean<Pick<User, '_id' | 'disabled' | 'erasure'>>() : null;
    if (!user) throw notFound('No such account');
    return user;
  };

  return {
    async disable(accountId, actor) {
      await load(accountId);
      const changed = await users.updateOne({ _id: accountId, disabled: { $ne: true } }, { $set: { disabled: true } });
      if (changed.modifiedCount === 0) return { sessions: 0, tokens: 0 };
      const ended = await deps.signOut.everything(accountId, 'account_disabled', { ip: actor.ip, userAgent: actor.userAgent, actorId: actor.operatorId });
      await deps.audit.record({ type: 'account.disabled', outcome: 'success', accountId, ...actorFields(actor), details: ended });
      return ended;
    },
    async enable(accountId, actor) {
      const user = await load(accountId);
      if (user.erasure) throw conflict('The account is waiting for its erasure: cancel the erasure to enable it');
      const changed = await users.updateOne({ _id: accountId, disabled: true, erasure: { $exists: false } }, { $set: { disabled: false } });
      if (changed.modifiedCount === 0) return;
      await deps.audit.record({ type: 'account.enabled', outcome: 'success', accountId, ...actorFields(actor) });
    },
  };
}
