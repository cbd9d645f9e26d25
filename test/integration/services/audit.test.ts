import type { Connection } from 'mongoose';
import { auditEventModel } from '../../../src/db/models/audit-event.ts';
import { ensureModelIndexes } from '../../../src/db/models/indexes.ts';
import { createAuditLog, type AuditEvent } from '../../../src/services/audit.ts';
import { dropAndClose, openTestConnection } from '../../support/db.ts';

let conn: Connection;

beforeAll(async () => {
  conn = await openTestConnection();
  await ensureModelIndexes(conn);
});
afterAll(() => dropAndClose(conn));

describe('audit log', () => {
  it('records events with time, account, client, ip and user agent, and lists them newest first', async () => {
    const audit = createAuditLog(conn);
    await audit.record({ type: 'login.failure', outcome: 'failure', accountId: 'a1', reason: 'bad_password', ip: '10.0.0.1', userAgent: 'UA/1' });
    await audit.record({ type: 'login.success', outcome: 'success', accountId: 'a1', clientId: 'app', details: { amr: ['pwd'] } } as unknown as AuditEvent);
    await audit.record({ type: 'client.created', outcome: 'success', clientId: 'other' });

    const all = await audit.list();
    expect(all.map((e) => e.type)).toEqual(['client.created', 'login.success', 'login.failure']);
    const failure = all[2]!;
    expect(failure).toMatchObject({ accountId: 'a1', reason: 'bad_password', ip: '10.0.0.1', userAgent: 'UA/1', outcome: 'failure' });
    expect(failure.at).toBeInstanceOf(Date);
    expect(typeof failure.id).toBe('string');
    expect(all[1]!.details).toEqual({ amr: ['pwd'] });
    expect(all[0]).not.toHaveProperty('accountId');
  });

  it('filters by type and account and honours the limit', async () => {
    const audit = createAuditLog(conn);
    expect((await audit.list({ accountId: 'a1' })).map((e) => e.type)).toEqual(['login.success', 'login.failure']);
    expect((await audit.list({ type: 'client.created' })).map((e) => e.clientId)).toEqual(['other']);
    expect(await audit.list({ limit: 1 })).toHaveLength(1);
  });

  it('bounds client-supplied strings', async () => {
    const audit = createAuditLog(conn);
    await audit.record({ type: 'logout', outcome: 'success', accountId: 'long', userAgent: 'x'.repeat(10_000) });
    const [e] = await audit.list({ accountId: 'long' });
    expect(e!.userAgent).toHaveLength(512);
  });

  it('refuses to rewrite or delete history through the model', async () => {
    const events = auditEventModel(conn);
    await expect(events.updateMany({}, { $set: { outcome: 'success' } })).rejects.toThrow('append-only');
    await expect(events.deleteMany({})).rejects.toThrow('append-only');
    await expect(events.findOneAndUpdate({}, { $set: { reason: 'x' } })).rejects.toThrow('append-only');
    expect(await events.countDocuments()).toBe(4);
  });
});

// Last: its rows would count in the tests above.
describe('audit log under load', () => {
  it('writes the events of concurrent requests together, each record() resolving once its own row is stored', async () => {
    const audit = createAuditLog(conn);
    const collection = auditEventModel(conn).collection;
    const original = collection.insertMany.bind(collection);
    let commands = 0;
    collection.insertMany = ((...args: Parameters<typeof original>) => {
      commands++;
      return original(...args);
    }) as typeof collection.insertMany;
    try {
      const ids = Array.from({ length: 20 }, (_, i) => `batch-${i}`);
      await Promise.all(ids.map((accountId) => audit.record({ type: 'session.revoked', outcome: 'success', accountId, details: { uid: accountId } })));
      expect(commands).toBeGreaterThan(0);
      expect(commands).toBeLessThan(ids.length);
      for (const accountId of ids) expect(await audit.forAccount(accountId)).toEqual([expect.objectContaining({ type: 'session.revoked', details: { uid: accountId } })]);
    } finally {
      collection.insertMany = original;
    }
  });
});
