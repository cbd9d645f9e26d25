// Whether a sign-in needs a second factor, and the end of the login step once it has what it needs. Reached in two
// ways:
// - right after the password (the login prompt is still open): when the client's policy requires MFA, the request
//   asks for a higher acr, or — adaptive policy — the risk engine scores the sign-in above its threshold. The session
//   is created only once the second factor is proven (see services/interaction-flows.ts);
// - through the provider's `mfa` prompt: an existing session is weaker than this request needs (step-up). Only the
//   missing factor is asked for, never the password again.
// The pages that ask for the factor are in mfa.ts (prove one) and mfa-enroll.ts (add one the app demands).
import type { BotCheck } from '../services/bot-check.ts';
import type { FactorUseCases } from '../usecases/factors.ts';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { AttemptBudget } from '../auth/attempts.ts';
import type { FactorService } from '../auth/factors.ts';
import type { PasskeyService } from '../auth/passkeys.ts';
import type { RecoveryCodes } from '../auth/recovery-codes.ts';
import { LEVEL, mfaSettings, policyLevel, requestedLevel, type MfaSettings } from '../auth/requirement.ts';
import type { TotpService } from '../auth/totp.ts';
import type { FactorType } from '../auth/types.ts';
import type { Config } from '../config/index.ts';
import { ensureDeviceId } from '../http/device-cookie.ts';
import { MFA_PROMPT } from '../oidc/policy.ts';
import type { AuditLog } from '../services/audit.ts';
import type { InteractionFlows, LoginFlow } from '../services/interaction-flows.ts';
import type { Mailer } from '../services/mailer.ts';
import type { RiskEngine } from '../services/risk.ts';
import type { Throttle } from '../services/throttle.ts';
import type { UserService } from '../services/users.ts';
import { interactionPath, type LoadedInteraction } from './context.ts';
import { requestMeta } from './forms.ts';
import { signInAndContinue } from './login.ts';

export interface MfaDeps {
  provider: Provider;
  config: Pick<Config, 'mfa' | 'codes' | 'ttl'>;
  users: Pick<UserService, 'findById' | 'noteSignIn'>;
  flows: InteractionFlows;
  factors: Pick<FactorService, 'list' | 'sendChallenge' | 'verifyChallenge' | 'startSms' | 'confirm' | 'codeTtlSeconds'>;
  totp: Pick<TotpService, 'begin' | 'reopen' | 'confirm' | 'verify'>;
  passkeys: Pick<PasskeyService, 'authenticationOptions' | 'authenticate' | 'signInOptions' | 'signIn' | 'registrationOptions' | 'register'>;
  recoveryCodes: Pick<RecoveryCodes, 'use'>;
  risk: Pick<RiskEngine, 'assess' | 'recordAttempt' | 'recordSignIn' | 'trustDevice' | 'forgetDevices'>;
  attempts: Pick<AttemptBudget, 'take'>;
  throttle: Throttle;
  audit: Pick<AuditLog, 'record'>;
  mailer: Pick<Mailer, 'queue'>;
  /** Adding a factor during the sign-in, with the owner's notice (src/usecases/factors.ts). */
  factorChanges: Pick<FactorUseCases, 'confirmTotp' | 'confirmCode' | 'registerPasskey'>;
  /** An SMS courier is configured: phones can be enrolled. */
  smsEnabled: boolean;
  /** The bot check of the forms that send a code (BOT_PROTECTION codes); absent: none. */
  botCheck?: BotCheck;
}

export const ENROLLABLE: readonly FactorType[] = ['passkey', 'totp', 'sms'];

export function mfaPath(uid: string, rest = ''): string {
  return `${interactionPath(uid)}/mfa${rest}`;
}

export function settingsOf(loaded: LoadedInteraction, deps: Pick<MfaDeps, 'config'>): MfaSettings {
  return mfaSettings(loaded.metadata, deps.config.mfa);
}

function parseClaims(raw: unknown): Parameters<typeof requestedLevel>[1] {
  if (typeof raw !== 'string') return undefined;
  try {
    return JSON.parse(raw) as Parameters<typeof requestedLevel>[1];
  } catch {
    return undefined;
  }
}

export function seeOther(ctx: Context, location: string): void {
  ctx.status = 303;
  ctx.redirect(location);
}

/**
 * The password was right. Decides whether that is enough for this request; if not, keeps the sign-in open in a
 * login flow and sends the browser to the second-factor page.
 */
export async function afterPassword(
  ctx: Context,
  loaded: LoadedInteraction,
  deps: MfaDeps,
  input: { accountId: string; breachedPassword: boolean; loginName?: string; /** amr of the first factor: ['pwd'], or ['fed'] through another provider. */ methods?: readonly string[] },
): Promise<void> {
  const methods = [...(input.methods ?? ['pwd'])];
  const settings = settingsOf(loaded, deps);
  // Signed in with more than one factor already (another provider asserted it, and this client takes that): no
  // second factor of ours is due.
  const achieved = methods.includes('mfa') && settings.upstream ? LEVEL.mfa : LEVEL.password;
  const asked = requestedLevel(loaded.details.params, parseClaims(loaded.details.params.claims));
  let level = Math.max(asked, policyLevel(settings));
  const reasons: string[] = [];
  if (asked > LEVEL.password) reasons.push('acr');
  if (policyLevel(settings) > LEVEL.password) reasons.push('policy');
  let offerTrust = false;
  const meta = requestMeta(ctx);
  const deviceId = ensureDeviceId(ctx);
  if (settings.policy === 'adaptive' && level <= LEVEL.password && achieved < LEVEL.mfa) {
    const risk = await deps.risk.assess({
      accountId: input.accountId,
      ip: meta.ip,
      deviceId,
      breachedPassword: input.breachedPassword,
      ...(input.loginName ? { loginName: input.loginName } : {}),
      clientId: loaded.client.id,
      ...(meta.userAgent ? { userAgent: meta.userAgent } : {}),
    });
    if (risk.mfa) {
      level = LEVEL.mfa;
      reasons.push(...risk.reasons);
      offerTrust = deps.config.mfa.trustDays > 0;
    }
  }
  if (level <= achieved) return signInAndContinue(ctx, deps, input.accountId, methods, input.loginName);
  // A second factor comes first: the right password is recorded now (with the sign-in otherwise).
  if (input.loginName) await deps.risk.recordAttempt({ loginName: input.loginName, accountId: input.accountId, ip: meta.ip, success: true });

  await deps.flows.start(
    loaded.uid,
    input.accountId,
    { step: 'mfa', methods, level, reasons, offerTrust, verified: false },
    deps.config.ttl.interaction,
  );
  await deps.audit.record({
    type: 'mfa.required',
    outcome: 'success',
    accountId: input.accountId,
    clientId: loaded.client.id,
    ...meta,
    details: { level, reasons },
  });
  seeOther(ctx, mfaPath(loaded.uid));
}

/** Ends the login step with everything proven in this sign-in and continues to the app (or the next step). */
export async function complete(
  ctx: Context,
  loaded: LoadedInteraction,
  deps: Pick<MfaDeps, 'provider' | 'flows' | 'risk' | 'config'>,
  accountId: string,
  methods: readonly string[],
  opts: { trust?: boolean } = {},
): Promise<void> {
  if (opts.trust) await deps.risk.trustDevice(accountId, ensureDeviceId(ctx), deps.config.mfa.trustDays);
  await deps.flows.remove(loaded.uid);
  await signInAndContinue(ctx, deps, accountId, methods);
}

/** The flow of this interaction: made at the password step, or now from the session for a step-up. */
export async function currentFlow(loaded: LoadedInteraction, deps: MfaDeps): Promise<LoginFlow | undefined> {
  const existing = await deps.flows.find(loaded.uid, 'mfa');
  const { prompt, session } = loaded.details;
  if (prompt.name === 'login') return existing;
  if (prompt.name !== MFA_PROMPT || !session?.accountId) return undefined;
  if (existing?.accountId === session.accountId) return existing;
  const level = Number((prompt.details as { level?: unknown }).level) || LEVEL.mfa;
  return deps.flows.start(
    loaded.uid,
    session.accountId,
    { step: 'mfa', methods: session.amr ?? [], level, reasons: ['step_up'], offerTrust: false, verified: false },
    deps.config.ttl.interaction,
  );
}
