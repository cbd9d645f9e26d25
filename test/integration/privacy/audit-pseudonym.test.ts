// The one rewrite the audit log allows: erasure's pseudonymisation. Who a row names changes, what happened does not.
import { randomBytes } from 'node:crypto';
import type { Connection } from 'mongoose';
import { auditEventModel } from '../../../src/db/models/audit-event.ts';
import { ensureModelIndexes } from '../../../src/db/models/indexes.ts';
// Details of any shape: rows written by earlier versions may hold others, and scrubbing must reach into all of them.
import { auditPseudonym, createAuditLog, SCRUBBED, type AuditEvent } from '../../../src/services/audit.ts';
import { dropAndClose, openTestConnection } from '../../support/db.ts';

let conn: Connection;
beforeAll(async () => {
  conn = await openTestConnection();
  await ensureModelIndexes(conn);
});
afterAll(() => dropAndClose(conn));

it('replaces the account by a keyed pseudonym, drops address and browser, scrubs identifying details, touches no other row', async () => {
  const audit = createAuditLog(conn);
  const key = randomBytes(32);
  await audit.record({ type: 'login.success', outcome: 'success', accountId: 'acc-1', clientId: 'shop', ip: '192.0.2.1', userAgent: 'UA', details: { amr: ['pwd'] } } as unknown as AuditEvent);
  await audit.record({ type: 'profile.updated', outcome: 'success', accountId: 'acc-1', reason: 'by Ada', details: { fields: ['name'], note: 'was Ada@Example.com', nested: [{ to: '+4915112345678' }], byAda: 1 } } as AuditEvent);
  await audit.record({ type: 'login.success', outcome: 'success', accountId: 'acc-2', ip: '192.0.2.2' });

  const alias = auditPseudonym(key, 'acc-1');
  expect(alias).toMatch(/^erased:[\w-]{22}$/);
  expect(auditPseudonym(key, 'acc-1')).toBe(alias);
  expect(auditPseudonym(randomBytes(32), 'acc-1')).not.toBe(alias);

  expect(await audit.pseudonymise('acc-1', { pseudonym: alias, scrub: ['ada@example.com', '+4915112345678', 'Ada'] })).toBe(2);
  expect(await audit.forAccount('acc-1')).toEqual([]);
  const rows = await audit.forAccount(alias);
  expect(rows).toHaveLength(2);
  expect(rows[0]).toEqual({ id: expect.any(String), at: expect.any(Date), type: 'login.success', outcome: 'success', accountId: alias, clientId: 'shop', details: { amr: ['pwd'] } });
  expect(rows[1]).toMatchObject({ reason: SCRUBBED, details: { fields: ['name'], note: SCRUBBED, nested: [{ to: SCRUBBED }], [SCRUBBED]: 1 } });
  expect(JSON.stringify(rows)).not.toMatch(/ada|4915112345678|192\.0\.2\.1|acc-1/i);
  expect((await audit.forAccount('acc-2'))[0]).toMatchObject({ ip: '192.0.2.2' });
  // Everyone else still cannot rewrite history.
  await expect(auditEventModel(conn).updateMany({}, { $set: { type: 'x' } })).rejects.toThrow('append-only');
});
