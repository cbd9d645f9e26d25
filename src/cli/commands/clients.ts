import { notFound } from '../../errors.ts';
import { jsonObject, list, noPositionals, optionalString, requiredString, UsageError } from '../args.ts';
import type { ClientInput } from '../../services/client-input.ts';
import { command } from '../command.ts';

export const clientsCreate = command({
  usage:
    'clients create --client-id ID [--client-secret S | --public] [--redirect-uri URI]... --grant-type T...\n' +
    '        [--scope "a b"] [--token-endpoint-auth-method M] [--post-logout-redirect-uri URI]...\n' +
    '        [--response-type T]... [--client-name NAME] [--first-party] [--require-verified-email]\n' +
    '        [--require-attribute ATTR]... [--mfa off|adaptive|required] [--mfa-factor totp|sms|email|passkey|recovery]...\n' +
    '        [--optional-scope SCOPE]... [--optional-claim CLAIM]...\n' +
    '        [--connection ID]... | [--no-connections]   (other providers its login page offers, in order; default: all)\n' +
    '        [--metadata JSON]   (any other registration field, e.g. {"backchannel_logout_uri":"https://…"})',
  options: {
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
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
    'require-attribute': { type: 'string', multiple: true },
    mfa: { type: 'string' },
    'mfa-factor': { type: 'string', multiple: true },
    // What the customer may withhold from this client on the consent page and in the account center.
    'optional-scope': { type: 'string', multiple: true },
    'optional-claim': { type: 'string', multiple: true },
    connection: { type: 'string', multiple: true },
    'no-connections': { type: 'boolean' },
    metadata: { type: 'string' },
  },
  parse(values, positionals) {
    noPositionals(positionals);
    if (values.public === true && values['client-secret'] !== undefined) {
      throw new UsageError('give either --client-secret or --public, not both');
    }
    const grantTypes = list(values, 'grant-type');
    if (grantTypes.length === 0) throw new UsageError('--grant-type is required (repeat it for several)');
    if (values['no-connections'] === true && list(values, 'connection').length > 0) throw new UsageError('give either --connection or --no-connections, not both');
    const responseTypes = list(values, 'response-type');
    const metadata = jsonObject(values, 'metadata');
    return {
      ...(metadata && { metadata }),
      clientId: requiredString(values, 'client-id'),
      clientSecret: optionalString(values, 'client-secret'),
      public: values.public === true,
      redirectUris: list(values, 'redirect-uri'),
      postLogoutRedirectUris: list(values, 'post-logout-redirect-uri'),
      grantTypes,
      ...(responseTypes.length > 0 && { responseTypes }),
      scope: optionalString(values, 'scope'),
      tokenEndpointAuthMethod: optionalString(values, 'token-endpoint-auth-method'),
      clientName: optionalString(values, 'client-name'),
      ...(values['first-party'] === true && { firstParty: true }),
      ...(values['require-verified-email'] === true && { requireVerifiedEmail: true }),
      ...(list(values, 'require-attribute').length > 0 && { requiredProfileAttributes: list(values, 'require-attribute') }),
      // Checked (with a message naming the allowed values) by the clients service.
      ...(values.mfa !== undefined && { mfaPolicy: optionalString(values, 'mfa') as ClientInput['mfaPolicy'] }),
      ...(list(values, 'mfa-factor').length > 0 && { mfaFactors: list(values, 'mfa-factor') as ClientInput['mfaFactors'] }),
      ...(list(values, 'optional-scope').length > 0 && { optionalScopes: list(values, 'optional-scope') }),
      ...(list(values, 'optional-claim').length > 0 && { optionalClaims: list(values, 'optional-claim') }),
      ...(list(values, 'connection').length > 0 && { connections: list(values, 'connection') }),
      ...(values['no-connections'] === true && { connections: [] }),
    };
  },
  execute: (services, input) => services.clients.create(input),
});

export const clientsList = command({
  usage: 'clients list',
  options: {},
  parse: (_values, positionals) => noPositionals(positionals),
  execute: (services) => services.clients.list(),
});

export const clientsDelete = command({
  usage: 'clients delete ID',
  options: {},
  parse(_values, positionals) {
    const [id, extra] = positionals;
    if (!id) throw new UsageError('give the id of the client to delete: ciam clients delete ID');
    if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
    return id;
  },
  async execute(services, id) {
    if (!(await services.clients.delete(id))) throw notFound(`No client with id "${id}"`);
    return { deleted: id };
  },
});
