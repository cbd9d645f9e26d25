import type { Connection } from 'mongoose';
import type { TopicConfig } from '../../../src/config/index.ts';
import { createAuditLog, type AuditLog } from '../../../src/services/audit.ts';
import { createPreferences, localizedText, type PreferenceService } from '../../../src/services/preferences.ts';
import { dropAndClose, openTestConnection } from '../../support/db.ts';

const TOPICS: TopicConfig[] = [
  { id: 'newsletter', title: { en: 'Newsletter', de: 'Newsletter' }, channels: ['email', 'post'], signup: true },
  { id: 'offers', title: { en: 'Offers' }, channels: ['sms', 'push'], signup: false },
];

let conn: Connection;
let audit: AuditLog;
let prefs: PreferenceService;
let clock = new Date('2025-01-01T10:00:00Z');

beforeAll(async () => {
  conn = await openTestConnection();
  audit = createAuditLog(conn);
  prefs = createPreferences({ conn, topics: TOPICS, audit, now: () => clock.getTime() });
});
afterAll(() => dropAndClose(conn));

const tick = () => {
  clock = new Date(clock.getTime() + 60_000);
};

describe('communication preferences', () => {
  it('starts with every configured topic × channel opted out', async () => {
    expect(await prefs.current('nobody')).toEqual({ newsletter: { email: false, post: false }, offers: { sms: false, push: false } });
    expect(await prefs.history('nobody')).toEqual([]);
  });

  it('keeps a history row per change only, with source and client, and audits each save that changed something', async () => {
    const meta = { source: 'account_center' as const, clientId: 'app-1', ip: '203.0.113.9', userAgent: 'Test/1' };
    expect(
      await prefs.set('acc-1', [
        { topic: 'newsletter', channel: 'email', optIn: true },
        { topic: 'newsletter', channel: 'post', optIn: false },
      ], meta),
    ).toBe(1);
    tick();
    // The same choices again: nothing changes, nothing is recorded.
    expect(await prefs.set('acc-1', [{ topic: 'newsletter', channel: 'email', optIn: true }], meta)).toBe(0);
    tick();
    expect(
      await prefs.set('acc-1', [
        { topic: 'newsletter', channel: 'email', optIn: false },
        { topic: 'offers', channel: 'sms', optIn: true },
      ], { source: 'operator' }),
    ).toBe(2);

    expect(await prefs.current('acc-1')).toEqual({ newsletter: { email: false, post: false }, offers: { sms: true, push: false } });
    const history = await prefs.history('acc-1');
    expect(history).toHaveLength(3);
    expect(history[2]).toEqual({ topic: 'newsletter', channel: 'email', optIn: true, at: new Date('2025-01-01T10:00:00Z'), source: 'account_center', clientId: 'app-1' });
    expect(history.slice(0, 2).map((h) => [h.topic, h.channel, h.optIn, h.source])).toEqual(
      expect.arrayContaining([
        ['newsletter', 'email', false, 'operator'],
        ['offers', 'sms', true, 'operator'],
      ]),
    );
    expect(history[0]!.at.getTime()).toBeGreaterThan(history[2]!.at.getTime());

    const events = await audit.list({ type: 'preferences.changed', accountId: 'acc-1' });
    expect(events).toHaveLength(2);
    expect(events[1]).toMatchObject({ outcome: 'success', clientId: 'app-1', ip: '203.0.113.9', userAgent: 'Test/1', reason: 'account_center' });
    expect(events[1]!.details).toEqual({ changes: [{ topic: 'newsletter', channel: 'email', optIn: true }] });
  });

  it('refuses unknown topics, channels a topic is not offered over and contradictions, storing nothing', async () => {
    const meta = { source: 'account_center' as const };
    const bad = [
      [{ topic: 'newsletter', channel: 'email', optIn: true }, { topic: 'lottery', channel: 'email', optIn: true }],
      [{ topic: 'newsletter', channel: 'email', optIn: true }, { topic: 'offers', channel: 'email', optIn: true }],
      [{ topic: 'newsletter', channel: 'fax', optIn: true }],
      [{ topic: 'newsletter', channel: 'email', optIn: true }, { topic: 'newsletter', channel: 'email', optIn: false }],
    ];
    for (const choices of bad) {
      await expect(prefs.set('acc-2', choices, meta)).rejects.toMatchObject({ status: 400 });
    }
    expect(await prefs.history('acc-2')).toEqual([]);
    expect(await audit.list({ type: 'preferences.changed', accountId: 'acc-2' })).toEqual([]);
  });

  it('records one change when the same choice is saved twice at the same moment', async () => {
    const choice = [{ topic: 'offers', channel: 'push', optIn: true }];
    const results = await Promise.all([1, 2, 3].map(() => prefs.set('acc-3', choice, { source: 'account_center' })));
    expect(results.reduce((a, b) => a + b, 0)).toBe(1);
    expect(await prefs.history('acc-3')).toHaveLength(1);
  });

  it('gives the claim, exports everything held and removes it all', async () => {
    await prefs.set('acc-4', [{ topic: 'newsletter', channel: 'post', optIn: true }], { source: 'signup', clientId: 'shop', ip: '198.51.100.1', userAgent: 'UA' });
    expect(await prefs.claim('acc-4')).toEqual({ newsletter: { email: false, post: true }, offers: { sms: false, push: false } });

    const exported = JSON.parse(JSON.stringify(await prefs.exportFor('acc-4'))) as { current: unknown; history: Record<string, unknown>[] };
    expect(exported.current).toEqual({ newsletter: { email: false, post: true }, offers: { sms: false, push: false } });
    expect(exported.history).toEqual([
      { topic: 'newsletter', channel: 'post', optIn: true, at: expect.any(String), source: 'signup', clientId: 'shop', ip: '198.51.100.1', userAgent: 'UA' },
    ]);

    expect(await prefs.removeAll('acc-4')).toBe(1);
    expect(await prefs.removeAll('acc-4')).toBe(0);
    expect(await prefs.history('acc-4')).toEqual([]);
    expect(await prefs.current('acc-4')).toEqual({ newsletter: { email: false, post: false }, offers: { sms: false, push: false } });
    // Another account's rows stay.
    expect(await prefs.history('acc-1')).toHaveLength(3);
  });

  it('has no claim when no topics are configured', async () => {
    const none = createPreferences({ conn, topics: [], audit });
    expect(await none.claim('acc-1')).toBeUndefined();
    expect(await none.current('acc-1')).toEqual({});
  });

  it('picks a configured text in the customer locale, then English, then the first', () => {
    expect(localizedText({ en: 'News', de: 'Neues' }, 'de')).toBe('Neues');
    expect(localizedText({ en: 'News', de: 'Neues' }, 'pl')).toBe('News');
    expect(localizedText({ da: 'Nyheder' }, 'pl')).toBe('Nyheder');
    expect(localizedText(undefined, 'pl')).toBeUndefined();
  });
});
