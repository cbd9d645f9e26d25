// Lazy migration's decisions with a stand-in old system and account store: who is created, with what, what is
// audited and logged (never the address or the password), and what a refusal, an outage or a race leads to.
import { conflict, badRequest } from '../../../src/errors.ts';
import type { AuditEvent } from '../../../src/services/audit.ts';
import { createLazyMigration } from '../../../src/services/lazy-migration.ts';
import type { LegacyVerdict } from '../../../src/services/legacy-auth.ts';
import type { CreateUserInput } from '../../../src/services/user-input.ts';

const EMAIL = 'ann@example.com';
const PASSWORD = 'old password 1';
const CONTEXT = { ip: '203.0.113.7', userAgent: 'test', clientId: 'shop' };

function setup(verdict: LegacyVerdict, create: (input: CreateUserInput) => Promise<{ id: string }> = async () => ({ id: 'acc-1' })) {
  const asked: string[] = [];
  const created: { input: CreateUserInput; opts: { source: 'legacy' } }[] = [];
  const audit: AuditEvent[] = [];
  const warnings: unknown[][] = [];
  const migration = createLazyMigration({
    legacy: { check: async (email) => (asked.push(email), verdict) },
    create: async (input, opts) => {
      created.push({ input, opts });
      return create(input);
    },
    audit: { record: async (e) => void audit.push(e) },
    logger: { warn: ((...args: unknown[]) => void warnings.push(args)) as never },
  });
  return { migration, asked, created, audit, warnings };
}

const verified = (extra: Partial<Extract<LegacyVerdict, { outcome: 'verified' }>> = {}): LegacyVerdict => ({
  outcome: 'verified',
  emailVerified: true,
  claims: { given_name: 'Ann' },
  dropped: [],
  ...extra,
});

describe('lazy migration', () => {
  it('creates the account the old system vouches for, with the typed password and its claims, and audits it', async () => {
    const s = setup(verified({ dropped: ['phone_number'] }));
    expect(await s.migration.migrate(EMAIL, PASSWORD, CONTEXT)).toEqual({ migrated: { accountId: 'acc-1' } });
    expect(s.created).toEqual([{ input: { given_name: 'Ann', email: EMAIL, password: PASSWORD, emailVerified: true }, opts: { source: 'legacy' } }]);
    expect(s.audit).toEqual([
      { type: 'user.migrated', outcome: 'success', accountId: 'acc-1', ...CONTEXT, details: { emailVerified: true, claims: ['given_name'], dropped: ['phone_number'] } },
    ]);
    // The dropped claim is named for the operator; the address and the password are not in the log.
    expect(JSON.stringify(s.warnings)).toContain('phone_number');
    expect(JSON.stringify(s.warnings)).not.toContain(EMAIL);
    expect(JSON.stringify(s.warnings)).not.toContain(PASSWORD);
  });

  it('creates nothing when the old system refuses, and records nothing beyond the caller\'s failed sign-in', async () => {
    const s = setup({ outcome: 'refused', status: 401 });
    expect(await s.migration.migrate(EMAIL, PASSWORD, CONTEXT)).toBeNull();
    expect(s.created).toEqual([]);
    expect(s.audit).toEqual([]);
    expect(s.warnings).toEqual([]);
  });

  it('creates nothing when the old system gives no usable answer: a warning without the address or password, a failure event', async () => {
    const s = setup({ outcome: 'unavailable', reason: 'status', status: 503 });
    expect(await s.migration.migrate(EMAIL, PASSWORD, CONTEXT)).toBeNull();
    expect(s.created).toEqual([]);
    expect(s.audit).toEqual([{ type: 'user.migrated', outcome: 'failure', reason: 'status', ...CONTEXT, details: { status: 503 } }]);
    expect(s.warnings).toHaveLength(1);
    expect(s.warnings[0]![0]).toMatchObject({ reason: 'status', status: 503 });
    expect(JSON.stringify(s.warnings)).not.toContain(EMAIL);
    expect(JSON.stringify(s.warnings)).not.toContain(PASSWORD);
  });

  it('does not ask about a password that could not be an account\'s password here', async () => {
    const s = setup(verified());
    expect(await s.migration.migrate(EMAIL, 'short', CONTEXT)).toBeNull();
    expect(s.asked).toEqual([]);
  });

  it('hands a race to the caller: the address got its account from a concurrent first sign-in', async () => {
    const s = setup(verified(), async () => {
      throw conflict('An account with this e-mail address already exists');
    });
    expect(await s.migration.migrate(EMAIL, PASSWORD, CONTEXT)).toEqual({ taken: true });
    expect(s.audit).toEqual([]);
  });

  it('refuses, with a warning, an account our rules cannot create; other errors propagate', async () => {
    const s = setup(verified(), async () => {
      throw badRequest('Invalid user: email: must be a valid e-mail address', { problems: ['email: must be a valid e-mail address'] });
    });
    expect(await s.migration.migrate('ann@localhost', PASSWORD, CONTEXT)).toBeNull();
    expect(s.warnings).toHaveLength(1);
    const broken = setup(verified(), async () => {
      throw new Error('database down');
    });
    await expect(broken.migration.migrate(EMAIL, PASSWORD, CONTEXT)).rejects.toThrow('database down');
  });
});
