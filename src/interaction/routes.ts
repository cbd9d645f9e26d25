// The hosted interaction pages oidc-provider sends the browser to (interactions.url -> /interaction/:uid).
// Every route lives under /interaction/:uid because oidc-provider scopes its interaction cookie to that path.
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import type Provider from 'oidc-provider';
import type { Config } from '../config/index.ts';
import { AppError } from '../errors.ts';
import { isSessionNotFound } from '../http/errors.ts';
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
import { clientOfInteraction, interactionPath, isSignedIn, type LoadedInteraction } from './context.ts';
import { requestMeta } from './forms.ts';
import { acceptLegal, declineLegal, renderLegal, requireLegal } from './legal.ts';
import { loginHint, offeredConnections, renderLogin, submitLogin, type LoginPageOptions } from './login.ts';
import { keepAccount, renderScheduledErasure, type ScheduledErasureDeps } from './erasure-scheduled.ts';
import { afterPassword, seeOther, type MfaDeps } from './mfa-decide.ts';
import { get, post, registerSteps, stepFor, type Step } from './step.ts';
import { STEP_FORMS } from './step-forms.ts';
import { renderMfa, sendMfaCode, verifyMfaCode, verifyMfaPasskey } from './mfa.ts';
import { passkeySignIn } from './passkey-login.ts';
import { linkCodePaths, linkIfPending, sendLinkCode, submitLinkCode } from './federation-link.ts';
import { offerWelcome, submitWelcome } from './federation-welcome.ts';
import { federationError, federationLinkPath, returnFromUpstream, startFederated, type FederationDeps } from './federation.ts';
import { confirmSms, enrollPasskey, enrollSms, enrollTotp, renderEnroll } from './mfa-enroll.ts';
import { renderForgot, renderReset, submitForgot, submitReset } from './recovery.ts';
import type { SignupPreferences } from './signup-preferences.ts';
import type { PasswordUseCases } from '../usecases/password.ts';
import { CONNECTION_HINT, RESET_PASSWORD_SCREEN } from '../oidc/provider.ts';
import { assertSignupEnabled, renderSignup, renderSignupCode, resendSignupCode, submitSignup, submitSignupCode } from './signup.ts';
import { renderProfileStep, renderVerifyEmail, resendVerifyEmail, submitProfileStep, submitVerifyEmail } from './steps.ts';
import type { CodeChallenges } from '../usecases/code-challenge.ts';

export interface InteractionDeps extends Omit<MfaDeps, 'provider' | 'config' | 'users' | 'throttle' | 'audit' | 'mailer'>, FederationDeps {
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

/** What the step declarations share: the login page's options, the deps a flow handler takes, guards. */
function stepKit(deps: InteractionDeps) {
  const passkeysOffered = deps.config.mfa.factors.includes('passkey');
  return {
    passkeysOffered,
    loginOptions: {
      signupEnabled: deps.config.signup.enabled,
      ...(passkeysOffered ? { passkeyOptions: (uid: string) => deps.passkeys.signInOptions(uid) } : {}),
      connections: () => deps.connections.listEnabled(),
    },
    flow: () => ({ ...deps, provider: deps.provider() }),
    legalStep: () => ({ provider: deps.provider(), legal: requireLegal(deps.legal) }),
    signupAvailable: { available: () => assertSignupEnabled(deps.config) },
    current: (ctx: Context, loaded: LoadedInteraction) => seeOther(ctx, interactionPath(loaded.uid)),
    prompted: (name: string) => (loaded: LoadedInteraction) => loaded.details.prompt.name === name,
  };
}
type StepKit = ReturnType<typeof stepKit>;

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

/** `connection=<id>` in the authorization request, when this app offers that connection: its sign-in starts there. */
async function connectionHinted(deps: InteractionDeps, loaded: LoadedInteraction): Promise<string | undefined> {
  const hint = loaded.details.params[CONNECTION_HINT];
  if (typeof hint !== 'string' || !hint) return undefined;
  return offeredConnections(await deps.connections.listEnabled(), loaded).find((c) => c.id === hint)?.id;
}

/** The login step's password form, with `next` deciding what a right password leads to. */
function passwordLogin(deps: InteractionDeps, ctx: Context, loaded: LoadedInteraction, options: LoginPageOptions, next: (signedIn: { accountId: string; breachedPassword: boolean; loginName: string }) => Promise<void>) {
  return submitLogin(ctx, loaded, {
    users: deps.users,
    throttle: deps.throttle,
    passwordPolicy: deps.passwordPolicy,
    risk: deps.risk,
    options,
    next,
    ...(deps.erasure ? { scheduledErasure: (scheduled) => renderScheduledErasure(ctx, loaded, { erasure: deps.erasure!, config: deps.config }, scheduled) } : {}),
  });
}

/** The login page as the proof of an existing account before another provider's identity is linked to it. */
const linkingOptions = (loaded: LoadedInteraction, name: string, email: string) => ({ name, email, action: federationLinkPath(loaded.uid), codeAction: linkCodePaths(loaded.uid).send });

/** "Continue with …": off to another provider, back with its answer, and linking an account its owner proves. */
function federationStep(deps: InteractionDeps, kit: StepKit): Step {
  const { loginOptions, flow, current } = kit;
  const signedIn = (ctx: Context, loaded: LoadedInteraction, accountId: string, secondFactor = false) =>
    afterPassword(ctx, loaded, flow(), { accountId, breachedPassword: false, methods: secondFactor ? ['fed', 'mfa'] : ['fed'] });
  return {
    at: beforeLogin,
    pages: [
      get('/federated/:connection', (ctx, loaded) => startFederated(ctx, loaded, deps, loginOptions)),
      get('/federation/return', (ctx, loaded) =>
        returnFromUpstream(ctx, loaded, deps, loginOptions, async (identity) => {
          const outcome = await deps.federatedSignIn.resolve(identity, { ...requestMeta(ctx), clientId: loaded.client.id });
          if (outcome.kind === 'signed-in') {
            // A new account: first the sign-up's communication choices, when the operator offers any.
            if (outcome.created && (await offerWelcome(ctx, loaded, deps, outcome.accountId, identity.secondFactor === true))) return;
            return signedIn(ctx, loaded, outcome.accountId, identity.secondFactor === true);
          }
          if (outcome.kind === 'refused') return renderLogin(ctx, loaded, loginOptions, { email: '', error: federationError(outcome.reason, identity.connection.name) });
          const { connection, subject } = identity;
          await deps.flows.start(loaded.uid, outcome.accountId, { step: 'link-identity', connectionId: connection.id, subject, email: outcome.email }, deps.config.ttl.interaction);
          return renderLogin(ctx, loaded, { ...loginOptions, linking: linkingOptions(loaded, connection.name, outcome.email) }, { email: outcome.email });
        }),
      ),
      post('/federation/link', STEP_FORMS.login, async (ctx, loaded) => {
        const pending = await deps.flows.find(loaded.uid, 'link-identity');
        if (!pending) return current(ctx, loaded);
        const name = (await deps.connections.enabled(pending.connectionId))?.name ?? pending.connectionId;
        const options = { ...loginOptions, linking: linkingOptions(loaded, name, pending.email) };
        return passwordLogin(deps, ctx, loaded, options, async (proven) => {
          await linkIfPending(ctx, loaded, deps, proven.accountId);
          return afterPassword(ctx, loaded, flow(), proven);
        });
      }),
      post('/federation/welcome', STEP_FORMS.welcome, async (ctx, loaded) => {
        if (!(await submitWelcome(ctx, loaded, deps, (accountId, secondFactor) => signedIn(ctx, loaded, accountId, secondFactor)))) return current(ctx, loaded);
      }),
      // The proof by a code mailed to the account's address, instead of its password.
      post('/federation/link/code', STEP_FORMS.none, async (ctx, loaded) => {
        if (!(await sendLinkCode(ctx, loaded, deps))) return current(ctx, loaded);
      }),
      post('/federation/link/verify', STEP_FORMS.code, async (ctx, loaded) => {
        if (!(await submitLinkCode(ctx, loaded, deps, (accountId) => signedIn(ctx, loaded, accountId)))) return current(ctx, loaded);
      }),
    ],
  };
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
        get('/forgot', (ctx, loaded) => renderForgot(ctx, loaded)),
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
        post('/verify-email/resend', STEP_FORMS.none, (ctx, loaded) => resendVerifyEmail(ctx, loaded, flow())),
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
      render: (ctx, loaded) => renderConsent(ctx, loaded),
      pages: [
        post('/confirm', STEP_FORMS.consent, (ctx, loaded) => confirmConsent(ctx, loaded, { provider: deps.provider(), audit: deps.audit, ...(deps.consents ? { consents: deps.consents } : {}) }), {
          at: prompted('consent'),
        }),
      ],
    },
    { pages: [post('/abort', STEP_FORMS.none, (ctx, loaded) => abortInteraction(ctx, loaded, { provider: deps.provider(), audit: deps.audit }))] },
  ];
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
