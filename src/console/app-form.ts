// An app's settings as the console's form shows and sends them, and what a sent form asks of the clients service: a
// new registration (ClientInput, as POST /clients and `ciam clients create` take it) or a change (ClientPatch, as
// PATCH /clients/{id} takes it, holding only the fields the operator changed). Nothing is checked here beyond reading
// the form: the rules are the service's (client-input.ts, brand-input.ts, the logo store, oidc-provider), and a
// refusal comes back with its reasons. Lists are sent as one checkbox per value (grantType:<value>, …), so that a
// form posts the same whether a browser or a test sends it.
import { FACTOR_TYPES } from '../auth/types.ts';
import { MFA_POLICIES, PROFILE_ATTRIBUTES } from '../config/index.ts';
import type { ClientInput } from '../services/client-input.ts';
import type { ClientPatch } from '../services/client-patch.ts';
import type { ClientView } from '../services/clients.ts';
import { isUpload, type UploadedFile } from './form-data.ts';
import type { Body } from './pages.ts';

/** The grants the provider serves (the device flow is always on); a grant an app has beyond these is kept as it is. */
export const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code', 'implicit'] as const;
/** oidc-provider's client authentication methods; "none" is a public app (PKCE, no secret). */
export const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt', 'none'] as const;
export { FACTOR_TYPES, MFA_POLICIES, PROFILE_ATTRIBUTES };

/** Registration metadata with a field of their own on the form (the app's legal documents, shown on its pages). */
const LEGAL_METADATA = { policyUri: 'policy_uri', tosUri: 'tos_uri' } as const;

const MAX_FIELD = 4000;
const MAX_METADATA = 8000;

export interface AppForm {
  /** New apps only. */
  clientId: string;
  clientName: string;
  redirectUris: string;
  postLogoutRedirectUris: string;
  grantTypes: string[];
  responseTypes: string[];
  tokenEndpointAuthMethod: string;
  scope: string;
  firstParty: boolean;
  requireVerifiedEmail: boolean;
  /** '' (the operator's SIGNIN_EMAIL_CODES), 'on' or 'off'. */
  emailCodeSignin: string;
  requiredProfileAttributes: string[];
  mfaPolicy: string;
  mfaFactors: string[];
  optionalScopes: string;
  optionalClaims: string;
  /** 'all': every enabled connection; 'chosen': only `connections` (none ticked: no other provider). */
  connectionsMode: string;
  connections: string[];
  policyUri: string;
  tosUri: string;
  /** The other registration metadata as a JSON object. */
  metadata: string;
  brandName: string;
  brandPrimary: string;
  brandBackground: string;
  brandSupport: string;
  /** The stored logo's path (/branding/logo/…), shown; not sent back. */
  brandLogo: string;
  /** An https URL to fetch a new logo from. */
  brandLogoUrl: string;
  brandLogoRemove: boolean;
}

const text = (value: unknown, max = MAX_FIELD) => (typeof value === 'string' ? value.trim().slice(0, max) : '');
const lines = (value: string) => value.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
const words = (value: string) => value.split(/[\s,]+/).filter(Boolean);
const ticked = (body: Body, prefix: string) =>
  Object.keys(body)
    .filter((k) => k.startsWith(prefix) && body[k] !== undefined && body[k] !== '')
    .map((k) => k.slice(prefix.length))
    .filter(Boolean);
const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));
const otherMetadata = (metadata: Record<string, unknown> | undefined) =>
  Object.fromEntries(Object.entries(metadata ?? {}).filter(([k]) => !(Object.values(LEGAL_METADATA) as string[]).includes(k)));

/** A new app's form: a confidential web app with code and refresh tokens, every enabled connection. */
export function newAppForm(): AppForm {
  return {
    clientId: '', clientName: '', redirectUris: '', postLogoutRedirectUris: '',
    grantTypes: ['authorization_code', 'refresh_token'], responseTypes: ['code'], tokenEndpointAuthMethod: 'client_secret_basic', scope: 'openid profile email offline_access',
    firstParty: false, requireVerifiedEmail: false, emailCodeSignin: '', requiredProfileAttributes: [], mfaPolicy: '', mfaFactors: [],
    optionalScopes: '', optionalClaims: '', connectionsMode: 'all', connections: [], policyUri: '', tosUri: '', metadata: '',
    brandName: '', brandPrimary: '', brandBackground: '', brandSupport: '', brandLogo: '', brandLogoUrl: '', brandLogoRemove: false,
  };
}

/** The form as the app is now. */
export function formOf(app: ClientView): AppForm {
  const other = otherMetadata(app.metadata);
  const legal = (key: keyof typeof LEGAL_METADATA) => (typeof app.metadata?.[LEGAL_METADATA[key]] === 'string' ? (app.metadata[LEGAL_METADATA[key]] as string) : '');
  return {
    clientId: app.clientId,
    clientName: app.clientName ?? '',
    redirectUris: app.redirectUris.join('\n'),
    postLogoutRedirectUris: app.postLogoutRedirectUris.join('\n'),
    grantTypes: [...app.grantTypes],
    responseTypes: [...app.responseTypes],
    tokenEndpointAuthMethod: app.tokenEndpointAuthMethod,
    scope: app.scope ?? '',
    firstParty: app.firstParty === true,
    requireVerifiedEmail: app.requireVerifiedEmail === true,
    emailCodeSignin: app.emailCodeSignin === undefined ? '' : app.emailCodeSignin ? 'on' : 'off',
    requiredProfileAttributes: [...(app.requiredProfileAttributes ?? [])],
    mfaPolicy: app.mfaPolicy ?? '',
    mfaFactors: [...(app.mfaFactors ?? [])],
    optionalScopes: (app.optionalScopes ?? []).join(' '),
    optionalClaims: (app.optionalClaims ?? []).join(' '),
    connectionsMode: app.connections === undefined ? 'all' : 'chosen',
    connections: [...(app.connections ?? [])],
    policyUri: legal('policyUri'),
    tosUri: legal('tosUri'),
    metadata: Object.keys(other).length ? JSON.stringify(other, null, 2) : '',
    brandName: app.brand?.displayName ?? '',
    brandPrimary: app.brand?.primaryColor ?? '',
    brandBackground: app.brand?.backgroundColor ?? '',
    brandSupport: app.brand?.supportUri ?? '',
    brandLogo: app.brand?.logo ?? '',
    brandLogoUrl: '',
    brandLogoRemove: false,
  };
}

/** The form as sent, the uploaded logo (a data: URL for the logo store), and what could not even be read. */
export function readForm(body: Body, current?: AppForm): { form: AppForm; upload?: string; problems: string[] } {
  const choice = (value: string, allowed: readonly string[], fallback: string) => (allowed.includes(value) ? value : fallback);
  const form: AppForm = {
    clientId: current ? current.clientId : text(body.clientId, 100),
    clientName: text(body.clientName),
    redirectUris: text(body.redirectUris),
    postLogoutRedirectUris: text(body.postLogoutRedirectUris),
    grantTypes: ticked(body, 'grantType:'),
    responseTypes: ticked(body, 'responseType:'),
    tokenEndpointAuthMethod: text(body.tokenEndpointAuthMethod, 100) || (current?.tokenEndpointAuthMethod ?? 'client_secret_basic'),
    scope: text(body.scope),
    firstParty: Boolean(body.firstParty),
    requireVerifiedEmail: Boolean(body.requireVerifiedEmail),
    emailCodeSignin: choice(text(body.emailCodeSignin), ['', 'on', 'off'], ''),
    requiredProfileAttributes: ticked(body, 'attribute:'),
    mfaPolicy: choice(text(body.mfaPolicy), ['', ...MFA_POLICIES], ''),
    mfaFactors: ticked(body, 'factor:'),
    optionalScopes: text(body.optionalScopes),
    optionalClaims: text(body.optionalClaims),
    connectionsMode: choice(text(body.connectionsMode), ['all', 'chosen'], 'all'),
    connections: ticked(body, 'connection:'),
    policyUri: text(body.policyUri),
    tosUri: text(body.tosUri),
    metadata: text(body.metadata, MAX_METADATA),
    brandName: text(body.brandName),
    brandPrimary: text(body.brandPrimary),
    brandBackground: text(body.brandBackground),
    brandSupport: text(body.brandSupport),
    brandLogo: current?.brandLogo ?? '',
    brandLogoUrl: text(body.brandLogoUrl),
    brandLogoRemove: Boolean(body.brandLogoRemove),
  };
  const problems: string[] = [];
  if (form.metadata && !isObject(parseJson(form.metadata))) problems.push('metadata: must be a JSON object, e.g. {"backchannel_logout_uri": "https://app.example.com/logout"}');
  const file = body.brandLogoFile;
  // Handed on as a data: URL, the form the logo store takes uploads in: the store sniffs and checks the bytes.
  const upload = isUpload(file) ? dataUrlOf(file) : undefined;
  return { form, ...(upload ? { upload } : {}), problems };
}

function dataUrlOf(file: UploadedFile): string {
  const type = /^[a-z]+\/[a-z0-9.+-]+$/i.test(file.type) ? file.type : 'application/octet-stream';
  return `data:${type};base64,${file.bytes.toString('base64')}`;
}

function parseJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const metadataOf = (form: AppForm): Record<string, unknown> => {
  const parsed = form.metadata ? parseJson(form.metadata) : {};
  return isObject(parsed) ? parsed : {};
};

/** The logo the form asks for: an upload wins over a URL; undefined: keep what there is. */
const logoOf = (form: AppForm, upload: string | undefined) => upload ?? (form.brandLogoUrl || undefined);

/** A new registration from the create form: fields left empty are left out (their defaults apply). */
export function inputOf(form: AppForm, upload?: string): ClientInput {
  const metadata = { ...metadataOf(form), ...(form.policyUri && { policy_uri: form.policyUri }), ...(form.tosUri && { tos_uri: form.tosUri }) };
  const logo = logoOf(form, upload);
  const brand = {
    ...(form.brandName && { displayName: form.brandName }),
    ...(logo && { logo }),
    ...(form.brandPrimary && { primaryColor: form.brandPrimary }),
    ...(form.brandBackground && { backgroundColor: form.brandBackground }),
    ...(form.brandSupport && { supportUri: form.brandSupport }),
  };
  return {
    clientId: form.clientId,
    redirectUris: lines(form.redirectUris),
    postLogoutRedirectUris: lines(form.postLogoutRedirectUris),
    grantTypes: form.grantTypes,
    ...(form.responseTypes.length && { responseTypes: form.responseTypes }),
    tokenEndpointAuthMethod: form.tokenEndpointAuthMethod,
    ...(form.clientName && { clientName: form.clientName }),
    ...(form.scope && { scope: form.scope }),
    ...(form.firstParty && { firstParty: true }),
    ...(form.requireVerifiedEmail && { requireVerifiedEmail: true }),
    ...(form.emailCodeSignin && { emailCodeSignin: form.emailCodeSignin === 'on' }),
    ...(form.requiredProfileAttributes.length && { requiredProfileAttributes: form.requiredProfileAttributes as ClientInput['requiredProfileAttributes'] }),
    ...(form.mfaPolicy && { mfaPolicy: form.mfaPolicy as ClientInput['mfaPolicy'] }),
    ...(form.mfaFactors.length && { mfaFactors: form.mfaFactors as ClientInput['mfaFactors'] }),
    ...(form.optionalScopes && { optionalScopes: words(form.optionalScopes) }),
    ...(form.optionalClaims && { optionalClaims: words(form.optionalClaims) }),
    ...(form.connectionsMode === 'chosen' && { connections: form.connections }),
    ...(Object.keys(brand).length && { brand }),
    ...(Object.keys(metadata).length && { metadata }),
  } as ClientInput;
}

/**
 * The change from `before` to the sent form, as a JSON merge patch with only what differs (an emptied field is null:
 * its default applies again). Undefined when nothing changed.
 */
export function patchOf(before: AppForm, form: AppForm, upload?: string): ClientPatch | undefined {
  const patch: Record<string, unknown> = {};
  const orNull = <T>(empty: boolean, value: T) => (empty ? null : value);
  const set = (key: string, changed: boolean, value: unknown) => {
    if (changed) patch[key] = value;
  };
  set('clientName', form.clientName !== before.clientName, orNull(!form.clientName, form.clientName));
  set('redirectUris', !same(lines(form.redirectUris), lines(before.redirectUris)), lines(form.redirectUris));
  set('postLogoutRedirectUris', !same(lines(form.postLogoutRedirectUris), lines(before.postLogoutRedirectUris)), lines(form.postLogoutRedirectUris));
  set('grantTypes', !sameSet(form.grantTypes, before.grantTypes), form.grantTypes);
  set('responseTypes', !sameSet(form.responseTypes, before.responseTypes), orNull(!form.responseTypes.length, form.responseTypes));
  set('tokenEndpointAuthMethod', form.tokenEndpointAuthMethod !== before.tokenEndpointAuthMethod, form.tokenEndpointAuthMethod);
  set('scope', form.scope !== before.scope, orNull(!form.scope, form.scope));
  set('firstParty', form.firstParty !== before.firstParty, orNull(!form.firstParty, true));
  set('requireVerifiedEmail', form.requireVerifiedEmail !== before.requireVerifiedEmail, orNull(!form.requireVerifiedEmail, true));
  set('emailCodeSignin', form.emailCodeSignin !== before.emailCodeSignin, orNull(!form.emailCodeSignin, form.emailCodeSignin === 'on'));
  set('requiredProfileAttributes', !sameSet(form.requiredProfileAttributes, before.requiredProfileAttributes), orNull(!form.requiredProfileAttributes.length, form.requiredProfileAttributes));
  set('mfaPolicy', form.mfaPolicy !== before.mfaPolicy, orNull(!form.mfaPolicy, form.mfaPolicy));
  set('mfaFactors', !sameSet(form.mfaFactors, before.mfaFactors), orNull(!form.mfaFactors.length, form.mfaFactors));
  set('optionalScopes', !sameSet(words(form.optionalScopes), words(before.optionalScopes)), orNull(!form.optionalScopes, words(form.optionalScopes)));
  set('optionalClaims', !sameSet(words(form.optionalClaims), words(before.optionalClaims)), orNull(!form.optionalClaims, words(form.optionalClaims)));
  const connections = form.connectionsMode === 'all' ? undefined : form.connections;
  const hadConnections = before.connectionsMode === 'all' ? undefined : before.connections;
  // The boxes are in the connections' order, not the app's: the same set is no change.
  const connectionsChanged = connections === undefined || hadConnections === undefined ? connections !== hadConnections : !sameSet(connections, hadConnections);
  set('connections', connectionsChanged, connections ?? null);

  const metadata = metadataPatch(before, form);
  if (metadata) patch.metadata = metadata;
  const brand = brandPatch(before, form, upload);
  if (brand) patch.brand = brand;
  return Object.keys(patch).length ? (patch as ClientPatch) : undefined;
}

/** The metadata fields added, changed (a new value) and removed (null). */
function metadataPatch(before: AppForm, form: AppForm): Record<string, unknown> | undefined {
  const was: Record<string, unknown> = { ...metadataOf(before), ...(before.policyUri && { policy_uri: before.policyUri }), ...(before.tosUri && { tos_uri: before.tosUri }) };
  const now: Record<string, unknown> = { ...metadataOf(form), ...(form.policyUri && { policy_uri: form.policyUri }), ...(form.tosUri && { tos_uri: form.tosUri }) };
  const patch: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(was), ...Object.keys(now)])) {
    if (!(key in now)) patch[key] = null;
    else if (JSON.stringify(now[key]) !== JSON.stringify(was[key])) patch[key] = now[key];
  }
  return Object.keys(patch).length ? patch : undefined;
}

function brandPatch(before: AppForm, form: AppForm, upload: string | undefined): Record<string, unknown> | undefined {
  const patch: Record<string, unknown> = {};
  const fields = [
    ['displayName', 'brandName'],
    ['primaryColor', 'brandPrimary'],
    ['backgroundColor', 'brandBackground'],
    ['supportUri', 'brandSupport'],
  ] as const;
  for (const [name, field] of fields) if (form[field] !== before[field]) patch[name] = form[field] || null;
  const logo = logoOf(form, upload);
  if (logo) patch.logo = logo;
  else if (form.brandLogoRemove && before.brandLogo) patch.logo = null;
  return Object.keys(patch).length ? patch : undefined;
}
