// The second step of a sign-in, and step-up of an existing session: prove a second factor (authenticator app,
// passkey, code by SMS or e-mail, recovery code). Whether one is needed is decided in mfa-decide.ts; enrolling one
// the app demands but the customer lacks is mfa-enroll.ts.
import { codeExpiry } from '../i18n/index.ts';
import type { Context } from 'koa';
import { z } from 'zod';
import { factorsFor, factorsInAmr, type MfaSettings } from '../auth/requirement.ts';
import { FACTOR_AMR, passkeyAmr, type FactorType, type FactorView } from '../auth/types.ts';
import { allowFormAction } from '../http/security-headers.ts';
import { renderPage } from '../http/views.ts';
import type { MessageKey } from '../i18n/index.ts';
import { MFA_PROMPT } from '../oidc/policy.ts';
import type { LoginFlow } from '../services/interaction-flows.ts';
import { interactionPath, type LoadedInteraction } from './context.ts';
import { FORM_ERROR_STATUS, maskEmail, requestMeta, THROTTLED_STATUS, throttledError, type FormError } from './forms.ts';
import { complete, currentFlow, mfaPath, seeOther, settingsOf, type MfaDeps } from './mfa-decide.ts';
import { BOT_CHECK_STATUS, botChallenge, passBotCheck, type BotCheckView } from '../http/bot-check-form.ts';

/** How a factor is offered on the page: TOTP apps and passkeys as one method each, phones and e-mail one by one. */
interface Method {
  id: string;
  type: FactorType;
  label: string;
}

// Strongest and most convenient first: what the page opens with when the customer has several.
const PRIORITY: readonly FactorType[] = ['passkey', 'totp', 'sms', 'email', 'recovery'];
const MAX_CODE = 32;

interface Options {
  /** Methods that satisfy this request. */
  usable: Method[];
  /** The customer's other factors: proving one of them lets them enroll one the app accepts. */
  others: Method[];
  /** Nothing to prove with: a factor must be enrolled (first one, or after proving another). */
  enroll: boolean;
  email?: string;
}

function methodsOf(views: readonly FactorView[]): Method[] {
  const methods: Method[] = [];
  for (const view of views) {
    if (view.type === 'passkey' || view.type === 'totp' || view.type === 'recovery') {
      if (!methods.some((m) => m.type === view.type)) methods.push({ id: view.type, type: view.type, label: view.label });
    } else {
      methods.push({ id: view.id, type: view.type, label: view.label });
    }
  }
  return methods.sort((a, b) => PRIORITY.indexOf(a.type) - PRIORITY.indexOf(b.type));
}

export async function optionsFor(flow: LoginFlow, settings: MfaSettings, deps: MfaDeps): Promise<Options> {
  const [views, user] = await Promise.all([deps.factors.list(flow.accountId), deps.users.findById(flow.accountId)]);
  const allowed = factorsFor(flow.level, settings);
  // A factor already proven in this sign-in (or by the session being stepped up) proves nothing new: after a sign-in
  // with a mailed code, another mailed code is the same factor twice.
  const proven = factorsInAmr(flow.methods);
  const all = methodsOf(views).filter((m) => !proven.includes(m.type));
  const usable = all.filter((m) => allowed.includes(m.type));
  const others = all.filter((m) => !allowed.includes(m.type) && m.type !== 'recovery');
  const enrolled = views.some((v) => v.type !== 'recovery');
  if (!usable.some((m) => m.type !== 'recovery') && !enrolled && allowed.includes('email') && !proven.includes('email') && user?.email_verified) {
    // No factor of their own yet: the verified sign-in address is the second factor.
    usable.unshift({ id: 'email', type: 'email', label: maskEmail(user.email) });
  }
  const enroll = usable.length === 0 && (others.length === 0 || flow.verified);
  return { usable: flow.verified ? [] : usable, others: flow.verified ? [] : others, enroll, ...(user ? { email: user.email } : {}) };
}

// The verify step takes any factor's code: six digits (readSixDigitCode's rule) or a recovery code, which has its own
// format; only the separators both allow are dropped here, the factor checks the rest.
const codeInput = z.string().max(MAX_CODE).transform((v) => v.replace(/[\s-]/g, ''));

function trustWanted(body: Record<string, unknown>, flow: LoginFlow): boolean {
  return flow.offerTrust && body.trust === 'yes';
}

interface PageState {
  method?: string;
  error?: FormError;
  status?: number;
  /** The challenge the "send a code" form is shown with again after its bot check refused it. */
  botCheck?: BotCheckView;
}

/** GET /interaction/:uid/mfa — the page for the current method (the query's `method`, else the best one). */
export async function renderMfa(ctx: Context, loaded: LoadedInteraction, deps: MfaDeps, state: PageState = {}): Promise<void> {
  const flow = await currentFlow(loaded, deps);
  if (!flow) return seeOther(ctx, interactionPath(loaded.uid));
  const settings = settingsOf(loaded, deps);
  const options = await optionsFor(flow, settings, deps);
  if (options.enroll) return seeOther(ctx, mfaPath(loaded.uid, '/enroll'));
  const choices = [...options.usable, ...options.others];
  const wanted = state.method ?? (typeof ctx.query.method === 'string' ? ctx.query.method : undefined);
  const current = choices.find((m) => m.id === wanted) ?? choices[0]!;

  let passkey: { options: unknown } | undefined;
  if (current.type === 'passkey') {
    const { challengeId, options } = await deps.passkeys.authenticationOptions(flow.accountId);
    await deps.flows.update(flow._id, 'mfa', { webauthnChallengeId: challengeId });
    passkey = { options };
  }
  const sent = flow.challenge?.factorId === current.id ? flow.challenge : undefined;
  allowFormAction(ctx, loaded.details.params.redirect_uri);
  renderPage(ctx, 'mfa', {
    locale: loaded.locale,
    title: 'mfa.title',
    status: state.status ?? (state.error ? FORM_ERROR_STATUS : 200),
    data: {
      client: loaded.client,
      csrfToken: ctx.state.csrfToken,
      current,
      choices: choices.filter((m) => m.id !== current.id).map((m) => ({ ...m, href: `${mfaPath(loaded.uid)}?method=${encodeURIComponent(m.id)}` })),
      // Proving a factor the app does not accept only opens enrollment of one it does.
      thenEnroll: !options.usable.some((m) => m.id === current.id),
      stepUp: loaded.details.prompt.name === MFA_PROMPT,
      sent: sent ? { destination: sent.destination, expiry: codeExpiry(loaded.locale, deps.factors.codeTtlSeconds(sent.type === 'sms' ? 'sms' : 'email')) } : null,
      // Before a code is sent: what will happen, where to, and for how long the code works.
      sendExpiry: current.type === 'sms' || current.type === 'email' ? codeExpiry(loaded.locale, deps.factors.codeTtlSeconds(current.type)) : '',
      passkey,
      trust: flow.offerTrust ? { days: deps.config.mfa.trustDays } : null,
      error: state.error ?? null,
      // "Send a code" and "send a new code" (BOT_PROTECTION codes): an SMS costs money, a bot could run up the bill.
      sendBotCheck: current.type === 'sms' || current.type === 'email' ? (state.botCheck ?? botChallenge(deps.botCheck, loaded.locale, 'codes', loaded.uid)) : null,
      actions: {
        verify: mfaPath(loaded.uid, '/verify'),
        send: mfaPath(loaded.uid, '/send'),
        passkey: mfaPath(loaded.uid, '/passkey'),
        abort: loaded.actions.abort,
      },
    },
  });
}

async function resolveMethod(loaded: LoadedInteraction, deps: MfaDeps, flow: LoginFlow, id: unknown): Promise<{ method: Method; acceptable: boolean } | undefined> {
  if (typeof id !== 'string') return undefined;
  const options = await optionsFor(flow, settingsOf(loaded, deps), deps);
  const usable = options.usable.find((m) => m.id === id);
  if (usable) return { method: usable, acceptable: true };
  const other = options.others.find((m) => m.id === id);
  return other ? { method: other, acceptable: false } : undefined;
}

/** POST /interaction/:uid/mfa/send — sends a code to the chosen phone or e-mail address. */
export async function sendMfaCode(ctx: Context, loaded: LoadedInteraction, deps: MfaDeps): Promise<void> {
  const flow = await currentFlow(loaded, deps);
  if (!flow) return seeOther(ctx, interactionPath(loaded.uid));
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const resolved = await resolveMethod(loaded, deps, flow, body.method);
  if (!resolved || (resolved.method.type !== 'sms' && resolved.method.type !== 'email')) {
    return renderMfa(ctx, loaded, deps, { error: { key: 'mfa.error.method' } });
  }
  const { method } = resolved;
  const bot = await passBotCheck(ctx, deps.botCheck, loaded.locale, 'codes', loaded.uid, { clientId: loaded.client.id, accountId: flow.accountId });
  if (!bot.ok) return renderMfa(ctx, loaded, deps, { method: method.id, error: bot.error, status: BOT_CHECK_STATUS, botCheck: bot.botCheck });
  const user = method.id === 'email' ? await deps.users.findById(flow.accountId) : null;
  const sent = await deps.factors.sendChallenge(flow.accountId, method.id, loaded.locale, user?.email);
  if (!sent.ok) return renderMfa(ctx, loaded, deps, { method: method.id, error: { key: 'mfa.error.unavailable' } });
  await deps.flows.update(flow._id, 'mfa', {
    challenge: { codeId: sent.codeId, factorId: method.id, type: sent.type, destination: sent.destination },
  });
  seeOther(ctx, `${mfaPath(loaded.uid)}?method=${encodeURIComponent(method.id)}`);
}

async function gate(ctx: Context, loaded: LoadedInteraction, deps: MfaDeps, flow: LoginFlow, methodId: string): Promise<boolean> {
  const keys = { ip: requestMeta(ctx).ip, account: flow.accountId };
  const verdict = await deps.throttle.check('mfa', keys);
  if (!verdict.allowed) {
    await renderMfa(ctx, loaded, deps, { method: methodId, error: throttledError(ctx, verdict), status: THROTTLED_STATUS });
    return false;
  }
  return true;
}

async function failed(ctx: Context, loaded: LoadedInteraction, deps: MfaDeps, flow: LoginFlow, method: Method, key: MessageKey): Promise<void> {
  const meta = requestMeta(ctx);
  await deps.audit.record({
    type: 'mfa.failure',
    outcome: 'failure',
    accountId: flow.accountId,
    clientId: loaded.client.id,
    ...meta,
    reason: key,
    details: { method: method.type },
  });
  const verdict = await deps.throttle.fail('mfa', { ip: meta.ip, account: flow.accountId }, { ...meta, accountId: flow.accountId });
  if (!verdict.allowed) {
    return renderMfa(ctx, loaded, deps, { method: method.id, error: throttledError(ctx, verdict), status: THROTTLED_STATUS });
  }
  await renderMfa(ctx, loaded, deps, { method: method.id, error: { key, field: 'code' } });
}

/** A factor was proven: finish the sign-in, or — a factor the app does not accept — go on to enroll one it does. */
async function proven(
  ctx: Context,
  loaded: LoadedInteraction,
  deps: MfaDeps,
  flow: LoginFlow,
  resolved: { method: Method; acceptable: boolean },
  amr: readonly string[],
  trust: boolean,
): Promise<void> {
  const meta = requestMeta(ctx);
  await deps.throttle.succeed('mfa', { ip: meta.ip, account: flow.accountId });
  await deps.audit.record({
    type: 'mfa.success',
    outcome: 'success',
    accountId: flow.accountId,
    clientId: loaded.client.id,
    ...meta,
    details: { method: resolved.method.type, stepUp: loaded.details.prompt.name === MFA_PROMPT },
  });
  const methods = [...flow.methods, ...amr];
  if (!resolved.acceptable) {
    await deps.flows.update(flow._id, 'mfa', { verified: true, methods, challenge: undefined });
    return seeOther(ctx, mfaPath(loaded.uid, '/enroll'));
  }
  await complete(ctx, loaded, deps, flow.accountId, methods, { trust });
}

/** POST /interaction/:uid/mfa/verify — a code: authenticator app, SMS or e-mail code, or recovery code. */
export async function verifyMfaCode(ctx: Context, loaded: LoadedInteraction, deps: MfaDeps): Promise<void> {
  const flow = await currentFlow(loaded, deps);
  if (!flow) return seeOther(ctx, interactionPath(loaded.uid));
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const resolved = await resolveMethod(loaded, deps, flow, body.method);
  if (!resolved || resolved.method.type === 'passkey') return renderMfa(ctx, loaded, deps, { error: { key: 'mfa.error.method' } });
  const { method } = resolved;
  const parsed = codeInput.safeParse(body.code ?? '');
  if (!parsed.success || parsed.data === '') {
    return renderMfa(ctx, loaded, deps, { method: method.id, error: { key: 'mfa.error.missing', field: 'code' } });
  }
  if (!(await gate(ctx, loaded, deps, flow, method.id))) return;
  const code = parsed.data;

  if (method.type === 'sms' || method.type === 'email') {
    const challenge = flow.challenge?.factorId === method.id ? flow.challenge : undefined;
    if (!challenge) return renderMfa(ctx, loaded, deps, { method: method.id, error: { key: 'mfa.error.noCode' } });
    const check = await deps.factors.verifyChallenge(flow.accountId, challenge.codeId, code);
    if (!check.ok) return failed(ctx, loaded, deps, flow, method, check.reason === 'invalid' ? 'mfa.error.code' : 'mfa.error.expired');
    await deps.flows.update(flow._id, 'mfa', { challenge: undefined });
    return proven(ctx, loaded, deps, flow, resolved, [FACTOR_AMR[method.type]], trustWanted(body, flow));
  }

  // Authenticator apps and recovery codes have no code of their own to count guesses on: each sign-in gets a budget.
  const budget = await deps.attempts.take(`mfa:${flow._id}`, deps.config.codes.maxAttempts, flow.expiresAt);
  if (!budget) return failed(ctx, loaded, deps, flow, method, 'mfa.error.exhausted');
  if (method.type === 'totp') {
    const check = await deps.totp.verify(flow.accountId, code);
    if (!check.ok) return failed(ctx, loaded, deps, flow, method, 'mfa.error.code');
    return proven(ctx, loaded, deps, flow, resolved, [FACTOR_AMR.totp], trustWanted(body, flow));
  }
  const check = await deps.recoveryCodes.use(flow.accountId, code);
  if (!check.ok) return failed(ctx, loaded, deps, flow, method, 'mfa.error.recovery');
  const user = await deps.users.findById(flow.accountId);
  if (user) {
    deps.mailer.queue({ to: user.email, template: 'recovery-code-used', locale: loaded.locale, data: { remaining: String(check.remaining) } });
  }
  return proven(ctx, loaded, deps, flow, resolved, [FACTOR_AMR.recovery], trustWanted(body, flow));
}

/** POST /interaction/:uid/mfa/passkey — a passkey as the second factor (or the step-up to phishing-resistant). */
export async function verifyMfaPasskey(ctx: Context, loaded: LoadedInteraction, deps: MfaDeps): Promise<void> {
  const flow = await currentFlow(loaded, deps);
  if (!flow) return seeOther(ctx, interactionPath(loaded.uid));
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const resolved = await resolveMethod(loaded, deps, flow, 'passkey');
  if (!resolved) return renderMfa(ctx, loaded, deps, { error: { key: 'mfa.error.method' } });
  const challengeId = flow.webauthnChallengeId;
  if (!challengeId) return renderMfa(ctx, loaded, deps, { method: 'passkey', error: { key: 'passkey.error.failed' } });
  if (!(await gate(ctx, loaded, deps, flow, 'passkey'))) return;
  // The passkey service parses and bounds the browser's JSON itself.
  const result = await deps.passkeys.authenticate(challengeId, body.response, flow.accountId);
  if (!result.ok) return failed(ctx, loaded, deps, flow, resolved.method, 'passkey.error.failed');
  return proven(ctx, loaded, deps, flow, resolved, passkeyAmr(result), trustWanted(body, flow));
}
