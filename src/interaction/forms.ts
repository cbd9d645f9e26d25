// Pieces every self-service form in the sign-in shares: the e-mail field rules, how an error is carried to the
// template, how a throttled request is answered, and how an address is shown back without spelling it out.
import type { Context } from 'koa';
import { z } from 'zod';
import type { MessageKey } from '../i18n/index.ts';
import type { ThrottleVerdict } from '../services/throttle.ts';
import { throttled, THROTTLED_STATUS } from '../http/throttled.ts';
import type { CodeFailure } from '../usecases/code-challenge.ts';

export const MAX_EMAIL = 254;
// In UTF-16 units, as zod and the browser's maxlength count; the password policy allows 1024 code points (emoji
// take two units each), so the form bound is four times that.
export const MAX_PASSWORD = 4096;
// Form errors and failed attempts share one status so that nothing but the text differs between the cases.
export const FORM_ERROR_STATUS = 400;
export { THROTTLED_STATUS } from '../http/throttled.ts';

export interface FormError {
  key: MessageKey;
  vars?: Record<string, string>;
  /** Which input the message is about (gets aria-invalid); absent for messages about the whole form. */
  field?: string;
}

export const emailField = z
  .string({ error: 'login.error.emailInvalid' })
  .trim()
  .min(1, { error: 'login.error.emailMissing' })
  .max(MAX_EMAIL, { error: 'login.error.emailTooLong' })
  .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$|^[^\s@]+@localhost$/, { error: 'login.error.emailInvalid' });

/**
 * A sign-in page's form as the step registrar parses it (step.ts) before the page runs: the fields the page reads,
 * and nothing else (what the form does not name never reaches the page). A field's value is what a urlencoded body
 * can hold — a string, a repeated field's list, a bracketed field's object — because the page's own rules decide
 * what a wrong one means and say so in the customer's language ("enter an address like name@example.com" for
 * `email[$ne]=x`, "the password is too long"); the body itself is bounded by the form parser (FORM_LIMIT).
 */
const formValue = z.union([z.string(), z.array(z.unknown()), z.record(z.string(), z.unknown())]).optional();
export function formOf<const K extends string>(...names: K[]) {
  return z.object(Object.fromEntries(names.map((name) => [name, formValue])) as Record<K, typeof formValue>);
}

/** The first problem of a failed zod parse as a form error (message keys are the zod messages). */
export function firstProblem(error: z.ZodError, fallback: MessageKey): FormError {
  const issue = error.issues[0];
  const field = issue?.path[0];
  return { key: (issue?.message ?? fallback) as MessageKey, ...(typeof field === 'string' ? { field } : {}) };
}

/** Only a plausible string is put back into a form; anything else starts empty. */
export function echo(value: unknown, max = MAX_EMAIL): string {
  return typeof value === 'string' && value.length <= max ? value.trim() : '';
}

/** A code reference (the random id a code page carries), or '' for anything that cannot be one. */
export function refOf(value: unknown): string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{1,64}$/.test(value) ? value : '';
}

export { maskEmail } from '../services/mask.ts';

/** The "too many attempts" error for a blocked request; also sets Retry-After. */
export function throttledError(ctx: Context, verdict: Extract<ThrottleVerdict, { allowed: false }>): FormError {
  return throttled(ctx, verdict.retryAfterSeconds);
}

/** How a mailed code that did not work reads on the sign-in's pages (src/usecases/code-challenge.ts), and its status. */
export function codeError(ctx: Context, failure: CodeFailure): { error: FormError; status?: number } {
  switch (failure.reason) {
    case 'throttled':
      return { error: throttled(ctx, failure.retryAfterSeconds), status: THROTTLED_STATUS };
    case 'missing':
    case 'format':
      return { error: { key: 'verify.error.missing', field: 'code' } };
    default:
      return { error: { key: `verify.error.${failure.reason}`, field: 'code' } };
  }
}

export { requestMeta } from '../http/request-meta.ts';
