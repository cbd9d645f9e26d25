// oidc-provider gives a session a new id at every sign-in (session fixation) and saves it by deleting the old row,
// then writing the new one: two commands. Here the save runs inside the adapter's rekeying scope, which sends the
// delete with the write as one (adapters/mongodb.ts rekeying). The session class and its save stay oidc-provider's.
import type Provider from 'oidc-provider';
import type { MongoAdapter } from '../../adapters/types.ts';

type SessionClass = { prototype: { save(ttl: number): Promise<unknown>; oldId?: string } };

export function saveRekeyedSessionsInOneWrite(provider: Provider, rekeying: MongoAdapter['rekeying']): void {
  const session = (provider as unknown as { Session?: SessionClass }).Session;
  if (!session) throw new Error('oidc-provider has no Session model');
  const save = session.prototype.save;
  session.prototype.save = async function saveRekeyed(this: { oldId?: string }, ttl: number) {
    const { oldId } = this;
    if (typeof oldId !== 'string' || !oldId) return save.call(this, ttl);
    const result = await rekeying(oldId, () => save.call(this, ttl));
    // The old row is gone: a later save of this session in the same request need not delete it again.
    delete this.oldId;
    return result;
  };
}
