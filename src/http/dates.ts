// Dates and times on a first-party area's pages, in the reader's language and in the time zone their profile names
// (when it names one this runtime knows), else the server's.
import type { Locale } from '../i18n/index.ts';
import { timeZones } from '../services/profile.ts';

/** Whose page it is: their language, and their profile's time zone (zoneinfo). */
export interface Reader {
  locale: Locale;
  user: { zoneinfo?: string | undefined };
}

function formatter(reader: Reader, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const timeZone = reader.user.zoneinfo && timeZones().has(reader.user.zoneinfo) ? reader.user.zoneinfo : undefined;
  return new Intl.DateTimeFormat(reader.locale, { ...options, ...(timeZone ? { timeZone } : {}) });
}

export function formatTime(date: Date, reader: Reader): string {
  return formatter(reader, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

export function formatDate(date: Date, reader: Reader): string {
  return formatter(reader, { dateStyle: 'medium' }).format(date);
}
