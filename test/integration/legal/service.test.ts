// The legal documents service against the real database: which version is in force when and for which app, what a
// customer still has to accept, acceptance recorded once per version with its evidence, history, export and erasure.
import type { Connection } from 'mongoose';
import { loadConfig, type LegalDocumentConfig } from '../../../src/config/index.ts';
import { legalAcceptanceModel } from '../../../src/db/models/legal-acceptance.ts';
import type { AuditEvent } from '../../../src/services/audit.ts';
import { createLegal, type LegalService } from '../../../src/services/legal.ts';
import { dropAndClose, openTestConnection } from '../../support/db.ts';

// Through loadConfig, so the service sees exactly what an operator's LEGAL_DOCUMENTS produces.
const DOCUMENTS: LegalDocumentConfig[] = loadConfig({
  NODE_ENV: 'test',
  COOKIE_KEYS: 'k'.repeat(32),
  DATA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
  LEGAL_DOCUMENTS: JSON.stringify([
    { id: 'terms', version: '1', effective: '2020-01-01', text: { en: 'First terms.' } },
    { id: 'terms', version: '2', effective: '2024-06-01', text: { en: 'Second terms.', de: 'Zweite Bedingungen.' }, changes: { en: 'Refunds explained.' } },
    { id: 'terms', version: '3', effective: '2099-01-01', text: { en: 'Future terms.' } },
    { id: 'privacy', version: '2020', effective: '2020-01-01', url: { en: 'https://example.com/privacy', de: 'https://example.com/de/privacy' }, changesUrl: { en: 'https://example.com/privacy/changes' } },
    { id: 'partner', version: 'a', effective: '2021-01-01', title: { en: 'Partner terms', de: 'Partnerbedingungen' }, text: { en: 'Partner only.' }, clients: ['partner-app'] },
  ]),
}).legal.documents;

let conn: Connection;
let legal: LegalService;
const audit: AuditEvent[] = [];
let counter = 0;
const account = () => `acc-${Date.now().toString(36)}-${counter++}`;
const ids = (docs: { id: string; version: string }[]) => docs.map((d) => `${d.id}@${d.version}`);

beforeAll(async () => {
  conn = await openTestConnection();
  await legalAcceptanceModel(conn).createIndexes();
  legal = createLegal({ conn, documents: DOCUMENTS, audit: { record: async (e) => void audit.push(e) }, now: () => Date.parse('2025-01-01T00:00:00Z') });
});

afterAll(async () => {
  await dropAndClose(conn);
});

describe('documents in force', () => {
  it('is the latest version whose time has come, per document and per app; later versions are announced', () => {
    expect(ids(legal.inForce())).toEqual(['privacy@2020', 'terms@2']);
    expect(ids(legal.inForce('shop'))).toEqual(['privacy@2020', 'terms@2']);
    expect(ids(legal.inForce('partner-app'))).toEqual(['partner@a', 'privacy@2020', 'terms@2']);
    expect(ids(legal.inForce('shop', new Date('2023-01-01')))).toEqual(['privacy@2020', 'terms@1']);
    expect(ids(legal.inForce('shop', new Date('2019-12-31')))).toEqual([]);
    expect(ids(legal.upcoming('shop'))).toEqual(['terms@3']);
  });

  it('names, links and summarises each version in the customer language, else English', () => {
    const terms = legal.find('terms', '2')!;
    expect(terms.title('en')).toBe('Terms of service');
    expect(terms.title('de')).toBe('Nutzungsbedingungen');
    expect(terms.url('de')).toBe('/legal/terms/2');
    expect(terms.text('de')).toEqual({ value: 'Zweite Bedingungen.', lang: 'de' });
    expect(terms.text('pl')).toEqual({ value: 'Second terms.', lang: 'en' });
    expect(terms.changes('da')).toEqual({ value: 'Refunds explained.', lang: 'en' });
    expect(terms.changesUrl('en')).toBe('/legal/terms/2#changes');
    const privacy = legal.find('privacy', '2020')!;
    expect(privacy.title('pl')).toBe('Polityka prywatności');
    expect(privacy.url('de')).toBe('https://example.com/de/privacy');
    expect(privacy.url('da')).toBe('https://example.com/privacy');
    expect(privacy.changesUrl('en')).toBe('https://example.com/privacy/changes');
    expect(legal.find('partner', 'a')!.title('de')).toBe('Partnerbedingungen');
    expect(legal.find('terms', '9')).toBeUndefined();
  });
});

describe('acceptance', () => {
  it('asks for what is in force and not yet accepted in that version, for that app', async () => {
    const id = account();
    expect(ids(await legal.pending(id, 'shop'))).toEqual(['privacy@2020', 'terms@2']);
    await legal.accept(id, [{ id: 'terms', version: '1' }, { id: 'privacy', version: '2020' }], { source: 'signup', clientId: 'shop' });
    // An older version accepted does not count for the one in force.
    expect(ids(await legal.pending(id, 'shop'))).toEqual(['terms@2']);
    await legal.accept(id, [{ id: 'terms', version: '2' }], { source: 'login', clientId: 'shop' });
    expect(await legal.pending(id, 'shop')).toEqual([]);
    expect(ids(await legal.pending(id, 'partner-app'))).toEqual(['partner@a']);
  });

  it('records each version once, with time, app, address and browser, and audits only what was new', async () => {
    const id = account();
    const at = new Date('2024-12-24T10:00:00Z');
    const meta = { source: 'login' as const, clientId: 'shop', ip: '203.0.113.9', userAgent: 'Firefox/128', at };
    const before = audit.length;
    await legal.accept(id, [{ id: 'terms', version: '2' }], meta);
    await legal.accept(id, [{ id: 'terms', version: '2' }, { id: 'privacy', version: '2020' }], { ...meta, at: new Date('2024-12-25T10:00:00Z') });
    await Promise.all([1, 2, 3].map(() => legal.accept(id, [{ id: 'terms', version: '2' }], meta)));

    const history = await legal.history(id);
    expect(history).toEqual([
      { documentId: 'privacy', version: '2020', acceptedAt: new Date('2024-12-25T10:00:00Z'), source: 'login', clientId: 'shop', ip: '203.0.113.9', userAgent: 'Firefox/128' },
      { documentId: 'terms', version: '2', acceptedAt: at, source: 'login', clientId: 'shop', ip: '203.0.113.9', userAgent: 'Firefox/128' },
    ]);
    const events = audit.slice(before).filter((e) => e.accountId === id);
    expect(events.map((e) => [e.type, e.details])).toEqual([
      ['legal.accepted', { documents: [{ id: 'terms', version: '2' }] }],
      ['legal.accepted', { documents: [{ id: 'privacy', version: '2020' }] }],
    ]);
    expect(events[0]).toMatchObject({ outcome: 'success', clientId: 'shop', ip: '203.0.113.9', reason: 'login' });
  });

  it('refuses a version that is not configured and stores nothing', async () => {
    const id = account();
    await expect(legal.accept(id, [{ id: 'privacy', version: '2020' }, { id: 'terms', version: '9' }], { source: 'login' })).rejects.toThrow(/terms version 9/);
    expect(await legal.history(id)).toEqual([]);
  });

  it('audits a refusal without recording anything', async () => {
    const id = account();
    await legal.decline(id, [{ id: 'terms', version: '2' }], { clientId: 'shop', ip: '198.51.100.1' });
    expect(audit.filter((e) => e.accountId === id)).toEqual([
      expect.objectContaining({ type: 'legal.declined', outcome: 'failure', clientId: 'shop', details: { documents: [{ id: 'terms', version: '2' }] } }),
    ]);
    expect(await legal.history(id)).toEqual([]);
  });
});

describe('export and erasure', () => {
  it('exports every acceptance and removes them all, idempotently, leaving other accounts alone', async () => {
    const id = account();
    const other = account();
    await legal.accept(id, [{ id: 'terms', version: '1' }], { source: 'signup', clientId: 'shop', ip: '192.0.2.1', userAgent: 'UA', at: new Date('2021-01-01') });
    await legal.accept(id, [{ id: 'terms', version: '2' }], { source: 'login', at: new Date('2024-07-01') });
    await legal.accept(other, [{ id: 'terms', version: '2' }], { source: 'login' });

    expect(await legal.exportFor(id)).toEqual({
      acceptances: [
        { document: 'terms', version: '2', title: 'Terms of service', acceptedAt: new Date('2024-07-01'), source: 'login', clientId: null, ip: null, userAgent: null },
        { document: 'terms', version: '1', title: 'Terms of service', acceptedAt: new Date('2021-01-01'), source: 'signup', clientId: 'shop', ip: '192.0.2.1', userAgent: 'UA' },
      ],
    });
    expect(JSON.parse(JSON.stringify(await legal.exportFor(id)))).toBeTruthy();
    expect(await legal.removeAll(id)).toBe(2);
    expect(await legal.removeAll(id)).toBe(0);
    expect(await legal.exportFor(id)).toEqual({ acceptances: [] });
    expect(ids(await legal.pending(id, 'shop'))).toEqual(['privacy@2020', 'terms@2']);
    expect(await legal.history(other)).toHaveLength(1);
  });
});
