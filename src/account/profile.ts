// The account center's profile and postal addresses: the standard claims a customer keeps themselves (name,
// picture, phone, birth date, locale and time zone) and up to MAX_ADDRESSES addresses, one of them primary.
import type { Context } from 'koa';
import type { PostalAddress } from '../db/models/user.ts';
import { notFound } from '../errors.ts';
import { translator, type Locale, type MessageKey } from '../i18n/index.ts';
import { withCurrent } from '../services/choices.ts';
import { countryChoices, countryCodeOf, countryName } from '../services/countries.ts';
import { callingCodeChoices, isPhoneRegion, phoneForEntry } from '../services/phone-entry.ts';
import {
  ADDRESS_FIELDS,
  MAX_ADDRESSES,
  MAX_LENGTH,
  PROFILE_FIELDS,
  birthdateRange,
  isFullDate,
  parseAddressForm,
  parseProfileForm,
  regionOf,
  type AddressField,
  type FieldErrors,
  type FormValues,
} from '../services/profile.ts';
import { timeZoneChoices } from '../services/time-zone-choices.ts';
import type { SignedIn } from './auth.ts';
import type { AccountDeps } from './deps.ts';
import { FORM_ERROR, meta, seeOther, str, type AccountPages } from './pages.ts';
import { allowImages } from './view.ts';

const MAX_ID = 128;

export function profileRoutes(pages: AccountPages, deps: AccountDeps): void {
  const { get, post, render } = pages;

  // --- profile ------------------------------------------------------------------------------------------------

  // The stored values, the phone number split into the picker's country and the national number. Without a stored
  // number the picker starts at the primary address's country, else the region of the profile's or the browser's language.
  const profileValues = (ctx: Context, account: SignedIn): Record<string, string> => {
    const { user } = account;
    const values: Record<string, string> = Object.fromEntries(PROFILE_FIELDS.map((f) => [f, typeof user[f] === 'string' ? user[f] : '']));
    const phone = phoneForEntry(values.phone_number ?? '');
    const address = deps.profile.addresses(user)[0]?.country;
    const guesses = [phone.country, address && countryCodeOf(address), regionOf(user.locale), ...ctx.acceptsLanguages().map(regionOf)];
    return { ...values, phone_number: phone.number, phone_country: guesses.find(isPhoneRegion) ?? '' };
  };

  const renderProfile = (ctx: Context, account: SignedIn, values: Record<string, string>, errors: Record<string, MessageKey> = {}, status?: number) => {
    allowImages(ctx, [account.user.picture]);
    const { locale } = account;
    const birthdate = values.birthdate ?? '';
    render(
      ctx,
      account,
      'profile',
      'profile',
      'account.profile.title',
      {
        values,
        errors,
        max: MAX_LENGTH,
        zones: withCurrent(timeZoneChoices(locale, translator(locale)), values.zoneinfo ?? ''),
        phoneCountries: callingCodeChoices(locale),
        // A birth date stored as a year only (or 0000-MM-DD, as the claim allows) cannot be shown in a date input:
        // it is shown as text, so that saving the form unchanged keeps it.
        birthdate: { ...birthdateRange(), asDate: birthdate === '' || isFullDate(birthdate) },
        picture: account.user.picture ?? '',
      },
      status,
    );
  };

  get('/profile', {}, (ctx, account) => renderProfile(ctx, account, profileValues(ctx, account)));

  post('/profile', { back: '/account/profile' }, async (ctx, account, body) => {
    const region = regionOf(typeof body.locale === 'string' ? body.locale.trim() : undefined) ?? regionOf(account.user.locale);
    const parsed = parseProfileForm(body, { region, current: account.user });
    if (!parsed.ok) return renderProfile(ctx, account, parsed.values, parsed.errors as Record<string, MessageKey>, FORM_ERROR);
    const changed = await deps.profile.update(account.accountId, parsed.value, meta(ctx));
    seeOther(ctx, '/account/profile', changed.length ? 'account.flash.saved' : 'account.flash.nothingChanged');
  });

  // --- postal addresses ---------------------------------------------------------------------------------------

  const addressId = (ctx: Context): string => {
    const id = str(ctx.params.id, MAX_ID);
    if (!id) throw notFound('No such address');
    return id;
  };

  const emptyAddress = () => Object.fromEntries(ADDRESS_FIELDS.map((f) => [f, ''])) as FormValues<AddressField>;

  const renderAddressForm = (
    ctx: Context,
    account: SignedIn,
    form: { id?: string; values: FormValues<AddressField>; errors?: FieldErrors<AddressField>; formError?: MessageKey },
    status?: number,
  ) =>
    render(
      ctx,
      account,
      'address-form',
      'addresses',
      form.id ? 'account.addresses.editTitle' : 'account.addresses.addTitle',
      {
        action: form.id ? `/account/addresses/${encodeURIComponent(form.id)}` : '/account/addresses',
        values: form.values,
        countries: withCurrent([{ options: countryChoices(account.locale) }], form.values.country),
        errors: form.errors ?? {},
        formError: form.formError ?? null,
        max: MAX_LENGTH,
      },
      status,
    );

  get('/addresses', {}, (ctx, account) => {
    const list = deps.profile.addresses(account.user);
    render(ctx, account, 'addresses', 'addresses', 'account.addresses.title', {
      addresses: list.map((a) => ({ id: a.id, label: a.label ?? '', primary: a.primary, lines: addressLines(a, account.locale) })),
      canAdd: list.length < MAX_ADDRESSES,
      max: String(MAX_ADDRESSES),
    });
  });

  get('/addresses/new', {}, (ctx, account) => renderAddressForm(ctx, account, { values: emptyAddress() }));

  post('/addresses', { back: '/account/addresses/new' }, async (ctx, account, body) => {
    const parsed = parseAddressForm(body);
    if (!parsed.ok) return renderAddressForm(ctx, account, { values: parsed.values, errors: parsed.errors }, FORM_ERROR);
    const result = await deps.profile.addAddress(account.accountId, parsed.value, meta(ctx));
    if (!result.ok) {
      if (result.reason === 'not_found') throw notFound('No such account');
      return renderAddressForm(ctx, account, { values: parsed.values, formError: 'account.addresses.error.limit' }, FORM_ERROR);
    }
    seeOther(ctx, '/account/addresses', 'account.flash.addressAdded');
  });

  const storedAddress = (account: SignedIn, id: string) => deps.profile.addresses(account.user).find((a) => a.id === id);

  get('/addresses/:id', {}, (ctx, account) => {
    const id = addressId(ctx);
    const address = storedAddress(account, id);
    if (!address) throw notFound('No such address');
    const values = Object.fromEntries(ADDRESS_FIELDS.map((f) => [f, address[f] ?? ''])) as FormValues<AddressField>;
    // A country typed as text before the list existed is chosen in the list when it names one country; saving then
    // stores its code. Other text stays (shown first in the list) and is kept while it is not changed.
    values.country = countryCodeOf(values.country) ?? values.country;
    renderAddressForm(ctx, account, { id, values });
  });

  post('/addresses/:id', { back: '/account/addresses' }, async (ctx, account, body) => {
    const id = addressId(ctx);
    const stored = storedAddress(account, id);
    if (!stored) throw notFound('No such address');
    const parsed = parseAddressForm(body, stored);
    if (!parsed.ok) return renderAddressForm(ctx, account, { id, values: parsed.values, errors: parsed.errors }, FORM_ERROR);
    const result = await deps.profile.updateAddress(account.accountId, id, parsed.value, meta(ctx));
    if (!result.ok) throw notFound('No such address');
    seeOther(ctx, '/account/addresses', 'account.flash.saved');
  });

  post('/addresses/:id/remove', { back: '/account/addresses' }, async (ctx, account) => {
    if (!(await deps.profile.removeAddress(account.accountId, addressId(ctx), meta(ctx)))) throw notFound('No such address');
    seeOther(ctx, '/account/addresses', 'account.flash.addressRemoved');
  });

  post('/addresses/:id/primary', { back: '/account/addresses' }, async (ctx, account) => {
    if (!(await deps.profile.setPrimaryAddress(account.accountId, addressId(ctx), meta(ctx)))) throw notFound('No such address');
    seeOther(ctx, '/account/addresses', 'account.flash.saved');
  });

}

/** An address as lines to show; a country's ISO code is shown as its name in the customer's language. */
export function addressLines(a: PostalAddress, locale: Locale): string[] {
  const lines = (a.street_address ?? '').split('\n').filter(Boolean);
  const town = [a.postal_code, a.locality].filter(Boolean).join(' ');
  return [...lines, town, a.region ?? '', a.country ? countryName(a.country, locale) : ''].filter(Boolean);
}
