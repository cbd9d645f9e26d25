// One stored flow per interaction, in one step at a time (src/services/interaction-flows.ts).
import type { Connection } from 'mongoose';
import { createInteractionFlows, type InteractionFlows } from '../../../src/services/interaction-flows.ts';
import { dropAndClose, openTestConnection } from '../../support/db.ts';

let conn: Connection;
let flows: InteractionFlows;
let clock = Date.now();
let n = 0;
const uid = () => `uid-${Date.now().toString(36)}-${n++}`;
const MFA = { step: 'mfa', methods: ['pwd'], level: 2, reasons: ['policy'], offerTrust: false, verified: false } as const;

beforeAll(async () => {
  conn = await openTestConnection();
  flows = createInteractionFlows({ conn, now: () => clock });
  await flows.ensureIndexes();
});
afterAll(() => dropAndClose(conn));
beforeEach(() => {
  clock = Date.now();
});

it('finds a flow in the step it is in, and nothing when asked for another step', async () => {
  const id = uid();
  await flows.start(id, 'acct-1', { ...MFA, methods: [...MFA.methods], reasons: [...MFA.reasons] }, 600);
  expect(await flows.find(id, 'mfa')).toMatchObject({ _id: id, accountId: 'acct-1', step: 'mfa', level: 2, methods: ['pwd'] });
  expect(await flows.find(id, 'verify-email')).toBeUndefined();
  expect(await flows.find(id, 'keep-account')).toBeUndefined();
  expect(await flows.find(uid(), 'mfa')).toBeUndefined();
  expect(await flows.find({ $ne: null } as never, 'mfa')).toBeUndefined();
});

it('starts over in another step, changes fields, and ends when the interaction would', async () => {
  const id = uid();
  await flows.start(id, 'acct-2', { ...MFA, methods: ['pwd'], reasons: [] }, 600);
  await flows.update(id, 'mfa', { verified: true, challenge: { codeId: 'c1', factorId: 'f1', type: 'sms', destination: '+45 •• •• 56' } });
  expect(await flows.find(id, 'mfa')).toMatchObject({ verified: true, challenge: { codeId: 'c1' } });

  await flows.start(id, 'acct-2', { step: 'verify-email', codeId: 'code-9' }, 60);
  expect(await flows.find(id, 'mfa')).toBeUndefined();
  const verify = await flows.find(id, 'verify-email');
  expect(verify).toMatchObject({ codeId: 'code-9' });
  expect(verify).not.toHaveProperty('challenge');

  clock += 61_000;
  expect(await flows.find(id, 'verify-email')).toBeUndefined();
  expect(await flows.sweepExpired()).toBeGreaterThanOrEqual(1);
  expect(await conn.collection('interaction_flows').countDocuments({ _id: id as never })).toBe(0);
});

it('hands a flow that is taken to exactly one of two racing requests', async () => {
  const id = uid();
  await flows.start(id, 'acct-3', { step: 'keep-account' }, 600);
  expect(await flows.take(id, 'mfa')).toBeUndefined();
  const [a, b] = await Promise.all([flows.take(id, 'keep-account'), flows.take(id, 'keep-account')]);
  expect([a?.accountId, b?.accountId].filter(Boolean)).toEqual(['acct-3']);
  expect(await flows.take(id, 'keep-account')).toBeUndefined();
});

it('does not hand out an expired flow that is taken', async () => {
  const id = uid();
  await flows.start(id, 'acct-4', { step: 'keep-account' }, 10);
  clock += 11_000;
  expect(await flows.take(id, 'keep-account')).toBeUndefined();
});

it('ends every flow of an account at once', async () => {
  const [a, b, other] = [uid(), uid(), uid()];
  await flows.start(a, 'acct-5', { step: 'keep-account' }, 600);
  await flows.start(b, 'acct-5', { step: 'verify-email', codeId: 'x' }, 600);
  await flows.start(other, 'acct-6', { step: 'keep-account' }, 600);
  await flows.removeForAccount('acct-5');
  expect([await flows.find(a, 'keep-account'), await flows.find(b, 'verify-email')]).toEqual([undefined, undefined]);
  expect(await flows.find(other, 'keep-account')).toMatchObject({ accountId: 'acct-6' });
});
