// The time zone list of the profile forms: grouped by region, labelled with city, localised name and offset.
import { cityOf, timeZoneChoices } from '../../../src/services/time-zone-choices.ts';
import { translator } from '../../../src/i18n/index.ts';

const JANUARY = Date.UTC(2026, 0, 15, 12);
const JULY = Date.UTC(2026, 6, 15, 12);

describe('time zone choices', () => {
  it('groups every zone the runtime knows under its region, UTC first on its own', () => {
    const groups = timeZoneChoices('en', translator('en'), JANUARY);
    expect(groups[0]).toEqual({ options: [{ value: 'UTC', label: 'UTC – Coordinated Universal Time' }] });
    expect(groups.slice(1).map((g) => g.label)).toEqual([
      'Africa', 'Americas', 'Antarctica', 'Arctic', 'Asia', 'Atlantic Ocean', 'Australia', 'Europe', 'Indian Ocean', 'Pacific',
    ]);
    const values = groups.flatMap((g) => g.options.map((o) => o.value));
    expect(values.sort()).toEqual([...Intl.supportedValuesOf('timeZone'), 'UTC'].sort());
  });

  it('labels a zone with its city, its name in the language and its offset now', () => {
    const label = (locale: 'en' | 'de' | 'da' | 'pl', zone: string, now: number) =>
      timeZoneChoices(locale, translator(locale), now).flatMap((g) => g.options).find((o) => o.value === zone)?.label;
    expect(label('en', 'Europe/Berlin', JANUARY)).toBe('Berlin – Central European Time (UTC+01:00)');
    expect(label('en', 'Europe/Berlin', JULY)).toBe('Berlin – Central European Time (UTC+02:00)');
    expect(label('de', 'Europe/Berlin', JULY)).toBe('Berlin – Mitteleuropäische Zeit (UTC+02:00)');
    expect(label('pl', 'Asia/Calcutta', JULY)).toBe('Kolkata – czas indyjski standardowy (UTC+05:30)');
    expect(label('en', 'Asia/Katmandu', JULY)).toBe('Kathmandu – Nepal Time (UTC+05:45)');
    expect(label('da', 'America/St_Johns', JANUARY)).toMatch(/^St Johns – .+ \(UTC-03:30\)$/);
  });

  it('sorts zones and groups the way the language does', () => {
    const da = timeZoneChoices('da', translator('da'), JANUARY);
    // "Det Indiske Ocean" sorts under D.
    const labels = da.slice(1).map((g) => g.label ?? '');
    expect(labels).toEqual([...labels].sort(new Intl.Collator('da').compare));
    expect(labels).toContain('Det Indiske Ocean');
  });

  it('names cities from the zone id', () => {
    expect(cityOf('America/Indiana/Knox')).toBe('Knox (Indiana)');
    expect(cityOf('America/Port_of_Spain')).toBe('Port of Spain');
    expect(cityOf('Europe/Kiev')).toBe('Kyiv');
    expect(cityOf('UTC')).toBe('UTC');
  });
});
