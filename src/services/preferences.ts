// Communication preferences: for each topic the operator configured (newsletter, offers, …) and each channel it is
// sent over (e-mail, SMS, push, …), whether the customer wants it. Nothing is assumed: a choice never made is "no".
// Every change is kept with its time and source (and the app, IP and user agent when known) and audited; saving
// what is already chosen changes nothing and records nothing. Apps granted the `preferences` scope read the current
// choices as the `communication_preferences` claim.
import { dateOf, systemClock, type Clock } from '../clock.ts';
import type { Connection } from 'mongoose';
import type { Channel, TopicConfig } from '../config/index.ts';
import { preferenceChangeModel, type PreferenceChangeRecord } from '../db/models/preference.ts';
import { isDuplicateKey } from '../db/duplicate-key.ts';
import { badRequest } from '../errors.ts';
import type { AuditLog } from './audit.ts';
import type { PerAccountStore } from './per-account-store.ts';

export const PREFERENCES_SCOPE = 'preferences';
export const PREFERENCES_CLAIM = 'communication_preferences';

/** topic id → channel → opted in. */
export type PreferenceMatrix = Record<string, Record<string, boolean>>;

export interface PreferenceChoice {
  topic: string;
  channel: string;
  optIn: boolean;
}

export type PreferenceSource = 'signup' | 'account_center' | 'operator';

export interface PreferenceChangeMeta {
  source: PreferenceSource;
  clientId?: string;
  ip?: string;
  userAgent?: string;
}

export interface PreferenceChange {
  topic: string;
  channel: string;
  optIn: boolean;
  at: Date;
  source: string;
  clientId?: string;
}

export interface PreferenceService extends PerAccountStore {
  /** The operator's topics (config.preferences.topics); empty: the feature is off. */
  topics: readonly TopicConfig[];
  /** Every configured topic × channel, false where the customer never opted in. */
  current(accountId: string): Promise<PreferenceMatrix>;
  /**
   * Applies the choices that differ from the current ones: a history row per change and one audit event
   * `preferences.changed`. Resolves the number of changes. A topic or channel that is not configured (or a pair
   * given twice with different answers) throws badRequest (400) and nothing is stored.
   */
  set(accountId: string, choices: PreferenceChoice[], meta: PreferenceChangeMeta): Promise<number>;
  /** Every change ever made, newest first (also of topics no longer configured). */
  history(accountId: string): Promise<PreferenceChange[]>;
  /** The claim's value: the current choices, or undefined when no topics are configured. */
  claim(accountId: string): Promise<PreferenceMatrix | undefined>;
}

export interface PreferenceDeps {
  conn: Connection;
  topics: readonly TopicConfig[];
  audit: Pick<AuditLog, 'record'>;
  now?: Clock;
}

// A save whose pair another save changed in the meantime decides again; more rounds than this means a flood.
const MAX_ROUNDS = 5;
// Client-supplied strings are bounded like the audit log bounds them.
const MAX_FIELD = 512;

const pairKey = (topic: string, channel: string) => `${topic}\u0000${channel}`;
const rowId = (accountId: string, topic: string, channel: string, seq: number) => `${accountId}/${topic}/${channel}/${seq}`;

/** The newest change of each (topic, channel) pair. */
function latestByPair(rows: readonly PreferenceChangeRecord[]): Map<string, PreferenceChangeRecord> {
  const latest = new Map<string, PreferenceChangeRecord>();
  for (const row of rows) {
    const key = pairKey(row.topic, row.channel);
    const seen = latest.get(key);
    if (!seen || row.seq > seen.seq) latest.set(key, row);
  }
  return latest;
}

/** A per-locale text from the configuration: the customer's locale, then English, then the first one given. */
export function localizedText(value: Readonly<Record<string, string>> | undefined, locale: string): string | undefined {
  if (!value) return undefined;
  return value[locale] ?? value.en ?? Object.values(value)[0];
}

export function createPreferences(deps: PreferenceDeps): PreferenceService {
  const { topics, audit } = deps;
  const clock = deps.now ?? systemClock;
  const now = () => dateOf(clock);
  const rows = preferenceChangeModel(deps.conn);
  const channelsOf = new Map<string, readonly Channel[]>(topics.map((t) => [t.id, t.channels]));

  const load = (accountId: string) => rows.find({ accountId }).lean<PreferenceChangeRecord[]>();

  function matrix(latest: Map<string, PreferenceChangeRecord>): PreferenceMatrix {
    const result: PreferenceMatrix = {};
    for (const topic of topics) {
      const channels: Record<string, boolean> = {};
      for (const channel of topic.channels) channels[channel] = latest.get(pairKey(topic.id, channel))?.optIn ?? false;
      result[topic.id] = channels;
    }
    return result;
  }

  /** The choices checked against the configuration, one per pair; throws before anything is read or written. */
  function validate(choices: readonly PreferenceChoice[]): PreferenceChoice[] {
    const byPair = new Map<string, PreferenceChoice>();
    for (const choice of choices) {
      const channels = channelsOf.get(choice.topic);
      if (!channels) throw badRequest(`unknown topic "${String(choice.topic).slice(0, 40)}"`);
      if (!(channels as readonly string[]).includes(choice.channel)) {
        throw badRequest(`topic "${choice.topic}" is not offered over channel "${String(choice.channel).slice(0, 40)}"`);
      }
      if (typeof choice.optIn !== 'boolean') throw badRequest('each choice needs optIn true or false');
      const key = pairKey(choice.topic, choice.channel);
      const earlier = byPair.get(key);
      if (earlier && earlier.optIn !== choice.optIn) throw badRequest(`topic "${choice.topic}" over "${choice.channel}" is given twice`);
      byPair.set(key, { topic: choice.topic, channel: choice.channel, optIn: choice.optIn });
    }
    return [...byPair.values()];
  }

  return {
    topics,

    async current(accountId) {
      return matrix(latestByPair(await load(accountId)));
    },

    async set(accountId, choices, meta) {
      const wanted = validate(choices);
      if (!wanted.length) return 0;
      const at = now();
      const applied: PreferenceChoice[] = [];
      let pending = wanted;
      for (let round = 0; pending.length && round < MAX_ROUNDS; round++) {
        const latest = latestByPair(await load(accountId));
        const lost: PreferenceChoice[] = [];
        for (const choice of pending) {
          const previous = latest.get(pairKey(choice.topic, choice.channel));
          if ((previous?.optIn ?? false) === choice.optIn) continue;
          const seq = previous ? previous.seq + 1 : 0;
          try {
            await rows.create({
              _id: rowId(accountId, choice.topic, choice.channel, seq),
              accountId,
              topic: choice.topic,
              channel: choice.channel,
              seq,
              optIn: choice.optIn,
              at,
              source: meta.source,
              ...(meta.clientId ? { clientId: meta.clientId.slice(0, MAX_FIELD) } : {}),
              ...(meta.ip ? { ip: meta.ip.slice(0, MAX_FIELD) } : {}),
              ...(meta.userAgent ? { userAgent: meta.userAgent.slice(0, MAX_FIELD) } : {}),
            });
            applied.push(choice);
          } catch (err) {
            // Another save changed this pair first: look again at what it is now.
            if (!isDuplicateKey(err)) throw err;
            lost.push(choice);
          }
        }
        pending = lost;
      }
      if (pending.length) throw new Error('communication preferences: too many concurrent changes');
      if (applied.length) {
        await audit.record({
          type: 'preferences.changed',
          outcome: 'success',
          accountId,
          clientId: meta.clientId,
          ip: meta.ip,
          userAgent: meta.userAgent,
          reason: meta.source,
          details: { changes: applied.map((c) => ({ topic: c.topic, channel: c.channel, optIn: c.optIn })) },
        });
      }
      return applied.length;
    },

    async history(accountId) {
      const found = await rows.find({ accountId }).sort({ at: -1, seq: -1 }).lean<PreferenceChangeRecord[]>();
      return found.map((r) => ({
        topic: r.topic,
        channel: r.channel,
        optIn: r.optIn,
        at: r.at,
        source: r.source,
        ...(r.clientId ? { clientId: r.clientId } : {}),
      }));
    },

    async claim(accountId) {
      if (!topics.length) return undefined;
      return matrix(latestByPair(await load(accountId)));
    },

    async exportFor(accountId) {
      const found = await rows.find({ accountId }).sort({ at: 1, seq: 1 }).lean<PreferenceChangeRecord[]>();
      return {
        current: matrix(latestByPair(found)),
        history: found.map((r) => ({
          topic: r.topic,
          channel: r.channel,
          optIn: r.optIn,
          at: r.at,
          source: r.source,
          ...(r.clientId ? { clientId: r.clientId } : {}),
          ...(r.ip ? { ip: r.ip } : {}),
          ...(r.userAgent ? { userAgent: r.userAgent } : {}),
        })),
      };
    },

    async removeAll(accountId) {
      const { deletedCount } = await rows.deleteMany({ accountId });
      return deletedCount;
    },
  };
}

/**
 * The claim for findAccount: only when the token's scope grants `preferences` (the claims parameter alone must not
 * release it) and the customer did not withhold it, and only when topics are configured.
 */
export async function preferencesClaim(
  service: Pick<PreferenceService, 'claim'>,
  accountId: string,
  scope: string,
  rejected: readonly string[] = [],
): Promise<{ [PREFERENCES_CLAIM]?: PreferenceMatrix }> {
  if (!scope.split(' ').includes(PREFERENCES_SCOPE) || rejected.includes(PREFERENCES_CLAIM)) return {};
  const value = await service.claim(accountId);
  return value ? { [PREFERENCES_CLAIM]: value } : {};
}
