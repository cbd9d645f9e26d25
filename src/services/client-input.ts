// Operator-supplied client registrations: checked here for what oidc-provider cannot know (id format, secret
// strength, public/confidential consistency) and turned into oidc-provider client metadata.
import { z } from 'zod';
import type { ClientMetadata } from 'oidc-provider';
import { FACTOR_TYPES } from '../auth/types.ts';
import { MFA_POLICIES, PROFILE_ATTRIBUTES } from '../config/index.ts';
import { badRequest } from '../errors.ts';
import { brandInputSchema, brandRegistration } from './brand-input.ts';
import { CONNECTION_ID } from './connection-id.ts';

const absoluteUri = (what: string) =>
  z.string().refine((v) => URL.canParse(v), { message: `each ${what} must be an absolute URI such as https://app.example.com/callback` });

/** Settings this product adds to a client's registration (oidc-provider's extraClientMetadata). */
export const PRODUCT_CLIENT_METADATA = [
  'first_party',
  'require_verified_email',
  'required_profile_attributes',
  'mfa_policy',
  'mfa_factors',
  // Per-item consent: what the customer may withhold from this client on the consent page and in the account center.
  'optional_scopes',
  'optional_claims',
  // Which connections (other providers) its login page offers, in order; [] for none; absent for every enabled one.
  'connections',
  // Its look on the hosted pages and in mails (brand-input.ts); absent: the operator's brand.
  'brand',
  // "E-mail me a sign-in code" on its login page (absent: the operator's SIGNIN_EMAIL_CODES).
  'email_code_signin',
] as const;

/** Registration fields that have an option of their own. */
export const OPTION_FIELDS = new Set<string>([
  'client_id',
  'client_secret',
  'redirect_uris',
  'post_logout_redirect_uris',
  'grant_types',
  'response_types',
  'token_endpoint_auth_method',
  'scope',
  'client_name',
  ...PRODUCT_CLIENT_METADATA,
]);

/** A client's registration as the CLI and the management API take it (each field once; checked again by oidc-provider). */
export const clientInputSchema = z
  .object({
    // Dots are excluded because oidc-provider keys session data by client id.
    clientId: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, { message: 'must be 1-100 letters, digits, "-" or "_"' }),
    clientSecret: z.string().min(32, { message: 'must be at least 32 characters (e.g. openssl rand -base64 32)' }).max(512).optional(),
    public: z.boolean().optional(),
    redirectUris: z.array(absoluteUri('redirect URI')).default([]),
    postLogoutRedirectUris: z.array(absoluteUri('post-logout redirect URI')).default([]),
    grantTypes: z.array(z.string().min(1)).min(1, { message: 'needs at least one grant type' }),
    responseTypes: z.array(z.string().min(1)).optional(),
    scope: z.string().trim().min(1).max(2000).optional(),
    tokenEndpointAuthMethod: z.string().min(1).optional(),
    clientName: z.string().trim().min(1).max(200).optional(),
    // The operator's own apps: no consent page (consent is still recorded).
    firstParty: z.boolean().optional(),
    // Customers with an unverified e-mail verify it inside the sign-in before returning to this client.
    requireVerifiedEmail: z.boolean().optional(),
    // Progressive profiling: attributes the sign-in asks for when the customer has not given them yet.
    requiredProfileAttributes: z
      .array(z.string())
      .pipe(z.array(z.enum(PROFILE_ATTRIBUTES, { message: `each attribute must be one of ${PROFILE_ATTRIBUTES.join(", ")}` })))
      .optional(),
    // Second factor for this client's sign-ins (else the operator's MFA_POLICY), and which factors it accepts.
    mfaPolicy: z.enum(MFA_POLICIES, { message: `must be one of ${MFA_POLICIES.join(', ')}` }).optional(),
    mfaFactors: z
      .array(z.enum(FACTOR_TYPES, { message: `each factor must be one of ${FACTOR_TYPES.join(', ')}` }))
      .min(1, { message: 'needs at least one factor' })
      .optional(),
    // Per-item consent: scopes and claims the customer may withhold from this client (checked against the provider's
    // claims table by its client metadata validator).
    optionalScopes: z.array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]{1,100}$/, { message: 'each scope must be a scope token' })).optional(),
    optionalClaims: z.array(z.string().regex(/^[A-Za-z0-9_:-]{1,100}$/, { message: 'each claim must be a claim name' })).optional(),
    connections: z.array(z.string().regex(CONNECTION_ID, { message: 'each connection must be a connection id' })).optional(),
    brand: brandInputSchema.optional(),
    // Passwordless sign-in with a mailed code on this client's login page (else the operator's SIGNIN_EMAIL_CODES).
    emailCodeSignin: z.boolean().optional(),
    // Any other client metadata dynamic registration accepts (backchannel_logout_uri, userinfo_signed_response_alg,
    // logo_uri, …), in its registration names; checked by oidc-provider like a registration. Fields the options above
    // set are refused here, so that each has one way in.
    metadata: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .superRefine((v, ctx) => {
    const isPublic = v.public === true || v.tokenEndpointAuthMethod === 'none';
    if (isPublic && v.clientSecret !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['clientSecret'], message: 'a public client has no secret: give either a secret or public, not both' });
    }
    if (v.public === true && v.tokenEndpointAuthMethod !== undefined && v.tokenEndpointAuthMethod !== 'none') {
      ctx.addIssue({ code: 'custom', path: ['tokenEndpointAuthMethod'], message: 'a public client authenticates with "none"' });
    }
    for (const key of Object.keys(v.metadata ?? {})) {
      if (OPTION_FIELDS.has(key)) ctx.addIssue({ code: 'custom', path: ['metadata', key], message: 'is set by its own option, not in metadata' });
    }
  });

export type ClientInput = z.input<typeof clientInputSchema>;

/** The response types a client gets when none are given: code when it uses the authorization endpoint. */
export const defaultResponseTypes = (grantTypes: readonly string[]): string[] =>
  grantTypes.includes('authorization_code') || grantTypes.includes('implicit') ? ['code'] : [];

export interface ParsedClient {
  metadata: ClientMetadata;
  isPublic: boolean;
}

export function parseClientInput(input: unknown, generatedSecret: () => string): ParsedClient {
  const parsed = clientInputSchema.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
    throw badRequest(`Invalid client: ${problems.join('; ')}`, { problems });
  }
  const v = parsed.data;
  const brand = brandRegistration(v.brand);
  const isPublic = v.public === true || v.tokenEndpointAuthMethod === 'none';
  const metadata: ClientMetadata = {
    ...v.metadata,
    client_id: v.clientId,
    redirect_uris: v.redirectUris,
    post_logout_redirect_uris: v.postLogoutRedirectUris,
    grant_types: v.grantTypes,
    response_types: (v.responseTypes ?? defaultResponseTypes(v.grantTypes)) as ClientMetadata['response_types'],
    // Unknown methods are left for oidc-provider's validation to name.
    token_endpoint_auth_method: (isPublic ? 'none' : (v.tokenEndpointAuthMethod ?? 'client_secret_basic')) as ClientMetadata['token_endpoint_auth_method'],
    ...(!isPublic && { client_secret: v.clientSecret ?? generatedSecret() }),
    ...(v.scope !== undefined && { scope: v.scope }),
    ...(v.clientName !== undefined && { client_name: v.clientName }),
    ...(v.firstParty !== undefined && { first_party: v.firstParty }),
    ...(v.requireVerifiedEmail !== undefined && { require_verified_email: v.requireVerifiedEmail }),
    ...(v.requiredProfileAttributes?.length && { required_profile_attributes: [...new Set(v.requiredProfileAttributes)] }),
    ...(v.mfaPolicy !== undefined && { mfa_policy: v.mfaPolicy }),
    ...(v.mfaFactors?.length && { mfa_factors: [...new Set(v.mfaFactors)] }),
    ...(v.optionalScopes?.length && { optional_scopes: [...new Set(v.optionalScopes)] }),
    ...(v.optionalClaims?.length && { optional_claims: [...new Set(v.optionalClaims)] }),
    ...(v.connections !== undefined && { connections: [...new Set(v.connections)] }),
    ...(brand && { brand }),
    ...(v.emailCodeSignin !== undefined && { email_code_signin: v.emailCodeSignin }),
  };
  return { metadata, isPublic };
}
