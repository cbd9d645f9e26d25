// The account center's profile and postal addresses: the standard claims a customer keeps themselves (name,
// picture, phone, birth date, locale and time zone) and up to MAX_ADDRESSES addresses, one of them primary.
import type { Context } from 'koa';
import type { PostalAddress } from '../db/models/user.ts';
import { notFound } from '../errors.ts';
import type { MessageKey } from '../i18n/index.ts';
import {
  ADDRESS_FIELDS,
  MAX_ADDRESSES,
  MAX_LENGTH,
  PROFILE_FIELDS,
  parseAddressForm,
  parseProfileForm,
  regionOf,
  timeZones,
  type AddressField,
  type FieldErrors,
  type FormValues,
} from '../services/profile.ts';
import type { SignedIn } from './auth.ts';
import type { AccountDeps } from './deps.ts';
import { FORM_ERROR, meta, seeOther, str, type AccountPages } from './pages.ts';
import { allowImages } from './view.ts';

const MAX_ID = 128;

export function profileRoutes(pages: AccountPages, deps: AccountDeps): void {
  const { get, post, render } = pages;

  // --- profile ------------------------------------------------------------------------------------------------

  const profileValues = (user: SignedIn['user']) =>
    Object.fromEntries(PROFILE_FIELDS.map((f) => [f, typeof user[f] === 'string' ? user[f] : ''])) as FormValues<(typeof PROFILE_FIELDS)[number]>;

  const renderProfile = (ctx: Context, account: SignedIn, values: Record<string, string>, errors: Record<string, MessageKey> = {}, status?: number) => {
    allowImages(ctx, [account.user.picture]);
    render(
      ctx,
      account,
      'profile',
      'profile',
      'account.profile.title',
      { values, errors, max: MAX_LENGTH, zones: [...timeZones()].sort(), picture: account.user.picture ?? '' },
      status,
    );
  };

  get('/profile', {}, (ctx, account) => renderProfile(ctx, account, profileValues(account.user)));

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
        errors: form.errors ?? {},
        formError: form.formError ?? null,
        max: MAX_LENGTH,
      },
      status,
    );

  get('/addresses', {}, (ctx, account) => {
    const list = deps.profile.addresses(account.user);
    render(ctx, account, 'addresses', 'addresses', 'account.addresses.title', {
      addresses: list.map((a) => ({ id: a.id, label: a.label ?? '', primary: a.primary, lines: addressLines(a) })),
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

  get('/addresses/:id', {}, (ctx, account) => {
    const id = addressId(ctx);
    const address = deps.profile.addresses(account.user).find((a) => a.id === id);
    if (!address) throw notFound('No such address');
    const values = Object.fromEntries(ADDRESS_FIELDS.map((f) => [f, address[f] ?? ''])) as FormValues<AddressField>;
    renderAddressForm(ctx, account, { id, values });
  });

  post('/addresses/:id', { back: '/account/addresses' }, async (ctx, account, body) => {
    const id = addressId(ctx);
    const parsed = parseAddressForm(body);
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

export function addressLines(a: PostalAddress): string[] {
  const lines = (a.street_address ?? '').split('\n').filter(Boolean);
  const town = [a.postal_code, a.locality].filter(Boolean).join(' ');
  return [...lines, town, a.region ?? '', a.country ?? ''].filter(Boolean);
}
