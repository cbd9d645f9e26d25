// The communication choices offered on the sign-up page: topics the operator marked `signup: true`, one unticked
// checkbox per channel. What is ticked travels with the pending sign-up (the code's payload) and is stored, with
// source 'signup', the app and the browser, once the account exists. Nothing ticked stores nothing: "no" is what
// a customer who never chose has anyway.
import type { Context } from 'koa';
import type { Locale } from '../i18n/index.ts';
import { checkboxValues, offeredPairs as pairsOf, pairValue, topicViews } from '../http/preference-form.ts';
import type { SignupOptIn } from '../services/code-payloads.ts';
import type { PreferenceService } from '../services/preferences.ts';
import type { FormError } from './forms.ts';

export type SignupPreferences = Pick<PreferenceService, 'topics' | 'set'>;

/** An opt-in made on the sign-up form. */
export type { SignupOptIn };

/** The checkboxes' name on the sign-up's (and the federated sign-up's) form. */
export const SIGNUP_PREFERENCES_FIELD = 'optin';
const FIELD = SIGNUP_PREFERENCES_FIELD;

const offeredTopics = (prefs: SignupPreferences | undefined) => prefs?.topics.filter((t) => t.signup) ?? [];
const offeredPairs = (prefs: SignupPreferences | undefined) => pairsOf(offeredTopics(prefs));

/** The fieldset's data, or null when nothing is offered at sign-up. A re-shown form keeps what was ticked. */
export function signupPreferencesView(prefs: SignupPreferences | undefined, locale: Locale, ctx: Context) {
  const topics = offeredTopics(prefs);
  if (!topics.length) return null;
  const body = ctx.method === 'POST' ? ((ctx.request.body ?? {}) as Record<string, unknown>) : {};
  const ticked = new Set(checkboxValues(body[FIELD]) ?? []);
  return { field: FIELD, topics: topicViews(topics, locale, (topic, channel) => ticked.has(pairValue(topic, channel))) };
}

/** The opt-ins of a sign-up post, or the problem when it names a pair not offered at sign-up. */
export function readSignupPreferences(
  prefs: SignupPreferences | undefined,
  body: Record<string, unknown>,
): { ok: true; optIns: SignupOptIn[] } | { ok: false; error: FormError } {
  const values = checkboxValues(body[FIELD]);
  const offered = offeredPairs(prefs);
  if (!values || !values.every((v) => offered.has(v))) return { ok: false, error: { key: 'signup.preferences.error.invalid' } };
  const optIns = [...new Set(values)].map((v) => {
    const [topic = '', channel = ''] = v.split(':');
    return { topic, channel };
  });
  return { ok: true, optIns };
}

/** Stores the opt-ins of a completed sign-up (history rows with source 'signup', audited). */
export async function recordSignupPreferences(
  prefs: SignupPreferences | undefined,
  accountId: string,
  optIns: readonly SignupOptIn[] | undefined,
  meta: { clientId: string; ip?: string; userAgent?: string },
): Promise<void> {
  if (!prefs || !optIns?.length) return;
  // Offered when the form was sent; a topic the operator removed since is dropped rather than failing the sign-up.
  const offered = offeredPairs(prefs);
  const choices = optIns.filter((o) => offered.has(pairValue(o.topic, o.channel))).map((o) => ({ ...o, optIn: true }));
  if (choices.length) await prefs.set(accountId, choices, { source: 'signup', ...meta });
}
