import type { CliServices } from '../services.ts';
import { noPositionals, wholeSeconds } from '../args.ts';
import { command } from '../command.ts';

/**
 * How long a retired key must stay published: the longest lifetime of anything it signs (ID tokens, JWT access
 * tokens). Refresh tokens and codes are opaque database rows, not signed, so they do not count.
 */
export function longestSignedTtl(config: CliServices['config']): number {
  const resourceTtls = Object.values(config.resources).map((r) => r.accessTokenTTL ?? 0);
  return Math.max(config.ttl.accessToken, config.ttl.idToken, config.ttl.clientCredentials, ...resourceTtls);
}

export const keysList = command({
  usage: 'keys list',
  options: {},
  parse: (_values, positionals) => noPositionals(positionals),
  execute: (services) => services.keys.list(),
});

export const keysRotate = command({
  usage: 'keys rotate [--retain-seconds S]   (default: the longest signed-token lifetime)',
  options: { 'retain-seconds': { type: 'string' } },
  parse(values, positionals) {
    noPositionals(positionals);
    return wholeSeconds(values, 'retain-seconds');
  },
  execute: (services, retainSeconds) => services.keys.rotate({ retainSeconds: retainSeconds ?? longestSignedTtl(services.config) }),
});
