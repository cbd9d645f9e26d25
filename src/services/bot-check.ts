// The bot check an operator turns on per form (BOT_PROTECTION): a protected form carries a proof-of-work challenge
// (proof-of-work.ts) bound to its action and to the form's context (the sign-in, or the signed-in account), and the
// server refuses a submission that brings no valid, unspent answer to it. The sign-in throttle's own puzzle
// (throttle.ts, beyond a threshold of failures) is separate and stays as it is.
//
// Two answers are accepted, each spent once in any process (the throttle collection's claim, a unique-_id insert):
// - with JavaScript, a solution of the puzzle (views/assets/proof.js finds it while the customer fills the form in;
//   where the form names a subject, e.g. the e-mail address of a sign-up or a reset, the solution is for that
//   address only). It costs a browser 2^bits SHA-256 hashes (BOT_PROTECTION_BITS; 18 ≈ 1–2 s) and a bot the same
//   CPU for every single submission.
// - without JavaScript, the challenge itself once BOT_PROTECTION_DELAY_SECONDS have passed since the page was issued.
//   What this fallback costs: a person without JavaScript waits a few seconds that typing usually takes anyway (too
//   early, the page keeps what was typed and says to send it again). A bot pays no CPU, only the wait and a fetch of
//   the form per submission — time it can overlap by fetching many forms at once, so a delay alone would make the
//   puzzle pointless. That is why the fallback is also counted: at most BOT_PROTECTION_NOSCRIPT_PER_HOUR
//   submissions an hour per client address (IPv6 by its /64) over all protected forms; beyond that, the address has
//   to solve puzzles (or wait for the hour). A bot can therefore skip the CPU only for a handful of submissions per
//   address it controls; 0 switches the fallback off (the forms then need JavaScript). This path is bound to the
//   form and its context but not to the address typed (the page cannot hash it without a script). A browser whose
//   script cannot hash (no Web Crypto outside a secure context) takes this path too. For code requests, the
//   e-mailed or texted code itself is the second check: a bot learns nothing from requesting one, it can only make
//   us send mail and SMS, which this and the throttle bound.
import { createHash } from 'node:crypto';
import type { Connection } from 'mongoose';
import type { Clock } from '../clock.ts';
import type { AuditLog } from './audit.ts';
import { subscriberOf } from './ip-prefixes.ts';
import { createProofOfWork, type ProofChallenge, type ProofOfWork, type ProofPass } from './proof-of-work.ts';
import { THROTTLE_COLLECTION } from './throttle.ts';
import { createCounters, type Counters } from './throttle-counters.ts';

/** The forms an operator can protect: sign-up, the forgotten-password request, requests that make us send a code
 *  (e-mail or SMS), and every password sign-in. */
export const BOT_CHECK_ACTIONS = ['signup', 'recover', 'codes', 'login'] as const;
export type BotCheckAction = (typeof BOT_CHECK_ACTIONS)[number];

/** Why a submission was refused: no answer, a forged, foreign or expired one, one used before, too early without
 *  JavaScript, or past the address's allowance of submissions without JavaScript. */
export const BOT_CHECK_REFUSALS = ['missing', 'invalid', 'spent', 'early', 'noscript_limit'] as const;
export type BotCheckRefusal = (typeof BOT_CHECK_REFUSALS)[number];

/** The form fields a protected form sends (views/partials/bot-check.ejs). */
export const BOT_CHECK_FIELDS = ['bot_challenge', 'bot_nonce'] as const;

/** What a protected form carries: the puzzle, and how long a browser without JavaScript waits (null: it cannot). */
export interface BotChallenge {
  challenge: string;
  bits: number;
  waitSeconds: number | null;
  /** The form field whose value the puzzle is solved for (its subject), if any. */
  subjectField: string | null;
}

export type BotVerdict =
  | { ok: true }
  | {
      ok: false;
      reason: BotCheckRefusal;
      /** What the form carries when shown again. */
      next: BotChallenge;
      /** 'early': the seconds still to wait. */
      waitSeconds?: number;
    };
export type BotRefusal = Extract<BotVerdict, { ok: false }>;

/** Who submitted, as similar audit events record it (no typed e-mail address). */
export interface BotCheckWho {
  ip: string;
  userAgent?: string;
  clientId?: string;
  /** The account the form is for, where the page knows it (second factor, account center). */
  accountId?: string;
}

export interface BotCheck {
  protects(action: BotCheckAction): boolean;
  /**
   * A challenge for a form of `action` within `context` (the sign-in's uid, or the signed-in account: a challenge
   * of one sign-in is no challenge of another); undefined when the action is not protected. Stateless: no write.
   */
  challenge(action: BotCheckAction, context: string, subjectField?: string): BotChallenge | undefined;
  /**
   * Checks the form's answer and spends it; always ok for an unprotected action. `subject`: the value of the form's
   * subject field as typed (compared trimmed and in lower case, as the page's script hashes it). A refusal is audited
   * ('bot_check.refused') and carries the challenge to show again: a fresh one, or the same one when it was early.
   */
  verify(action: BotCheckAction, context: string, form: { challenge?: unknown; nonce?: unknown; subject?: string; subjectField?: string }, who: BotCheckWho): Promise<BotVerdict>;
}

export interface BotCheckDeps {
  actions: readonly BotCheckAction[];
  proofOfWork: ProofOfWork;
  /** Seconds a browser without JavaScript waits before its submission counts. */
  waitSeconds: number;
  /** Submissions without JavaScript allowed per client address and hour; 0: none (the forms need JavaScript). */
  noscriptPerHour: number;
  /** The throttle's counters (throttle-counters.ts): the claim that spends a challenge, and the fallback's count. */
  counters: Pick<Counters, 'add' | 'claim'>;
  audit: Pick<AuditLog, 'record'>;
}

const HOUR_MS = 3600_000;
const hashKey = (value: string) => createHash('sha256').update(value).digest('base64url');
/** How the subject enters the puzzle, on both sides (proof.js: value.trim().toLowerCase()). */
export const puzzleSubject = (value: string) => value.trim().toLowerCase();

export function createBotCheck(deps: BotCheckDeps): BotCheck {
  const { proofOfWork, counters, audit } = deps;
  const on = new Set(deps.actions);
  const fallback = deps.noscriptPerHour > 0;
  const bindingOf = (action: BotCheckAction, context: string) => `bot-check\0${action}\0${context}`;
  const view = (issued: ProofChallenge, subjectField?: string): BotChallenge => ({
    challenge: issued.challenge,
    bits: issued.bits,
    waitSeconds: fallback ? deps.waitSeconds : null,
    subjectField: subjectField ?? null,
  });
  const issue = (action: BotCheckAction, context: string, subjectField?: string) =>
    view(proofOfWork.issue(bindingOf(action, context), fallback ? { waitSeconds: deps.waitSeconds } : {}), subjectField);

  /** Counts a submission without JavaScript from this address; false beyond the allowance. */
  async function withinAllowance(ip: string): Promise<boolean> {
    const address = subscriberOf(ip) ?? ip.trim().toLowerCase();
    const { points } = await counters.add(`bot-check:noscript:${hashKey(address)}`, 1, HOUR_MS);
    return points <= deps.noscriptPerHour;
  }

  type Judged = { pass: ProofPass } | { reason: 'early'; challenge: string; seconds: number } | { reason: Exclude<BotCheckRefusal, 'early' | 'spent'> };

  /** The answer's verdict before it is spent: a pass to claim, or why not. */
  async function judge(binding: string, form: { challenge?: unknown; nonce?: unknown; subject?: string }, ip: string): Promise<Judged> {
    const challenge = typeof form.challenge === 'string' ? form.challenge : '';
    const nonce = typeof form.nonce === 'string' ? form.nonce : '';
    if (!challenge) return { reason: 'missing' };
    if (nonce) {
      const solved = proofOfWork.solves(binding, challenge, nonce, form.subject === undefined ? undefined : puzzleSubject(form.subject));
      return solved.ok ? { pass: solved } : { reason: 'invalid' };
    }
    // No solution: the browser ran no script (or a bot hopes the wait is cheaper).
    if (!fallback) return { reason: 'missing' };
    const waited = proofOfWork.waited(binding, challenge);
    if (!waited.ok) return waited.early ? { reason: 'early', challenge, seconds: waited.early } : { reason: 'invalid' };
    if (!(await withinAllowance(ip))) return { reason: 'noscript_limit' };
    return { pass: waited };
  }

  return {
    protects: (action) => on.has(action),

    challenge: (action, context, subjectField) => (on.has(action) ? issue(action, context, subjectField) : undefined),

    async verify(action, context, form, who) {
      if (!on.has(action)) return { ok: true };
      const binding = bindingOf(action, context);
      const judged = await judge(binding, form, who.ip);
      let reason: BotCheckRefusal;
      if ('pass' in judged) {
        if (await counters.claim(`proof:${judged.pass.id}`, judged.pass.expiresAt)) return { ok: true };
        reason = 'spent';
      } else {
        reason = judged.reason;
      }
      await audit.record({
        type: 'bot_check.refused',
        outcome: 'failure',
        reason,
        ip: who.ip,
        ...(who.userAgent ? { userAgent: who.userAgent } : {}),
        ...(who.clientId ? { clientId: who.clientId } : {}),
        ...(who.accountId ? { accountId: who.accountId } : {}),
        details: { action },
      });
      // Too early: the same challenge, so that the wait already done counts.
      if ('reason' in judged && judged.reason === 'early') {
        const { challenge, seconds } = judged;
        const next = { challenge, bits: Number(challenge.split('.')[0]), waitSeconds: deps.waitSeconds, subjectField: form.subjectField ?? null };
        return { ok: false, reason, next, waitSeconds: seconds };
      }
      return { ok: false, reason, next: issue(action, context, form.subjectField) };
    },
  };
}

/** The bot check as the server runs it (BOT_PROTECTION and its settings, src/config). */
export function composeBotCheck(deps: {
  settings: { actions: readonly BotCheckAction[]; bits: number; delaySeconds: number; noscriptPerHour: number };
  key: Buffer;
  conn: Connection;
  audit: Pick<AuditLog, 'record'>;
  now: Clock;
}): BotCheck {
  const { settings, key, conn, audit, now } = deps;
  return createBotCheck({
    actions: settings.actions,
    // A form may stay open a while before it is sent: half an hour.
    proofOfWork: createProofOfWork({ key, bits: settings.bits, ttlSeconds: 1800, purpose: 'bot-check', now }),
    waitSeconds: settings.delaySeconds,
    noscriptPerHour: settings.noscriptPerHour,
    // Spent challenges and the count of submissions without JavaScript are rows of the throttle's collection (swept
    // with it).
    counters: createCounters({ conn, collection: THROTTLE_COLLECTION, now }),
    audit,
  });
}
