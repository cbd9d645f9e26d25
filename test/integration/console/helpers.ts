// The operator console inside the real application (test/support/app.ts), driven like the account center's tests
// (../account/helpers.ts: the same app, cookie-keeping browser, login and form helpers). Operators sign in with a
// password and an authenticator app: the console demands the MFA level.
import { generate } from 'otplib';
import type { OperatorRole } from '../../../src/services/operators.ts';
import { findForm, forms, textOf, type Browser, type Form, type Page } from '../../support/http.ts';
import { submitLogin, type AccountApp } from '../account/helpers.ts';

export { csrfOf, open, post, rawPost, startAccountApp as startConsoleApp, submitLogin, type AccountApp as ConsoleApp } from '../account/helpers.ts';

const STEP = 30;

export interface TestOperator {
  id: string;
  email: string;
  role: OperatorRole;
  secret: string;
  /** The last TOTP step spent: a code is accepted once, and only when newer than the last one (src/auth/totp.ts). */
  lastStep: number;
}

/** An account with an authenticator app, made an operator with `role` (as `ciam operators create` does). */
export async function makeOperator(app: AccountApp, email: string, role: OperatorRole): Promise<TestOperator> {
  const user = await app.createUser(email, { name: `${role} person` });
  const enrollment = await app.services.totp.begin({ accountId: user.id, email });
  // The code of the step before this one (nextCode then has this step and the next without waiting). On a busy
  // machine a step boundary can pass before the code is checked, leaving it outside the window: enrol again with a
  // fresh one then (the enrolment token stays valid), and only then is a refusal an error.
  for (;;) {
    const step = Math.floor(Date.now() / 1000 / STEP) - 1;
    const confirmed = await app.services.totp.confirm(user.id, enrollment.token, await generate({ secret: enrollment.secret, epoch: step * STEP }));
    if (confirmed.ok) {
      await app.services.operators.setRole(user.id, role, { source: 'cli' });
      return { id: user.id, email, role, secret: enrollment.secret, lastStep: step };
    }
    if (Math.floor(Date.now() / 1000 / STEP) - 1 === step) throw new Error('the authenticator app could not be enrolled');
  }
}

/** A code of the next unspent time step within the accepted window (±1 step), waiting when every one is spent. */
export async function nextCode(op: TestOperator): Promise<string> {
  for (;;) {
    const now = Math.floor(Date.now() / 1000 / STEP);
    const step = Math.max(op.lastStep + 1, now - 1);
    if (step <= now + 1) {
      op.lastStep = step;
      return generate({ secret: op.secret, epoch: step * STEP });
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** This browser's CSRF token (the double-submit cookie's value): what any page of ours would put in its forms. */
export function csrfToken(b: Browser): string {
  const cookie = b.cookies().find((c) => c.name === 'csrf');
  if (!cookie) throw new Error('no CSRF cookie in this browser');
  return decodeURIComponent(cookie.value);
}

/** A page asking for the second factor (the sign-in's own step, or the step-up of a session). */
export const isSecondFactorPage = (page: Page) => forms(page).some((f) => /\/mfa\/verify$/.test(f.action.pathname));

/** Proves the authenticator app on the second-factor page `page`; the page where the sign-in ends. */
export async function passMfa(b: Browser, page: Page, op: TestOperator): Promise<Page> {
  const { form } = findForm(page, /\/mfa\/verify$/);
  const { page: landed } = await b.submit(form, { code: await nextCode(op) });
  return landed;
}

/** Signs the operator in through the console (password, then the step-up to MFA); the page it lands on (200). */
export async function signInConsole(app: AccountApp, b: Browser, op: TestOperator, start = '/console'): Promise<Page> {
  const { page } = await b.navigate(new URL(start, app.url));
  const second = await submitLogin(b, page, op.email);
  if (!isSecondFactorPage(second)) throw new Error(`expected the second-factor page, got ${second.status} at ${second.url.pathname}: ${textOf(second.body).slice(0, 300)}`);
  const landed = await passMfa(b, second, op);
  if (landed.status !== 200) throw new Error(`console sign-in ended with ${landed.status} at ${landed.url.pathname}: ${textOf(landed.body).slice(0, 400)}`);
  return landed;
}

/**
 * What opens a customer to a support agent: the customer makes a support code and the agent looks it up (the
 * console's form does exactly this; test/integration/console/support-code.test.ts drives the form itself).
 */
export async function foundByCode(app: AccountApp, op: TestOperator, customerId: string): Promise<void> {
  const issued = await app.services.supportCodes.issue(customerId, {});
  if (!issued.ok) throw new Error('no support code for the customer');
  const found = await app.services.supportCodes.lookup(issued.code, { accountId: op.id, ip: '127.0.0.1' });
  if (!found.ok) throw new Error(`the support code was not found: ${found.reason}`);
}

/**
 * Submits `form` as a browser does a form with a file input (multipart/form-data): its rendered fields, overridden by
 * `values`, and `files` as uploads. The response, redirects not followed.
 */
export async function submitMultipart(b: Browser, form: Form, values: Record<string, string> = {}, files: Record<string, { bytes: Buffer; type: string; name: string }> = {}): Promise<Page> {
  const data = new FormData();
  for (const [k, v] of Object.entries({ ...form.fields, ...values })) data.append(k, v);
  for (const [k, f] of Object.entries(files)) data.append(k, new Blob([new Uint8Array(f.bytes)], { type: f.type }), f.name);
  // fetch writes the multipart body and its boundary itself.
  return b.request(form.action, { method: 'POST', body: data as unknown as string });
}
