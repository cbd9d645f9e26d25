// The README's table of audit events is the catalogue, row for row.
import { readFileSync } from 'node:fs';
import { AUDIT_EVENTS, AUDIT_EVENT_TYPES, isAuditEventType } from '../../src/services/audit-events.ts';
import { auditEvent, type AuditEvent } from '../../src/services/audit.ts';

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

it('types each event\'s details by its type (the typecheck of npm test refuses a wrong shape)', () => {
  const recorded: AuditEvent[] = [];
  const record = (e: AuditEvent) => void recorded.push(e);
  record({ type: 'factor.removed', outcome: 'success', accountId: 'a', details: { factorType: 'sms', factorId: 'f1' } });
  record({ type: 'session.revoked', outcome: 'success', accountId: 'a', details: { uid: 'u1' } });
  // @ts-expect-error a session's event names its uid, not a factor
  record({ type: 'session.revoked', outcome: 'success', details: { factorType: 'sms', factorId: 'f1' } });
  // @ts-expect-error events without details take none
  record({ type: 'password.changed', outcome: 'success', details: { anything: true } });
  // @ts-expect-error not in the catalogue
  record({ type: 'password.chnged', outcome: 'success' });
  // A helper that records several types is checked where it is called.
  const typed = auditEvent({ type: 'throttle.lockout', outcome: 'failure', details: { action: 'login', retryAfterSeconds: 60 } });
  // @ts-expect-error retryAfterSeconds is a number
  auditEvent({ type: 'throttle.lockout', outcome: 'failure', details: { action: 'login', retryAfterSeconds: '60' } });
  expect(recorded.map((e) => e.type)).toEqual(['factor.removed', 'session.revoked', 'session.revoked', 'password.changed', 'password.chnged']);
  expect(typed).toMatchObject({ type: 'throttle.lockout', details: { retryAfterSeconds: 60 } });
});
