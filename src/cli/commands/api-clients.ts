import { apiAudience } from '../../api/bearer.ts';
import { isManagementScope, MANAGEMENT_SCOPES } from '../../api/management/scopes.ts';
import { noPositionals, optionalString, requiredString, UsageError } from '../args.ts';
import { command } from '../command.ts';

// A management client: a confidential client allowed only the client-credentials grant and the scopes given, so
// each integration holds least privilege. Its secret is generated and shown once, in this output.
export const apiClientsCreate = command({
  usage: `api-clients create --client-id ID --scope "users:read users:write" [--client-name NAME]\n        scopes: ${Object.keys(MANAGEMENT_SCOPES).join(', ')}`,
  options: { 'client-id': { type: 'string' }, scope: { type: 'string' }, 'client-name': { type: 'string' } },
  parse(values, positionals) {
    noPositionals(positionals);
    const scopes = [...new Set(requiredString(values, 'scope').split(/\s+/).filter(Boolean))];
    const unknown = scopes.filter((s) => !isManagementScope(s));
    if (scopes.length === 0) throw new UsageError('--scope names at least one scope');
    if (unknown.length) throw new UsageError(`unknown scope ${unknown.join(', ')}; the management API's scopes are ${Object.keys(MANAGEMENT_SCOPES).join(', ')}`);
    const name = optionalString(values, 'client-name');
    return { clientId: requiredString(values, 'client-id'), scopes, ...(name ? { clientName: name } : {}) };
  },
  async execute(services, input) {
    const created = await services.clients.create({
      clientId: input.clientId,
      grantTypes: ['client_credentials'],
      scope: input.scopes.join(' '),
      ...(input.clientName ? { clientName: input.clientName } : {}),
    });
    const issuer = services.config.issuer.replace(/\/+$/, '');
    return {
      clientId: created.clientId,
      clientSecret: created.clientSecret,
      scope: input.scopes.join(' '),
      tokenEndpoint: `${issuer}/token`,
      resource: apiAudience(issuer),
      openapi: `${issuer}/api/v1/openapi.json`,
    };
  },
});
