// The hosted interaction pages oidc-provider sends the browser to (interactions.url -> /interaction/:uid).
// Every route lives under /interaction/:uid because oidc-provider scopes its interaction cookie to that path.
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type Provider from 'oidc-provider';
import type { Config } from '../config/index.ts';
import { AppError } from '../errors.ts';
import { csrf } from '../http/csrf.ts';
import { isSessionNotFound } from '../http/errors.ts';
import { formBody } from '../http/form-body.ts';
import { pageState } from '../http/state.ts';
import type { Logger } from '../log.ts';
import { CREATE_PROMPT, LEGAL_PROMPT, MFA_PROMPT, PROFILE_PROMPT, VERIFY_EMAIL_PROMPT } from '../oidc/policy.ts';
import type { AuditLog } from '../services/audit.ts';
import type { ConsentService } from '../services/consents.ts';
import type { Mailer } from '../services/mailer.ts';
import type { OneTimeCodes } from '../services/one-time-codes.ts';
import type { PasswordPolicy } from '../services/password-policy.ts';
import type { Throttle } from '../services/throttle.ts';
import type { LegalService } from '../services/legal.ts';
import type { UserService } from '../services/users.ts';
import { abortInteraction, confirmConsent, renderConsent } from './consent.ts';
import { clientOfInteraction, interactionPath, isSignedIn, loadInteraction, type LoadedInteraction } from './context.ts';
import { acceptLegal, declineLegal, renderLegal, requireLegal } from './legal.ts';
import { loginHint, renderLogin, submitLogin } from './login.ts';
import { keepAccount, renderScheduledErasure, type ScheduledErasureDeps } from './erasure-scheduled.ts';
import { afterPassword, type MfaDeps } from './mfa-decide.ts';
import { renderMfa, sendMfaCode, verifyMfaCode, verifyMfaPasskey } from './mfa.ts';
import { passkeySignIn } from './passkey-login.ts';
import { confirmSms, enrollPasskey, enrollSms, enrollTotp, renderEnroll } from './mfa-enroll.ts';
import { renderForgot, renderReset, submitForgot, submitReset } from './recovery.ts';
import type { SignupPreferences } from './signup-preferences.ts';
import type { PasswordUseCases } from '../usecases/password.ts';
import { RESET_PASSWORD_SCREEN } from '../oidc/provider.ts';
import { assertSignupEnabled, renderSignup, renderSignupCode, resendSignupCode, submitSignup, submitSignupCode } from './signup.ts';
import { renderProfileStep, renderVerifyEmail, resendVerifyEmail, submitProfileStep, submitVerifyEmail } from './steps.ts';
import type { CodeChallenges } from '../usecases/code-challenge.ts';

export interface InteractionDeps extends Omit<MfaDeps, 'provider' | 'config' | 'users' | 'throttle' | 'audit' | 'mailer'> {
  provider: () => Provider;
  users: UserService;
  audit: Pick<AuditLog, 'record'>;
  config: Config;
  logger: Logger;
  mailer: Pick<Mailer, 'queue'>;
  codes: Pick<OneTimeCodes, 'issue' | 'verify' | 'peek'>;
  throttle: Throttle;
  passwordPolicy: PasswordPolicy;
  /** A reset's new password, and what it ends (src/usecases/password.ts). */
  passwords: Pick<PasswordUseCases, 'replacePassword'>;
  /** Typing a mailed code back (src/usecases/code-challenge.ts). */
  codeChallenges: CodeChallenges;
  /** Communication topics offered at sign-up; absent: none are. */
  preferences?: SignupPreferences;
  /** Accounts waiting for their erasure: the sign-in offers to keep them. Without it they sign in like disabled ones. */
  erasure?: ScheduledErasureDeps['erasure'];
  /** Legal documents: accepted at sign-up and in the `legal` step; absent when the policy has no such step. */
  legal?: LegalService;
  /** Consent records (what was granted and withheld on the consent page); without it consent is only audited. */
  consents?: Pick<ConsentService, 'record'>;
}

// Pages reachable from the login page (sign-up, forgot password) are offered while the sign-in still needs a login.
function beforeLogin(loaded: LoadedInteraction): boolean {
  const prompt = loaded.details.prompt.name;
  return prompt === 'login' || prompt === CREATE_PROMPT;
}

export function interactionRouter(deps: InteractionDeps): Router {
  const router = new Router();

  // Runs first on every interaction route: gives error pages a "try again" target and, when the interaction
  // has expired or the cookie is gone, the client to send the user back to.
  async function prepare(ctx: Context, next: Next): Promise<void> {
    const uid = String(ctx.params.uid);
    pageState(ctx).retryUrl = interactionPath(uid);
    try {
      await next();
    } catch (err) {
      if (isSessionNotFound(err)) {
        try {
          if (!pageState(ctx).client) {
            const client = await clientOfInteraction(deps.provider(), uid);
            if (client) pageState(ctx).client = client;
          }
          // Back or reload after a finished sign-in: the browser is signed in, and the page should say so.
          pageState(ctx).signedIn = await isSignedIn(ctx, deps.provider());
        } catch (lookupError) {
          // The start-again page works without the link; the original error is the one to report.
          deps.logger.warn({ err: lookupError, requestId: pageState(ctx).requestId }, 'client lookup for expired interaction failed');
        }
      }
      throw err;
    }
  }

  const passkeysOffered = deps.config.mfa.factors.includes('passkey');
  const loginOptions = {
    signupEnabled: deps.config.signup.enabled,
    ...(passkeysOffered ? { passkeyOptions: (uid: string) => deps.passkeys.signInOptions(uid) } : {}),
  };
  const flow = () => ({ ...deps, provider: deps.provider() });
  const legalStep = () => ({ provider: deps.provider(), legal: requireLegal(deps.legal) });
  // Pages before the second factor are reached with the login prompt still open (a flow exists) or the mfa prompt.
  const atMfa = (loaded: LoadedInteraction) => loaded.details.prompt.name === MFA_PROMPT || loaded.details.prompt.name === 'login';

  router.get('/interaction/:uid', prepare, csrf(), async (ctx) => {
    const loaded = await loadInteraction(ctx, deps.provider());
    const prompt = loaded.details.prompt.name;
    if (prompt === CREATE_PROMPT) return renderSignup(ctx, loaded, deps, { email: loginHint(loaded) });
    if (prompt === 'login' && ctx.query.screen === RESET_PASSWORD_SCREEN) {
      const email = loginHint(loaded);
      return seeOther(ctx, `${interactionPath(loaded.uid)}/forgot${email ? `?${new URLSearchParams({ email })}` : ''}`);
    }
    if (prompt === 'login') return renderLogin(ctx, loaded, loginOptions, { email: loginHint(loaded) });
    if (prompt === MFA_PROMPT) return renderMfa(ctx, loaded, flow());
    if (prompt === LEGAL_PROMPT) return renderLegal(ctx, loaded, legalStep());
    if (prompt === VERIFY_EMAIL_PROMPT) return renderVerifyEmail(ctx, loaded, flow());
    if (prompt === PROFILE_PROMPT) return renderProfileStep(ctx, loaded);
    if (prompt === 'consent') return renderConsent(ctx, loaded);
    // Another prompt means the provider configuration changed under us.
    throw new AppError(500, 'unsupported_prompt', `No page for the "${prompt}" prompt`);
  });

  router.get('/interaction/:uid/login', prepare, csrf(), async (ctx) => {
    const loaded = await loadInteraction(ctx, deps.provider());
    if (!beforeLogin(loaded)) return seeOther(ctx, interactionPath(loaded.uid));
    await renderLogin(ctx, loaded, loginOptions, { email: loginHint(loaded) });
  });

  router.post('/interaction/:uid/login', prepare, formBody(), csrf(), async (ctx) => {
    const provider = deps.provider();
    const loaded = await loadInteraction(ctx, provider);
    // A second submit (other tab, back button) after the login already went through: show the current step.
    if (!beforeLogin(loaded)) return seeOther(ctx, interactionPath(loaded.uid));
    await submitLogin(ctx, loaded, {
      users: deps.users,
      throttle: deps.throttle,
      passwordPolicy: deps.passwordPolicy,
      risk: deps.risk,
      options: loginOptions,
      next: (signedIn) => afterPassword(ctx, loaded, { ...deps, provider }, signedIn),
      ...(deps.erasure ? { scheduledErasure: (scheduled) => renderScheduledErasure(ctx, loaded, { erasure: deps.erasure!, config: deps.config }, scheduled) } : {}),
    });
  });

  router.post('/interaction/:uid/keep-account', prepare, formBody(), csrf(), async (ctx) => {
    const provider = deps.provider();
    const loaded = await loadInteraction(ctx, provider);
    if (!beforeLogin(loaded) || !deps.erasure) return seeOther(ctx, interactionPath(loaded.uid));
    await keepAccount(ctx, loaded, {
      erasure: deps.erasure,
      config: deps.config,
      next: (accountId) => afterPassword(ctx, loaded, { ...deps, provider }, { accountId, breachedPassword: false }),
    });
  });

  router.post('/interaction/:uid/passkey', prepare, formBody(), csrf(), async (ctx) => {
    const loaded = await loadInteraction(ctx, deps.provider());
    if (!beforeLogin(loaded) || !passkeysOffered) return seeOther(ctx, interactionPath(loaded.uid));
    await passkeySignIn(ctx, loaded, flow(), (error) => renderLogin(ctx, loaded, loginOptions, { email: '', error }));
  });

  // Second factor (and enrollment when the app demands one the customer lacks).
  const mfaGet = (path: string, handler: (ctx: Context, loaded: LoadedInteraction, deps: MfaDeps) => Promise<void>) =>
    router.get(`/interaction/:uid/mfa${path}`, prepare, csrf(), async (ctx) => {
      const loaded = await loadInteraction(ctx, deps.provider());
      if (!atMfa(loaded)) return seeOther(ctx, interactionPath(loaded.uid));
      await handler(ctx, loaded, flow());
    });
  const mfaPost = (path: string, handler: (ctx: Context, loaded: LoadedInteraction, deps: MfaDeps) => Promise<void>) =>
    router.post(`/interaction/:uid/mfa${path}`, prepare, formBody(), csrf(), async (ctx) => {
      const loaded = await loadInteraction(ctx, deps.provider());
      if (!atMfa(loaded)) return seeOther(ctx, interactionPath(loaded.uid));
      await handler(ctx, loaded, flow());
    });
  mfaGet('', (ctx, loaded, d) => renderMfa(ctx, loaded, d));
  mfaPost('/send', sendMfaCode);
  mfaPost('/verify', verifyMfaCode);
  mfaPost('/passkey', verifyMfaPasskey);
  mfaGet('/enroll', (ctx, loaded, d) => renderEnroll(ctx, loaded, d));
  mfaPost('/enroll/totp', enrollTotp);
  mfaPost('/enroll/sms', enrollSms);
  mfaPost('/enroll/sms/confirm', confirmSms);
  mfaPost('/enroll/passkey', enrollPasskey);

  router.get('/interaction/:uid/signup', prepare, csrf(), async (ctx) => {
    assertSignupEnabled(deps.config);
    const loaded = await loadInteraction(ctx, deps.provider());
    if (!beforeLogin(loaded)) return seeOther(ctx, interactionPath(loaded.uid));
    renderSignup(ctx, loaded, deps, { email: loginHint(loaded) });
  });

  router.post('/interaction/:uid/signup', prepare, formBody(), csrf(), async (ctx) => {
    const loaded = await loadInteraction(ctx, deps.provider());
    if (!beforeLogin(loaded)) return seeOther(ctx, interactionPath(loaded.uid));
    await submitSignup(ctx, loaded, flow());
  });

  router.get('/interaction/:uid/signup/verify', prepare, csrf(), async (ctx) => {
    assertSignupEnabled(deps.config);
    const loaded = await loadInteraction(ctx, deps.provider());
    if (!beforeLogin(loaded)) return seeOther(ctx, interactionPath(loaded.uid));
    await renderSignupCode(ctx, loaded, deps);
  });

  router.post('/interaction/:uid/signup/verify', prepare, formBody(), csrf(), async (ctx) => {
    const loaded = await loadInteraction(ctx, deps.provider());
    if (!beforeLogin(loaded)) return seeOther(ctx, interactionPath(loaded.uid));
    await submitSignupCode(ctx, loaded, flow());
  });

  router.post('/interaction/:uid/signup/resend', prepare, formBody(), csrf(), async (ctx) => {
    const loaded = await loadInteraction(ctx, deps.provider());
    if (!beforeLogin(loaded)) return seeOther(ctx, interactionPath(loaded.uid));
    await resendSignupCode(ctx, loaded, flow());
  });

  router.get('/interaction/:uid/forgot', prepare, csrf(), async (ctx) => {
    const loaded = await loadInteraction(ctx, deps.provider());
    if (!beforeLogin(loaded)) return seeOther(ctx, interactionPath(loaded.uid));
    renderForgot(ctx, loaded);
  });

  router.post('/interaction/:uid/forgot', prepare, formBody(), csrf(), async (ctx) => {
    const loaded = await loadInteraction(ctx, deps.provider());
    if (!beforeLogin(loaded)) return seeOther(ctx, interactionPath(loaded.uid));
    await submitForgot(ctx, loaded, flow());
  });

  router.get('/interaction/:uid/reset', prepare, csrf(), async (ctx) => {
    const loaded = await loadInteraction(ctx, deps.provider());
    if (!beforeLogin(loaded)) return seeOther(ctx, interactionPath(loaded.uid));
    await renderReset(ctx, loaded, deps);
  });

  router.post('/interaction/:uid/reset', prepare, formBody(), csrf(), async (ctx) => {
    const loaded = await loadInteraction(ctx, deps.provider());
    if (!beforeLogin(loaded)) return seeOther(ctx, interactionPath(loaded.uid));
    await submitReset(ctx, loaded, flow());
  });

  router.get('/interaction/:uid/verify-email', prepare, csrf(), async (ctx) => {
    const loaded = await loadInteraction(ctx, deps.provider());
    if (loaded.details.prompt.name !== VERIFY_EMAIL_PROMPT) return seeOther(ctx, interactionPath(loaded.uid));
    await renderVerifyEmail(ctx, loaded, flow());
  });

  router.post('/interaction/:uid/verify-email', prepare, formBody(), csrf(), async (ctx) => {
    const loaded = await loadInteraction(ctx, deps.provider());
    await submitVerifyEmail(ctx, loaded, flow());
  });

  router.post('/interaction/:uid/verify-email/resend', prepare, formBody(), csrf(), async (ctx) => {
    const loaded = await loadInteraction(ctx, deps.provider());
    await resendVerifyEmail(ctx, loaded, flow());
  });

  router.post('/interaction/:uid/profile', prepare, formBody(), csrf(), async (ctx) => {
    const loaded = await loadInteraction(ctx, deps.provider());
    await submitProfileStep(ctx, loaded, flow());
  });

  router.post('/interaction/:uid/legal', prepare, formBody(), csrf(), async (ctx) => {
    const loaded = await loadInteraction(ctx, deps.provider());
    if (!deps.legal) return seeOther(ctx, interactionPath(loaded.uid));
    await acceptLegal(ctx, loaded, legalStep());
  });

  router.post('/interaction/:uid/legal/decline', prepare, formBody(), csrf(), async (ctx) => {
    const loaded = await loadInteraction(ctx, deps.provider());
    if (!deps.legal) return seeOther(ctx, interactionPath(loaded.uid));
    await declineLegal(ctx, loaded, legalStep());
  });

  router.post('/interaction/:uid/confirm', prepare, formBody(), csrf(), async (ctx) => {
    const provider = deps.provider();
    const loaded = await loadInteraction(ctx, provider);
    if (loaded.details.prompt.name !== 'consent') return seeOther(ctx, interactionPath(loaded.uid));
    await confirmConsent(ctx, loaded, { provider, audit: deps.audit, ...(deps.consents ? { consents: deps.consents } : {}) });
  });

  router.post('/interaction/:uid/abort', prepare, formBody(), csrf(), async (ctx) => {
    const provider = deps.provider();
    const loaded = await loadInteraction(ctx, provider);
    await abortInteraction(ctx, loaded, { provider, audit: deps.audit });
  });

  return router;
}

function seeOther(ctx: Context, location: string): void {
  ctx.status = 303;
  ctx.redirect(location);
}
