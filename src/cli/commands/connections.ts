import { noPositionals, optionalString, requiredString, UsageError } from '../args.ts';
import { command } from '../command.ts';

export const connectionsCreate = command({
  usage:
    'connections create --id ID --name NAME --issuer URL --client-id ID [--client-secret S]\n' +
    '        [--scope SCOPE]... [--no-signup] [--trust-email] [--disabled]\n' +
    '        (an OpenID provider customers may sign in with; --trust-email: its email_verified is believed)',
  options: {
    id: { type: 'string' },
    name: { type: 'string' },
    issuer: { type: 'string' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
    scope: { type: 'string', multiple: true },
    'no-signup': { type: 'boolean' },
    'trust-email': { type: 'boolean' },
    disabled: { type: 'boolean' },
  },
  parse(values, positionals) {
    noPositionals(positionals);
    const scopes = (values.scope as string[] | undefined) ?? [];
    const secret = optionalString(values, 'client-secret');
    return {
      id: requiredString(values, 'id'),
      name: requiredString(values, 'name'),
      issuer: requiredString(values, 'issuer'),
      clientId: requiredString(values, 'client-id'),
      ...(secret !== undefined && { clientSecret: secret }),
      ...(scopes.length > 0 && { scopes }),
      allowSignup: values['no-signup'] !== true,
      trustEmail: values['trust-email'] === true,
      enabled: values.disabled !== true,
    };
  },
  execute: (services, input) => services.connections.create(input),
});

export const connectionsList = command({
  usage: 'connections list',
  options: {},
  parse: (_values, positionals) => noPositionals(positionals),
  execute: (services) => services.connections.list(),
});

export const connectionsDelete = command({
  usage: 'connections delete ID   (accounts keep their linked identities until they sign in another way)',
  options: {},
  parse(_values, positionals) {
    const [id, extra] = positionals;
    if (!id) throw new UsageError('give the id of the connection to delete: ciam connections delete ID');
    if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
    return id;
  },
  async execute(services, id) {
    await services.connections.remove(id);
    return { deleted: id };
  },
});
