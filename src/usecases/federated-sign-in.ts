// What a sign-in through another provider (a connection) leads to, decided once for every entry point. Never a
// silent link by e-mail (that is an account-takeover path):
// - an identity linked before signs in to its account;
// - otherwise only an e-mail the upstream verified, at a connection trusted for it, counts at all: an existing account
//   with that address must be proven by its owner here before the identity is linked ('link'); with no account, one
//   is created when the connection may create accounts;
// - an unverified upstream e-mail neither finds, creates nor links anything, and the answer is the same whether or
//   not an account has that address.
import type { PasskeyService } from '../auth/passkeys.ts';
import { DEFAULT_LOCALE, isLocale, translator } from '../i18n/index.ts';
import type { AuditLog } from '../services/audit.ts';
import type { Connections } from '../services/connections.ts';
import type { FactorMailer } from './factor-notices.ts';
import type { UpstreamIdentity } from '../services/federation.ts';
import type { Identities, UpstreamTokens } from '../services/identities.ts';
import type { UserService } from '../services/users.ts';

export type FederatedRefusal = 'email_unverified' | 'signup_closed' | 'disabled';

export type FederatedOutcome =
  | { kind: 'signed-in'; accountId: string; created: boolean }
  | { kind: 'link'; accountId: string; email: string }
  | { kind: 'refused'; reason: FederatedRefusal };

export interface FederatedMeta {
  ip?: string;
  userAgent?: string;
  clientId?: string;
}

export type UnlinkOutcome = 'unlinked' | 'not_found' | 'last_way_in';

export interface FederatedSignIn {
  resolve(identity: UpstreamIdentity, meta: FederatedMeta): Promise<FederatedOutcome>;
  /** The owner proved the account: links the identity (a no-op when it is linked to that account already). */
  link(accountId: string, identity: { connectionId: string; subject: string; email?: string; tokens?: UpstreamTokens }, meta: FederatedMeta): Promise<boolean>;
  /**
   * Unlinks one of the account's identities — never its last way in (no password was ever set, no passkey, no other
   * identity): the customer sets a password first. Audited, and the owner is told by mail.
   */
  unlink(accountId: string, identity: { connectionId: string; subject: string }, meta: FederatedMeta): Promise<UnlinkOutcome>;
}

export function createFederatedSignIn(deps: {
  users: Pick<UserService, 'findById' | 'findByEmail' | 'createFromFederation' | 'noteSignIn'>;
  identities: Pick<Identities, 'use' | 'link' | 'listForAccount' | 'unlink'>;
  passkeys: Pick<PasskeyService, 'list'>;
  connections: Pick<Connections, 'list'>;
  mailer: FactorMailer;
  audit: Pick<AuditLog, 'record'>;
}): FederatedSignIn {
  const { users, identities, audit } = deps;

  /** The owner hears of a way in added or removed, in the account's language, named as the account center names it. */
  async function tell(accountId: string, connectionId: string, change: 'added' | 'removed'): Promise<void> {
    const user = await users.findById(accountId);
    if (!user) return;
    const locale = user.locale && isLocale(user.locale) ? user.locale : DEFAULT_LOCALE;
    const name = (await deps.connections.list()).find((c) => c.id === connectionId)?.name ?? connectionId;
    deps.mailer.queue({
      to: user.email,
      template: change === 'added' ? 'factor-added' : 'factor-removed',
      locale,
      data: { factor: translator(locale)('federation.methodName', { name }) },
    });
  }

  async function refuse(identity: UpstreamIdentity, reason: FederatedRefusal, meta: FederatedMeta, accountId?: string): Promise<FederatedOutcome> {
    await audit.record({ type: 'federation.failure', outcome: 'failure', reason, ...meta, ...(accountId ? { accountId } : {}), details: { connection: identity.connection.id } });
    return { kind: 'refused', reason };
  }

  async function signedIn(identity: UpstreamIdentity, accountId: string, created: boolean, meta: FederatedMeta): Promise<FederatedOutcome> {
    await audit.record({ type: 'login.success', outcome: 'success', accountId, ...meta, details: { method: 'federated', connection: identity.connection.id } });
    await users.noteSignIn(accountId);
    return { kind: 'signed-in', accountId, created };
  }

  return {
    async resolve(identity, meta) {
      const linked = await identities.use(identity.connection.id, identity.subject, identity.tokens);
      if (linked) {
        const user = await users.findById(linked.accountId);
        if (!user || user.disabled) return refuse(identity, 'disabled', meta, linked.accountId);
        return signedIn(identity, user.id, false, meta);
      }
      if (!identity.email || !identity.emailVerified) return refuse(identity, 'email_unverified', meta);
      const existing = await users.findByEmail(identity.email);
      if (existing) return { kind: 'link', accountId: existing.id, email: existing.email };
      if (!identity.connection.allowSignup) return refuse(identity, 'signup_closed', meta);
      let user;
      try {
        user = await users.createFromFederation({ email: identity.email, claims: identity.profile });
      } catch (err) {
        // The address got an account meanwhile (a sign-up finished in another tab): its owner proves it, as above.
        const raced = (err as { status?: number }).status === 409 ? await users.findByEmail(identity.email) : null;
        if (!raced) throw err;
        return { kind: 'link', accountId: raced.id, email: raced.email };
      }
      await identities.link({ connectionId: identity.connection.id, subject: identity.subject, accountId: user.id, email: identity.email, ...(identity.tokens ? { tokens: identity.tokens } : {}) });
      await audit.record({ type: 'identity.linked', outcome: 'success', accountId: user.id, ...meta, details: { connection: identity.connection.id } });
      return signedIn(identity, user.id, true, meta);
    },

    async link(accountId, identity, meta) {
      const result = await identities.link({ ...identity, accountId });
      if (result === 'taken') return false;
      await audit.record({ type: 'identity.linked', outcome: 'success', accountId, ...meta, details: { connection: identity.connectionId } });
      await tell(accountId, identity.connectionId, 'added');
      return true;
    },

    async unlink(accountId, identity, meta) {
      const [user, linked, passkeys] = await Promise.all([users.findById(accountId), identities.listForAccount(accountId), deps.passkeys.list(accountId)]);
      const target = linked.find((i) => i.connectionId === identity.connectionId && i.subject === identity.subject);
      if (!user || !target) return 'not_found';
      const otherWays = (user.noPassword ? 0 : 1) + (passkeys.length > 0 ? 1 : 0) + linked.length - 1;
      if (otherWays === 0) return 'last_way_in';
      if (!(await identities.unlink(accountId, identity.connectionId, identity.subject))) return 'not_found';
      await audit.record({ type: 'identity.unlinked', outcome: 'success', accountId, ...meta, details: { connection: identity.connectionId } });
      await tell(accountId, identity.connectionId, 'removed');
      return 'unlinked';
    },
  };
}
