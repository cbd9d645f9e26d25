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

describe("a request's events, held and written together", () => {
  /** Insert commands sent to the audit collection while `fn` runs. */
  async function inserts(fn: () => Promise<unknown>): Promise<number> {
    let count = 0;
    const client = conn.getClient();
    const seen = (e: { commandName: string; command: Record<string, unknown> }) => {
      if (e.commandName === 'insert' && e.command.insert === 'audit_events') count += 1;
    };
    client.on('commandStarted', seen);
    try {
      await fn();
    } finally {
      client.off('commandStarted', seen);
    }
    return count;
  }

  it('writes the events of one scope as one command when it ends, and reads inside it see them', async () => {
    const audit = createAuditLog(conn);
    const sent = await inserts(() =>
      audit.held(async () => {
        await audit.record({ type: 'risk.assessed', outcome: 'success', accountId: 'held-1', reason: 'allow' });
        await audit.record({ type: 'login.success', outcome: 'success', accountId: 'held-1' });
        expect((await audit.forAccount('held-1')).map((e) => e.type)).toEqual(['risk.assessed', 'login.success']);
        await audit.record({ type: 'logout', outcome: 'success', accountId: 'held-1' });
      }),
    );
    expect(sent).toBe(2);
    expect((await audit.forAccount('held-1')).map((e) => e.type)).toEqual(['risk.assessed', 'login.success', 'logout']);

    const together = await inserts(() =>
      audit.held(async () => {
        await audit.record({ type: 'risk.assessed', outcome: 'success', accountId: 'held-2', reason: 'allow' });
        await audit.record({ type: 'login.success', outcome: 'success', accountId: 'held-2' });
      }),
    );
    expect(together).toBe(1);
    expect(await audit.forAccount('held-2')).toHaveLength(2);
  });

  it("keeps a failed request's events and still fails it; an event after the scope ended is written at once", async () => {
    const audit = createAuditLog(conn);
    let later: (() => Promise<void>) | undefined;
    await expect(
      audit.held(async () => {
        await audit.record({ type: 'login.failure', outcome: 'failure', accountId: 'held-3', reason: 'bad_password' });
        later = () => audit.record({ type: 'logout', outcome: 'success', accountId: 'held-3' });
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect((await audit.forAccount('held-3')).map((e) => e.type)).toEqual(['login.failure']);
    expect(await inserts(() => later!())).toBe(1);
    expect((await audit.forAccount('held-3')).map((e) => e.type)).toEqual(['login.failure', 'logout']);
  });

  it('a request whose events cannot be written fails', async () => {
    const audit = createAuditLog(conn);
    await expect(
      audit.held(async () => {
        // Refused by the model's validation (an outcome outside the catalogue), as a write error would be.
        await audit.record({ type: 'logout', outcome: 'maybe' as never, accountId: 'held-4' });
        await audit.record({ type: 'logout', outcome: 'success', accountId: 'held-4' });
        return 'answered';
      }),
    ).rejects.toThrow();
  });
});
