// The throttle's rules: what each action allows per scope (address, account, account and address, known device),
// the defaults, and how an operator's overrides are merged over them. The counting itself is in throttle.ts.
export type ThrottleAction = 'login' | 'signup' | 'verify' | 'recovery' | 'mfa' | 'support';

export interface LimitRule {
  /** Failures (or attempts) allowed per window; reaching it blocks the next attempt. */
  points: number;
  windowSeconds: number;
  /** Block length once `points` is reached, doubled for each further block (see ThrottleLimits.backoff). Without
   *  it the block lasts until the window ends. */
  blockSeconds?: number;
  /** Beyond the limit an attempt needs a proof of work instead of being refused (no block, no backoff). */
  proof?: boolean;
}
export interface ActionLimits {
  /** Per client address (IPv6 by its /64), over every account. */
  ip?: LimitRule;
  /** Per account (what was typed); for login, over the sources that are not a known device. */
  account?: LimitRule;
  /** Login: per account and client address, for sources that are not a known device. */
  source?: LimitRule;
  /** Login: per account and known device (ThrottleKeys.device), which then counts under this alone. */
  device?: LimitRule;
}
export interface ThrottleLimits {
  login: ActionLimits;
  signup: ActionLimits;
  verify: ActionLimits;
  recovery: ActionLimits;
  mfa: ActionLimits;
  support: ActionLimits;
  /** The n-th block of a key within `memorySeconds` lasts blockSeconds·2^(n-1), at most `maxSeconds`. */
  backoff: { maxSeconds: number; memorySeconds: number };
}
/** Per action, the rules to replace; a rule given as undefined is switched off. */
export type ThrottleLimitOverrides = { [K in keyof ThrottleLimits]?: Partial<ThrottleLimits[K]> };

export const HOUR = 3600;
export const DEFAULT_LIMITS: ThrottleLimits = {
  // Five wrong passwords in a row from one address block that address for that account for a minute, then 2, 4, …
  // up to an hour; a browser that signed in to the account before has ten of its own. Twenty failures an hour over
  // all unknown sources, or 100 from one address over all accounts (credential stuffing, spraying), ask every further
  // attempt from an unknown source for a proof of work for the rest of the hour: nobody else is locked out.
  login: {
    source: { points: 5, windowSeconds: HOUR, blockSeconds: 60 },
    device: { points: 10, windowSeconds: HOUR, blockSeconds: 60 },
    account: { points: 20, windowSeconds: HOUR, proof: true },
    ip: { points: 100, windowSeconds: HOUR, proof: true },
  },
  // Each sign-up sends mail: a per-address limit keeps the form from being used to flood someone's inbox.
  signup: { ip: { points: 10, windowSeconds: HOUR }, account: { points: 3, windowSeconds: 900 } },
  // Wrong codes; every code also dies after its own few attempts (one-time-codes).
  verify: { ip: { points: 10, windowSeconds: 900 }, account: { points: 10, windowSeconds: 900 } },
  recovery: { account: { points: 3, windowSeconds: 900 }, ip: { points: 20, windowSeconds: HOUR } },
  // Wrong second factors (TOTP, recovery, e-mail and SMS codes) per account whose password was right: each sign-in
  // also has its own small budget (interaction/mfa.ts), this stops a holder of the password from starting over and
  // over. Ten misses block for 15 minutes, doubling.
  mfa: { account: { points: 10, windowSeconds: HOUR, blockSeconds: 900 }, ip: { points: 50, windowSeconds: HOUR } },
  // Wrong support codes typed by an agent (support-codes.ts): a code is 6 digits, so guessing one is what this stops —
  // five misses block the agent for 15 minutes, doubling; a whole office behind one address gets 30 an hour.
  support: { account: { points: 5, windowSeconds: 900, blockSeconds: 900 }, ip: { points: 30, windowSeconds: HOUR } },
  backoff: { maxSeconds: HOUR, memorySeconds: 24 * HOUR },
};

// Actions that count failures: a success ends the run of consecutive failures of the one who succeeded (the
// account's counter; for login, the counter of the account and the source that signed in, so that an attacker's
// failures elsewhere still count). Sign-up and recovery count attempts (each sends mail), which a success does not undo.
export const RESET_ON_SUCCESS: ReadonlySet<ThrottleAction> = new Set(['login', 'verify', 'mfa']);
export const ACTIONS: readonly ThrottleAction[] = ['login', 'signup', 'verify', 'recovery', 'mfa', 'support'];
export const SCOPES = ['ip', 'account', 'source', 'device'] as const;
export type Scope = (typeof SCOPES)[number];

export function mergeLimits(overrides: ThrottleLimitOverrides = {}): ThrottleLimits {
  // A rule given as undefined is switched off: spread keeps the key with undefined, which `limiters` skips.
  return {
    login: { ...DEFAULT_LIMITS.login, ...overrides.login },
    signup: { ...DEFAULT_LIMITS.signup, ...overrides.signup },
    verify: { ...DEFAULT_LIMITS.verify, ...overrides.verify },
    recovery: { ...DEFAULT_LIMITS.recovery, ...overrides.recovery },
    mfa: { ...DEFAULT_LIMITS.mfa, ...overrides.mfa },
    support: { ...DEFAULT_LIMITS.support, ...overrides.support },
    backoff: { ...DEFAULT_LIMITS.backoff, ...overrides.backoff },
  };
}
