// The account center's communication preferences page in the real application: the topic × channel matrix, saving
// (changes only), the history, refusals that store nothing, and the page without configured topics.
import { textOf } from '../../support/http.ts';
import { csrfOf, open, post, rawPost, signIn, startAccountApp, FIREFOX, type AccountApp } from '../account/helpers.ts';

const TOPICS = [
  { id: 'newsletter', title: { en: 'Newsletter', de: 'Rundbrief' }, description: { en: 'News once a month' }, channels: ['email', 'post'], signup: true },
  { id: 'offers', title: { en: 'Offers' }, channels: ['sms', 'push'] },
];

let app: AccountApp;
let bare: AccountApp;

beforeAll(async () => {
  [app, bare] = await Promise.all([startAccountApp({ COMMUNICATION_TOPICS: JSON.stringify(TOPICS) }), startAccountApp()]);
});
afterAll(() => Promise.all([app.close(), bare.close()]));

const checked = (body: string) => [...body.matchAll(/<input type="checkbox"[^>]*value="([^"]+)"[^>]*>/g)].filter((m) => / checked\b/.test(m[0])).map((m) => m[1]);
const rows = (body: string) => [...(/<tbody>([\s\S]*?)<\/tbody>/.exec(body)?.[1] ?? '').matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => textOf(m[1]!));

describe('account center: communication preferences', () => {
  it('shows every topic × channel unticked at first, each topic a labelled group, and offers the page in the navigation', async () => {
    const user = await app.createUser('prefs-1@example.test');
    const b = app.browser();
    const page = await signIn(app, b, user.email, '/account/preferences');
    expect(page.url.pathname).toBe('/account/preferences');
    expect(page.body).toMatch(/<a href="\/account\/preferences" aria-current="page">Communication<\/a>/);
    expect(page.body).toMatch(/<legend>Newsletter<\/legend>/);
    expect(page.body).toMatch(/<p class="hint" id="pref-newsletter-description">News once a month<\/p>/);
    for (const [id, label] of [['pref-newsletter-email', 'E-mail'], ['pref-newsletter-post', 'Post'], ['pref-offers-sms', 'Text message'], ['pref-offers-push', 'Push notification']]) {
      expect(page.body).toContain(`<label for="${id}">${label}</label>`);
    }
    expect(checked(page.body)).toEqual([]);
    expect(textOf(page.body)).toMatch(/You have not changed anything yet/);
    expect(page.body).not.toMatch(/<script(?![^>]*src=)/);
  });

  it('saves the choices, keeps a history row per change with its source, audits, and saving again changes nothing', async () => {
    const user = await app.createUser('prefs-2@example.test');
    const b = app.browser();
    const page = await signIn(app, b, user.email, '/account/preferences');
    const csrf = csrfOf(page);
    const all = 'shown=newsletter:email&shown=newsletter:post&shown=offers:sms&shown=offers:push';

    let res = await rawPost(b, app, '/account/preferences', `_csrf=${csrf}&${all}&optin=newsletter:email&optin=offers:push`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/account/preferences');
    expect(await app.services.preferences.current(user.id)).toEqual({ newsletter: { email: true, post: false }, offers: { sms: false, push: true } });

    let shown = await open(app, b, '/account/preferences');
    expect(textOf(shown.body)).toMatch(/Your changes have been saved/);
    expect(checked(shown.body)).toEqual(['newsletter:email', 'offers:push']);
    expect(rows(shown.body).sort()).toEqual([expect.stringMatching(/Newsletter by E-mail Yes In your account$/), expect.stringMatching(/Offers by Push notification Yes In your account$/)].sort());

    const [event] = await app.audit('preferences.changed', user.id);
    expect(event).toMatchObject({ outcome: 'success', reason: 'account_center', ip: expect.any(String), userAgent: FIREFOX });
    expect(event?.details).toEqual({ changes: [{ topic: 'newsletter', channel: 'email', optIn: true }, { topic: 'offers', channel: 'push', optIn: true }] });

    // The same form again: nothing changes, nothing is recorded.
    res = await rawPost(b, app, '/account/preferences', `_csrf=${csrf}&${all}&optin=newsletter:email&optin=offers:push`);
    expect(res.status).toBe(303);
    shown = await open(app, b, '/account/preferences');
    expect(textOf(shown.body)).toMatch(/Nothing was changed/);
    expect(rows(shown.body)).toHaveLength(2);

    // Unticking through the page's own form is an opt-out; a pair the form did not show is left alone.
    res = await post(b, shown, /\/account\/preferences$/, {});
    expect(res.status).toBe(303);
    expect(await app.services.preferences.current(user.id)).toEqual({ newsletter: { email: true, post: false }, offers: { sms: false, push: true } });
    res = await rawPost(b, app, '/account/preferences', `_csrf=${csrf}&shown=newsletter:email`);
    expect(res.status).toBe(303);
    expect(await app.services.preferences.current(user.id)).toEqual({ newsletter: { email: false, post: false }, offers: { sms: false, push: true } });
    shown = await open(app, b, '/account/preferences');
    expect(rows(shown.body)[0]).toMatch(/Newsletter by E-mail No In your account$/);
    expect(await app.audit('preferences.changed', user.id)).toHaveLength(2);
  });

  it('refuses what is not offered with a 400 that keeps the input and stores nothing; a post without the CSRF token is refused', async () => {
    const user = await app.createUser('prefs-3@example.test');
    const b = app.browser();
    const page = await signIn(app, b, user.email, '/account/preferences');
    const csrf = csrfOf(page);
    const bad = [
      'shown=newsletter:email&optin=newsletter:email&shown=lottery:email&optin=lottery:email', // unknown topic
      'shown=newsletter:email&optin=newsletter:email&shown=offers:email&optin=offers:email', // channel not offered for the topic
      'shown=newsletter:email&optin=newsletter:email&shown=newsletter:fax', // unknown channel
      'shown=newsletter:post&optin=newsletter:email&optin=newsletter:post', // ticked but not shown
      'shown=newsletter:email&optin[$ne]=x', // not a list of strings
      `shown=newsletter:email&optin=${'x'.repeat(200)}`,
    ];
    for (const body of bad) {
      const res = await rawPost(b, app, '/account/preferences', `_csrf=${csrf}&${body}`);
      expect(res.status).toBe(400);
      expect(res.body).toMatch(/<div class="alert" role="alert" id="form-error"[^>]*>/);
      expect(textOf(res.body)).toMatch(/one of them is not offered/);
    }
    // The valid ticks as posted are shown again.
    const again = await rawPost(b, app, '/account/preferences', `_csrf=${csrf}&${bad[0]}`);
    expect(checked(again.body)).toEqual(['newsletter:email']);

    const noToken = await rawPost(b, app, '/account/preferences', 'shown=newsletter:email&optin=newsletter:email');
    expect(noToken.status).toBe(403);
    const wrongToken = await rawPost(b, app, '/account/preferences', '_csrf=forged&shown=newsletter:email&optin=newsletter:email');
    expect(wrongToken.status).toBe(403);

    expect(await app.services.preferences.history(user.id)).toEqual([]);
    expect(await app.audit('preferences.changed', user.id)).toEqual([]);
  });

  it('speaks the customer language', async () => {
    const user = await app.createUser('prefs-4@example.test', { locale: 'de' });
    const b = app.browser();
    const page = await signIn(app, b, user.email, '/account/preferences');
    expect(page.body).toMatch(/<legend>Rundbrief<\/legend>/);
    expect(textOf(page.body)).toMatch(/Kommunikationseinstellungen/);
    expect(page.body).toContain('<label for="pref-offers-sms">SMS</label>');
  });
});

describe('account center without configured topics', () => {
  it('says there is nothing to choose, offers no navigation entry and refuses any choice', async () => {
    const user = await bare.createUser('prefs-none@example.test');
    const b = bare.browser();
    const page = await signIn(bare, b, user.email, '/account/preferences');
    expect(page.status).toBe(200);
    expect(textOf(page.body)).toMatch(/There is nothing to choose here/);
    expect(page.body).not.toMatch(/<form method="post" action="\/account\/preferences"/);
    expect(page.body).not.toMatch(/href="\/account\/preferences"/);
    const overview = await open(bare, b, '/account');
    expect(overview.body).not.toMatch(/href="\/account\/preferences"/);

    const sessions = await open(bare, b, '/account/sessions');
    const res = await rawPost(b, bare, '/account/preferences', `_csrf=${csrfOf(sessions)}&shown=newsletter:email&optin=newsletter:email`);
    expect(res.status).toBe(400);
    expect(await bare.services.preferences.history(user.id)).toEqual([]);
  });
});
