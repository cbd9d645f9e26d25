import { noPositionals, UsageError, wholeSeconds } from '../args.ts';
import { command } from '../command.ts';

// An initial access token is a credential: by default it expires, so a forgotten one does not stay valid forever.
export const DEFAULT_IAT_SECONDS = 24 * 3600;

export const iatCreate = command({
  usage: 'iat create [--expires-in S]   (default: 86400; for dynamic client registration)',
  options: { 'expires-in': { type: 'string' } },
  parse(values, positionals) {
    noPositionals(positionals);
    const expiresIn = wholeSeconds(values, 'expires-in') ?? DEFAULT_IAT_SECONDS;
    if (expiresIn === 0) throw new UsageError('--expires-in must be at least 1 second');
    return expiresIn;
  },
  async execute(services, expiresIn) {
    const { InitialAccessToken } = services.provider();
    const token = await new InitialAccessToken({ expiresIn }).save();
    return { initialAccessToken: token, expiresIn, expiresAt: new Date(Date.now() + expiresIn * 1000) };
  },
});
