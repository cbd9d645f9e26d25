import { rotateSigningKeys } from '../../usecases/signing-keys.ts';
import { noPositionals, wholeSeconds } from '../args.ts';
import { command } from '../command.ts';

export { longestSignedTtl } from '../../services/keys.ts';

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
  execute: (services, retainSeconds) => rotateSigningKeys(services, retainSeconds),
});
