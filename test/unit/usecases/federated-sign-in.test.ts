// Unlinking an identity at another provider: never the account's last way in. No database: stand-ins record.
import { createFederatedSignIn } from '../../../src/usecases/federated-sign-in.ts';
import type { LinkedIdentity } from '../../../src/services/identities.ts';

function setup(opts: { noPassword?: boolean; passkeys?: number; identities?: readonly string[] }) {
  const linked: LinkedIdentity[] = (opts.identities ?? ['acme']).map((c) => ({ connectionId: c, subject: `${c}-sub`, accountId: 'acct', linkedAt: new Date(), lastUsedAt: new Date() }));
  const events: string[] = [];
  const mails: string[] = [];
  const signIn = createFederatedSignIn({
    users: {
      findById: async (id) => (id === 'acct' ? ({ id, email: 'a@example.com', noPassword: opts.noPassword } as never) : null),
      findByEmail: async () => null,
      noteSignIn: async () => {},
      createFromFederation: async () => {
        throw new Error('not here');
      },
    },
    identities: {
      use: async () => undefined,
      link: async () => 'linked',
      listForAccount: async () => linked,
      unlink: async (_a, c) => {
        const i = linked.findIndex((x) => x.connectionId === c);
        if (i < 0) return false;
        linked.splice(i, 1);
        return true;
      },
    },
    passkeys: { list: async () => Array.from({ length: opts.passkeys ?? 0 }, () => ({}) as never) },
    connections: { list: async () => [{ id: 'acme', name: 'Acme ID' } as never] },
    mailer: { queue: (m) => void mails.push(`${m.template} ${m.data.factor}`) },
    audit: { record: async (e) => void events.push(`${e.type} ${e.outcome}`) },
  });
  return { signIn, linked, events, mails };
}

const acme = { connectionId: 'acme', subject: 'acme-sub' };

it('unlinks when a password is set, audits and mails the owner', async () => {
  const s = setup({});
  await expect(s.signIn.unlink('acct', acme, {})).resolves.toBe('unlinked');
  expect(s.linked).toEqual([]);
  expect(s.events).toEqual(['identity.unlinked success']);
  expect(s.mails).toEqual(['factor-removed Sign-in with Acme ID']);
});

it.each([
  [{ noPassword: true }, 'last_way_in'],
  [{ noPassword: true, passkeys: 1 }, 'unlinked'],
  [{ noPassword: true, identities: ['acme', 'other'] }, 'unlinked'],
] as const)('without a password (%j): %s', async (opts, expected) => {
  const s = setup(opts);
  await expect(s.signIn.unlink('acct', acme, {})).resolves.toBe(expected);
  if (expected === 'last_way_in') expect([s.linked.length, s.events, s.mails]).toEqual([1, [], []]);
});

it('finds no identity of another account, or one not linked', async () => {
  const s = setup({});
  await expect(s.signIn.unlink('someone-else', acme, {})).resolves.toBe('not_found');
  await expect(s.signIn.unlink('acct', { connectionId: 'acme', subject: 'other-sub' }, {})).resolves.toBe('not_found');
  expect(s.linked).toHaveLength(1);
});
