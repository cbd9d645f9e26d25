// The README's table of audit events is the catalogue, row for row.
import { readFileSync } from 'node:fs';
import { AUDIT_EVENTS, AUDIT_EVENT_TYPES, isAuditEventType } from '../../src/services/audit-events.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('### Audit events'), readme.indexOf('\n### ', readme.indexOf('### Audit events') + 1));

describe('the audit event catalogue', () => {
  it('is the README table, in the same order and words', () => {
    const rows = [...section.matchAll(/^\| `([^`]+)` \| (.+) \|$/gm)].map((m) => [m[1], m[2]]);
    expect(rows).toEqual(Object.entries(AUDIT_EVENTS));
  });

  it('names each event once, as area.what (or a bare word), and knows its own types only', () => {
    for (const type of AUDIT_EVENT_TYPES) expect(type).toMatch(/^[a-z_]+(\.[a-z_]+)?$/);
    expect(isAuditEventType('login.success')).toBe(true);
    expect(isAuditEventType('login.sucess')).toBe(false);
    expect(isAuditEventType('toString')).toBe(false);
  });
});
