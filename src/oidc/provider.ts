// All of node-oidc-provider's configuration in one place: which features run, how long artifacts live, how accounts
// and claims are found, how resource servers are described, and which pages render the provider's own screens.
import Provider, { errors, type Configuration, type FindAccount, type JWKS, type KoaContextWithOIDC } from 'oidc-provider';
import { identityClaimsForToken, honourRejectedClaims } from './token-claims.ts';
import { markTokenIds } from './token-ids.ts';
import { requestUriByReference, validateRequestUris } from './request-uri.ts';
import { ACR_VALUES, FACTOR_TYPES } from '../auth/types.ts';
import { MFA_POLICIES, PROFILE_ATTRIBUTES, type Config } from '../config/index.ts';
import { SUPPORTED_LOCALES } from '../i18n/index.ts';
import { APP_METADATA_SCOPE, CLAIMS_BY_SCOPE, claimsOfScope, SCOPE_CLAIMS, WITHHOLDABLE_CLAIMS, WITHHOLDABLE_SCOPES } from '../services/claims.ts';
import { buildPolicy, firstPartyGrants, type PolicyDeps } from './policy.ts';
import { apiAudience, READ_SCOPE, WRITE_SCOPE } from '../api/app-metadata.ts';
import { MANAGEMENT_SCOPES } from '../api/management/scopes.ts';
import { brandRegistrationProblem } from '../services/brand-input.ts';
import { PRODUCT_CLIENT_METADATA } from '../services/client-input.ts';
import { CONNECTION_ID } from '../services/connection-id.ts';
import type { PairwiseSubjects } from '../services/pairwise.ts';

/** An authorization parameter naming the page the sign-in opens on. */
export const SCREEN_HINT = 'screen_hint';
/** `connection=<id>`: the app's sign-in goes straight to that connection (another provider), when it offers it. */
export const CONNECTION_HINT = 'connection';
export const RESET_PASSWORD_SCREEN = 'reset_password';

/** The path of an interaction's pages (and of the cookies oidc-provider and the adapter scope to them). */
export const interactionPath = (uid: string): string => `/interaction/${encodeURIComponent(uid)}`;

/**
 * Where the browser goes for an interaction. A login asked to open on the reset page gets `?screen=` for the page to
 * forward from (interaction/routes.ts): the path itself must stay /interaction/<uid>, which oidc-provider scopes the
 * interaction cookie to, and which "back to sign in" returns to.
 */
function interactionUrl(interaction: { uid: string; prompt: { name: string }; params: Record<string, unknown> }): string {
  const base = interactionPath(interaction.uid);
  const reset = interaction.prompt.name === 'login' && interaction.params[SCREEN_HINT] === RESET_PASSWORD_SCREEN;
  return reset ? `${base}?${new URLSearchParams({ screen: RESET_PASSWORD_SCREEN })}` : base;
}

export type ProviderPages = Pick<Configuration, 'renderError'> & {
  logoutSource: NonNullable<NonNullable<Configuration['features']>['rpInitiatedLogout']>['logoutSource'];
  postLogoutSuccessSource: NonNullable<NonNullable<Configuration['features']>['rpInitiatedLogout']>['postLogoutSuccessSource'];
  userCodeInputSource: NonNullable<NonNullable<Configuration['features']>['deviceFlow']>['userCodeInputSource'];
  userCodeConfirmSource: NonNullable<NonNullable<Configuration['features']>['deviceFlow']>['userCodeConfirmSource'];
  successSource: NonNullable<NonNullable<Configuration['features']>['deviceFlow']>['successSource'];
};

export interface ProviderDeps {
  config: Config;
  // oidc-provider constructs its adapter with `new Adapter(modelName)`. Omitted only by the benchmark's baseline,
  // which measures the same configuration on oidc-provider's in-memory adapter.
  Adapter?: NonNullable<Configuration['adapter']>;
  jwks: JWKS;
  findAccount: FindAccount;
  pages?: Partial<ProviderPages>;
  /** Clients from configuration rather than the adapter (the benchmark's baseline only). */
  staticClients?: Configuration['clients'];
  /** Account lookups for the sign-up / verification / profiling steps; without it only login and consent run. */
  policy?: PolicyDeps;
  /** What pairwise apps call each customer (services/pairwise.ts). */
  pairwise: Pick<PairwiseSubjects, 'subjectOf'>;
  /** Records the consent a first-party client was given without showing the consent page. */
  onFirstPartyConsent?: Parameters<typeof firstPartyGrants>[0];
}


function validateList(key: string, value: unknown, known: readonly string[]): void {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || !known.includes(v))) {
    throw new errors.InvalidClientMetadata(`${key} must be an array of: ${known.join(', ')}`);
  }
}

// Settings that trust a client more than the customers it serves: the operator sets them (CLI, management), never the
// client itself through dynamic registration or its registration management endpoint.
const OPERATOR_ONLY_METADATA = new Set(['first_party', 'mfa_policy', 'mfa_factors', 'connections', 'brand', 'email_code_signin']);
const SELF_SERVICE_ROUTES = new Set(['registration', 'client_update']);

type ValidatorContext = { oidc?: { route?: string; client?: Record<string, unknown> } } | undefined;

function validateExtraMetadata(ctx: ValidatorContext, key: string, value: unknown): void {
  if (value === undefined) return;
  // An update (RFC 7592) may send back what the operator set, unchanged; a registration may not set it at all.
  const unchanged = JSON.stringify(ctx?.oidc?.client?.[key]) === JSON.stringify(value);
  if (OPERATOR_ONLY_METADATA.has(key) && SELF_SERVICE_ROUTES.has(ctx?.oidc?.route ?? '') && !unchanged) {
    throw new errors.InvalidClientMetadata(`${key} is set by the operator, not through client registration`);
  }
  if (key === 'request_uris') {
    validateRequestUris(value);
  } else if (key === 'required_profile_attributes') {
    validateList(key, value, PROFILE_ATTRIBUTES);
  } else if (key === 'optional_scopes') {
    validateList(key, value, WITHHOLDABLE_SCOPES());
  } else if (key === 'optional_claims') {
    validateList(key, value, WITHHOLDABLE_CLAIMS());
  } else if (key === 'connections') {
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && CONNECTION_ID.test(v))) {
      throw new errors.InvalidClientMetadata(`${key} must be an array of connection ids`);
    }
  } else if (key === 'mfa_factors') {
    validateList(key, value, FACTOR_TYPES);
    if ((value as unknown[]).length === 0) throw new errors.InvalidClientMetadata(`${key} must name at least one factor`);
  } else if (key === 'brand') {
    const problem = brandRegistrationProblem(value);
    if (problem) throw new errors.InvalidClientMetadata(problem);
  } else if (key === 'mfa_policy') {
    if (typeof value !== 'string' || !(MFA_POLICIES as readonly string[]).includes(value)) {
      throw new errors.InvalidClientMetadata(`${key} must be one of: ${MFA_POLICIES.join(', ')}`);
    }
  } else if (typeof value !== 'boolean') {
    throw new errors.InvalidClientMetadata(`${key} must be a boolean`);
  }
}

// A refresh token is rotated on every use, so a stolen one is useful once at most, and the reuse of a rotated one is
// detected by the adapter's `consumed` flag, which makes oidc-provider revoke the whole grant.
const rotateRefreshToken = () => true;

// Browser-based (public) clients may call the token and userinfo endpoints from their own origins only.
const clientBasedCORS: NonNullable<Configuration['clientBasedCORS']> = (ctx, origin, client) => {
  if (origin === 'null') return false;
  if (ctx.oidc.route === 'userinfo' || client.clientAuthMethod === 'none') {
    return (client.redirectUris ?? []).some((uri) => URL.parse(uri)?.origin === origin);
  }
  return false;
};

const resourceScopes = (resources: Config['resources']) => Object.values(resources).flatMap((rs) => rs.scope.split(' ').filter(Boolean));

/** The resources tokens may be issued for: the provider's own API and the operator's, each as a resource server. */
function resourceServers(config: Config) {
  // The provider's own API (per-app metadata) is a resource like any operator-configured one.
  const resources: Config['resources'] = {
    [apiAudience(config.issuer)]: { scope: [READ_SCOPE, WRITE_SCOPE, ...Object.keys(MANAGEMENT_SCOPES)].join(' '), accessTokenFormat: 'opaque', introspectors: [] },
    ...config.resources,
  };
  const resourceServer = (indicator: string) => {
    const rs = resources[indicator];
    if (!rs) throw new errors.InvalidTarget(`unknown resource: ${indicator}`);
    return {
      scope: rs.scope,
      audience: rs.audience ?? indicator,
      accessTokenTTL: rs.accessTokenTTL ?? config.ttl.accessToken,
      accessTokenFormat: rs.accessTokenFormat,
      ...(rs.accessTokenFormat === 'jwt' ? { jwt: { sign: { alg: 'ES256' as const } } } : {}),
    };
  };
  return { resources, resourceServer };
}

/** How long each kind of artefact lives. */
function ttlOf(config: Config): Configuration['ttl'] {
  return {
    AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? config.ttl.accessToken,
    AuthorizationCode: config.ttl.authorizationCode,
    ClientCredentials: (_ctx, token) => token.resourceServer?.accessTokenTTL ?? config.ttl.clientCredentials,
    DeviceCode: config.ttl.deviceCode,
    IdToken: config.ttl.idToken,
    Interaction: config.ttl.interaction,
    RefreshToken: config.ttl.refreshToken,
    Session: config.ttl.session,
    Grant: config.ttl.refreshToken,
    BackchannelAuthenticationRequest: config.ttl.deviceCode,
  };
}

/** The protocol features on: which endpoints exist and how they decide. */
function featuresOf(
  config: Config,
  pages: NonNullable<ProviderDeps['pages']>,
  { resources, resourceServer }: ReturnType<typeof resourceServers>,
): Configuration['features'] {
  return {
    devInteractions: { enabled: false },
    claimsParameter: { enabled: true },
    clientCredentials: { enabled: true },
    introspection: {
      enabled: true,
      // A client may introspect its own tokens; a resource server may introspect tokens issued for it when the
      // operator lists its client id in that resource's `introspectors`. Nobody else learns about others' tokens.
      allowedPolicy: (_ctx, client, token) => {
        if (token.clientId === client.clientId) return true;
        const bound = token as { aud?: unknown; resourceServer?: { audience?: string } };
        const audience = bound.aud ?? bound.resourceServer?.audience;
        const audiences = Array.isArray(audience) ? audience : [audience];
        return Object.entries(resources).some(
          ([indicator, rs]) =>
            rs.introspectors.includes(client.clientId) &&
            audiences.some((a) => a === indicator || (rs.audience !== undefined && a === rs.audience)),
        );
      },
    },
    revocation: { enabled: true },
    userinfo: { enabled: true },
    // UserInfo as a signed JWT for clients registered with userinfo_signed_response_alg (OIDC Core 5.3.2).
    jwtUserinfo: { enabled: true },
    // Request objects by value (`request`, OIDC Core 6.1): the parameters in a JWT signed by the client (its secret,
    // HS256, or its registered keys). oidc-provider 9 takes no unsigned ones (alg none) and fetches none by reference:
    // request_uri works only for pushed requests (PAR).
    requestObjects: { enabled: true, requireSignedRequestObject: false },
    dPoP: { enabled: true },
    pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: false },
    backchannelLogout: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      ...(pages.logoutSource ? { logoutSource: pages.logoutSource } : {}),
      ...(pages.postLogoutSuccessSource ? { postLogoutSuccessSource: pages.postLogoutSuccessSource } : {}),
    },
    deviceFlow: {
      enabled: true,
      ...(pages.userCodeInputSource ? { userCodeInputSource: pages.userCodeInputSource } : {}),
      ...(pages.userCodeConfirmSource ? { userCodeConfirmSource: pages.userCodeConfirmSource } : {}),
      ...(pages.successSource ? { successSource: pages.successSource } : {}),
    },
    // Dynamic registration is open only to holders of an initial access token (issued by `ciam iat create`), unless
    // the operator opens it (OPEN_REGISTRATION, for the OIDF Dynamic OP plan).
    registration: { enabled: true, initialAccessToken: !config.openRegistration },
    registrationManagement: { enabled: true, rotateRegistrationAccessToken: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: (_ctx, _client, oneOf) => oneOf ?? undefined,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, indicator) => resourceServer(indicator),
    },
  };
}

export function buildConfiguration({
  config,
  Adapter,
  jwks,
  findAccount,
  pages = {},
  staticClients,
  policy,
  onFirstPartyConsent,
  pairwise,
}: ProviderDeps): Configuration {
  const { resources, resourceServer } = resourceServers(config);
  const honouring = honourRejectedClaims(findAccount);

  return {
    ...(Adapter ? { adapter: Adapter } : {}),
    ...(staticClients ? { clients: staticClients } : {}),
    jwks,
    // What the customer withheld from a client never leaves findAccount, whatever the request asks for.
    findAccount: honouring,
    // Apps registered with subject_type=pairwise see a sector's own identifier for each customer (services/pairwise.ts).
    subjectTypes: ['public', 'pairwise'],
    pairwiseIdentifier: (_ctx, accountId, client) => pairwise.subjectOf(accountId, String(client.sectorIdentifier ?? client.clientId)),
    // Access tokens carry the identity claims of their granted scopes minus what the customer withheld: JWT access
    // tokens in their payload, opaque ones in the introspection response (see token-claims.ts).
    extraTokenClaims: (ctx, token) => identityClaimsForToken(ctx, token, claimsOfScope, honouring),
    cookies: { keys: config.cookieKeys, long: { ...PROVIDER_COOKIE }, short: { ...PROVIDER_COOKIE } },
    // Resource servers' scopes are listed too, so that clients may be registered with them (e.g. orders:read).
    scopes: [...new Set(['openid', 'offline_access', ...Object.keys(SCOPE_CLAIMS), APP_METADATA_SCOPE, ...resourceScopes(resources)])],
    // The table lives in CLAIMS_BY_SCOPE (services/claims.ts; add a scope's claims there).
    claims: Object.fromEntries(Object.entries(CLAIMS_BY_SCOPE).map(([scope, claims]) => [scope, [...claims]])),
    acrValues: [...ACR_VALUES],
    discovery: { ui_locales_supported: [...SUPPORTED_LOCALES] },
    // screen_hint=reset_password opens the sign-in on its "forgot password" page (the public reset entry, /recover,
    // uses it; an app may too, as with Auth0's screen_hint).
    extraParams: [SCREEN_HINT, CONNECTION_HINT],
    responseTypes: [...config.responseTypes],
    pkce: {
      // Public clients cannot keep a secret: without PKCE their codes would be usable by whoever intercepts them.
      required: (_ctx, client) => client.clientAuthMethod === 'none',
    },
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    },
    clientBasedCORS,
    interactions: {
      url: (_ctx, interaction) => interactionUrl(interaction),
      ...(policy ? { policy: buildPolicy(policy) } : {}),
    },
    extraClientMetadata: {
      // This product's settings (services/client-input.ts); unknown ones are refused by oidc-provider.
      // and `request_uris` (OpenID Connect Registration), which oidc-provider 9 no longer reads: request-uri.ts does.
      properties: [...PRODUCT_CLIENT_METADATA, 'request_uris'],
      validator: (ctx, key, value) => validateExtraMetadata(ctx as ValidatorContext, key, value),
    },
    ...(onFirstPartyConsent ? { loadExistingGrant: firstPartyGrants(onFirstPartyConsent) } : {}),
    rotateRefreshToken,
    // A client assertion's replay-detection row must outlive the assertion: one valid for longer than configured
    // would have to be remembered (nearly) forever, so it is refused.
    assertJwtClientAuthClaimsAndHeader: (_ctx, claims) => {
      const lifetime = typeof claims.exp === 'number' ? claims.exp - Math.floor(Date.now() / 1000) : Infinity;
      if (!(lifetime <= config.clientAssertionMaxLifetime)) {
        throw new errors.InvalidClientAuth(`client_assertion must expire within ${config.clientAssertionMaxLifetime} seconds`);
      }
    },
    // oidc-provider refuses outgoing requests to loopback and private addresses (SSRF protection) by handing fetch a
    // guarding dispatcher. Deployments whose apps live on a private network, and the tests, opt out explicitly.
    ...(config.allowPrivateNetworkRequests
      ? { fetch: (input: string | URL | Request, init?: RequestInit) => fetch(input, { ...init, dispatcher: undefined } as RequestInit) }
      : {}),
    ttl: ttlOf(config),
    features: featuresOf(config, pages, { resources, resourceServer }),
    ...(pages.renderError ? { renderError: pages.renderError } : {}),
  };
}

/** oidc-provider's session and interaction cookies (Secure follows the request: src/http/issuer-scheme.ts). */
export const PROVIDER_COOKIE = { signed: true, httpOnly: true, sameSite: 'lax' } as const;

export function createProvider(deps: ProviderDeps): Provider {
  const provider = new Provider(deps.config.issuer, buildConfiguration(deps));
  // Behind a TLS-offloading proxy, trust X-Forwarded-* so discovery advertises https URLs and secure cookies work.
  provider.proxy = deps.config.trustProxy;
  markTokenIds(provider);
  if (deps.config.requestUriByReference) requestUriByReference(provider, { allowPrivate: deps.config.allowPrivateNetworkRequests });
  return provider;
}

/** The request context oidc-provider is handling right now (for audit metadata in model events). */
export function currentContext(): KoaContextWithOIDC | undefined {
  try {
    return Provider.ctx;
  } catch {
    return undefined;
  }
}
