// Form pieces the communication-preference checkboxes share, on the sign-up page (interaction/signup-preferences.ts)
// and in the account center (account/preferences.ts): how a (topic, channel) pair is named, how the checkboxes are
// read back, and how the topics are shown.
import type { Channel, TopicConfig } from '../config/index.ts';
import { translator, type Locale, type Translate } from '../i18n/index.ts';
import { localizedText } from '../services/preferences.ts';

// Bounds on what a post may carry: every configured pair fits many times over.
const MAX_VALUES = 500;
const MAX_VALUE = 100;

/** How a (topic, channel) pair is named in forms: `newsletter:email`. */
export const pairValue = (topic: string, channel: string) => `${topic}:${channel}`;

/** Every (topic, channel) pair of these topics, as forms name them. */
export const offeredPairs = (topics: readonly TopicConfig[]) => new Set(topics.flatMap((t) => t.channels.map((c) => pairValue(t.id, c))));

/** A repeated form field (checkboxes) as a list of strings; undefined when it is anything else or oversized. */
export function checkboxValues(field: unknown): string[] | undefined {
  if (field === undefined) return [];
  const list = Array.isArray(field) ? field : [field];
  if (list.length > MAX_VALUES || !list.every((v): v is string => typeof v === 'string' && v.length <= MAX_VALUE)) return undefined;
  return list;
}

export const channelName = (t: Translate, channel: Channel) => t(`preferences.channel.${channel}`);

/** The topics as the page and the sign-up form show them: localized texts, one checkbox per channel. */
export function topicViews(topics: readonly TopicConfig[], locale: Locale, checked: (topic: string, channel: string) => boolean) {
  const t = translator(locale);
  return topics.map((topic) => ({
    id: topic.id,
    title: localizedText(topic.title, locale) ?? topic.id,
    description: localizedText(topic.description, locale) ?? null,
    channels: topic.channels.map((channel) => ({
      value: pairValue(topic.id, channel),
      inputId: `pref-${topic.id}-${channel}`,
      name: channelName(t, channel),
      checked: checked(topic.id, channel),
    })),
  }));
}
