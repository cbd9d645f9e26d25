// The steps between login and consent that a client can demand (see src/oidc/policy.ts): confirm the e-mail
// address with a mailed code, and give the profile attributes the client needs (progressive profiling).
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { errors } from 'oidc-provider';
import { PROFILE_ATTRIBUTES, type Config, type ProfileAttribute } from '../config/index.ts';
import { allowFormAction } from '../http/security-headers.ts';
import { renderPage } from '../http/views.ts';
import { PROFILE_PROMPT, VERIFY_EMAIL_PROMPT } from '../oidc/policy.ts';
import type { AuditLog } from '../services/audit.ts';
import type { InteractionFlows } from '../services/interaction-flows.ts';
import type { Mailer } from '../services/mailer.ts';
import type { OneTimeCodes } from '../services/one-time-codes.ts';
import type { Throttle } from '../services/throttle.ts';
import type { UserService } from '../services/users.ts';
import { recordResult, type LoadedInteraction } from './context.ts';
import { codeError, echo, FORM_ERROR_STATUS, maskEmail, requestMeta, THROTTLED_STATUS, throttledError, type FormError } from './forms.ts';
import { renderCodePage } from './code-page.ts';
import { attributeFields, parseAttributes, type AttributeValues } from './profile-fields.ts';
import type { CodeChallenges } from '../usecases/code-challenge.ts';
import type { BotCheck } from '../services/bot-check.ts';
import { BOT_CHECK_STATUS, botChallenge, passBotCheck, type BotCheckView } from '../http/bot-check-form.ts';

export interface StepDeps {
  provider: Provider;
  config: Pick<Config, 'issuer' | 'codes'>;
  users: Pick<UserService, 'findById' | 'markEmailVerified' | 'addClaims'>;
  mailer: Pick<Mailer, 'queue'>;
  codes: Pick<OneTimeCodes, 'issue' | 'verify' | 'peek'>;
  throttle: Throttle;
  /** Typing the mailed code back (src/usecases/code-challenge.ts). */
  codeChallenges: CodeChallenges;
  audit: Pick<AuditLog, 'record'>;
  /** The interaction's flow remembers which code was mailed (services/interaction-flows.ts). */
  flows: Pick<InteractionFlows, 'start' | 'find' | 'remove'>;
  /** The bot check of "send a new code" (BOT_PROTECTION codes); absent: none. */
  botCheck?: BotCheck;
}


function accountOf(loaded: LoadedInteraction): string {
  const accountId = loaded.details.session?.accountId;
  if (!accountId) throw new errors.SessionNotFound('verification step without a signed-in account');
  return accountId;
}

function stepPaths(loaded: LoadedInteraction) {
  const base = `/interaction/${encodeURIComponent(loaded.uid)}`;
  return { verify: `${base}/verify-email`, resend: `${base}/verify-email/resend`, profile: `${base}/profile`, abort: `${base}/abort` };
}

async function sendVerification(loaded: LoadedInteraction, deps: StepDeps, accountId: string, email: string) {
  const issued = await deps.codes.issue({ purpose: 'verify-email', subject: accountId, payload: { email } });
  const link = `${deps.config.issuer}${stepPaths(loaded).verify}?ref=${issued.id}&code=${issued.code}`;
  deps.mailer.queue({
    to: email,
    template: 'verify-email',
    locale: loaded.locale,
    data: { code: issued.code, link },
  });
  // Remembered with the interaction, so that reloading the page does not send another mail.
  await deps.flows.start(loaded.uid, accountId, { step: 'verify-email', codeId: issued.id }, deps.config.codes.ttlSeconds);
  return issued.id;
}

export async function renderVerifyEmail(
  ctx: Context,
  loaded: LoadedInteraction,
  deps: StepDeps,
  form: { code?: string; error?: FormError; notice?: 'verify.resent'; status?: number; ref?: string; botCheck?: BotCheckView } = {},
): Promise<void> {
  const accountId = accountOf(loaded);
  const user = await deps.users.findById(accountId);
  if (!user) throw new errors.SessionNotFound('account of the sign-in no longer exists');
  const sent = form.ref ? undefined : await deps.flows.find(loaded.uid, 'verify-email');
  let ref = form.ref ?? (sent?.accountId === accountId ? sent.codeId : undefined);
  const live = ref ? await deps.codes.peek(ref, 'verify-email') : null;
  if (!live || live.subject !== accountId || live.payload.email !== user.email) {
    // First visit (or the code expired): mail one, counted like a sign-up mail so that reloads cannot flood a mailbox.
    const keys = { ip: ctx.ip, account: accountId };
    const gate = await deps.throttle.check('signup', keys);
    if (!gate.allowed) {
      form = { ...form, error: throttledError(ctx, gate), status: THROTTLED_STATUS };
      ref = '';
    } else {
      await deps.throttle.fail('signup', keys, requestMeta(ctx));
      ref = await sendVerification(loaded, deps, accountId, user.email);
    }
  }
  const paths = stepPaths(loaded);
  renderCodePage(ctx, loaded, {
    ...form,
    title: 'verifyEmail.title',
    lead: { key: 'verifyEmail.lead', vars: { email: maskEmail(user.email), client: loaded.client.name } },
    ref: ref ?? '',
    action: paths.verify,
    resend: paths.resend,
    resendBotCheck: form.botCheck ?? botChallenge(deps.botCheck, loaded.locale, 'codes', loaded.uid),
    back: { href: paths.abort, key: 'verifyEmail.cancel', post: true },
  });
}

export async function submitVerifyEmail(ctx: Context, loaded: LoadedInteraction, deps: StepDeps): Promise<void> {
  if (loaded.details.prompt.name !== VERIFY_EMAIL_PROMPT) return continueInteraction(ctx, loaded);
  const accountId = accountOf(loaded);
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const ref = typeof body.ref === 'string' ? body.ref.slice(0, 64) : '';
  const typed = echo(body.code, 12);
  const meta = requestMeta(ctx);
  const again = (error: FormError, status?: number) =>
    renderVerifyEmail(ctx, loaded, deps, { code: typed, error, ref, ...(status ? { status } : {}) });

  const challenge = await deps.codeChallenges.open({ ref, purpose: 'verify-email', subject: accountId, meta });
  const result = challenge.ok ? await challenge.verify(body.code) : challenge;
  if (!result.ok) {
    const { error, status } = codeError(ctx, result);
    return again(error, status);
  }
  // false: the address changed since the code was sent; the step then simply asks again for the new address.
  await deps.users.markEmailVerified(accountId, result.payload.email);
  await deps.flows.remove(loaded.uid);
  const returnTo = await recordResult(ctx, deps.provider, { [VERIFY_EMAIL_PROMPT]: {} });
  ctx.status = 303;
  ctx.redirect(returnTo);
}

export async function resendVerifyEmail(ctx: Context, loaded: LoadedInteraction, deps: StepDeps): Promise<void> {
  if (loaded.details.prompt.name !== VERIFY_EMAIL_PROMPT) return continueInteraction(ctx, loaded);
  const accountId = accountOf(loaded);
  const user = await deps.users.findById(accountId);
  if (!user) throw new errors.SessionNotFound('account of the sign-in no longer exists');
  const bot = await passBotCheck(ctx, deps.botCheck, loaded.locale, 'codes', loaded.uid, { clientId: loaded.client.id, accountId });
  if (!bot.ok) return renderVerifyEmail(ctx, loaded, deps, { error: bot.error, status: BOT_CHECK_STATUS, botCheck: bot.botCheck });
  const keys = { ip: ctx.ip, account: accountId };
  const gate = await deps.throttle.check('signup', keys);
  if (!gate.allowed) return renderVerifyEmail(ctx, loaded, deps, { error: throttledError(ctx, gate), status: THROTTLED_STATUS });
  await deps.throttle.fail('signup', keys, requestMeta(ctx));
  const ref = await sendVerification(loaded, deps, accountId, user.email);
  await renderVerifyEmail(ctx, loaded, deps, { notice: 'verify.resent', ref });
}

function missingAttributes(loaded: LoadedInteraction): ProfileAttribute[] {
  const raw = loaded.details.prompt.details.missingAttributes;
  const known = PROFILE_ATTRIBUTES as readonly string[];
  return Array.isArray(raw) ? raw.filter((a): a is ProfileAttribute => typeof a === 'string' && known.includes(a)) : [];
}

export function renderProfileStep(
  ctx: Context,
  loaded: LoadedInteraction,
  form: { values?: AttributeValues; error?: FormError } = {},
): void {
  const paths = stepPaths(loaded);
  allowFormAction(ctx, loaded.details.params.redirect_uri);
  renderPage(ctx, 'profile-step', {
    locale: loaded.locale,
    title: 'profileStep.title',
    status: form.error ? FORM_ERROR_STATUS : 200,
    data: {
      client: loaded.client,
      csrfToken: ctx.state.csrfToken,
      fields: attributeFields(missingAttributes(loaded), form.values ?? {}, loaded.locale),
      error: form.error ?? null,
      action: paths.profile,
      abort: paths.abort,
    },
  });
}

export async function submitProfileStep(ctx: Context, loaded: LoadedInteraction, deps: StepDeps): Promise<void> {
  if (loaded.details.prompt.name !== PROFILE_PROMPT) return continueInteraction(ctx, loaded);
  const accountId = accountOf(loaded);
  const parsed = parseAttributes(missingAttributes(loaded), (ctx.request.body ?? {}) as Record<string, unknown>);
  if (!parsed.ok) return renderProfileStep(ctx, loaded, { values: parsed.values, error: parsed.error });
  await deps.users.addClaims(accountId, parsed.claims);
  const returnTo = await recordResult(ctx, deps.provider, { [PROFILE_PROMPT]: {} });
  ctx.status = 303;
  ctx.redirect(returnTo);
}

/** A second submit (other tab, back button) after the step is done: show whatever the sign-in needs now. */
function continueInteraction(ctx: Context, loaded: LoadedInteraction): void {
  ctx.status = 303;
  ctx.redirect(`/interaction/${encodeURIComponent(loaded.uid)}`);
}
