// Personal info and postal addresses: what the customer enters is what every app then reads (findAccount, userinfo);
// what is not acceptable is refused next to the field, with the input kept, and nothing is stored.
import { textOf } from '../../support/http.ts';
import { connectShop, fieldError, open, post, rawPost, signIn, startAccountApp, userinfo, csrfOf, type AccountApp } from './helpers.ts';

let app: AccountApp;

beforeAll(async () => {
  app = await startAccountApp();
});
afterAll(() => app.close());

const claimsOf = async (id: string) => {
  const account = await app.services.users.findAccount(undefined, id);
  return (await account?.claims('userinfo', 'openid profile phone address', {}, [])) as Record<string, unknown>;
};

// Everything but timestamps: what "nothing was stored" compares.
const stored = async (id: string) => {
  const { updatedAt: _u, createdAt: _c, ...rest } = (await app.user(id)) ?? ({} as never);
  return rest;
};

describe('personal info', () => {
  it('saves the profile, shows a one-time notice, and apps read the new values (findAccount and userinfo)', async () => {
    const user = await app.createUser('profile@example.com', { given_name: 'Old' });
    const b = app.browser();
    await signIn(app, b, user.email);
    const tokens = await connectShop(app, b, 'openid profile phone');

    const page = await open(app, b, '/account/profile');
    expect(page.body).toContain('value="Old"');
    const res = await post(b, page, /^\/account\/profile$/, {
      given_name: '  Zoë ',
      middle_name: 'Anna',
      family_name: 'Łukasiewicz-Møller',
      name: 'Zoë Anna Łukasiewicz-Møller',
      nickname: 'zo',
      picture: 'https://images.example.com/me.png',
      locale: 'de-de',
      zoneinfo: 'Europe/Copenhagen',
      birthdate: '1990-04-23',
      phone_number: '+49 30 1234567',
    });
    expect(res.status).toBe(303);
    expect(res.location?.pathname).toBe('/account/profile');
    const after = await b.navigate(res.location as URL);
    // The account center speaks the language the customer chose (de-DE) rather than the browser's.
    expect(after.page.body).toContain('<html lang="de">');
    expect(textOf(after.page.body)).toContain('Ihre Änderungen wurden gespeichert.');
    // A notice, not a state: it is gone on the next view.
    expect(textOf((await open(app, b, '/account/profile')).body)).not.toContain('Ihre Änderungen wurden gespeichert.');

    const claims = await claimsOf(user.id);
    expect(claims).toMatchObject({
      given_name: 'Zoë',
      middle_name: 'Anna',
      family_name: 'Łukasiewicz-Møller',
      name: 'Zoë Anna Łukasiewicz-Møller',
      nickname: 'zo',
      picture: 'https://images.example.com/me.png',
      locale: 'de-DE',
      zoneinfo: 'Europe/Copenhagen',
      birthdate: '1990-04-23',
      phone_number: '+49301234567',
      phone_number_verified: false,
    });
    // The picture is shown: its https origin (and only that) is allowed as an image source on these pages.
    const overview = await b.request(new URL('/account', app.url));
    expect(overview.body).toContain('src="https://images.example.com/me.png"');
    expect(overview.headers.get('content-security-policy')).toMatch(/img-src 'self' https:\/\/images\.example\.com(;|$)/);

    const info = await userinfo(app, tokens.access_token);
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({ sub: user.id, given_name: 'Zoë', zoneinfo: 'Europe/Copenhagen', phone_number: '+49301234567' });

    const audit = await app.audit('profile.updated', user.id);
    expect(audit[0]?.details?.fields).toEqual(expect.arrayContaining(['given_name', 'phone_number', 'zoneinfo']));
    // Field names only, never the values.
    expect(JSON.stringify(audit[0])).not.toMatch(/Zoë|1234567|Copenhagen/);

    // With the German locale stored, a national number is read as German.
    const again = await open(app, b, '/account/profile');
    await post(b, again, /^\/account\/profile$/, { phone_number: '030 7654321' });
    expect((await app.user(user.id))?.phone_number).toBe('+49307654321');
  });

  it('removes a value when its field is left empty, and a changed number is unverified again', async () => {
    const user = await app.createUser('empty@example.com', { nickname: 'nick', phone_number: '+4512345678' });
    await app.services.db.connection.collection('users').updateOne({ _id: user.id as never }, { $set: { phone_number_verified: true } });
    const b = app.browser();
    const page = await signIn(app, b, user.email, '/account/profile');
    expect(page.body).toContain('value="nick"');

    await post(b, page, /^\/account\/profile$/, { nickname: '', phone_number: '+45 87 65 43 21' });
    let doc = await app.user(user.id);
    expect(doc?.nickname).toBeUndefined();
    expect(doc).toMatchObject({ phone_number: '+4587654321', phone_number_verified: false });
    expect((await claimsOf(user.id)).nickname).toBeUndefined();

    await post(b, await open(app, b, '/account/profile'), /^\/account\/profile$/, { phone_number: '' });
    doc = await app.user(user.id);
    expect(doc?.phone_number).toBeUndefined();
    expect(doc?.phone_number_verified).toBeUndefined();

    // Fields missing from a post are left alone (a partial post never wipes the profile).
    await app.services.db.connection.collection('users').updateOne({ _id: user.id as never }, { $set: { given_name: 'Kept' } });
    const csrf = csrfOf(await open(app, b, '/account/profile'));
    expect((await rawPost(b, app, '/account/profile', `_csrf=${csrf}&nickname=Neo`)).status).toBe(303);
    expect(await app.user(user.id)).toMatchObject({ given_name: 'Kept', nickname: 'Neo' });

    // A stored value the form would not accept today (written by another path) does not block saving the rest.
    await app.services.db.connection.collection('users').updateOne({ _id: user.id as never }, { $set: { phone_number: '+4512345678' } });
    const form = await open(app, b, '/account/profile');
    expect((await post(b, form, /^\/account\/profile$/, { nickname: 'Trinity' })).status).toBe(303);
    expect(await app.user(user.id)).toMatchObject({ nickname: 'Trinity', phone_number: '+4512345678' });
    expect((await post(b, form, /^\/account\/profile$/, { phone_number: '+45 12 34 56 79' })).status).toBe(400);
  });

  it('stores markup in names as text and escapes it on every page', async () => {
    const user = await app.createUser('xss@example.com');
    const b = app.browser();
    const page = await signIn(app, b, user.email, '/account/profile');
    const evil = '<script>alert(1)</script>"><img src=x onerror=alert(2)>';
    await post(b, page, /^\/account\/profile$/, { given_name: evil, nickname: evil });
    expect((await app.user(user.id))?.given_name).toBe(evil);
    for (const path of ['/account', '/account/profile', '/account/sessions']) {
      const html = (await open(app, b, path)).body;
      expect(html).not.toContain('<script>alert(1)');
      expect(html).not.toContain('<img src=x');
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    }
  });

  it('refuses bad input field by field: 400, message next to the field, input kept, nothing stored', async () => {
    const user = await app.createUser('bad@example.com', { given_name: 'Same', birthdate: '1980-01-01' });
    const b = app.browser();
    const page = await signIn(app, b, user.email, '/account/profile');
    const before = await stored(user.id);
    const cases: [string, string, string][] = [
      ['picture', 'http://images.example.com/me.png', 'Enter a web address that starts with https://.'],
      ['picture', 'javascript:alert(1)', 'Enter a web address that starts with https://.'],
      ['locale', 'not a locale!', 'Enter a language code such as en-GB or de-DE.'],
      ['zoneinfo', 'Mars/Olympus_Mons', 'Choose a time zone from the list.'],
      ['birthdate', '2999-01-01', 'Enter a date in the past, after 1900'],
      ['birthdate', '1899-12-31', 'Enter a date in the past, after 1900'],
      ['birthdate', '2023-02-30', 'Enter a date in the past, after 1900'],
      ['birthdate', '23.04.1990', 'Enter a date in the past, after 1900'],
      ['phone_number', '12345', 'Enter a valid phone number for the chosen country'],
      ['phone_number', '+49 30 1234567 ext. <b>', 'Enter a valid phone number for the chosen country'],
      ['phone_number', 'call +4930 1234567', 'Enter a valid phone number for the chosen country'],
      ['given_name', 'x'.repeat(101), 'This is too long.'],
      ['name', 'x'.repeat(5000), 'This is too long.'],
      ['nickname', 'tab\there', 'This contains characters that are not allowed.'],
    ];
    for (const [field, value, message] of cases) {
      const res = await post(b, page, /^\/account\/profile$/, { given_name: 'Changed', [field]: value });
      expect([field, value.slice(0, 40), res.status]).toEqual([field, value.slice(0, 40), 400]);
      expect(fieldError(res, field)).toContain(message);
      // The error summary links to the field.
      expect(res.body).toContain(`href="#f-${field}"`);
      // The input is kept (short values as typed; absurdly long ones are not echoed back).
      if (field !== 'given_name') expect(res.body).toContain(`value="Changed"`);
      if (value.length < 400) expect(res.body).toContain(`value="${value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&#34;')}"`);
      expect(res.body).toMatch(new RegExp(`id="f-${field}"[^>]*aria-invalid="true"`));
    }
    expect(await stored(user.id)).toEqual(before);
  });

  it('refuses repeated, nested and oversized fields without storing anything', async () => {
    const user = await app.createUser('types@example.com', { given_name: 'Same' });
    const b = app.browser();
    const page = await signIn(app, b, user.email, '/account/profile');
    const csrf = csrfOf(page);
    const before = await stored(user.id);
    for (const body of [
      `_csrf=${csrf}&given_name=a&given_name=b`,
      `_csrf=${csrf}&given_name[$ne]=x`,
      `_csrf=${csrf}&zoneinfo[]=UTC`,
    ]) {
      const res = await rawPost(b, app, '/account/profile', body);
      expect([body, res.status]).toEqual([body, 400]);
      expect(textOf(res.body)).toContain('This value could not be read. Please enter it again.');
    }
    const huge = await rawPost(b, app, '/account/profile', `_csrf=${csrf}&given_name=${'x'.repeat(100_000)}`);
    expect(huge.status).toBe(413);
    expect(textOf(huge.body)).toContain('The form you sent is too large.');
    expect(await stored(user.id)).toEqual(before);
  });
});

describe('time zones, birth date, phone number and navigation', () => {
  const selectOf = (html: string, name: string) => new RegExp(`<select id="f-${name}"[^>]*>([\\s\\S]*?)</select>`).exec(html)?.[1] ?? '';

  it('groups the time zones by region with names in the customer’s language; the IANA id is stored', async () => {
    const user = await app.createUser('zonen@example.com', { locale: 'de-DE' });
    const b = app.browser();
    const page = await signIn(app, b, user.email, '/account/profile');
    const zones = selectOf(page.body, 'zoneinfo');
    const groups = [...zones.matchAll(/<optgroup label="([^"]+)">/g)].map((m) => m[1] ?? '');
    expect(groups).toEqual(expect.arrayContaining(['Afrika', 'Amerika', 'Asien', 'Europa', 'Pazifik', 'Indischer Ozean']));
    // Groups in German order; every zone of the runtime is offered exactly once.
    expect(groups).toEqual([...groups].sort(new Intl.Collator('de').compare));
    expect([...zones.matchAll(/<option value="[A-Za-z]+\/[^"]+">/g)].length).toBe(Intl.supportedValuesOf('timeZone').length);
    // City, the zone's German name, and its offset today (with or without daylight saving time).
    const europe = /<optgroup label="Europa">([\s\S]*?)<\/optgroup>/.exec(zones)?.[1] ?? '';
    expect(europe).toMatch(/<option value="Europe\/Berlin">Berlin – Mitteleuropäische Zeit \(UTC\+0[12]:00\)<\/option>/);
    expect(europe).toMatch(/<option value="Europe\/Kiev">Kyiv – Osteuropäische Zeit \(UTC\+0[23]:00\)<\/option>/);
    expect(zones).toMatch(/<option value="America\/Indiana\/Knox">Knox \(Indiana\) – [^<]+ \(UTC-0[56]:00\)<\/option>/);
    expect(zones).toContain('<option value="UTC">UTC – Koordinierte Weltzeit</option>');

    expect((await post(b, page, /^\/account\/profile$/, { zoneinfo: 'Europe/Copenhagen' })).status).toBe(303);
    expect((await app.user(user.id))?.zoneinfo).toBe('Europe/Copenhagen');
    expect(selectOf((await open(app, b, '/account/profile')).body, 'zoneinfo')).toMatch(/<option value="Europe\/Copenhagen" selected>Copenhagen – Mitteleuropäische Zeit/);
  });

  it('shows a stored time zone the list does not have, and keeps it when the form is saved unchanged', async () => {
    const user = await app.createUser('odd-zone@example.com');
    await app.services.db.connection.collection('users').updateOne({ _id: user.id as never }, { $set: { zoneinfo: 'Mars/Olympus_Mons' } });
    const b = app.browser();
    const page = await signIn(app, b, user.email, '/account/profile');
    expect(selectOf(page.body, 'zoneinfo')).toMatch(/^\s*<option value="">Not set<\/option>\s*<option value="Mars\/Olympus_Mons" selected>Mars\/Olympus_Mons<\/option>/);
    expect((await post(b, page, /^\/account\/profile$/, { nickname: 'Ares' })).status).toBe(303);
    expect(await app.user(user.id)).toMatchObject({ nickname: 'Ares', zoneinfo: 'Mars/Olympus_Mons' });
  });

  it('reads the phone picker’s country with the national number into E.164; a whole +number ignores the picker', async () => {
    const user = await app.createUser('picker@example.com');
    const b = app.browser();
    let page = await signIn(app, b, user.email, '/account/profile');
    let res = await post(b, page, /^\/account\/profile$/, { phone_country: 'DK', phone_number: '32 12 34 56' });
    expect(res.status).toBe(303);
    expect(await app.user(user.id)).toMatchObject({ phone_number: '+4532123456', phone_number_verified: false });
    // Shown again as the country and the number as dialled there.
    page = await open(app, b, '/account/profile');
    expect(selectOf(page.body, 'phone_country')).toMatch(/<option value="DK" selected>Denmark \(\+45\)<\/option>/);
    expect(page.body).toMatch(/id="f-phone_number"[^>]*value="32 12 34 56"/);
    // Saved unchanged: nothing changes.
    res = await post(b, page, /^\/account\/profile$/);
    expect(textOf((await b.navigate(res.location as URL)).page.body)).toContain('Nothing was changed.');

    // A wrong number for the chosen country: refused, the input and the choice kept, nothing stored.
    page = await open(app, b, '/account/profile');
    res = await post(b, page, /^\/account\/profile$/, { phone_country: 'DK', phone_number: '1234' });
    expect(res.status).toBe(400);
    expect(fieldError(res, 'phone_number')).toContain('Enter a valid phone number for the chosen country');
    expect(res.body).toMatch(/id="f-phone_number"[^>]*value="1234"[^>]*aria-invalid="true"/);
    expect(selectOf(res.body, 'phone_country')).toMatch(/<option value="DK" selected>/);
    // A country the picker does not offer is refused too (a national number is never read as some other country's).
    res = await post(b, page, /^\/account\/profile$/, { phone_country: 'XX', phone_number: '32 12 34 56' });
    expect(fieldError(res, 'phone_number')).toBe('This value could not be read. Please enter it again.');
    expect((await app.user(user.id))?.phone_number).toBe('+4532123456');

    // A whole number with its country code wins over the picker.
    res = await post(b, page, /^\/account\/profile$/, { phone_country: 'DK', phone_number: '+49 30 1234567' });
    expect(res.status).toBe(303);
    expect((await app.user(user.id))?.phone_number).toBe('+49301234567');
    expect(selectOf((await open(app, b, '/account/profile')).body, 'phone_country')).toMatch(/<option value="DE" selected>/);
  });

  it('starts the picker at the primary address’s country, else the region of the profile’s or the browser’s language', async () => {
    const withAddress = await app.createUser('picker-address@example.com', { locale: 'de-DE', address: { street_address: 'Strandvejen 1', locality: 'Hellerup', country: 'Denmark' } });
    let b = app.browser();
    let page = await signIn(app, b, withAddress.email, '/account/profile');
    expect(selectOf(page.body, 'phone_country')).toMatch(/<option value="DK" selected>Dänemark \(\+45\)<\/option>/);

    const withLocale = await app.createUser('picker-locale@example.com', { locale: 'pl-PL' });
    b = app.browser();
    page = await signIn(app, b, withLocale.email, '/account/profile');
    expect(selectOf(page.body, 'phone_country')).toMatch(/<option value="PL" selected>/);
    // The default is only a start: a national number is read in it.
    expect((await post(b, page, /^\/account\/profile$/, { phone_number: '22 123 45 67' })).status).toBe(303);
    expect((await app.user(withLocale.id))?.phone_number).toBe('+48221234567');

    const plain = await app.createUser('picker-none@example.com');
    b = app.browser();
    page = await signIn(app, b, plain.email, '/account/profile');
    // The test browser asks for English without a region: nothing is chosen.
    expect(selectOf(page.body, 'phone_country')).not.toContain(' selected');
  });

  it('offers a real date input for the birth date, and keeps a stored year-only date as text', async () => {
    const user = await app.createUser('born@example.com', { birthdate: '1990-04-23' });
    const b = app.browser();
    let page = await signIn(app, b, user.email, '/account/profile');
    const today = new Date().toISOString().slice(0, 10);
    expect(page.body).toMatch(new RegExp(`<input id="f-birthdate" name="birthdate" type="date" value="1990-04-23" min="1900-01-01" max="${today}"`));
    // No example in another format beside it.
    expect(page.body).not.toContain('id="h-birthdate"');

    await app.services.db.connection.collection('users').updateOne({ _id: user.id as never }, { $set: { birthdate: '1990' } });
    page = await open(app, b, '/account/profile');
    expect(page.body).toMatch(/<input id="f-birthdate" name="birthdate" type="text" value="1990"/);
    expect((await post(b, page, /^\/account\/profile$/, { nickname: 'Ninety' })).status).toBe(303);
    expect(await app.user(user.id)).toMatchObject({ nickname: 'Ninety', birthdate: '1990' });
    expect((await post(b, page, /^\/account\/profile$/, { birthdate: '1990-05-01' })).status).toBe(303);
    expect((await app.user(user.id))?.birthdate).toBe('1990-05-01');
  });

  it('has the sections both as a list and as a phone menu that names the current page', async () => {
    const user = await app.createUser('menu@example.com');
    const b = app.browser();
    const page = await signIn(app, b, user.email, '/account/profile');
    const nav = /<nav class="account-nav"[\s\S]*?<\/nav>/.exec(page.body)?.[0] ?? '';
    expect(nav).toMatch(/<details class="account-menu">\s*<summary><span class="account-menu-label">Menu<\/span> <span class="account-menu-current">Personal info<\/span><\/summary>/);
    // The current page is marked in each (only one of the two is displayed at a time: app.css).
    expect(nav.match(/<a href="\/account\/profile" aria-current="page">Personal info<\/a>/g)).toHaveLength(2);
    expect(nav.match(/aria-current/g)).toHaveLength(2);
  });
});

describe('postal addresses', () => {
  // The form's list sends ISO codes; a name one country has (as a post without the list might send) is read as its code.
  const home = { label: 'Home', street_address: 'Hauptstraße 1\nHinterhaus', postal_code: '10115', locality: 'Berlin', region: '', country: 'DE' };
  const work = { label: 'Work', street_address: 'Vesterbrogade 2', postal_code: '1620', locality: 'København V', region: '', country: 'Denmark' };

  it('adds, edits, makes primary and removes addresses; the primary one is the address claim', async () => {
    const user = await app.createUser('addr@example.com');
    const b = app.browser();
    await signIn(app, b, user.email);

    const empty = await open(app, b, '/account/addresses');
    expect(textOf(empty.body)).toContain('You have not added an address yet.');
    let res = await post(b, await open(app, b, '/account/addresses/new'), /^\/account\/addresses$/, home);
    expect(res.status).toBe(303);
    expect(textOf((await b.navigate(res.location as URL)).page.body)).toContain('The address has been added.');
    res = await post(b, await open(app, b, '/account/addresses/new'), /^\/account\/addresses$/, work);
    expect(res.status).toBe(303);

    let doc = await app.user(user.id);
    expect(doc?.addresses?.map((a) => [a.label, a.primary])).toEqual([['Home', true], ['Work', false]]);
    // The ISO code is stored and released; the pages show the country's name.
    expect((await claimsOf(user.id)).address).toEqual({
      street_address: 'Hauptstraße 1\nHinterhaus', postal_code: '10115', locality: 'Berlin', country: 'DE',
    });
    expect(doc?.addresses?.map((a) => a.country)).toEqual(['DE', 'DK']);
    const shown = textOf((await open(app, b, '/account/addresses')).body);
    expect(shown).toContain('10115 Berlin Germany');
    expect(shown).toContain('1620 København V Denmark');
    const [homeId, workId] = (doc?.addresses ?? []).map((a) => a.id);

    // Make the second primary.
    const list = await open(app, b, '/account/addresses');
    res = await post(b, list, new RegExp(`/addresses/${workId}/primary$`));
    expect(res.status).toBe(303);
    expect((await claimsOf(user.id)).address).toMatchObject({ locality: 'København V' });

    // Edit the first.
    const edit = await open(app, b, `/account/addresses/${homeId}`);
    expect(edit.body).toContain('value="Berlin"');
    expect(edit.body).toMatch(/<option value="DE" selected>Germany<\/option>/);
    res = await post(b, edit, new RegExp(`/addresses/${homeId}$`), { locality: 'Potsdam', postal_code: '14467' });
    expect(res.status).toBe(303);
    doc = await app.user(user.id);
    expect(doc?.addresses?.find((a) => a.id === homeId)).toMatchObject({ locality: 'Potsdam', primary: false });

    // Remove the primary one: the other is promoted.
    res = await post(b, await open(app, b, '/account/addresses'), new RegExp(`/addresses/${workId}/remove$`));
    expect(res.status).toBe(303);
    doc = await app.user(user.id);
    expect(doc?.addresses?.map((a) => [a.id, a.primary])).toEqual([[homeId, true]]);
    expect((await claimsOf(user.id)).address).toMatchObject({ locality: 'Potsdam' });
    expect((await app.audit('address.removed', user.id))[0]?.details).toMatchObject({ addressId: workId, promoted: homeId });

    // The last one goes: no address claim at all.
    await post(b, await open(app, b, '/account/addresses'), new RegExp(`/addresses/${homeId}/remove$`));
    expect((await claimsOf(user.id)).address).toBeUndefined();
    expect((await app.audit('address.added', user.id)).length).toBe(2);
  });

  it('refuses incomplete or bad addresses, unknown ids and more than ten', async () => {
    const user = await app.createUser('addr-bad@example.com');
    const b = app.browser();
    await signIn(app, b, user.email);
    const form = await open(app, b, '/account/addresses/new');

    let res = await post(b, form, /^\/account\/addresses$/, { ...home, street_address: '', country: '' });
    expect(res.status).toBe(400);
    expect(fieldError(res, 'street_address')).toBe('This field is required.');
    expect(fieldError(res, 'country')).toBe('This field is required.');
    expect(res.body).toContain('value="Berlin"');
    // Text that names no single country is refused for a new address, and shown back as it was sent.
    for (const country of ['Narnia', 'Korea', 'XX']) {
      res = await post(b, form, /^\/account\/addresses$/, { ...home, country });
      expect([country, res.status, fieldError(res, 'country')]).toEqual([country, 400, 'Choose a country from the list.']);
      expect(res.body).toContain(`<option value="${country}" selected>${country}</option>`);
    }
    res = await post(b, form, /^\/account\/addresses$/, { ...home, postal_code: '1'.repeat(21) });
    expect(fieldError(res, 'postal_code')).toBe('This is too long.');
    res = await post(b, form, /^\/account\/addresses$/, { ...home, locality: 'Ber\u0000lin' });
    expect(fieldError(res, 'locality')).toBe('This contains characters that are not allowed.');
    res = await rawPost(b, app, '/account/addresses', `_csrf=${csrfOf(form)}&street_address[]=x&locality=B&country=D`);
    expect(fieldError(res, 'street_address')).toBe('This value could not be read. Please enter it again.');
    expect((await app.user(user.id))?.addresses).toBeUndefined();

    expect((await b.request(new URL('/account/addresses/nope', app.url))).status).toBe(404);
    const csrf = csrfOf(form);
    expect((await rawPost(b, app, '/account/addresses/nope/remove', `_csrf=${csrf}`)).status).toBe(404);
    expect((await rawPost(b, app, '/account/addresses/nope/primary', `_csrf=${csrf}`)).status).toBe(404);
    expect((await rawPost(b, app, '/account/addresses/nope', `_csrf=${csrf}&street_address=x&locality=y&country=z`)).status).toBe(404);

    for (let i = 0; i < 10; i += 1) {
      expect((await post(b, form, /^\/account\/addresses$/, { ...home, label: `A${i}` })).status).toBe(303);
    }
    const list = await open(app, b, '/account/addresses');
    expect(textOf(list.body)).toContain('You can save up to 10 addresses.');
    expect(list.body).not.toContain('href="/account/addresses/new"');
    res = await post(b, form, /^\/account\/addresses$/, { ...home, label: 'Eleventh' });
    expect(res.status).toBe(400);
    expect(textOf(res.body)).toContain('You already have the maximum number of addresses.');
    expect((await app.user(user.id))?.addresses).toHaveLength(10);
  });

  it('shows an address from the single address claim and moves it into the list on the first change', async () => {
    const user = await app.createUser('legacy@example.com', { address: { street_address: 'Old Road 1', locality: 'Oldtown', country: 'UK' } });
    const b = app.browser();
    await signIn(app, b, user.email);
    const list = await open(app, b, '/account/addresses');
    expect(textOf(list.body)).toContain('Old Road 1');
    expect((await claimsOf(user.id)).address).toMatchObject({ locality: 'Oldtown' });

    await post(b, await open(app, b, '/account/addresses/new'), /^\/account\/addresses$/, work);
    const doc = await app.user(user.id);
    expect(doc?.address).toBeUndefined();
    expect(doc?.addresses?.map((a) => [a.locality, a.primary])).toEqual([['Oldtown', true], ['København V', false]]);
    expect((await claimsOf(user.id)).address).toMatchObject({ locality: 'Oldtown' });
  });

  it('reads a country typed as text before the list as its ISO code when only one country has that name, else keeps it', async () => {
    const user = await app.createUser('old-country@example.com');
    await app.services.db.connection.collection('users').updateOne({ _id: user.id as never }, {
      $set: {
        addresses: [
          { id: 'a1', primary: true, street_address: 'Old Road 1', locality: 'Oldtown', country: 'UK' },
          { id: 'a2', primary: false, street_address: 'Hill 2', locality: 'Hilltown', country: 'Atlantis' },
        ],
      },
    });
    const b = app.browser();
    await signIn(app, b, user.email);
    // Shown as stored until the address is saved again.
    expect(textOf((await open(app, b, '/account/addresses')).body)).toContain('Oldtown UK');

    // "UK" names one country: the form chooses it in the list, and saving stores the code.
    const uk = await open(app, b, '/account/addresses/a1');
    expect(uk.body).toMatch(/<option value="GB" selected>United Kingdom<\/option>/);
    expect((await post(b, uk, /\/addresses\/a1$/, { postal_code: 'OT1 1AA' })).status).toBe(303);

    // "Atlantis" names none: shown first in the list, chosen, and kept while it is not changed.
    const other = await open(app, b, '/account/addresses/a2');
    expect(other.body).toMatch(/<select id="f-country"[^>]*>\s*<option value="">Choose a country<\/option>\s*<option value="Atlantis" selected>Atlantis<\/option>/);
    expect((await post(b, other, /\/addresses\/a2$/, { postal_code: '12345' })).status).toBe(303);
    let doc = await app.user(user.id);
    expect(doc?.addresses?.map((a) => [a.id, a.country, a.postal_code])).toEqual([['a1', 'GB', 'OT1 1AA'], ['a2', 'Atlantis', '12345']]);
    expect((await claimsOf(user.id)).address).toMatchObject({ country: 'GB' });

    // Choosing from the list replaces it; other text is refused.
    const again = await open(app, b, '/account/addresses/a2');
    const res = await post(b, again, /\/addresses\/a2$/, { country: 'Lemuria' });
    expect(fieldError(res, 'country')).toBe('Choose a country from the list.');
    expect((await post(b, again, /\/addresses\/a2$/, { country: 'IS' })).status).toBe(303);
    doc = await app.user(user.id);
    expect(doc?.addresses?.find((a) => a.id === 'a2')?.country).toBe('IS');
  });

  it('lists the countries by their names in the customer’s language, in that language’s order', async () => {
    const user = await app.createUser('laender@example.com', { locale: 'de-DE' });
    const b = app.browser();
    await signIn(app, b, user.email);
    const form = await open(app, b, '/account/addresses/new');
    expect(form.body).toContain('<option value="DE">Deutschland</option>');
    // German order: Ägypten sorts with A, Österreich with O (not after Z).
    const labels = [...form.body.matchAll(/<option value="([A-Z]{2})">([^<]+)<\/option>/g)].map((m) => m[2]);
    expect(labels.length).toBeGreaterThan(240);
    expect(labels.indexOf('Ägypten')).toBeLessThan(labels.indexOf('Albanien'));
    expect(labels.indexOf('Österreich')).toBeLessThan(labels.indexOf('Panama'));
    const res = await post(b, form, /^\/account\/addresses$/, { ...home, country: 'AT' });
    expect(res.status).toBe(303);
    expect(textOf((await open(app, b, '/account/addresses')).body)).toContain('Österreich');
    expect((await app.user(user.id))?.addresses?.[0]?.country).toBe('AT');
  });
});
