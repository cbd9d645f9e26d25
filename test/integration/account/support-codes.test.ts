// Support codes (issue 16): the customer makes one in the account center and reads it out; the agent's look-up
// finds that customer once, within its ten minutes; a new code ends the old one; wrong codes block the agent; both
// sides are audited and the customer sees when an agent looked them up. The console's side calls the same service
// (supportCodes.lookup), exercised here directly.
import { normaliseSupportCode } from '../../../src/services/support-codes.ts';
import { textOf } from '../../support/http.ts';
import { ageLogin, open, post, signIn, startAccountApp, type AccountApp } from './helpers.ts';

let app: AccountApp;
// The services' clock: real time, moved forward by the tests (a code expires after ten minutes).
let offset = 0;

beforeAll(async () => {
  app = await startAccountApp({ REAUTH_MAX_AGE_SECONDS: '300' }, { clock: () => Date.now() + offset });
});
afterAll(() => app.close());

const agent = (n: number) => ({ accountId: `agent-${n}`, ip: `198.51.100.${n}`, userAgent: 'Console' });
const codeOn = (body: string) => /data-testid="support-code">(\d{3}) (\d{3})</.exec(body)?.slice(1, 3).join('');

it('shows a code once; the agent finds the customer with it once; the customer sees when', async () => {
  const user = await app.createUser('needs-help@example.com');
  const b = app.browser();
  await signIn(app, b, user.email);
  const page = await open(app, b, '/account/support');
  expect(textOf(page.body)).toContain('No support agent has looked up your account');

  const made = await post(b, page, /\/account\/support\/code$/);
  expect(made.status).toBe(200);
  expect(made.headers.get('cache-control')).toBe('no-store');
  const code = codeOn(made.body)!;
  expect(code).toMatch(/^\d{6}$/);
  // Kept as a keyed hash, never as shown.
  const rows = await app.services.db.connection.collection('support_codes').find({}).toArray();
  expect(JSON.stringify(rows)).not.toContain(code);
  expect((await app.audit('support_code.issued', user.id))[0]).toMatchObject({ outcome: 'success', details: { minutes: 10 } });

  // Read out with a space or a dash, as people do.
  const spoken = `${code.slice(0, 3)}-${code.slice(3)}`;
  expect(normaliseSupportCode(spoken)).toBe(code);
  expect(await app.services.supportCodes.lookup(spoken, agent(1))).toEqual({ ok: true, accountId: user.id });
  expect(await app.services.supportCodes.lookup(code, agent(2))).toEqual({ ok: false, reason: 'invalid' });
  expect((await app.audit('support_code.used', user.id))[0]).toMatchObject({ details: { agent: 'agent-1' } });

  const after = await open(app, b, '/account/support');
  expect(textOf(after.body)).toContain('A support agent found your account with your code on');
  expect(codeOn(after.body)).toBeUndefined();
});

it('a code ends after ten minutes, and a new one ends the one before', async () => {
  const user = await app.createUser('twice@example.com');
  const first = await app.services.supportCodes.issue(user.id, {});
  const second = await app.services.supportCodes.issue(user.id, {});
  if (!first.ok || !second.ok) throw new Error('codes not issued');
  expect(await app.services.supportCodes.lookup(first.code, agent(3))).toMatchObject({ ok: false });
  expect(await app.services.supportCodes.current(user.id)).toEqual(second.expiresAt);
  offset += 10 * 60_000 + 1000;
  try {
    expect(await app.services.supportCodes.current(user.id)).toBeUndefined();
    expect(await app.services.supportCodes.lookup(second.code, agent(3))).toMatchObject({ ok: false, reason: 'invalid' });
  } finally {
    offset = 0;
  }
});

it("wrong codes block the agent (the customer's code keeps working for others), and the refusals are audited", async () => {
  const user = await app.createUser('guessed@example.com');
  const issued = await app.services.supportCodes.issue(user.id, {});
  if (!issued.ok) throw new Error('code not issued');
  const wrong = issued.code === '000000' ? '000001' : '000000';
  const outcomes = [];
  for (let i = 0; i < 6; i++) outcomes.push(await app.services.supportCodes.lookup(wrong, agent(4)));
  expect(outcomes.slice(0, 4)).toEqual(Array(4).fill({ ok: false, reason: 'invalid' }));
  expect(outcomes[5]).toMatchObject({ ok: false, reason: 'throttled', retryAfterSeconds: expect.any(Number) });
  // Blocked: even the right code is not looked at for this agent.
  expect(await app.services.supportCodes.lookup(issued.code, agent(4))).toMatchObject({ reason: 'throttled' });
  expect(await app.services.supportCodes.lookup(issued.code, agent(5))).toEqual({ ok: true, accountId: user.id });
  const refused = await app.services.audit.list({ type: 'support_code.refused' });
  expect(refused.filter((e) => (e.details as { agent?: string })?.agent === 'agent-4').length).toBeGreaterThanOrEqual(5);
});

it('a customer may make a few codes an hour; making one needs a recent sign-in', async () => {
  const user = await app.createUser('many@example.com');
  for (let i = 0; i < 6; i++) expect((await app.services.supportCodes.issue(user.id, {})).ok).toBe(true);
  expect(await app.services.supportCodes.issue(user.id, {})).toMatchObject({ ok: false, retryAfterSeconds: expect.any(Number) });

  const b = app.browser();
  await signIn(app, b, user.email);
  const page = await open(app, b, '/account/support');
  const refused = await post(b, page, /\/account\/support\/code$/);
  expect(refused.status).toBe(429);
  expect(textOf(refused.body)).toContain('You have made many codes in the last hour');

  // A sign-in older than the recent-sign-in window: the form sends the customer to sign in again first, and no
  // code is made.
  const before = (await app.audit('support_code.issued', user.id)).length;
  await ageLogin(app, user.id, 3600);
  const later = await post(b, page, /\/account\/support\/code$/);
  expect(later.status).toBe(303);
  expect(later.location?.pathname).toBe('/auth');
  expect((await app.audit('support_code.issued', user.id)).length).toBe(before);
});

it('the data export shows a live code (not the code), and the erasure removes it', async () => {
  const user = await app.createUser('erase-code@example.com');
  const issued = await app.services.supportCodes.issue(user.id, {});
  if (!issued.ok) throw new Error('code not issued');
  const exported = await app.services.privacyExport.build(user.id, { source: 'operator' });
  expect(exported.supportCodes).toEqual({ activeCodeUntil: issued.expiresAt.toISOString() });
  expect(JSON.stringify(exported)).not.toContain(issued.code);
  await app.services.erasure.request(user.id, { source: 'operator', immediate: true });
  expect(await app.services.supportCodes.lookup(issued.code, agent(6))).toMatchObject({ ok: false });
});
