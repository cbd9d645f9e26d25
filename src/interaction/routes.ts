// The hosted interaction pages oidc-provider sends the browser to (interactions.url -> /interaction/:uid).
// Every route lives under /interaction/:uid because oidc-provider scopes its interaction cookie to that path.
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { AppError } from '../errors.ts';
import { classify, isSessionNotFound } from '../http/errors.ts';
import { pageState } from '../http/state.ts';
import { CREATE_PROMPT, LEGAL_PROMPT, MFA_PROMPT, PROFILE_PROMPT, VERIFY_EMAIL_PROMPT } from '../oidc/policy.ts';
import { RESET_PASSWORD_SCREEN } from '../oidc/provider.ts';
import { abortInteraction, confirmConsent, renderConsent } from './consent.ts';
import { clientOfInteraction, interactionPath, isSignedIn, type LoadedInteraction } from './context.ts';
import { emailCodeOffered, renderEmailCode, requestEmailCode, resendEmailCode, verifyEmailCode, type LoginAgain } from './email-code-login.ts';
import { keepAccount } from './erasure-scheduled.ts';
import { linkIfPending } from './federation-link.ts';
import { connectionHinted, federationStep } from './federation-step.ts';
import { acceptLegal, declineLegal, renderLegal } from './legal.ts';
import { loginHint, renderLogin } from './login.ts';
import { afterPassword, seeOther } from './mfa-decide.ts';
import { confirmSms, enrollPasskey, enrollSms, enrollTotp, renderEnroll } from './mfa-enroll.ts';
import { renderMfa, sendMfaCode, verifyMfaCode, verifyMfaPasskey } from './mfa.ts';
import { passkeySignIn } from './passkey-login.ts';
import { renderForgot, renderReset, submitForgot, submitReset } from './recovery.ts';
import { renderSignup, renderSignupCode, resendSignupCode, submitSignup, submitSignupCode } from './signup.ts';
import { get, post, registerSteps, stepFor, type Step } from './step.ts';
import { STEP_FORMS } from './step-forms.ts';
import { beforeLogin, passwordLogin, stepKit, type InteractionDeps, type StepKit } from './step-kit.ts';
import { renderProfileStep, renderVerifyEmail, resendVerifyEmail, submitProfileStep, submitVerifyEmail } from './steps.ts';

export type { InteractionDeps } from './step-kit.ts';

/** Sign-in with a password or a passkey, keeping an account scheduled for erasure. */
function loginStep(deps: InteractionDeps, kit: StepKit): Step {
  const { loginOptions, flow, current } = kit;
  return {
    prompt: 'login',
    render: async (ctx, loaded) => {
      const hinted = await connectionHinted(deps, loaded);
      if (hinted) return seeOther(ctx, `${interactionPath(loaded.uid)}/federated/${encodeURIComponent(hinted)}`);
      if (ctx.query.screen !== RESET_PASSWORD_SCREEN) return renderLogin(ctx, loaded, loginOptions, { email: loginHint(loaded) });
      const email = loginHint(loaded);
      return seeOther(ctx, `${interactionPath(loaded.uid)}/forgot${email ? `?${new URLSearchParams({ email })}` : ''}`);
    },
    at: beforeLogin,
    pages: [
      get('/login', (ctx, loaded) => renderLogin(ctx, loaded, loginOptions, { email: loginHint(loaded) })),
      post('/login', STEP_FORMS.login, (ctx, loaded) => passwordLogin(deps, ctx, loaded, loginOptions, (signedIn) => afterPassword(ctx, loaded, flow(), signedIn))),
      post('/keep-account', STEP_FORMS.none, (ctx, loaded) => {
        if (!deps.erasure) return current(ctx, loaded);
        return keepAccount(ctx, loaded, {
          erasure: deps.erasure,
          config: deps.config,
          next: (accountId) => afterPassword(ctx, loaded, flow(), { accountId, breachedPassword: false }),
        });
      }),
      ...emailCodePages(deps, kit),
      post('/passkey', STEP_FORMS.passkey, (ctx, loaded) => {
        if (!kit.passkeysOffered) return current(ctx, loaded);
        // A passkey of the account waiting for another provider's identity proves it as well as its password does.
        // Only the linking page's passkey form says so: an ordinary passkey sign-in reads no linking flow.
        const linking = (ctx.request.body as Record<string, unknown> | undefined)?.linking === '1';
        const proven = linking ? (accountId: string) => linkIfPending(ctx, loaded, deps, accountId) : undefined;
        return passkeySignIn(ctx, loaded, flow(), (error) => renderLogin(ctx, loaded, loginOptions, { email: '', error }), proven);
      }),
    ],
  };
}

/** "E-mail me a sign-in code" (email-code-login.ts): offered per app while the sign-in needs a login. */
function emailCodePages(deps: InteractionDeps, kit: StepKit) {
  const { loginOptions, flow } = kit;
  const at = (loaded: LoadedInteraction) => beforeLogin(loaded) && emailCodeOffered(loaded, deps.config);
  const again = (ctx: Context, loaded: LoadedInteraction) => (form: Parameters<LoginAgain>[0]) => renderLogin(ctx, loaded, loginOptions, form);
  return [
    post('/email-code', STEP_FORMS.emailCode, (ctx, loaded) => requestEmailCode(ctx, loaded, deps, again(ctx, loaded)), { at }),
    get('/email-code', (ctx, loaded) => renderEmailCode(ctx, loaded, deps), { at }),
    post('/email-code/resend', STEP_FORMS.resend, (ctx, loaded) => resendEmailCode(ctx, loaded, deps, again(ctx, loaded)), { at }),
    post('/email-code/verify', STEP_FORMS.code, (ctx, loaded) =>
      verifyEmailCode(ctx, loaded, deps, (signedIn) => afterPassword(ctx, loaded, flow(), { ...signedIn, breachedPassword: false })), { at }),
  ];
}

/** Sign-up and the forgotten password, both reached from the login page while the sign-in still needs a login. */
function beforeLoginSteps(deps: InteractionDeps, kit: StepKit): Step[] {
  const { flow, signupAvailable } = kit;
  return [
    {
      prompt: CREATE_PROMPT,
      render: (ctx, loaded) => renderSignup(ctx, loaded, deps, { email: loginHint(loaded) }),
      at: beforeLogin,
      pages: [
        get('/signup', (ctx, loaded) => renderSignup(ctx, loaded, deps, { email: loginHint(loaded) }), signupAvailable),
        post('/signup', STEP_FORMS.signup, (ctx, loaded) => submitSignup(ctx, loaded, flow())),
        get('/signup/verify', (ctx, loaded) => renderSignupCode(ctx, loaded, deps), signupAvailable),
        post('/signup/verify', STEP_FORMS.code, (ctx, loaded) => submitSignupCode(ctx, loaded, flow())),
        post('/signup/resend', STEP_FORMS.resend, (ctx, loaded) => resendSignupCode(ctx, loaded, flow())),
      ],
    },
    {
      at: beforeLogin,
      pages: [
        get('/forgot', (ctx, loaded) => renderForgot(ctx, loaded, deps)),
        post('/forgot', STEP_FORMS.forgot, (ctx, loaded) => submitForgot(ctx, loaded, flow())),
        get('/reset', (ctx, loaded) => renderReset(ctx, loaded, deps)),
        post('/reset', STEP_FORMS.reset, (ctx, loaded) => submitReset(ctx, loaded, flow())),
      ],
    },
  ];
}

/** The second factor, and enrollment when the app demands one the customer lacks: reached with the login prompt
 *  still open (a flow exists) or through the mfa prompt (step-up). */
function secondFactorStep(kit: StepKit): Step {
  const { flow, prompted } = kit;
  return {
    prompt: MFA_PROMPT,
    render: (ctx, loaded) => renderMfa(ctx, loaded, flow()),
    at: (loaded) => prompted(MFA_PROMPT)(loaded) || prompted('login')(loaded),
    pages: [
      get('/mfa', (ctx, loaded) => renderMfa(ctx, loaded, flow())),
      post('/mfa/send', STEP_FORMS.mfaSend, (ctx, loaded) => sendMfaCode(ctx, loaded, flow())),
      post('/mfa/verify', STEP_FORMS.mfaVerify, (ctx, loaded) => verifyMfaCode(ctx, loaded, flow())),
      post('/mfa/passkey', STEP_FORMS.mfaPasskey, (ctx, loaded) => verifyMfaPasskey(ctx, loaded, flow())),
      get('/mfa/enroll', (ctx, loaded) => renderEnroll(ctx, loaded, flow())),
      post('/mfa/enroll/totp', STEP_FORMS.enrollTotp, (ctx, loaded) => enrollTotp(ctx, loaded, flow())),
      post('/mfa/enroll/sms', STEP_FORMS.enrollSms, (ctx, loaded) => enrollSms(ctx, loaded, flow())),
      post('/mfa/enroll/sms/confirm', STEP_FORMS.code, (ctx, loaded) => confirmSms(ctx, loaded, flow())),
      post('/mfa/enroll/passkey', STEP_FORMS.enrollPasskey, (ctx, loaded) => enrollPasskey(ctx, loaded, flow())),
    ],
  };
}

/** What the policy may still ask once the customer is known: a verified e-mail, missing attributes, the current
 *  legal documents, consent; and "Cancel" on any page (the app hears access_denied). */
function afterLoginSteps(deps: InteractionDeps, kit: StepKit): Step[] {
  const { flow, prompted, legalStep } = kit;
  return [
    {
      prompt: VERIFY_EMAIL_PROMPT,
      render: (ctx, loaded) => renderVerifyEmail(ctx, loaded, flow()),
      pages: [
        get('/verify-email', (ctx, loaded) => renderVerifyEmail(ctx, loaded, flow()), { at: prompted(VERIFY_EMAIL_PROMPT) }),
        // Submitted after the step was done (another tab): the page itself continues the sign-in.
        post('/verify-email', STEP_FORMS.code, (ctx, loaded) => submitVerifyEmail(ctx, loaded, flow())),
        post('/verify-email/resend', STEP_FORMS.sendCode, (ctx, loaded) => resendVerifyEmail(ctx, loaded, flow())),
      ],
    },
    {
      prompt: PROFILE_PROMPT,
      render: (ctx, loaded) => renderProfileStep(ctx, loaded),
      pages: [post('/profile', STEP_FORMS.profile, (ctx, loaded) => submitProfileStep(ctx, loaded, flow()))],
    },
    {
      prompt: LEGAL_PROMPT,
      render: (ctx, loaded) => renderLegal(ctx, loaded, legalStep()),
      at: () => deps.legal !== undefined,
      pages: [
        post('/legal', STEP_FORMS.legal, (ctx, loaded) => acceptLegal(ctx, loaded, legalStep())),
        post('/legal/decline', STEP_FORMS.none, (ctx, loaded) => declineLegal(ctx, loaded, legalStep())),
      ],
    },
    {
      prompt: 'consent',
      render: (ctx, loaded) => renderConsent(ctx, loaded, { users: deps.users }),
      pages: [
        post('/confirm', STEP_FORMS.consent, (ctx, loaded) => confirmConsent(ctx, loaded, { users: deps.users, provider: deps.provider(), audit: deps.audit, ...(deps.consents ? { consents: deps.consents } : {}) }), {
          at: prompted('consent'),
        }),
      ],
    },
    { pages: [post('/abort', STEP_FORMS.none, (ctx, loaded) => abortInteraction(ctx, loaded, { provider: deps.provider(), audit: deps.audit }))] },
  ];
}

export function interactionRouter(deps: InteractionDeps): Router {
  const router = new Router();

  // Runs first on every interaction route: gives error pages a "try again" target and the app's brand (also when
  // the page failed before it loaded the sign-in, e.g. a stale CSRF token) and, when the interaction has expired or
  // the cookie is gone, the client to send the user back to.
  async function prepare(ctx: Context, next: Next): Promise<void> {
    const uid = String(ctx.params.uid);
    pageState(ctx).retryUrl = interactionPath(uid);
    try {
      await next();
    } catch (err) {
      // With the database away there is nothing to look up: the page says so.
      if (classify(err).kind === 'unavailable') throw err;
      try {
        if (!pageState(ctx).client) {
          const client = await clientOfInteraction(deps.provider(), uid, ctx);
          if (client) pageState(ctx).client = client;
        }
        // Back or reload after a finished sign-in: the browser is signed in, and the page should say so.
        if (isSessionNotFound(err)) pageState(ctx).signedIn = await isSignedIn(ctx, deps.provider());
      } catch (lookupError) {
        // The error page works without the link and the brand; the original error is the one to report.
        deps.logger.warn({ err: lookupError, requestId: pageState(ctx).requestId }, 'client lookup for a failed interaction page failed');
      }
      throw err;
    }
  }

  const kit = stepKit(deps);
  const steps: Step[] = [loginStep(deps, kit), federationStep(deps, kit), ...beforeLoginSteps(deps, kit), secondFactorStep(kit), ...afterLoginSteps(deps, kit)];
  // The sign-in's current page: whichever step answers the open prompt.
  steps.push({
    pages: [
      get('', (ctx, loaded) => {
        const prompt = loaded.details.prompt.name;
        const render = stepFor(steps, prompt);
        // Another prompt means the provider configuration changed under us.
        if (!render) throw new AppError(500, 'unsupported_prompt', `No page for the "${prompt}" prompt`);
        return render(ctx, loaded);
      }),
    ],
  });
  registerSteps(router, steps, { provider: deps.provider, prepare });
  return router;
}
