// Erasure (the right to be forgotten), from the account center and the operator CLI.
//
// Erasing removes the customer from every store: sessions (apps registered for back-channel logout are told, and so
// is every other app holding a grant), grants with every token and code, pending interactions, one-time codes
// (including those addressed to the e-mail), second factors, sign-ins waiting for one, risk data, rate-limit
// counters keyed by the login name or id, per-app metadata, the per-account stores of the other features (legal
// acceptances, consent records, communication preferences: anything exposing exportFor/removeAll), and the account
// record. Audit rows are not deleted — they are the operator's record of what happened — but pseudonymised: they name
// a keyed HMAC instead of the account and lose address, browser and any detail naming the customer.
// Each step is idempotent and the account record goes last but one, so a failure part-way leaves an account that can
// simply be erased again.
//
// With a grace period (config.erasure.graceDays > 0) a request disables the account at once (sessions end, apps are
// told, tokens die) and the erasure happens when it is due (sweepDue, run periodically); until then the customer
// (at sign-in) or the operator (CLI) can cancel it.
import { systemClock, type Clock } from '../clock.ts';
import type { Connection } from 'mongoose';
import type Provider from 'oidc-provider';
import type { MongoAdapter } from '../../adapters/types.ts';
import { rowOf } from '../../adapters/wire.ts';
import type { FactorService } from '../auth/factors.ts';
import { userModel, type User } from '../db/models/user.ts';
import { notFound } from '../errors.ts';
import type { InteractionFlows } from './interaction-flows.ts';
import type { Logger } from '../log.ts';
import { auditPseudonym, type AuditLog } from './audit.ts';
import type { GrantService } from './grants.ts';
import type { RiskEngine } from './risk.ts';
import type { SessionService } from './sessions.ts';
import type { PerAccountStores } from './per-account-store.ts';
import type { Throttle } from './throttle.ts';
import type { EmailLookup } from './user-emails.ts';
import { createSignOut } from './sign-out.ts';

export type { PerAccountStore, PerAccountStores } from './per-account-store.ts';

export type ErasureSource = 'account_center' | 'operator' | 'grace_period_ended';

export interface ErasureMeta {
  source: ErasureSource;
  /** The management API client that asked (recorded as the events' client). */
  clientId?: string;
  /** The console operator who asked (recorded as the events' actorId). */
  actorId?: string;
  ip?: string;
  userAgent?: string;
}

export type ErasureOutcome = { status: 'erased'; pseudonym: string; removed: Record<string, number> } | { status: 'scheduled'; dueAt: Date };

export interface ErasureService {
  readonly graceDays: number;
  /** Erases at once without a grace period (or with `immediate`), else disables the account and schedules it. */
  request(accountId: string, meta: ErasureMeta & { immediate?: boolean }): Promise<ErasureOutcome>;
  /** Erases now, whatever the grace period. Throws not found when there is no such account. */
  eraseNow(accountId: string, meta: ErasureMeta): Promise<Extract<ErasureOutcome, { status: 'erased' }>>;
  /** Cancels a scheduled erasure (the account is enabled again); false when none was scheduled. */
  cancel(accountId: string, meta: { source: 'sign_in' | 'operator'; clientId?: string; actorId?: string; ip?: string; userAgent?: string }): Promise<boolean>;
  /** When the account's scheduled erasure is due, if one is. */
  scheduled(accountId: string): Promise<Date | undefined>;
  /** Erases every account whose erasure is due; resolves with how many. */
  sweepDue(): Promise<number>;
  /** Sign-in of an account scheduled for erasure: remembers, for this interaction, who proved the password. */
  offerKeep(uid: string, accountId: string, ttlSeconds: number): Promise<void>;
  /** The account that proved its password in this interaction (offerKeep), once; undefined when none or expired. */
  takeKeepOffer(uid: string): Promise<string | undefined>;
  /** The pseudonym the account's audit rows carry once erased. */
  pseudonym(accountId: string): string;
}

export interface ErasureDeps {
  conn: Connection;
  provider: () => Provider;
  adapter: Pick<MongoAdapter, 'collection' | 'findByAccount' | 'deleteByAccount'>;
  sessions: Pick<SessionService, 'revokeAll' | 'forgetAccount'>;
  grants: Pick<GrantService, 'removeAll' | 'revokeTokens'>;
  codes: { revokeSubject(subject: string): Promise<void> };
  factors: Pick<FactorService, 'removeAll'>;
  risk: Pick<RiskEngine, 'forgetAccount'>;
  /** Interaction flows: the account's end with it, and a sign-in's offer to keep the account is one. */
  flows: Pick<InteractionFlows, 'removeForAccount' | 'start' | 'take'>;
  throttle: Pick<Throttle, 'forget'>;
  /** The e-mail → account lookup: the address's row goes with the account. */
  emails: Pick<EmailLookup, 'release'>;
  appMetadata: { remove(accountId: string): Promise<void> };
  /** The per-account stores of other features, looked up at erasure time (legal, consents, preferences, ...). */
  stores: () => PerAccountStores;
  audit: Pick<AuditLog, 'record' | 'pseudonymise'>;
  /** The data encryption key: the audit pseudonym's HMAC key is derived from it. */
  key: Buffer;
  graceDays: number;
  logger?: Logger;
  now?: Clock;
}

const DAY_MS = 24 * 3600 * 1000;


/** Short-lived provider rows that can name the account or its address anywhere in their payload. */
const TRANSIENT_MODELS = ['Interaction', 'PushedAuthorizationRequest'] as const;

/** The values that identify the customer in free text: scrubbed from audit details. */
function identifiers(user: User): string[] {
  const values = [user.email, user.phone_number, user.name, user.given_name, user.family_name, user.middle_name, user.nickname, user.preferred_username];
  return [...new Set(values.filter((v): v is string => typeof v === 'string' && v.trim().length > 0).map((v) => v.trim()))];
}

export function createErasure(deps: ErasureDeps): ErasureService {
  const { adapter, audit, logger } = deps;
  const now = deps.now ?? systemClock;
  const users = userModel(deps.conn);
  const pseudonym = (accountId: string) => auditPseudonym(deps.key, accountId);

  const signOut = createSignOut({ provider: deps.provider, adapter, sessions: deps.sessions, grants: deps.grants, flows: deps.flows, ...(logger ? { logger } : {}) });

  /** Deletes rows of short-lived provider models whose payload names the account or one of its identifiers. */
  async function removeTransient(needles: string[]): Promise<number> {
    let removed = 0;
    for (const model of TRANSIENT_MODELS) {
      const rows = adapter.collection(model);
      for await (const doc of rows.find({}, { projection: { payload: 1, data: 1 } })) {
        const text = JSON.stringify(rowOf(doc).payload).toLowerCase();
        if (needles.some((n) => text.includes(n.toLowerCase()))) {
          removed += (await rows.deleteOne({ _id: doc._id })).deletedCount;
        }
      }
    }
    return removed;
  }

  async function eraseNow(accountId: string, meta: ErasureMeta): Promise<Extract<ErasureOutcome, { status: 'erased' }>> {
    const user = typeof accountId === 'string' && accountId ? await users.findById(accountId).lean<User>() : null;
    if (!user) throw notFound('No such account');
    const names = identifiers(user);
    const removed: Record<string, number> = {};

    removed.sessions = await signOut.sessionsEverywhere(accountId, 'account_erased', meta);
    removed.sessions += await adapter.deleteByAccount('Session', accountId);
    removed.grantsAndTokens = await deps.grants.removeAll(accountId);
    await deps.sessions.forgetAccount(accountId);
    removed.pending = await removeTransient([accountId, user.email]);
    await deps.codes.revokeSubject(accountId);
    await deps.codes.revokeSubject(user.email);
    await deps.factors.removeAll(accountId);
    await deps.flows.removeForAccount(accountId);
    await deps.risk.forgetAccount(accountId, [user.email]);
    await deps.throttle.forget([user.email, accountId]);
    await deps.appMetadata.remove(accountId);
    for (const [name, store] of Object.entries(deps.stores())) {
      if (store) removed[name] = await store.removeAll(accountId);
    }

    // After the steps that audit (sessions ended, metadata deleted): their rows are pseudonymised too. The account
    // record goes after that, so that a failure here can be retried with everything the scrub needs.
    const alias = pseudonym(accountId);
    removed.auditRowsPseudonymised = await audit.pseudonymise(accountId, { pseudonym: alias, scrub: names });
    await users.deleteOne({ _id: accountId });
    // After the account: until it is gone, the row is what a retried erasure (or a sign-in) finds it by.
    await deps.emails.release(user.email, accountId);
    await audit.record({ type: 'account.deleted', outcome: 'success', accountId: alias, reason: meta.source, clientId: meta.clientId, actorId: meta.actorId, details: { ...removed } });
    logger?.info({ event: 'account.erased', source: meta.source }, 'account erased');
    return { status: 'erased', pseudonym: alias, removed };
  }

  async function schedule(accountId: string, meta: ErasureMeta): Promise<ErasureOutcome> {
    const user = typeof accountId === 'string' && accountId ? await users.findById(accountId).lean<User>() : null;
    if (!user) throw notFound('No such account');
    if (user.erasure) return { status: 'scheduled', dueAt: user.erasure.dueAt };
    const requestedAt = new Date(now());
    const dueAt = new Date(requestedAt.getTime() + deps.graceDays * DAY_MS);
    await users.updateOne(
      { _id: accountId, erasure: { $exists: false } },
      { $set: { disabled: true, erasure: { requestedAt, dueAt, source: meta.source, wasDisabled: user.disabled === true } } },
    );
    // Disabled at once: no session, no token, no sign-in waiting for a second factor.
    const { sessions, tokens } = await signOut.everything(accountId, 'erasure_scheduled', meta);
    await audit.record({
      type: 'account.erasure_scheduled',
      outcome: 'success',
      accountId,
      reason: meta.source,
      clientId: meta.clientId,
      actorId: meta.actorId,
      ip: meta.ip,
      userAgent: meta.userAgent,
      details: { dueAt: dueAt.toISOString(), sessions, tokens },
    });
    return { status: 'scheduled', dueAt };
  }

  return {
    graceDays: deps.graceDays,
    pseudonym,
    eraseNow,

    async request(accountId, meta) {
      const { immediate, ...rest } = meta;
      return immediate || deps.graceDays <= 0 ? eraseNow(accountId, rest) : schedule(accountId, rest);
    },

    async cancel(accountId, meta) {
      const user = typeof accountId === 'string' && accountId ? await users.findById(accountId).lean<User>() : null;
      if (!user?.erasure) return false;
      const result = await users.updateOne(
        { _id: accountId, 'erasure.dueAt': user.erasure.dueAt },
        { $set: { disabled: user.erasure.wasDisabled === true }, $unset: { erasure: '' } },
      );
      if (result.modifiedCount === 0) return false;
      await audit.record({ type: 'account.erasure_cancelled', outcome: 'success', accountId, reason: meta.source, clientId: meta.clientId, actorId: meta.actorId, ip: meta.ip, userAgent: meta.userAgent });
      return true;
    },

    async scheduled(accountId) {
      const user = await users.findById(accountId, { erasure: 1 }).lean<Pick<User, 'erasure'>>();
      return user?.erasure?.dueAt;
    },

    async sweepDue() {
      const due = await users.find({ 'erasure.dueAt': { $lte: new Date(now()) } }, { _id: 1 }).lean<{ _id: string }[]>();
      let erased = 0;
      for (const { _id } of due) {
        try {
          await eraseNow(_id, { source: 'grace_period_ended' });
          erased += 1;
        } catch (err) {
          // Retried at the next sweep; each step is idempotent.
          logger?.error({ err: (err as Error).message }, 'scheduled erasure failed; will retry');
        }
      }
      return erased;
    },

    async offerKeep(uid, accountId, ttlSeconds) {
      await deps.flows.start(uid, accountId, { step: 'keep-account' }, ttlSeconds);
    },

    async takeKeepOffer(uid) {
      return (await deps.flows.take(uid, 'keep-account'))?.accountId;
    },
  };
}
