// One clock for the whole application (src/clock.ts): createServices hands the clock it is given to every service,
// so moving it moves time everywhere at once — here the audit log's timestamps and a mailed code's expiry.
import { startTestApp, type TestApp } from '../../support/app.ts';

let time = Date.parse('2031-05-01T12:00:00Z');
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({}, () => [], { clock: () => time });
});
afterAll(() => t.close());

it('stamps audit events and expires codes by the clock it was given', async () => {
  await t.services.audit.record({ type: 'email.verified', outcome: 'success', accountId: 'clock-test' });
  expect((await t.services.audit.forAccount('clock-test'))[0]!.at).toEqual(new Date('2031-05-01T12:00:00Z'));

  const issued = await t.services.codes.issue({ purpose: 'verify-email', payload: { email: 'verify@example.com' }, subject: 'clock-test' });
  expect(issued.expiresAt.getTime()).toBe(time + 600_000);
  time += 601_000;
  expect(await t.services.codes.verify({ id: issued.id, purpose: 'verify-email', code: issued.code })).toMatchObject({ ok: false, reason: 'expired' });
});
