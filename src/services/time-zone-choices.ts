// The time zone list of the profile forms: the runtime's IANA zones grouped by the region their id starts with, each
// labelled with its city, its name in the customer's language and its offset from UTC now ("Copenhagen – Central
// European Time (UTC+01:00)"). The value stays the IANA id: that is the zoneinfo claim.
import type { MessageKey } from '../i18n/index.ts';
import { byLabel, type Choice, type ChoiceGroup } from './choices.ts';
import { timeZones } from './profile-input.ts';

const GROUPS = {
  Africa: 'field.zone.africa',
  America: 'field.zone.america',
  Antarctica: 'field.zone.antarctica',
  Arctic: 'field.zone.arctic',
  Asia: 'field.zone.asia',
  Atlantic: 'field.zone.atlantic',
  Australia: 'field.zone.australia',
  Europe: 'field.zone.europe',
  Indian: 'field.zone.indian',
  Pacific: 'field.zone.pacific',
} as const satisfies Record<string, MessageKey>;
type GroupKey = (typeof GROUPS)[keyof typeof GROUPS];
// Zones outside the regions (UTC): listed first, in no group.
const OTHER = 'other' as const;

// ICU still lists a few zones under a city's former spelling; the label uses today's (the value stays the runtime's id).
const CITY_NAMES: Readonly<Record<string, string>> = {
  Calcutta: 'Kolkata',
  Katmandu: 'Kathmandu',
  Rangoon: 'Yangon',
  Saigon: 'Ho Chi Minh City',
  Kiev: 'Kyiv',
  Faeroe: 'Faroe',
  Godthab: 'Nuuk',
  Truk: 'Chuuk',
  Ponape: 'Pohnpei',
  Enderbury: 'Kanton',
  DumontDUrville: 'Dumont d’Urville',
};

/** "America/Indiana/Knox" → "Knox (Indiana)"; "Europe/Kiev" → "Kyiv". */
export function cityOf(zone: string): string {
  const parts = zone.split('/');
  const last = parts.at(-1) ?? zone;
  const city = (CITY_NAMES[last] ?? last).replaceAll('_', ' ');
  return parts.length > 2 ? `${city} (${(parts[1] ?? '').replaceAll('_', ' ')})` : city;
}

function zoneName(zone: string, locale: string, style: 'longGeneric' | 'long' | 'longOffset', now: number): string {
  const parts = new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName: style }).formatToParts(now);
  return parts.find((p) => p.type === 'timeZoneName')?.value ?? '';
}

/** "UTC+01:00", "UTC-03:30", "UTC" — the same in every language. */
function offsetOf(zone: string, now: number): string {
  return zoneName(zone, 'en', 'longOffset', now).replace(/^GMT/, 'UTC');
}

// The names in a language never change (computed once, ~0.1 s); offsets change with daylight saving time, so they are
// worked out again in the first request of each hour (offset changes fall on the hour almost everywhere).
const HOUR_MS = 3_600_000;
const named = new Map<string, { group: GroupKey | typeof OTHER; zone: string; text: string }[]>();
const cached = new Map<string, { hour: number; groups: readonly ChoiceGroup[] }>();
let offsets: { hour: number; byZone: Map<string, string> } | undefined;

function namesIn(locale: string, now: number) {
  let list = named.get(locale);
  if (!list) {
    list = [...timeZones()].map((zone) => {
      const region = zone.includes('/') ? zone.split('/')[0] ?? '' : '';
      const name = zoneName(zone, locale, zone === 'UTC' ? 'long' : 'longGeneric', now);
      // A zone without a name of its own is called "GMT+03:00": the offset says that already.
      const text = zone === 'UTC' ? name : /^(GMT|UTC)([+-]|$)/.test(name) ? cityOf(zone) : `${cityOf(zone)} – ${name}`;
      return { group: (GROUPS as Record<string, GroupKey>)[region] ?? OTHER, zone, text };
    });
    named.set(locale, list);
  }
  return list;
}

function offsetsAt(hour: number, now: number): Map<string, string> {
  if (offsets?.hour !== hour) offsets = { hour, byZone: new Map([...timeZones()].map((zone) => [zone, offsetOf(zone, now)])) };
  return offsets.byZone;
}

/** Every time zone, grouped by region (groups and zones in the order of the customer's language), UTC first. */
export function timeZoneChoices(locale: string, t: (key: MessageKey) => string, now = Date.now()): readonly ChoiceGroup[] {
  const hour = Math.floor(now / HOUR_MS);
  const hit = cached.get(locale);
  if (hit?.hour === hour) return hit.groups;
  const byZone = offsetsAt(hour, now);
  const grouped = new Map<GroupKey | typeof OTHER, Choice[]>();
  for (const { group, zone, text } of namesIn(locale, now)) {
    const label = zone === 'UTC' ? `UTC – ${text}` : `${text} (${byZone.get(zone) ?? ''})`;
    let options = grouped.get(group);
    if (!options) grouped.set(group, (options = []));
    options.push({ value: zone, label });
  }
  const sort = byLabel(locale);
  const collator = new Intl.Collator(locale);
  const ungrouped = grouped.get(OTHER) ?? [];
  grouped.delete(OTHER);
  const groups: ChoiceGroup[] = [
    ...(ungrouped.length ? [{ options: ungrouped.sort(sort) }] : []),
    ...[...grouped]
      .map(([key, options]) => ({ label: t(key as GroupKey), options: options.sort(sort) }))
      .sort((a, b) => collator.compare(a.label, b.label)),
  ];
  cached.set(locale, { hour, groups });
  return groups;
}
