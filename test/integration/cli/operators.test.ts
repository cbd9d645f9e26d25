// `ciam operators create|list|remove` on the whole application's services (test/support/app.ts): who may use the
// operator console, as what; every change audited as the CLI's, nothing written for a no-op or a refusal.
import { runCli } from '../../../src/cli/run.ts';
import { startTestApp, type TestApp } from '../../support/app.ts';

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({ MFA_POLICY: 'off' });
});
afterAll(() => app.close());

async function cli(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, async () => ({ ...app.services, close: async () => {} }), {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    readStdin: async () => '',
  });
  return { code, stderr, json: () => JSON.parse(stdout) as unknown };
}

const account = (email: string) => app.services.users.create({ email, password: 'a long password 1', emailVerified: true });
const events = (accountId: string) => app.services.audit.list({ accountId }).then((list) => list.filter((e) => e.type.startsWith('operator.')));

describe('ciam operators', () => {
  it('makes an existing account an operator, changes its role idempotently, lists and removes it, audited as the CLI', async () => {
    const user = await account('First.Admin@example.com');
    const created = await cli(['operators', 'create', '--email', 'first.admin@example.com', '--role', 'admin']);
    expect(created.code).toBe(0);
    expect(created.json()).toEqual({ accountId: user.id, email: 'first.admin@example.com', role: 'admin', status: 'added' });
    expect(await app.services.operators.roleOf(user.id)).toBe('admin');

    const again = await cli(['operators', 'create', '--email', 'first.admin@example.com', '--role', 'admin']);
    expect(again.json()).toMatchObject({ status: 'unchanged' });
    const changed = await cli(['operators', 'create', '--email', 'first.admin@example.com', '--role', 'auditor']);
    expect(changed.json()).toMatchObject({ role: 'auditor', status: 'changed', previous: 'admin' });

    const listed = await cli(['operators', 'list']);
    expect(listed.json()).toEqual([{ accountId: user.id, email: 'first.admin@example.com', role: 'auditor', disabled: false, since: expect.any(String) }]);

    const removed = await cli(['operators', 'remove', '--email', 'first.admin@example.com']);
    expect(removed.json()).toEqual({ accountId: user.id, email: 'first.admin@example.com', removed: 'auditor' });
    expect(await app.services.operators.roleOf(user.id)).toBeUndefined();
    expect((await cli(['operators', 'list'])).json()).toEqual([]);

    // Newest first; the unchanged role wrote nothing.
    expect((await events(user.id)).map((e) => [e.type, e.reason, e.details])).toEqual([
      ['operator.removed', 'cli', { role: 'auditor' }],
      ['operator.role_changed', 'cli', { role: 'auditor', previous: 'admin' }],
      ['operator.added', 'cli', { role: 'admin' }],
    ]);
  });

  it('refuses an unknown role (exit 2, before opening anything), an unknown account and a non-operator (exit 1)', async () => {
    const bad = await cli(['operators', 'create', '--email', 'x@example.com', '--role', 'root']);
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining('--role must be one of: admin, support, auditor')]);
    expect((await cli(['operators', 'create', '--role', 'admin'])).code).toBe(2);

    const unknown = await cli(['operators', 'create', '--email', 'nobody@example.com', '--role', 'support']);
    expect([unknown.code, unknown.stderr]).toEqual([1, expect.stringContaining('create it first')]);

    const user = await account('customer-only@example.com');
    const notOne = await cli(['operators', 'remove', '--email', 'customer-only@example.com']);
    expect([notOne.code, notOne.stderr]).toEqual([1, expect.stringContaining('not an operator')]);
    expect(await events(user.id)).toEqual([]);
  });

  it('leaves the role with the account: exported with it, erased with it, its deeds pseudonymised', async () => {
    const user = await account('leaving-operator@example.com');
    await cli(['operators', 'create', '--email', 'leaving-operator@example.com', '--role', 'support']);
    const exported = await app.services.privacyExport.build(user.id, { source: 'operator' });
    expect(exported).toMatchObject({ operators: { role: 'support' } });
    // What the operator did in the console stays on record, under the pseudonym the erasure gives them.
    await app.services.audit.record({ type: 'account.enabled', outcome: 'success', accountId: 'some-customer', actorId: user.id, reason: 'console' });
    const erased = await app.services.erasure.request(user.id, { source: 'operator', immediate: true });
    expect(erased).toMatchObject({ status: 'erased', removed: expect.objectContaining({ operators: 1 }) });
    expect(await app.services.operators.roleOf(user.id)).toBeUndefined();
    const pseudonym = erased.status === 'erased' ? erased.pseudonym : '';
    expect(await app.services.audit.list({ actorId: user.id })).toEqual([]);
    expect(await app.services.audit.list({ actorId: pseudonym })).toEqual([expect.objectContaining({ type: 'account.enabled', accountId: 'some-customer' })]);
  });
});
