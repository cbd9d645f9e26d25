import { notFound } from '../../errors.ts';
import { jsonObject, list, noPositionals, onOff, optionalString, requiredString, UsageError, type Values } from '../args.ts';
import type { ClientInput } from '../../services/client-input.ts';
import type { ClientPatch } from '../../services/client-patch.ts';
import { command } from '../command.ts';
import { BRAND_OPTIONS, BRAND_UNSETTABLE, BRAND_USAGE, brandFields, unsetBrand } from './client-brand.ts';

/** The options of a registration, shared by create and update (each sets one field of the clients service's input). */
const REGISTRATION_OPTIONS = {
  public: { type: 'boolean' },
  'redirect-uri': { type: 'string', multiple: true },
  'grant-type': { type: 'string', multiple: true },
  'response-type': { type: 'string', multiple: true },
  scope: { type: 'string' },
  'token-endpoint-auth-method': { type: 'string' },
  'post-logout-redirect-uri': { type: 'string', multiple: true },
  'client-name': { type: 'string' },
  'first-party': { type: 'boolean' },
  'require-verified-email': { type: 'boolean' },
  // Passwordless sign-in with a mailed code on its login page: on or off for this app (default: SIGNIN_EMAIL_CODES).
  'email-code-signin': { type: 'string' },
  'require-attribute': { type: 'string', multiple: true },
  mfa: { type: 'string' },
  'mfa-factor': { type: 'string', multiple: true },
  // What the customer may withhold from this client on the consent page and in the account center.
  'optional-scope': { type: 'string', multiple: true },
  'optional-claim': { type: 'string', multiple: true },
  connection: { type: 'string', multiple: true },
  'no-connections': { type: 'boolean' },
  metadata: { type: 'string' },
  ...BRAND_OPTIONS,
} as const;

/** The fields the options given set, and only those (values are checked by the clients service). */
function registrationFields(values: Values): Partial<Omit<ClientInput, 'clientId' | 'clientSecret' | 'public'>> {
  if (values['no-connections'] === true && list(values, 'connection').length > 0) throw new UsageError('give either --connection or --no-connections, not both');
  const given = (name: string) => list(values, name).length > 0;
  const metadata = jsonObject(values, 'metadata');
  return {
    ...(metadata && { metadata }),
    ...(given('redirect-uri') && { redirectUris: list(values, 'redirect-uri') }),
    ...(given('post-logout-redirect-uri') && { postLogoutRedirectUris: list(values, 'post-logout-redirect-uri') }),
    ...(given('grant-type') && { grantTypes: list(values, 'grant-type') }),
    ...(given('response-type') && { responseTypes: list(values, 'response-type') }),
    ...(values.scope !== undefined && { scope: optionalString(values, 'scope') }),
    ...(values['token-endpoint-auth-method'] !== undefined && { tokenEndpointAuthMethod: optionalString(values, 'token-endpoint-auth-method') }),
    ...(values['client-name'] !== undefined && { clientName: optionalString(values, 'client-name') }),
    ...(values['first-party'] === true && { firstParty: true }),
    ...(values['require-verified-email'] === true && { requireVerifiedEmail: true }),
    ...(values['email-code-signin'] !== undefined && { emailCodeSignin: onOff(values, 'email-code-signin') }),
    ...(given('require-attribute') && { requiredProfileAttributes: list(values, 'require-attribute') }),
    // Checked (with a message naming the allowed values) by the clients service.
    ...(values.mfa !== undefined && { mfaPolicy: optionalString(values, 'mfa') as ClientInput['mfaPolicy'] }),
    ...(given('mfa-factor') && { mfaFactors: list(values, 'mfa-factor') as ClientInput['mfaFactors'] }),
    ...(given('optional-scope') && { optionalScopes: list(values, 'optional-scope') }),
    ...(given('optional-claim') && { optionalClaims: list(values, 'optional-claim') }),
    ...(given('connection') && { connections: list(values, 'connection') }),
    ...(values['no-connections'] === true && { connections: [] }),
  };
}

export const clientsCreate = command({
  usage:
    'clients create --client-id ID [--client-secret S | --public] [--redirect-uri URI]... --grant-type T...\n' +
    '        [--scope "a b"] [--token-endpoint-auth-method M] [--post-logout-redirect-uri URI]...\n' +
    '        [--response-type T]... [--client-name NAME] [--first-party] [--require-verified-email]\n' +
    '        [--email-code-signin on|off]   (passwordless sign-in with a mailed code; default: SIGNIN_EMAIL_CODES)\n' +
    '        [--require-attribute ATTR]... [--mfa off|adaptive|required] [--mfa-factor totp|sms|email|passkey|recovery]...\n' +
    '        [--optional-scope SCOPE]... [--optional-claim CLAIM]...\n' +
    '        [--connection ID]... | [--no-connections]   (other providers its login page offers, in order; default: all)\n' +
    `${BRAND_USAGE}\n` +
    '        [--metadata JSON]   (any other registration field, e.g. {"backchannel_logout_uri":"https://…"})',
  options: { 'client-id': { type: 'string' }, 'client-secret': { type: 'string' }, ...REGISTRATION_OPTIONS },
  async parse(values, positionals) {
    noPositionals(positionals);
    if (values.public === true && values['client-secret'] !== undefined) {
      throw new UsageError('give either --client-secret or --public, not both');
    }
    if (list(values, 'grant-type').length === 0) throw new UsageError('--grant-type is required (repeat it for several)');
    const fields = registrationFields(values);
    const brand = await brandFields(values);
    return { ...fields, ...(brand && { brand }), grantTypes: fields.grantTypes ?? [], clientId: requiredString(values, 'client-id'), clientSecret: optionalString(values, 'client-secret'), public: values.public === true };
  },
  execute: (services, input) => services.clients.create(input, { source: 'cli' }),
});

export const clientsList = command({
  usage: 'clients list',
  options: {},
  parse: (_values, positionals) => noPositionals(positionals),
  execute: (services) => services.clients.list(),
});

/** The one positional argument: the id of the client the command is about. */
function clientIdOf(positionals: string[], what: string, verb: string): string {
  const [id, extra] = positionals;
  if (!id) throw new UsageError(`give the id of the client to ${what}: ciam clients ${verb} ID`);
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
  return id;
}

/** What `--unset` takes: the options of a setting that can be removed, and the field each removes. */
const UNSETTABLE: Readonly<Record<string, keyof ClientPatch>> = {
  'redirect-uri': 'redirectUris',
  'post-logout-redirect-uri': 'postLogoutRedirectUris',
  'response-type': 'responseTypes',
  scope: 'scope',
  'token-endpoint-auth-method': 'tokenEndpointAuthMethod',
  'client-name': 'clientName',
  'first-party': 'firstParty',
  'require-verified-email': 'requireVerifiedEmail',
  'email-code-signin': 'emailCodeSignin',
  'require-attribute': 'requiredProfileAttributes',
  mfa: 'mfaPolicy',
  'mfa-factor': 'mfaFactors',
  'optional-scope': 'optionalScopes',
  'optional-claim': 'optionalClaims',
  connection: 'connections',
  metadata: 'metadata',
};

export const clientsUpdate = command({
  usage:
    'clients update ID [any option of clients create but --client-id and --client-secret] [--unset OPTION]...\n' +
    '        (an option given replaces that setting, a repeated one as a whole list; --metadata is merged field by field,\n' +
    '        null removing one; --unset removes a setting so that its default applies, e.g. --unset mfa, --unset connection,\n' +
    "        --unset brand-logo, --unset brand (the whole brand: the operator's applies);\n" +
    '        --unset public makes a public client confidential and prints its new secret once. The secret is kept:\n' +
    '        ciam clients rotate-secret changes it)',
  options: { ...REGISTRATION_OPTIONS, unset: { type: 'string', multiple: true } },
  async parse(values, positionals) {
    const id = clientIdOf(positionals, 'change', 'update');
    const brand = await brandFields(values);
    const patch: ClientPatch = { ...registrationFields(values), ...(brand && { brand }), ...(values.public === true && { public: true }) };
    for (const name of list(values, 'unset')) {
      if (unsetBrand(patch, name)) continue;
      const field = name === 'public' ? 'public' : UNSETTABLE[name];
      if (!field) throw new UsageError(`--unset takes one of ${[...Object.keys(UNSETTABLE), ...BRAND_UNSETTABLE, 'public'].join(', ')}; got "${name}"`);
      if (field in patch) throw new UsageError(`give either --${name === 'connection' && values['no-connections'] === true ? 'no-connections' : name} or --unset ${name}, not both`);
      Object.assign(patch, { [field]: field === 'public' ? false : null });
    }
    if (Object.keys(patch).length === 0) throw new UsageError('give at least one setting to change (the options of ciam clients create, or --unset)');
    return { id, patch };
  },
  execute: (services, { id, patch }) => services.clients.update(id, patch, { source: 'cli' }),
});

export const clientsRotateSecret = command({
  usage: 'clients rotate-secret ID   (a new generated secret, printed once: the old one stops working)',
  options: {},
  parse: (_values, positionals) => clientIdOf(positionals, 'give a new secret', 'rotate-secret'),
  execute: (services, id) => services.clients.rotateSecret(id, { source: 'cli' }),
});

export const clientsDelete = command({
  usage: 'clients delete ID',
  options: {},
  parse: (_values, positionals) => clientIdOf(positionals, 'delete', 'delete'),
  async execute(services, id) {
    if (!(await services.clients.delete(id, { source: 'cli' }))) throw notFound(`No client with id "${id}"`);
    return { deleted: id };
  },
});
