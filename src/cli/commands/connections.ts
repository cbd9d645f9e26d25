import { noPositionals, optionalString, requiredString, UsageError, type Values } from '../args.ts';
import { readFileSync } from 'node:fs';
import { command } from '../command.ts';
import { presetConnection } from '../../services/connection-presets.ts';

/** --team-id, --key-id and the key read from --private-key-file (the .p8 file Apple hands out). */
function appleKey(values: Values) {
  const file = optionalString(values, 'private-key-file');
  let privateKey: string | undefined;
  if (file !== undefined) {
    try {
      privateKey = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read --private-key-file: ${(err as Error).message}`);
    }
  }
  return { teamId: optionalString(values, 'team-id'), keyId: optionalString(values, 'key-id'), privateKey };
}

/** --attribute nickname=preferred_username …: the connection's attribute mapping (checked by the service). */
function attributeMapping(pairs: readonly string[]): Record<string, string> {
  const mapping: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0 || eq === pair.length - 1) throw new UsageError(`--attribute takes FIELD=CLAIM, not "${pair}"`);
    mapping[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return mapping;
}

export const connectionsCreate = command({
  usage:
    'connections create --id ID --name NAME --issuer URL --client-id ID [--client-secret S]\n' +
    '        | --preset google|microsoft [--tenant T] --client-id ID --client-secret S   (id, name, issuer filled in)\n' +
    '          (microsoft: --tenant common|organizations|consumers for any tenant, [--allowed-tenant GUID]... to restrict)\n' +
    '        | --preset apple --client-id SERVICES_ID --team-id T --key-id K --private-key-file AuthKey_K.p8\n' +
    '        [--scope SCOPE]... [--icon HTTPS_URL] [--no-signup] [--trust-email] [--form-post] [--disabled]\n' +
    '        [--mfa-amr VALUE]... [--mfa-acr VALUE]...   (an upstream amr or acr that counts as a second factor here)\n' +
    '        [--attribute FIELD=CLAIM]...   (the provider\'s CLAIM fills the profile FIELD of a new account)\n' +
    '        [--keep-tokens]   (keep the provider\'s tokens of each sign-in, sealed, for your back end)\n' +
    '        (an OpenID provider customers may sign in with; --trust-email: its email_verified is believed)',
  options: {
    preset: { type: 'string' },
    tenant: { type: 'string' },
    'allowed-tenant': { type: 'string', multiple: true },
    'mfa-amr': { type: 'string', multiple: true },
    'mfa-acr': { type: 'string', multiple: true },
    attribute: { type: 'string', multiple: true },
    'keep-tokens': { type: 'boolean' },
    'team-id': { type: 'string' },
    'key-id': { type: 'string' },
    'private-key-file': { type: 'string' },
    id: { type: 'string' },
    name: { type: 'string' },
    issuer: { type: 'string' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
    scope: { type: 'string', multiple: true },
    'no-signup': { type: 'boolean' },
    'trust-email': { type: 'boolean' },
    'form-post': { type: 'boolean' },
    icon: { type: 'string' },
    disabled: { type: 'boolean' },
  },
  parse(values, positionals) {
    noPositionals(positionals);
    const scopes = (values.scope as string[] | undefined) ?? [];
    const secret = optionalString(values, 'client-secret');
    const preset = optionalString(values, 'preset');
    const own = {
      id: optionalString(values, 'id'),
      name: optionalString(values, 'name'),
      issuer: optionalString(values, 'issuer'),
      ...(values['trust-email'] === true && { trustEmail: true }),
    };
    const base = preset
      ? presetConnection(preset, { ...own, tenant: optionalString(values, 'tenant'), tenants: values['allowed-tenant'] as string[] | undefined, apple: appleKey(values) })
      : { id: requiredString(values, 'id'), name: requiredString(values, 'name'), issuer: requiredString(values, 'issuer'), trustEmail: values['trust-email'] === true };
    return {
      ...base,
      clientId: requiredString(values, 'client-id'),
      ...(secret !== undefined && { clientSecret: secret }),
      ...(scopes.length > 0 && { scopes }),
      allowSignup: values['no-signup'] !== true,
      ...(values['form-post'] === true && { responseMode: 'form_post' as const }),
      ...(optionalString(values, 'icon') !== undefined && { icon: optionalString(values, 'icon') }),
      ...((values['mfa-amr'] || values['mfa-acr']) && { upstreamMfa: { amr: (values['mfa-amr'] as string[] | undefined) ?? [], acr: (values['mfa-acr'] as string[] | undefined) ?? [] } }),
      ...(values.attribute && { attributes: attributeMapping(values.attribute as string[]) }),
      ...(values['keep-tokens'] === true && { keepTokens: true }),
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
