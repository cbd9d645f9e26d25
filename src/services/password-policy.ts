// Password rules after NIST SP 800-63B §3.1.1.2: a minimum length, a generous maximum, any characters, no
// composition rules, and a check against passwords known to be common or breached. Length is counted in code
// points after NFKC normalisation, so "é" typed as one or two code points, or an emoji, counts as one character.
//
// The common list is the "passwords-common" dictionary of @zxcvbn-ts/language-common (≈49 000 entries, the
// library zxcvbn's maintained successor ships it; already a dependency, no network). The optional breach check
// uses the k-anonymity range API of Pwned Passwords: only the first 5 hex digits of the SHA-1 leave the server.
import { normalizePassword } from './passwords.ts';
import { createHash } from 'node:crypto';
import { dictionary } from '@zxcvbn-ts/language-common';
import type { Logger } from '../log.ts';

export type PasswordProblem = 'tooShort' | 'tooLong' | 'common' | 'breached' | 'containsEmail';
export type PasswordVerdict = { ok: true } | { ok: false; problem: PasswordProblem };

export interface PasswordPolicy {
  check(password: string, ctx?: { email?: string }): Promise<PasswordVerdict>;
  minLength: number;
  maxLength: number;
}

export interface PasswordPolicyDeps {
  minLength: number;
  /** Range API base, e.g. https://api.pwnedpasswords.com/range/ ; the 5-character prefix is appended. */
  breachApiUrl?: string;
  fetch?: typeof fetch;
  logger: Pick<Logger, 'warn'>;
  /** How long the breach check may take before it is skipped (fail open). */
  breachTimeoutMs?: number;
}

export const MAX_PASSWORD_LENGTH = 1024;
// The shortest local part worth looking for: "jo" inside a passphrase is a coincidence, not a reuse.
const MIN_EMAIL_PART = 3;

export { normalizePassword };

let common: ReadonlySet<string> | undefined;
// Built on first use: the list is only needed where passwords are chosen.
const commonPasswords = () => (common ??= new Set(dictionary['passwords-common'].map((p) => p.toLowerCase())));

async function isBreached(password: string, deps: PasswordPolicyDeps & { breachApiUrl: string }): Promise<boolean> {
  const hash = createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
  const prefix = hash.slice(0, 5);
  const suffix = hash.slice(5);
  try {
    const res = await (deps.fetch ?? fetch)(`${deps.breachApiUrl}${prefix}`, {
      // Padding makes every response about the same size, so that an observer cannot tell prefixes apart by length.
      headers: { 'Add-Padding': 'true', accept: 'text/plain' },
      signal: AbortSignal.timeout(deps.breachTimeoutMs ?? 3000),
    });
    if (!res.ok) throw new Error(`breach API answered ${res.status}`);
    for (const line of (await res.text()).split('\n')) {
      const [candidate = '', count = ''] = line.trim().split(':');
      // Padding entries carry a count of 0: they are not breached passwords.
      if (candidate.toUpperCase() === suffix) return Number.parseInt(count, 10) > 0;
    }
    return false;
  } catch (err) {
    // A breach service outage must not stop people from choosing passwords; the other checks still ran.
    deps.logger.warn({ err: (err as Error).message }, 'password breach check unavailable; skipped');
    return false;
  }
}

export function createPasswordPolicy(deps: PasswordPolicyDeps): PasswordPolicy {
  const { minLength } = deps;
  if (!Number.isInteger(minLength) || minLength < 8 || minLength > 64) {
    throw new RangeError('password minLength must be an integer from 8 to 64 (NIST SP 800-63B)');
  }
  const maxLength = MAX_PASSWORD_LENGTH;
  return {
    minLength,
    maxLength,
    async check(password, ctx = {}) {
      const normalized = normalizePassword(password);
      const length = [...normalized].length;
      if (length < minLength) return { ok: false, problem: 'tooShort' };
      if (length > maxLength) return { ok: false, problem: 'tooLong' };
      const lower = normalized.toLowerCase();
      const email = ctx.email?.normalize('NFKC').toLowerCase() ?? '';
      const local = email.includes('@') ? email.slice(0, email.lastIndexOf('@')) : email;
      if ([...local].length >= MIN_EMAIL_PART && lower.includes(local)) return { ok: false, problem: 'containsEmail' };
      if (commonPasswords().has(lower)) return { ok: false, problem: 'common' };
      if (deps.breachApiUrl && (await isBreached(normalized, { ...deps, breachApiUrl: deps.breachApiUrl }))) {
        return { ok: false, problem: 'breached' };
      }
      return { ok: true };
    },
  };
}
