// What the sign-in's step declarations share (routes.ts lists them; each step is declared in its own file or
// there): the dependencies of the interaction router, the login page's options and guards, and the password form.
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { Config } from '../config/index.ts';
import type { Logger } from '../log.ts';
import { CREATE_PROMPT } from '../oidc/policy.ts';
import type { AuditLog } from '../services/audit.ts';
import type { BotCheck } from '../services/bot-check.ts';
import type { ConsentService } from '../services/consents.ts';
import type { LegalService } from '../services/legal.ts';
import type { Mailer } from '../services/mailer.ts';
import type { OneTimeCodes } from '../services/one-time-codes.ts';
import type { PasswordPolicy } from '../services/password-policy.ts';
import type { Throttle } from '../services/throttle.ts';
import type { UserService } from '../services/users.ts';
import type { CodeChallenges } from '../usecases/code-challenge.ts';
import type { PasswordUseCases } from '../usecases/password.ts';
import { interactionPath, type LoadedInteraction } from './context.ts';
import { emailCodeOffered } from './email-code-login.ts';
import { renderScheduledErasure, type ScheduledErasureDeps } from './erasure-scheduled.ts';
import type { FederationDeps } from './federation.ts';
import { requireLegal } from './legal.ts';
import { submitLogin, type LoginPageOptions } from './login.ts';
import { seeOther, type MfaDeps } from './mfa-decide.ts';
import { assertSignupEnabled } from './signup.ts';
import type { SignupPreferences } from './signup-preferences.ts';

export interface InteractionDeps extends Omit<MfaDeps, 'provider' | 'config' | 'users' | 'throttle' | 'audit' | 'mailer'>, FederationDeps {
  provider: () => Provider;
  users: UserService;
  audit: Pick<AuditLog, 'record'>;
  config: Config;
  logger: Logger;
  mailer: Pick<Mailer, 'queue'>;
  codes: Pick<OneTimeCodes, 'issue' | 'verify' | 'peek'>;
  throttle: Throttle;
  /** The bot check of the forms an operator protects (BOT_PROTECTION); absent: none is. */
  botCheck?: BotCheck;
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
export function beforeLogin(loaded: LoadedInteraction): boolean {
  const prompt = loaded.details.prompt.name;
  return prompt === 'login' || prompt === CREATE_PROMPT;
}

/** What the step declarations share: the login page's options, the deps a flow handler takes, guards. */
export function stepKit(deps: InteractionDeps) {
  const passkeysOffered = deps.config.mfa.factors.includes('passkey');
  return {
    passkeysOffered,
    loginOptions: {
      signupEnabled: deps.config.signup.enabled,
      ...(passkeysOffered ? { passkeyOptions: (uid: string) => deps.passkeys.signInOptions(uid) } : {}),
      connections: () => deps.connections.listEnabled(),
      ...(deps.botCheck ? { botCheck: deps.botCheck } : {}),
      emailCode: (loaded: LoadedInteraction) => emailCodeOffered(loaded, deps.config),
      confirmIdentity: async (accountId: string) => {
        const [user, factors] = await Promise.all([deps.users.findById(accountId), passkeysOffered ? deps.factors.list(accountId) : []]);
        if (!user || user.disabled) return undefined;
        return { email: user.email, password: user.noPassword !== true, passkey: factors.some((f) => f.type === 'passkey') };
      },
    } satisfies LoginPageOptions,
    flow: () => ({ ...deps, provider: deps.provider() }),
    legalStep: () => ({ provider: deps.provider(), legal: requireLegal(deps.legal) }),
    signupAvailable: { available: () => assertSignupEnabled(deps.config) },
    current: (ctx: Context, loaded: LoadedInteraction) => seeOther(ctx, interactionPath(loaded.uid)),
    prompted: (name: string) => (loaded: LoadedInteraction) => loaded.details.prompt.name === name,
  };
}
export type StepKit = ReturnType<typeof stepKit>;

/** The login step's password form, with `next` deciding what a right password leads to. */
export function passwordLogin(deps: InteractionDeps, ctx: Context, loaded: LoadedInteraction, options: LoginPageOptions, next: (signedIn: { accountId: string; breachedPassword: boolean; loginName: string }) => Promise<void>) {
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
