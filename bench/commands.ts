// Counts the database commands our stack sends, from the driver's command monitoring (the MongoClient must have been
// opened with monitorCommands). The driver's own housekeeping (handshakes, pings, session ends) is not the
// application's work and is left out.
import type { CommandFailedEvent, CommandStartedEvent, CommandSucceededEvent, MongoClient } from 'mongodb';

const HOUSEKEEPING = new Set(['hello', 'ismaster', 'isMaster', 'ping', 'endSessions']);

export interface Tally {
  commands: number;
  /** Sum of the commands' round-trip durations as the driver measured them. */
  durationMs: number;
  /** Commands by "name collection", e.g. "find oidc_refreshtoken". */
  byKey: Map<string, number>;
  /** Their round-trip durations (ms) by the same keys: where the database time goes. */
  msByKey: Map<string, number>;
}

export const emptyTally = (): Tally => ({ commands: 0, durationMs: 0, byKey: new Map(), msByKey: new Map() });

export function addTally(into: Tally, more: Tally): Tally {
  into.commands += more.commands;
  into.durationMs += more.durationMs;
  for (const [key, n] of more.byKey) into.byKey.set(key, (into.byKey.get(key) ?? 0) + n);
  for (const [key, ms] of more.msByKey) into.msByKey.set(key, (into.msByKey.get(key) ?? 0) + ms);
  return into;
}

export function commandKey(name: string, command: Record<string, unknown>): string {
  const target = command[name];
  const collection = typeof target === 'string' ? target : typeof command.collection === 'string' ? command.collection : '';
  return collection ? `${name} ${collection}` : name;
}

export interface CommandMonitor {
  /** What was counted since the previous take (or since the monitor started), and starts counting afresh. */
  take(): Tally;
  stop(): void;
}

export function monitorCommands(client: MongoClient): CommandMonitor {
  let tally = emptyTally();
  // The key of each command on its way, by the driver's request id (its reply's event carries no collection).
  const keys = new Map<number, string>();
  const started = (e: CommandStartedEvent) => {
    if (HOUSEKEEPING.has(e.commandName)) return;
    tally.commands++;
    const key = commandKey(e.commandName, e.command);
    tally.byKey.set(key, (tally.byKey.get(key) ?? 0) + 1);
    keys.set(e.requestId, key);
  };
  const finished = (e: CommandSucceededEvent | CommandFailedEvent) => {
    if (HOUSEKEEPING.has(e.commandName)) return;
    tally.durationMs += e.duration;
    const key = keys.get(e.requestId) ?? e.commandName;
    keys.delete(e.requestId);
    tally.msByKey.set(key, (tally.msByKey.get(key) ?? 0) + e.duration);
  };
  client.on('commandStarted', started);
  client.on('commandSucceeded', finished);
  client.on('commandFailed', finished);
  return {
    take() {
      const out = tally;
      tally = emptyTally();
      return out;
    },
    stop() {
      client.off('commandStarted', started);
      client.off('commandSucceeded', finished);
      client.off('commandFailed', finished);
    },
  };
}
