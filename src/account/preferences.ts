// The account center's "Communication preferences" (/account/preferences): the operator's topics × channels as
// checkboxes, saved together, and the history of every change (time, topic, channel, choice, where it was made).
// - The form names the pairs it showed (hidden `shown` fields) next to the ticked ones (`optin`): a pair shown and
//   not ticked is an opt-out; a pair not shown is left as it is.
// - A topic or channel that is not configured, or a tick for a pair not shown, refuses the whole form (400, the
//   page again with the choices as posted), and nothing is stored.
// - Without configured topics the page says there is nothing to choose, and the navigation does not offer it.
import type { Context } from 'koa';
import { CHANNELS, type Channel, type TopicConfig } from '../config/index.ts';
import { translator } from '../i18n/index.ts';
import { localizedText, type PreferenceChange, type PreferenceChoice, type PreferenceMatrix, type PreferenceService } from '../services/preferences.ts';
import type { SignedIn } from './auth.ts';
import { FORM_ERROR, meta, seeOther, type AccountPages, type Body } from './pages.ts';
import { channelName, checkboxValues, offeredPairs, pairValue, topicViews } from '../http/preference-form.ts';
import { formatTime } from './view.ts';

export interface PreferencesDeps {
  preferences: Pick<PreferenceService, 'topics' | 'current' | 'set' | 'history'>;
}

const BASE = '/account/preferences';
/** Changes listed on the page; the export has them all. */
export const HISTORY_SHOWN = 50;
/** The choices a post makes, or undefined when it names anything that is not configured (or not shown). */
export function readChoices(body: Body, topics: readonly TopicConfig[]): PreferenceChoice[] | undefined {
  const shown = checkboxValues(body.shown);
  const optIn = checkboxValues(body.optin);
  if (!shown || !optIn) return undefined;
  const offered = offeredPairs(topics);
  const shownSet = new Set(shown);
  const ticked = new Set(optIn);
  if (![...shownSet].every((v) => offered.has(v)) || ![...ticked].every((v) => shownSet.has(v))) return undefined;
  return [...shownSet].map((value) => {
    const [topic = '', channel = ''] = value.split(':');
    return { topic, channel, optIn: ticked.has(value) };
  });
}

function historyRows(changes: readonly PreferenceChange[], topics: readonly TopicConfig[], account: SignedIn) {
  const t = translator(account.locale);
  const byId = new Map(topics.map((topic) => [topic.id, topic]));
  return changes.slice(0, HISTORY_SHOWN).map((change) => {
    const topic = byId.get(change.topic);
    const title = topic ? (localizedText(topic.title, account.locale) ?? topic.id) : t('account.preferences.retiredTopic', { topic: change.topic });
    const source = `account.preferences.source.${change.source}`;
    return {
      at: formatTime(change.at, account),
      iso: change.at.toISOString(),
      what: t('account.preferences.item', { topic: title, channel: isChannel(change.channel) ? channelName(t, change.channel) : change.channel }),
      choice: t(change.optIn ? 'account.preferences.optedIn' : 'account.preferences.optedOut'),
      optIn: change.optIn,
      source: isSource(source) ? t(source) : change.source,
    };
  });
}

const SOURCES = ['account.preferences.source.signup', 'account.preferences.source.account_center', 'account.preferences.source.operator'] as const;
const isSource = (key: string): key is (typeof SOURCES)[number] => (SOURCES as readonly string[]).includes(key);
const isChannel = (channel: string): channel is Channel => (CHANNELS as readonly string[]).includes(channel);

export function preferencesRoutes(pages: AccountPages, deps: PreferencesDeps): void {
  const { get, post, render } = pages;
  const { topics } = deps.preferences;

  const renderPage = async (ctx: Context, account: SignedIn, posted?: Set<string>) => {
    const [current, history] = await Promise.all([
      posted ? Promise.resolve<PreferenceMatrix>({}) : deps.preferences.current(account.accountId),
      deps.preferences.history(account.accountId),
    ]);
    const checked = posted ? (topic: string, channel: string) => posted.has(pairValue(topic, channel)) : (topic: string, channel: string) => current[topic]?.[channel] === true;
    render(
      ctx,
      account,
      'preferences',
      'preferences',
      'account.preferences.title',
      {
        topics: topicViews(topics, account.locale, checked),
        history: historyRows(history, topics, account),
        historyMore: history.length > HISTORY_SHOWN ? String(HISTORY_SHOWN) : null,
        error: posted ? 'account.preferences.error.invalid' : null,
      },
      posted ? FORM_ERROR : undefined,
    );
  };

  get('/preferences', {}, (ctx, account) => renderPage(ctx, account));

  post('/preferences', { back: BASE }, async (ctx, account, body) => {
    const choices = readChoices(body, topics);
    if (!choices) {
      // The ticks as posted, for the pairs that exist: the customer sees what they sent and what is wrong.
      const offered = offeredPairs(topics);
      const kept = new Set((checkboxValues(body.optin) ?? []).filter((v) => offered.has(v)));
      return renderPage(ctx, account, kept);
    }
    const changed = await deps.preferences.set(account.accountId, choices, { source: 'account_center', ...meta(ctx) });
    seeOther(ctx, BASE, changed > 0 ? 'account.flash.saved' : 'account.flash.nothingChanged');
  });
}
