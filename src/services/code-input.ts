// A six-digit code as customers type it, from a mail, a text message or an authenticator app, read one way at every
// entry point (sign-up, recovery, e-mail verification, e-mail change, second factors and their enrollment): spaces
// and dashes between the digits are ignored ("123 456", "123-456"), anything else makes it malformed.
export const CODE_PATTERN = /^\d{6}$/;
// Far more than six digits with separators; bounds the work on a hostile post.
const MAX_TYPED = 32;

export type CodeInput = { ok: true; code: string } | { ok: false; problem: 'missing' | 'format' };

export function readSixDigitCode(value: unknown): CodeInput {
  if (value === undefined || value === '') return { ok: false, problem: 'missing' };
  if (typeof value !== 'string' || value.length > MAX_TYPED) return { ok: false, problem: 'format' };
  const code = value.replace(/[\s-]/g, '');
  if (!code) return { ok: false, problem: 'missing' };
  return CODE_PATTERN.test(code) ? { ok: true, code } : { ok: false, problem: 'format' };
}
