// What a customer agreed to and chose, on their page in the console: legal acceptances (document, version, when),
// communication preferences (current and every change) and consent history per app; and "resend verification" for an
// unverified address, through the e-mail change use case: a code mailed, confirmed in the account center, audited with
// the operator as actor. Support may send it for a customer found by their code; an auditor may not.
import { codeFrom } from '../../support/smtp.ts';
import { findForm, textOf, type Browser, type Page } from '../../support/http.ts';
import { signIn } from '../account/helpers.ts';
import { csrfToken, foundByCode, makeOperator, open, rawPost, signInConsole, startConsoleApp, type ConsoleApp, type TestOperator } from './helpers.ts';

const DOCUMENTS = [
  { id: 'terms', version: '2024-01', effective: '2024-01-01T00:00:00Z', title: { en: 'Terms of use' }, text: { en: 'Be kind.' } },
  { id: 'terms', version: '2025-01', effective: '2025-01-01T00:00:00Z', title: { en: 'Terms of use' }, text: { en: 'Be kinder.' } },
];
const TOPICS = [
  { id: 'newsletter', title: { en: 'Newsletter' }, channels: ['email', 'sms'], signup: true },
  { id: 'offers', title: { en: 'Offers' }, channels: ['email'], signup: false },
];

let app: ConsoleApp;
let admin: TestOperator;
let b: Browser;

/** The terms in force accepted (at sign-up), so that a sign-in goes straight on. */
const acceptTerms = (accountId: string) => app.services.legal.accept(accountId, [{ id: 'terms', version: '2025-01' }], { source: 'signup' });
async function operator(email: string, role: TestOperator['role']): Promise<TestOperator> {
  const op = await makeOperator(app, email, role);
  await acceptTerms(op.id);
  return op;
}

beforeAll(async () => {
  app = await startConsoleApp({ REAUTH_MAX_AGE_SECONDS: '300', LEGAL_DOCUMENTS: JSON.stringify(DOCUMENTS), COMMUNICATION_TOPICS: JSON.stringify(TOPICS) });
  admin = await operator('admin@records.example', 'admin');
  b = app.browser();
  await signInConsole(app, b, admin);
});
afterAll(() => app.close());

const text = (page: Page) => textOf(page.body);
/** The text of the panel whose heading is `heading`. */
function panel(page: Page, heading: string): string {
  const start = page.body.indexOf(`>${heading}</h2>`);
  if (start < 0) throw new Error(`no panel "${heading}"`);
  const end = page.body.indexOf('</section>', start);
  return textOf(page.body.slice(start, end));
}

describe('what the customer agreed to and chose', () => {
  it('shows legal acceptances, communication preferences and the consent history per app', async () => {
    const customer = await app.createUser('rhea@records.example', { name: 'Rhea Records' });
    await app.services.legal.accept(customer.id, [{ id: 'terms', version: '2024-01' }], { source: 'signup', clientId: 'shop' });
    await app.services.legal.accept(customer.id, [{ id: 'terms', version: '2025-01' }], { source: 'login', clientId: 'shop' });
    await app.services.preferences.set(customer.id, [{ topic: 'newsletter', channel: 'email', optIn: true }], { source: 'signup' });
    await app.services.preferences.set(customer.id, [{ topic: 'newsletter', channel: 'sms', optIn: true }], { source: 'account_center' });
    await app.services.preferences.set(customer.id, [{ topic: 'newsletter', channel: 'sms', optIn: false }], { source: 'account_center' });
    const decision = { accountId: customer.id, clientId: 'shop', granted: { scopes: ['openid', 'email'], claims: ['email'], resources: {} }, withheld: { scopes: ['profile'], claims: [] } };
    await app.services.consents.record({ ...decision, action: 'granted', source: 'consent_page' });
    await app.services.consents.record({ ...decision, action: 'withdrawn', source: 'account_center', granted: { scopes: [], claims: [], resources: {} }, withheld: { scopes: [], claims: [] } });

    const page = await open(app, b, `/console/customers/${customer.id}`);
    const legal = panel(page, 'Legal acceptances');
    expect(legal).toContain('Terms of use terms 2025-01');
    expect(legal).toContain('Terms of use terms 2024-01');
    expect(legal).toMatch(/at sign-up shop/);
    expect(legal.indexOf('2025-01')).toBeLessThan(legal.indexOf('2024-01'));

    const preferences = panel(page, 'Communication preferences');
    expect(preferences).toMatch(/Newsletter newsletter email Yes .* at sign-up/);
    expect(preferences).toMatch(/Newsletter newsletter sms No .* in the account center/);
    expect(preferences).toMatch(/Offers offers email No —/);
    expect(preferences).toContain('Every change');

    const consents = panel(page, 'Consent history');
    expect(consents).toContain('Shop <Test> shop');
    expect(consents).toMatch(/Withdrawn in the account center/);
    expect(consents).toMatch(/Granted on the consent page email openid email profile/);
    expect(consents.indexOf('Withdrawn')).toBeLessThan(consents.indexOf('Granted'));
  });

  it('says so when there is nothing', async () => {
    const customer = await app.createUser('nora@records.example');
    const page = await open(app, b, `/console/customers/${customer.id}`);
    expect(panel(page, 'Legal acceptances')).toContain('No legal document accepted.');
    expect(panel(page, 'Consent history')).toContain('No consent recorded.');
    expect(panel(page, 'Communication preferences')).toMatch(/Newsletter newsletter email No —/);
  });
});

describe('resend verification', () => {
  it('mails an unverified customer a code that confirms the address in the account center, audited with the operator', async () => {
    const customer = await app.createUser('uma@records.example', { emailVerified: false });
    await acceptTerms(customer.id);
    const verified = await app.createUser('vera@records.example');
    expect((await open(app, b, `/console/customers/${verified.id}`)).body).not.toContain('/actions/resend-verification');

    const page = await open(app, b, `/console/customers/${customer.id}`);
    const link = /href="([^"]+\/actions\/resend-verification)"/.exec(page.body)?.[1];
    expect(link).toBeTruthy();
    const confirm = await open(app, b, link!);
    expect(text(confirm)).toContain('Mail uma@records.example a code and a link to confirm the address?');
    const after = Date.now();
    const { page: done } = await b.submit(findForm(confirm, /\/actions\/resend-verification$/).form);
    expect(done.url.pathname).toBe(`/console/customers/${customer.id}`);
    expect(text(done)).toContain('The code to confirm the address is on its way.');
    const [event] = await app.services.audit.list({ type: 'email.verification_sent', accountId: customer.id });
    expect(event).toMatchObject({ reason: 'console', actorId: admin.id });

    const mail = await app.smtp.waitFor(customer.email, { after, subject: /confirm your e-mail address/i });
    const confirmLink = /https?:\/\/\S+\/account\/email\/verify\?[^\s"<]+/.exec(mail.text)?.[0];
    expect(confirmLink).toBeTruthy();
    // The customer opens the link, signed in to the account center, and confirms the code it carries.
    const own = app.browser();
    await signIn(app, own, customer.email);
    const { page: verify } = await own.navigate(new URL(confirmLink!.replace(/&amp;/g, '&')));
    expect(verify.status).toBe(200);
    // Its own address: confirmed, not "changed" (the page and the message after it say so).
    expect(text(verify)).toContain('Enter it here to confirm that this address is yours.');
    expect(verify.body).toContain('>Confirm address</button>');
    expect(verify.body).not.toContain('new address');
    const { page: confirmed } = await own.submit(findForm(verify, /\/account\/email\/verify$/).form, { code: codeFrom(mail) });
    expect(confirmed.status).toBe(200);
    expect(text(confirmed)).toContain('Your e-mail address is confirmed.');
    expect(text(confirmed)).not.toContain('has been changed');
    expect((await app.services.users.findById(customer.id))?.email_verified).toBe(true);
    expect((await app.services.users.findById(customer.id))?.email).toBe(customer.email);
    // Verified now: the action is no longer offered, and refused if asked for anyway.
    expect((await open(app, b, `/console/customers/${customer.id}`)).body).not.toContain('/actions/resend-verification');
    const again = await rawPost(b, app, `/console/customers/${customer.id}/actions/resend-verification`, `_csrf=${encodeURIComponent(csrfToken(b))}`);
    expect(again.status).toBe(409);
  });

  it('support may send it for a customer found by their code; an auditor is refused on the server', async () => {
    const [support, auditor] = await Promise.all([operator('support@records.example', 'support'), operator('auditor@records.example', 'auditor')]);
    const customer = await app.createUser('ivo@records.example', { emailVerified: false });
    const s = app.browser();
    await signInConsole(app, s, support);
    await foundByCode(app, support, customer.id);
    const sent = await rawPost(s, app, `/console/customers/${customer.id}/actions/resend-verification`, `_csrf=${encodeURIComponent(csrfToken(s))}`);
    expect(sent.status).toBe(303);
    const [event] = await app.services.audit.list({ type: 'email.verification_sent', accountId: customer.id });
    expect(event).toMatchObject({ reason: 'console', actorId: support.id });

    const a = app.browser();
    await signInConsole(app, a, auditor);
    const page = await open(app, a, `/console/customers/${customer.id}`);
    expect(page.body).not.toContain('/actions/resend-verification');
    expect(panel(page, 'Consent history')).toContain('No consent recorded.');
    const refused = await rawPost(a, app, `/console/customers/${customer.id}/actions/resend-verification`, `_csrf=${encodeURIComponent(csrfToken(a))}`);
    expect(refused.status).toBe(403);
    expect(await app.services.audit.list({ type: 'email.verification_sent', accountId: customer.id })).toHaveLength(1);
  });
});
