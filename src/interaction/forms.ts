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

/**
 * A form's problem as its page shows it: in the error summary at the top (focused when the page loads), and, when it
 * is about one input, as that input's own message (aria-invalid, aria-describedby) with the summary linking to it.
 */
export interface FormError {
  key: MessageKey;
  vars?: Record<string, string>;
  /**
   * The name (= the id) of the input the message is about; absent for messages about the whole form. `credentials`
   * is the login's e-mail and password together (which of the two is wrong is not said), linked at the password.
   */
  field?: string;
  /** Further problems of the same submission, each about another input: the summary lists them all. */
  more?: readonly FormError[];
}

/** Several problems as one FormError (the first leads, the others ride in `more`), or undefined for none. */
export function combine(problems: readonly FormError[]): FormError | undefined {
  const [first, ...rest] = problems;
  if (!first) return undefined;
  return rest.length ? { ...first, more: rest } : first;
}

/** Every problem a FormError carries, the first one first. */
export function problemsOf(error: FormError | undefined): FormError[] {
  if (!error) return [];
  const { more, ...first } = error;
  return [first, ...(more ?? [])];
}

/** Whether a FormError (or one of its further problems) is about `field`. */
export function concerns(error: FormError | undefined, field: string): boolean {
  return problemsOf(error).some((p) => p.field === field);
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
  return fieldProblems(error, fallback)[0] as FormError;
}

/** Each field's first problem of a failed zod parse, in the form's order (message keys are the zod messages). */
export function fieldProblems(error: z.ZodError, fallback: MessageKey): FormError[] {
  const found = new Map<string, FormError>();
  for (const issue of error.issues) {
    const field = issue.path[0];
    const name = typeof field === 'string' ? field : '';
    if (!found.has(name)) found.set(name, { key: (issue.message ?? fallback) as MessageKey, ...(name ? { field: name } : {}) });
  }
  return found.size ? [...found.values()] : [{ key: fallback }];
}

/** Only a plausible string is put back into a form; anything else starts empty. */
export function echo(value: unknown, max = MAX_EMAIL): string {
  return typeof value === 'string' && value.length <= max ? value.trim() : '';
}

/**
 * A password put back into the form it was typed in, exactly as typed (no trimming), when the submission failed
 * for another reason: '' if the password itself was wrong or is not a plausible string. Only ever the same page
 * answering the same POST (no-store): never a redirect, another page or a stored flow.
 */
export function keptSecret(value: unknown, error: FormError | undefined, field = 'password'): string {
  if (concerns(error, field)) return '';
  return typeof value === 'string' && value.length <= MAX_PASSWORD ? value : '';
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
