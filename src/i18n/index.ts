// Page language: the OIDC ui_locales parameter wins (the relying party knows its user's language), then the
// browser's Accept-Language, then English.
import { accountMessages } from './messages/account.ts';
import { accountMfaMessages } from './messages/account-mfa.ts';
import { authMessages } from './messages/auth.ts';
import { botCheckMessages } from './messages/bot-check.ts';
import { brandingMessages } from './messages/branding.ts';
import { consentMessages } from './messages/consent.ts';
import { consoleMessages } from './messages/console.ts';
import { da } from './messages/da.ts';
import { de } from './messages/de.ts';
import { en } from './messages/en.ts';
import { legalMessages } from './messages/legal.ts';
import { mailMessages } from './messages/mail.ts';
import { federationMessages } from './messages/federation.ts';
import { formMessages } from './messages/forms.ts';
import { mfaMessages } from './messages/mfa.ts';
import { es } from './messages/es.ts';
import { fr } from './messages/fr.ts';
import { it } from './messages/it.ts';
import { nl } from './messages/nl.ts';
import { pl } from './messages/pl.ts';
import { privacyMessages } from './messages/privacy.ts';
import { preferencesMessages } from './messages/preferences.ts';
import { securityMessages } from './messages/security.ts';

// The core catalog (en.ts and its translations) plus one bundle per feature area (messages/<area>.ts).
const bundles = [authMessages, accountMessages, mailMessages, securityMessages, mfaMessages, accountMfaMessages, legalMessages, preferencesMessages, privacyMessages, consentMessages, federationMessages, consoleMessages, brandingMessages, botCheckMessages, formMessages] as const;

export type MessageKey =
  | keyof typeof en
  | keyof typeof authMessages.en
  | keyof typeof accountMessages.en
  | keyof typeof mailMessages.en
  | keyof typeof securityMessages.en
  | keyof typeof mfaMessages.en
  | keyof typeof federationMessages.en
  | keyof typeof accountMfaMessages.en
  | keyof typeof legalMessages.en
  | keyof typeof preferencesMessages.en
  | keyof typeof privacyMessages.en
  | keyof typeof consentMessages.en
  | keyof typeof consoleMessages.en
  | keyof typeof brandingMessages.en
  | keyof typeof botCheckMessages.en
  | keyof typeof formMessages.en;
type Catalog = Readonly<Record<MessageKey, string>>;

export const SUPPORTED_LOCALES = ['en', 'de', 'da', 'pl', 'fr', 'es', 'it', 'nl'] as const;
export type Locale = (typeof SUPPORTED_LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en';

function merge(locale: Locale, core: Readonly<Record<string, string>>): Catalog {
  return Object.assign({}, core, ...bundles.map((b) => b[locale])) as Catalog;
}

const catalogs: Record<Locale, Catalog> = {
  en: merge('en', en),
  de: merge('de', de),
  da: merge('da', da),
  pl: merge('pl', pl),
  fr: merge('fr', fr),
  es: merge('es', es),
  it: merge('it', it),
  nl: merge('nl', nl),
};

/** Every message key (the English catalogue's). */
export const MESSAGE_KEYS = Object.keys(catalogs.en) as readonly MessageKey[];

// Bounds the work a hostile header can cause; real lists are a handful of tags.
const MAX_TAGS = 20;

export function isLocale(value: string): value is Locale {
  return (SUPPORTED_LOCALES as readonly string[]).includes(value);
}

// "de-AT" and "de_AT" fall back to "de": a regional variant is better served by its language than by English.
function match(tag: string): Locale | undefined {
  const lower = tag.trim().toLowerCase();
  if (isLocale(lower)) return lower;
  const primary = lower.split(/[-_]/)[0] ?? '';
  return isLocale(primary) ? primary : undefined;
}

function fromUiLocales(value: unknown): Locale | undefined {
  if (typeof value !== 'string') return undefined;
  for (const tag of value.split(' ').slice(0, MAX_TAGS)) {
    const locale = match(tag);
    if (locale) return locale;
  }
  return undefined;
}

function fromAcceptLanguage(header: string | undefined): Locale | undefined {
  if (!header) return undefined;
  const ranked = header
    .split(',')
    .slice(0, MAX_TAGS)
    .map((part, index) => {
      const [tag = '', ...params] = part.split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const weight = q === undefined ? 1 : Number(q.slice(2));
      return { tag, weight: Number.isFinite(weight) ? weight : 0, index };
    })
    .filter((e) => e.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index);
  for (const { tag } of ranked) {
    const locale = match(tag);
    if (locale) return locale;
  }
  return undefined;
}

export function pickLocale(uiLocales: unknown, acceptLanguage?: string): Locale {
  return fromUiLocales(uiLocales) ?? fromAcceptLanguage(acceptLanguage) ?? DEFAULT_LOCALE;
}

export type Translate = (key: MessageKey, vars?: Record<string, string>) => string;

export function translator(locale: Locale): Translate {
  const catalog = catalogs[locale];
  // Values are inserted as plain text; escaping is the template's job, at output.
  return (key, vars) => catalog[key].replace(/\{(\w+)\}/g, (whole, name: string) => vars?.[name] ?? whole);
}

export function hasMessage(key: string): key is MessageKey {
  return Object.hasOwn(catalogs.en, key);
}

/** Message keys `<base>` that come in the forms <base>.one|few|many|other. */
export type PluralBase = {
  [K in MessageKey]: K extends `${infer B}.other` ? (`${B}.one` | `${B}.few` | `${B}.many` extends MessageKey ? B : never) : never;
}[MessageKey];

/**
 * The form of `base` for `count` in `locale` (Intl.PluralRules: Polish needs one/few/many/other; French, Spanish and
 * Italian one/many/other, French's one covering 0 too; the others one/other).
 */
export function pluralKey(locale: Locale, base: PluralBase, count: number): MessageKey {
  const category = new Intl.PluralRules(locale).select(count);
  return `${base}.${category === 'one' || category === 'few' || category === 'many' ? category : 'other'}` as MessageKey;
}

/** "1 device" / "3 devices": `{count}` in the text is the number; `vars` fill the others. */
export function plural(locale: Locale, base: PluralBase, count: number, vars: Record<string, string> = {}): string {
  return translator(locale)(pluralKey(locale, base, count), { count: String(count), ...vars });
}

/** How long a mailed or texted code lives, in whole minutes (rounded down: a promise of less time than there is). */
export function codeMinutes(ttlSeconds: number): number {
  return Math.max(1, Math.floor(ttlSeconds / 60));
}

/** "The code expires in 10 minutes.": the one wording of a code's lifetime, on pages and in mail alike. */
export function codeExpiry(locale: Locale, ttlSeconds: number): string {
  const minutes = codeMinutes(ttlSeconds);
  return plural(locale, 'mail.code.expires', minutes, { minutes: String(minutes) });
}
