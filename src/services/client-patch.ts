// A change to a registered client, as JSON merge patch (RFC 7396) over the same options create takes: a field given
// replaces the stored one, null removes it (its default applies), a field left out stays; `metadata` is merged field
// by field. The merged registration is then checked exactly as a new one (client-input.ts, then oidc-provider).
import { z } from 'zod';
import type { AdapterPayload } from 'oidc-provider';
import { badRequest } from '../errors.ts';
import { brandOfRegistration, brandPatchSchema, mergeBrand } from './brand-input.ts';
import { clientInputSchema, defaultResponseTypes, OPTION_FIELDS } from './client-input.ts';

/** Each option and the registration field it sets (client-input.ts), to read a stored registration back as input. */
const REGISTRATION_NAMES = {
  clientId: 'client_id',
  redirectUris: 'redirect_uris',
  postLogoutRedirectUris: 'post_logout_redirect_uris',
  grantTypes: 'grant_types',
  responseTypes: 'response_types',
  tokenEndpointAuthMethod: 'token_endpoint_auth_method',
  scope: 'scope',
  clientName: 'client_name',
  firstParty: 'first_party',
  requireVerifiedEmail: 'require_verified_email',
  requiredProfileAttributes: 'required_profile_attributes',
  mfaPolicy: 'mfa_policy',
  mfaFactors: 'mfa_factors',
  optionalScopes: 'optional_scopes',
  optionalClaims: 'optional_claims',
  connections: 'connections',
  emailCodeSignin: 'email_code_signin',
} as const;
// `brand` is read back through brand-input.ts (its logo as the path it is served at), and merged field by field.

const o = clientInputSchema.shape;
const clearable = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

export const clientPatchSchema = z.strictObject(
  {
    // Who authenticates how: `public` and tokenEndpointAuthMethod are one setting, and either given replaces it.
    public: o.public.unwrap().optional().describe('true: authenticates with none and loses its secret; false: confidential (a secret is generated if it had none)'),
    redirectUris: clearable(o.redirectUris.unwrap()),
    postLogoutRedirectUris: clearable(o.postLogoutRedirectUris.unwrap()),
    grantTypes: o.grantTypes.optional().describe('response types that were the default for the old grant types follow the new ones'),
    responseTypes: clearable(o.responseTypes.unwrap()),
    scope: clearable(o.scope.unwrap()),
    tokenEndpointAuthMethod: clearable(o.tokenEndpointAuthMethod.unwrap()),
    clientName: clearable(o.clientName.unwrap()),
    firstParty: clearable(o.firstParty.unwrap()),
    requireVerifiedEmail: clearable(o.requireVerifiedEmail.unwrap()),
    requiredProfileAttributes: clearable(o.requiredProfileAttributes.unwrap()),
    mfaPolicy: clearable(o.mfaPolicy.unwrap()),
    mfaFactors: clearable(o.mfaFactors.unwrap()),
    optionalScopes: clearable(o.optionalScopes.unwrap()),
    optionalClaims: clearable(o.optionalClaims.unwrap()),
    connections: clearable(o.connections.unwrap()),
    emailCodeSignin: clearable(o.emailCodeSignin.unwrap()),
    brand: clearable(brandPatchSchema),
    metadata: clearable(o.metadata.unwrap()).describe('merged field by field: a field set to null is removed'),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `cannot be changed by an update: ${issue.keys.join(', ')} (the id stays; the secret is rotated on its own)`
        : undefined,
  },
);

export type ClientPatch = z.input<typeof clientPatchSchema>;

export function parseClientPatch(patch: unknown): z.output<typeof clientPatchSchema> {
  const parsed = clientPatchSchema.safeParse(patch);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
    throw badRequest(`Invalid change: ${problems.join('; ')}`, { problems });
  }
  return parsed.data;
}

/** A stored registration as create's input (without its secret), for a change to be merged into. */
export function inputOfRegistration(payload: AdapterPayload): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [option, name] of Object.entries(REGISTRATION_NAMES)) if (payload[name] !== undefined) input[option] = payload[name];
  const brand = brandOfRegistration(payload.brand);
  if (brand) input.brand = brand;
  const metadata = Object.fromEntries(Object.entries(payload).filter(([key]) => !OPTION_FIELDS.has(key)));
  return Object.keys(metadata).length ? { ...input, metadata } : input;
}

const sameList = (a: unknown, b: readonly string[]) => Array.isArray(a) && a.length === b.length && b.every((x) => a.includes(x));

/** The registration `patch` makes of `current`, as input for create's checks. */
export function mergeClientPatch(current: AdapterPayload, patch: z.output<typeof clientPatchSchema>): Record<string, unknown> {
  const input = inputOfRegistration(current);
  if (patch.public !== undefined || patch.tokenEndpointAuthMethod !== undefined) delete input.tokenEndpointAuthMethod;
  const grantTypes = Array.isArray(input.grantTypes) ? (input.grantTypes as string[]) : [];
  if (patch.grantTypes !== undefined && patch.responseTypes === undefined && sameList(input.responseTypes, defaultResponseTypes(grantTypes))) delete input.responseTypes;
  if (patch.brand !== undefined) {
    const brand = mergeBrand(input.brand, patch.brand);
    if (brand) input.brand = brand;
    else delete input.brand;
  }
  for (const [key, value] of Object.entries(patch)) {
    if (key === 'metadata' || key === 'brand' || value === undefined) continue;
    if (value === null) delete input[key];
    else input[key] = value;
  }
  if (patch.metadata !== undefined) {
    const metadata: Record<string, unknown> = { ...(input.metadata as Record<string, unknown> | undefined) };
    for (const [key, value] of Object.entries(patch.metadata ?? {})) {
      if (value === null) delete metadata[key];
      else metadata[key] = value;
    }
    if (patch.metadata === null || Object.keys(metadata).length === 0) delete input.metadata;
    else input.metadata = metadata;
  }
  return input;
}
