// The console's overview: sign-ins, failed sign-ins, sign-ups, second factors used and throttle blocks per day over
// the last two weeks, from the audit log, each as a bar chart drawn on the server (inline SVG: no script, nothing
// fetched, the strict CSP stays) with the same numbers in a table for screen readers and copying.
import type { AuditEventType } from '../services/audit-events.ts';
import type { MessageKey } from '../i18n/index.ts';
import type { ConsoleDeps } from './deps.ts';
import type { ConsolePages } from './pages.ts';

const DAYS = 14;
const DAY_MS = 86_400_000;

/** One chart: which events (and outcome) it counts. */
const SERIES: readonly { key: string; label: MessageKey; type: AuditEventType; outcome?: 'success' | 'failure' }[] = [
  { key: 'signins', label: 'console.overview.signins', type: 'login.success' },
  { key: 'failures', label: 'console.overview.failures', type: 'login.failure' },
  { key: 'signups', label: 'console.overview.signups', type: 'user.created' },
  { key: 'mfa', label: 'console.overview.mfa', type: 'mfa.success' },
  { key: 'blocks', label: 'console.overview.blocks', type: 'throttle.lockout' },
];

const WIDTH = 420;
const HEIGHT = 120;

/** Bars for `values` (one per day), as SVG rectangles with their own titles; the largest value fills the height. */
export function bars(values: readonly number[], days: readonly string[]): { rects: { x: number; y: number; w: number; h: number; title: string }[]; max: number } {
  const max = Math.max(1, ...values);
  const slot = WIDTH / values.length;
  return {
    max,
    rects: values.map((v, i) => {
      const h = Math.round((v / max) * (HEIGHT - 4));
      return { x: Math.round(i * slot + 2), y: HEIGHT - h, w: Math.max(1, Math.round(slot - 4)), h, title: `${days[i]}: ${v}` };
    }),
  };
}

export function overviewRoutes(pages: ConsolePages, deps: Pick<ConsoleDeps, 'audit'>): void {
  pages.get('/overview', { permission: 'overview.read' }, async (ctx, op) => {
    const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
    const from = new Date(today - (DAYS - 1) * DAY_MS);
    const days = Array.from({ length: DAYS }, (_, i) => new Date(from.getTime() + i * DAY_MS).toISOString().slice(0, 10));
    const counts = await deps.audit.dailyCounts([...new Set(SERIES.map((s) => s.type))], from);
    const series = SERIES.map((s) => {
      const values = days.map((day) => counts.filter((c) => c.day === day && c.type === s.type && (!s.outcome || c.outcome === s.outcome)).reduce((n, c) => n + c.count, 0));
      return { key: s.key, label: s.label, values, total: values.reduce((n, v) => n + v, 0), chart: bars(values, days) };
    });
    pages.render(ctx, op, 'overview', { section: 'overview', title: 'console.overview.title', data: { days, series, width: WIDTH, height: HEIGHT } });
  });
}
