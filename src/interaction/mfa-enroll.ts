// Enrolling a second factor inside the sign-in, when the app demands one the customer does not have yet (an
// authenticator app, a phone, a passkey): the factor is confirmed with its first code or ceremony, the account's
// address is told (usecases/factor-notices.ts), and the sign-in completes with that factor proven (interaction/mfa.ts).
import { codeExpiry } from '../i18n/index.ts';
import type { Context } from 'koa';
import { factorsFor, LEVEL, type MfaSettings } from '../auth/requirement.ts';
import { FACTOR_AMR, type FactorType } from '../auth/types.ts';
import { allowFormAction } from '../http/security-headers.ts';
import { renderPage } from '../http/views.ts';
import type { MessageKey } from '../i18n/index.ts';
import { readSixDigitCode } from '../services/code-input.ts';
import type { LoginFlow } from '../services/interaction-flows.ts';
import type { FactorOwner } from '../usecases/factors.ts';
import { interactionPath, type LoadedInteraction } from './context.ts';
import { FORM_ERROR_STATUS, type FormError } from './forms.ts';
import { complete, currentFlow, ENROLLABLE, mfaPath, seeOther, settingsOf, type MfaDeps } from './mfa-decide.ts';
import { optionsFor } from './mfa.ts';
import { botChallenge, passBotCheck, type BotCheckView } from '../http/bot-check-form.ts';

// --- enrollment inside the sign-in --------------------------------------------------------------------------------

function enrollableTypes(flow: LoginFlow, settings: MfaSettings, deps: MfaDeps): FactorType[] {
  return ENROLLABLE.filter((t) => factorsFor(flow.level, settings).includes(t) && (t !== 'sms' || deps.smsEnabled));
}

async function enrollFlow(ctx: Context, loaded: LoadedInteraction, deps: MfaDeps): Promise<{ flow: LoginFlow; types: FactorType[]; email: string } | undefined> {
  const flow = await currentFlow(loaded, deps);
  if (!flow) {
    seeOther(ctx, interactionPath(loaded.uid));
    return undefined;
  }
  const settings = settingsOf(loaded, deps);
  const options = await optionsFor(flow, settings, deps);
  if (!options.enroll) {
    seeOther(ctx, mfaPath(loaded.uid));
    return undefined;
  }
  return { flow, types: enrollableTypes(flow, settings, deps), email: options.email ?? '' };
}

interface EnrollState {
  type?: string;
  error?: FormError;
  phone?: string;
  totp?: { token: string; secret: string; uri: string; qrSvg: string };
  /** The challenge the phone form is shown with again after its bot check refused it. */
  botCheck?: BotCheckView;
}

/** GET /interaction/:uid/mfa/enroll[?type=totp|sms|passkey] — add the first factor (or one the app accepts). */
export async function renderEnroll(ctx: Context, loaded: LoadedInteraction, deps: MfaDeps, state: EnrollState = {}): Promise<void> {
  const found = await enrollFlow(ctx, loaded, deps);
  if (!found) return;
  const { flow, types, email } = found;
  const wanted = state.type ?? (typeof ctx.query.type === 'string' ? ctx.query.type : undefined);
  // With one kind on offer there is nothing to choose: open it.
  const type = types.find((t) => t === wanted) ?? (types.length === 1 ? types[0] : undefined);
  let data: Record<string, unknown> = {};
  if (type === 'totp') {
    // The enrollment under way, if any (a reload must not change the secret the app may already hold); else a new one.
    const reopened = !state.totp && flow.totpToken ? await deps.totp.reopen(flow.accountId, flow.totpToken) : undefined;
    const totp = state.totp ?? reopened ?? (await deps.totp.begin({ accountId: flow.accountId, email }));
    if (totp.token !== flow.totpToken) await deps.flows.update(flow._id, 'mfa', { totpToken: totp.token });
    data = { totp };
  } else if (type === 'passkey') {
    const { challengeId, options } = await deps.passkeys.registrationOptions({ accountId: flow.accountId, email });
    await deps.flows.update(flow._id, 'mfa', { webauthnChallengeId: challengeId });
    data = { passkey: { options } };
  } else if (type === 'sms') {
    const sent = flow.challenge?.factorId === 'enroll' ? flow.challenge : undefined;
    data = { sms: { phone: state.phone ?? '', sent: sent ? { destination: sent.destination, expiry: codeExpiry(loaded.locale, deps.factors.codeTtlSeconds('sms')) } : null } };
    // The phone form sends a text (BOT_PROTECTION codes): its puzzle is solved for the number typed.
    data.botCheck = sent ? null : (state.botCheck ?? botChallenge(deps.botCheck, loaded.locale, 'codes', loaded.uid, 'phone'));
  }
  allowFormAction(ctx, loaded.details.params.redirect_uri);
  renderPage(ctx, 'mfa-enroll', {
    locale: loaded.locale,
    title: 'mfa.enroll.title',
    status: state.error ? FORM_ERROR_STATUS : 200,
    data: {
      client: loaded.client,
      csrfToken: ctx.state.csrfToken,
      type: type ?? null,
      types: types.map((t) => ({ type: t, href: `${mfaPath(loaded.uid, '/enroll')}?type=${t}` })),
      phishingResistant: flow.level >= LEVEL.phishingResistant,
      error: state.error ?? null,
      ...data,
      actions: {
        totp: mfaPath(loaded.uid, '/enroll/totp'),
        sms: mfaPath(loaded.uid, '/enroll/sms'),
        smsConfirm: mfaPath(loaded.uid, '/enroll/sms/confirm'),
        passkey: mfaPath(loaded.uid, '/enroll/passkey'),
        back: mfaPath(loaded.uid, '/enroll'),
        abort: loaded.actions.abort,
      },
    },
  });
}

/** The factor just added (its owner told by the use case) completes the second step. */
async function enrolled(ctx: Context, loaded: LoadedInteraction, deps: MfaDeps, flow: LoginFlow, amr: readonly string[]): Promise<void> {
  await complete(ctx, loaded, deps, flow.accountId, [...flow.methods, ...amr]);
}

const ownerOf = (loaded: LoadedInteraction, found: { flow: LoginFlow; email: string }): FactorOwner => ({
  accountId: found.flow.accountId,
  email: found.email || undefined,
  locale: loaded.locale,
});

/** POST /interaction/:uid/mfa/enroll/totp — confirms the authenticator app with its first code. */
export async function enrollTotp(ctx: Context, loaded: LoadedInteraction, deps: MfaDeps): Promise<void> {
  const found = await enrollFlow(ctx, loaded, deps);
  if (!found) return;
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const token = typeof body.token === 'string' && body.token.length <= 1024 ? body.token : '';
  const reopened = token ? await deps.totp.reopen(found.flow.accountId, token) : undefined;
  if (!reopened) return renderEnroll(ctx, loaded, deps, { type: 'totp', error: { key: 'mfa.error.expired' } });
  const parsed = readSixDigitCode(body.code);
  if (!parsed.ok) return renderEnroll(ctx, loaded, deps, { type: 'totp', totp: reopened, error: { key: 'mfa.error.missing', field: 'code' } });
  if (!(await deps.attempts.take(`mfa:${found.flow._id}`, deps.config.codes.maxAttempts, found.flow.expiresAt))) {
    return renderEnroll(ctx, loaded, deps, { type: 'totp', totp: reopened, error: { key: 'mfa.error.exhausted' } });
  }
  const result = await deps.factorChanges.confirmTotp(ownerOf(loaded, found), token, parsed.code);
  if (!result.ok) return renderEnroll(ctx, loaded, deps, { type: 'totp', totp: reopened, error: { key: 'mfa.error.code', field: 'code' } });
  await enrolled(ctx, loaded, deps, found.flow, [FACTOR_AMR.totp]);
}

/** POST /interaction/:uid/mfa/enroll/sms — a phone number; a code goes to it. */
export async function enrollSms(ctx: Context, loaded: LoadedInteraction, deps: MfaDeps): Promise<void> {
  const found = await enrollFlow(ctx, loaded, deps);
  if (!found || !found.types.includes('sms')) return found ? renderEnroll(ctx, loaded, deps) : undefined;
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const phone = typeof body.phone === 'string' && body.phone.length <= 32 ? body.phone.trim() : '';
  if (!phone) return renderEnroll(ctx, loaded, deps, { type: 'sms', error: { key: 'mfa.error.phone', field: 'phone' } });
  const bot = await passBotCheck(ctx, deps.botCheck, loaded.locale, 'codes', loaded.uid, { subjectField: 'phone', subject: phone, clientId: loaded.client.id, accountId: found.flow.accountId });
  if (!bot.ok) return renderEnroll(ctx, loaded, deps, { type: 'sms', phone, error: bot.error, botCheck: bot.botCheck });
  const started = await deps.factors.startSms(found.flow.accountId, phone, loaded.locale);
  if (!started.ok) {
    const key: MessageKey = started.reason === 'invalid_phone' ? 'mfa.error.phone' : started.reason === 'duplicate' ? 'mfa.error.phoneTaken' : 'mfa.error.unavailable';
    return renderEnroll(ctx, loaded, deps, { type: 'sms', phone, error: { key, field: 'phone' } });
  }
  await deps.flows.update(found.flow._id, 'mfa', { challenge: { codeId: started.codeId, factorId: 'enroll', type: 'sms', destination: started.destination } });
  seeOther(ctx, `${mfaPath(loaded.uid, '/enroll')}?type=sms`);
}

/** POST /interaction/:uid/mfa/enroll/sms/confirm — the code that went to the new phone. */
export async function confirmSms(ctx: Context, loaded: LoadedInteraction, deps: MfaDeps): Promise<void> {
  const found = await enrollFlow(ctx, loaded, deps);
  if (!found) return;
  const challenge = found.flow.challenge?.factorId === 'enroll' ? found.flow.challenge : undefined;
  if (!challenge) return renderEnroll(ctx, loaded, deps, { type: 'sms', error: { key: 'mfa.error.noCode' } });
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const parsed = readSixDigitCode(body.code);
  if (!parsed.ok) return renderEnroll(ctx, loaded, deps, { type: 'sms', error: { key: 'mfa.error.missing', field: 'code' } });
  const result = await deps.factorChanges.confirmCode(ownerOf(loaded, found), challenge.codeId, parsed.code);
  if (!result.ok) {
    return renderEnroll(ctx, loaded, deps, { type: 'sms', error: { key: result.reason === 'invalid' ? 'mfa.error.code' : 'mfa.error.expired', field: 'code' } });
  }
  await deps.flows.update(found.flow._id, 'mfa', { challenge: undefined });
  await enrolled(ctx, loaded, deps, found.flow, [FACTOR_AMR.sms]);
}

/** POST /interaction/:uid/mfa/enroll/passkey — the new passkey's attestation; creating it proved the device. */
export async function enrollPasskey(ctx: Context, loaded: LoadedInteraction, deps: MfaDeps): Promise<void> {
  const found = await enrollFlow(ctx, loaded, deps);
  if (!found) return;
  const body = (ctx.request.body ?? {}) as Record<string, unknown>;
  const challengeId = found.flow.webauthnChallengeId;
  if (!challengeId) return renderEnroll(ctx, loaded, deps, { type: 'passkey', error: { key: 'passkey.error.failed' } });
  const result = await deps.factorChanges.registerPasskey(ownerOf(loaded, found), challengeId, body.response);
  if (!result.ok) return renderEnroll(ctx, loaded, deps, { type: 'passkey', error: { key: 'passkey.error.failed' } });
  await enrolled(ctx, loaded, deps, found.flow, [result.passkey.backedUp ? 'swk' : 'hwk', 'user']);
}
