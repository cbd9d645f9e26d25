import type { Connection } from 'mongoose';
import { createAuditLog, type AuditLog } from '../../../src/services/audit.ts';
import { createAppMetadata, MAX_DEPTH, validateAppMetadata, type AppMetadata } from '../../../src/services/app-metadata.ts';
import { dropAndClose, openTestConnection } from '../../support/db.ts';

let conn: Connection;
let audit: AuditLog;
let metadata: AppMetadata;

beforeAll(async () => {
  conn = await openTestConnection();
  audit = createAuditLog(conn);
  metadata = createAppMetadata({ conn, maxBytes: 1024, audit });
});
afterAll(() => dropAndClose(conn));

const nest = (levels: number, leaf: unknown = 1): unknown => (levels === 0 ? leaf : { n: nest(levels - 1, leaf) });

describe('app metadata validation', () => {
  it('accepts JSON objects up to the depth and size limits', () => {
    expect(MAX_DEPTH).toBe(5);
    expect(validateAppMetadata(nest(5), 1024).json).toBe('{"n":{"n":{"n":{"n":{"n":1}}}}}');
    expect(validateAppMetadata({ list: [[[[1]]]] }, 1024).data).toEqual({ list: [[[[1]]]] });
    expect(validateAppMetadata({}, 1024).json).toBe('{}');
    expect(validateAppMetadata({ s: 'é'.repeat(7) }, 22).json).toBe(`{"s":"${'é'.repeat(7)}"}`);
  });

  it('refuses anything else with a message for the developer', () => {
    const cases: [unknown, RegExp][] = [
      [[1], /must be a JSON object/],
      [null, /must be a JSON object/],
      ['{}', /must be a JSON object/],
      [new Date(), /must be a JSON object/],
      [nest(6), /must not nest deeper than 5 levels/],
      [{ list: [[[[[1]]]]] }, /must not nest deeper than 5 levels/],
      [{ at: new Date() }, /JSON values only/],
      [{ f: () => 1 }, /JSON values only/],
      [{ u: undefined }, /JSON values only/],
      [{ n: Number.NaN }, /finite numbers only/],
      [{ big: 10n }, /JSON values only/],
      // Multi-byte characters count as bytes: 8 characters, 16 bytes, plus 8 of JSON = 24 > 22.
      [{ s: 'é'.repeat(8) }, /is 24 bytes as JSON; at most 22 are allowed/],
    ];
    for (const [value, message] of cases) {
      expect(() => validateAppMetadata(value, 22 + (message.source.includes('bytes') ? 0 : 1000))).toThrow(message);
    }
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => validateAppMetadata(cyclic, 1024)).toThrow(expect.objectContaining({ status: 400 }));
  });
});

describe('app metadata store', () => {
  it('keeps one record per account and app, lists them, and removes one or all with an audit record', async () => {
    await metadata.set('acc-1', 'shop', { a: 1 });
    await metadata.set('acc-1', 'crm', { b: 2 });
    await metadata.set('acc-1', 'shop', { a: 3 });
    await metadata.set('acc-2', 'shop', { c: 4 });
    expect(await metadata.get('acc-1', 'shop')).toEqual({ a: 3 });
    expect(await metadata.get('acc-1', 'nobody')).toBeUndefined();

    const listed = await metadata.listForAccount('acc-1');
    expect(listed.map(({ clientId, data }) => ({ clientId, data }))).toEqual([
      { clientId: 'crm', data: { b: 2 } },
      { clientId: 'shop', data: { a: 3 } },
    ]);
    expect(listed[0]!.updatedAt).toBeInstanceOf(Date);

    await metadata.remove('acc-1', 'crm');
    expect(await metadata.get('acc-1', 'crm')).toBeUndefined();
    await metadata.remove('acc-1');
    expect(await metadata.listForAccount('acc-1')).toEqual([]);
    expect(await metadata.get('acc-2', 'shop')).toEqual({ c: 4 });
    await metadata.remove('acc-1');

    const deleted = await audit.list({ type: 'app_metadata.deleted', accountId: 'acc-1' });
    expect(deleted.map((e) => [e.clientId, e.details])).toEqual([
      [undefined, { records: 1 }],
      ['crm', { records: 1 }],
    ]);
    expect(await audit.list({ type: 'app_metadata.updated', accountId: 'acc-1' })).toHaveLength(3);
  });

  it('ends with exactly one record when first writes race, and stores nothing invalid', async () => {
    await Promise.all(Array.from({ length: 10 }, (_, i) => metadata.set('acc-race', 'shop', { i })));
    expect(await conn.collection('app_metadata').countDocuments({ accountId: 'acc-race' })).toBe(1);
    await expect(metadata.set('acc-race', 'shop', [1])).rejects.toMatchObject({ status: 400, code: 'invalid_request' });
    expect(Object.keys((await metadata.get('acc-race', 'shop'))!)).toEqual(['i']);
  });
});
