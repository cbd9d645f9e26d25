// The CLI's control flow, independent of process globals so that tests can drive it: find the command, check its
// arguments, only then open the services, run, print JSON; every failure becomes one clear line and an exit code.
import { ConfigError } from '../config/index.ts';
import { AppError } from '../errors.ts';
import { UsageError } from './args.ts';
import { COMMANDS } from './commands/index.ts';
import type { CliIo, CliServices } from './services.ts';

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export function usage(): string {
  const lines = Object.values(COMMANDS).flatMap((group) => Object.values(group).map((c) => `  ciam ${c.usage}`));
  return [
    'Usage: ciam <command> [options]',
    '',
    ...lines,
    '  ciam help',
    '',
    'Reads the same environment as the server (MONGODB_URI, DATA_ENCRYPTION_KEY, ...) and prints JSON.',
  ].join('\n');
}

function describe(err: unknown): { message: string; code: number } {
  if (err instanceof UsageError) return { message: `${err.message}\nRun "ciam help" for usage.`, code: EXIT.usage };
  if (err instanceof AppError) return { message: err.message, code: err.status === 400 ? EXIT.usage : EXIT.failed };
  if (err instanceof ConfigError) return { message: err.message, code: EXIT.failed };
  // Unexpected failures (database unreachable, ...): the message only, never a stack trace with internals.
  return { message: err instanceof Error ? err.message : String(err), code: EXIT.failed };
}

export async function runCli(
  argv: string[],
  open: () => Promise<CliServices & { close(): Promise<void> }>,
  io: CliIo,
): Promise<number> {
  const [group, name, ...rest] = argv;
  if (group === undefined || group === 'help' || group === '--help' || group === '-h') {
    io.stdout(`${usage()}\n`);
    return group === undefined ? EXIT.usage : EXIT.ok;
  }
  let services: (CliServices & { close(): Promise<void> }) | undefined;
  try {
    const commands = COMMANDS[group];
    if (!commands) throw new UsageError(`unknown command "${group}"`);
    const cmd = name === undefined ? undefined : commands[name];
    if (!cmd) {
      const known = Object.keys(commands).map((n) => `${group} ${n}`).join(', ');
      throw new UsageError(name === undefined ? `"${group}" needs a subcommand: ${known}` : `unknown command "${group} ${name}" (known: ${known})`);
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout(`Usage: ciam ${cmd.usage}\n`);
      return EXIT.ok;
    }
    const execute = await cmd.prepare(rest, io);
    services = await open();
    const result = await execute(services);
    io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    return EXIT.ok;
  } catch (err) {
    const { message, code } = describe(err);
    io.stderr(`ciam: ${message}\n`);
    return code;
  } finally {
    await services?.close().catch(() => {});
  }
}
