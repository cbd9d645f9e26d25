// A CLI command in two steps: `parse` checks the command line (no database needed, so bad input fails fast and
// touches nothing), `execute` does the work with the services and returns what is printed as JSON.
import type { ParseArgsOptionsConfig } from 'node:util';
import { parseCommandArgs, type Values } from './args.ts';
import type { CliIo, CliServices } from './services.ts';

export interface Command {
  usage: string;
  prepare(args: string[], io: CliIo): Promise<(services: CliServices) => Promise<unknown>>;
}

export function command<Input>(spec: {
  usage: string;
  options: ParseArgsOptionsConfig;
  parse(values: Values, positionals: string[], io: CliIo): Input | Promise<Input>;
  execute(services: CliServices, input: Input): Promise<unknown>;
}): Command {
  return {
    usage: spec.usage,
    async prepare(args, io) {
      const { values, positionals } = parseCommandArgs(args, spec.options);
      const input = await spec.parse(values, positionals, io);
      return (services) => spec.execute(services, input);
    },
  };
}
