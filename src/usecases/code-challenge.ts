// A mailed six-digit code typed back, written once for every page that asks for one: sign-up, e-mail verification,
// password reset and e-mail change (second factors keep their own attempt budget and 'mfa' throttle, interaction/mfa.ts,
// over the same code check). Each page opens the challenge (which tells it whether guessing is blocked right now and
// what the code was sent for), does its own checks, then verifies; the throttle and the code's single use are decided
// here, the same way everywhere:
// - wrong guesses count per subject (the account, or the address a sign-up or reset is for) and per client address
//   ('verify' throttle), so that asking for a new code does not buy a fresh set of guesses;
// - a code of another account is as wrong as a wrong code, and costs its owner nothing;
// - a right code the page cannot use (an account gone meanwhile, a reset for an address without an account) counts
//   as a wrong guess too: the page cannot tell the two apart to the person typing.
import type { RequestMeta } from '../http/request-meta.ts';
import { readSixDigitCode } from '../services/code-input.ts';
import type { CodePayload, CodePurpose, OneTimeCodes } from '../services/one-time-codes.ts';
import type { Throttle } from '../services/throttle.ts';

export interface CodeChallengeDeps {
  codes: Pick<OneTimeCodes, 'peek' | 'verify'>;
  throttle: Pick<Throttle, 'check' | 'fail' | 'succeed'>;
}

/** What a code was sent for, while it is live (unknown, used up, expired or foreign codes: null). */
export interface PendingCode<P extends CodePurpose = CodePurpose> {
  subject: string;
  payload: CodePayload<P>;
  expiresAt: Date;
}

export type CodeFailure =
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number }
  /** Nothing typed, or not six digits (spaces and dashes aside): no guess was made. */
  | { ok: false; reason: 'missing' | 'format' }
  /** A wrong guess; a code expired; a code whose guesses are used up (dead even for the right digits). */
  | { ok: false; reason: 'invalid' | 'expired' | 'exhausted' };

export type CodeAttempt<P extends CodePurpose = CodePurpose> = { ok: true; subject: string; payload: CodePayload<P> } | CodeFailure;

export interface OpenChallenge<P extends CodePurpose = CodePurpose> {
  ok: true;
  pending: PendingCode<P> | null;
  /**
   * One guess. `accept` says whether a verified code is usable here (checked after the code is spent); when it is not,
   * the attempt answers 'invalid' and counts as a wrong guess.
   */
  verify(typed: unknown, accept?: (verified: { subject: string; payload: CodePayload<P> }) => boolean | Promise<boolean>): Promise<CodeAttempt<P>>;
}

export interface CodeChallenges {
  /**
   * `ref`: the code's id as the page carried it. `subject`: the account the code must belong to, when the page knows it
   * (a signed-in customer, an interaction's account); otherwise guesses count against the subject the code was sent to.
   */
  open<P extends CodePurpose>(input: { ref: string; purpose: P; subject?: string; meta: RequestMeta }): Promise<OpenChallenge<P> | Extract<CodeFailure, { reason: 'throttled' }>>;
}

export function createCodeChallenges(deps: CodeChallengeDeps): CodeChallenges {
  return {
    async open({ ref, purpose, subject, meta }) {
      const peeked = ref ? await deps.codes.peek(ref, purpose) : null;
      const pending = peeked && (subject === undefined || peeked.subject === subject) ? peeked : null;
      const keys = { ip: meta.ip, account: subject ?? pending?.subject ?? ref };
      const failMeta = { ...meta, ...(subject ? { accountId: subject } : {}) };
      const gate = await deps.throttle.check('verify', keys);
      if (!gate.allowed) return { ok: false, reason: 'throttled', retryAfterSeconds: gate.retryAfterSeconds };

      return {
        ok: true,
        pending,
        async verify(typed, accept) {
          const read = readSixDigitCode(typed);
          if (!read.ok) return { ok: false, reason: read.problem };
          const result = await deps.codes.verify({ id: ref, purpose, code: read.code, ...(subject !== undefined ? { subject } : {}) });
          if (result.ok && (!accept || (await accept(result)))) {
            await deps.throttle.succeed('verify', keys);
            return result;
          }
          await deps.throttle.fail('verify', keys, failMeta);
          return result.ok ? { ok: false, reason: 'invalid' } : result;
        },
      };
    },
  };
}
