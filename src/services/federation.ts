// Signing in at an upstream OpenID provider (a connection) as its relying party, with openid-client: the
// authorization code flow with PKCE, state and nonce, and the ID token validated (issuer, audience, signature, expiry,
// nonce). What this sign-in is waiting for travels sealed inside `state` (the interaction it belongs to, the
// connection, the nonce and the PKCE verifier, with an expiry), so starting one writes nothing; the callback only
// continues in the browser that holds that interaction's cookie, which binds it to the browser that started it.
// The upstream answers at one fixed redirect URI (<issuer>/federation/callback), as providers require: in its query,
// or as a form posted there (response_mode=form_post).
import { hkdfSync } from 'node:crypto';
import * as oidc from 'openid-client';
import { systemClock, type Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { Connections, IdentityConnection } from './connections.ts';
import { createCipher } from './crypto.ts';
import { FACEBOOK_ENDPOINTS, facebookIdentity } from './facebook-profile.ts';
import { GITHUB_ENDPOINTS, githubIdentity } from './github-profile.ts';
import type { UpstreamIdentity } from './upstream-identity.ts';
import type { UpstreamTokens } from './identities.ts';
import { checkProfileField, regionOf, type ProfileField } from './profile-input.ts';

export type { UpstreamIdentity };

export const FEDERATION_CALLBACK_PATH = '/federation/callback';
/** Where an answer for linking from the account center continues (src/account/connections.ts). */
export const ACCOUNT_LINK_RETURN_PATH = '/account/connections/return';

/**
 * What an upstream round trip is bound to: a sign-in (its interaction uid) or, for linking from the account center,
 * a signed-in account in one browser session (the session's uid). An answer is redeemed only for the same binding.
 */
export const accountBinding = (accountId: string, sessionUid: string): string => `account:${accountId}:${sessionUid}`;
const isAccountBinding = (binding: string) => binding.startsWith('account:');

export type FederationFailureReason = 'denied' | 'upstream_error' | 'invalid_response' | 'unavailable' | 'expired' | 'not_allowed';

export class FederationFailure extends Error {
  readonly reason: FederationFailureReason;
  /** The connection, once known (the page names it, the audit event records it). */
  readonly connection: { id: string; name: string } | undefined;
  constructor(reason: FederationFailureReason, message: string, connection?: { id: string; name: string }) {
    super(message);
    this.name = 'FederationFailure';
    this.reason = reason;
    this.connection = connection;
  }
}

interface PendingState {
  /** what the round trip is bound to: an interaction uid, or accountBinding() */
  u: string;
  /** connection id */
  c: string;
  n: string;
  v: string;
  /** expiry, epoch ms */
  e: number;
}

export interface Federation {
  /**
   * The upstream's authorization URL for a round trip bound to `binding` (an interaction uid, or accountBinding()),
   * or undefined for no enabled connection of that id.
   */
  begin(connectionId: string, binding: string): Promise<URL | undefined>;
  /** The interaction a callback's `state` belongs to (undefined: not one of ours, tampered, or an account's). */
  interactionOf(state: unknown): string | undefined;
  /** True when a callback's `state` is ours and belongs to linking from the account center. */
  forAccount(state: unknown): boolean;
  /** Redeems the callback's code for this binding and returns the upstream identity; throws FederationFailure. */
  finish(binding: string, query: URLSearchParams): Promise<UpstreamIdentity>;
}

const DISCOVERY_TTL_MS = 3_600_000;
/** How long a customer may spend at the upstream before the callback is refused. */
const PENDING_TTL_MS = 15 * 60_000;

/** The name Apple posts once as `user` ({"name":{"firstName","lastName"}}), where the ID token has none. */
function withPostedName(identity: UpstreamIdentity, posted: string | null): UpstreamIdentity {
  if (!posted || identity.profile.name || identity.profile.given_name) return identity;
  let name: { firstName?: unknown; lastName?: unknown } | undefined;
  try {
    name = (JSON.parse(posted) as { name?: typeof name }).name;
  } catch {
    return identity;
  }
  const part = (v: unknown) => (typeof v === 'string' && v.trim() && v.length <= 100 ? v.trim() : undefined);
  const given = part(name?.firstName);
  const family = part(name?.lastName);
  if (!given && !family) return identity;
  const full = [given, family].filter(Boolean).join(' ');
  return { ...identity, profile: { ...identity.profile, name: full, ...(given ? { given_name: given } : {}), ...(family ? { family_name: family } : {}) } };
}

/** The provider's tokens with the identity, for a connection that keeps them; nothing otherwise. */
function withTokens(connection: IdentityConnection, tokens: { access_token: string; refresh_token?: string; scope?: string; expiresIn(): number | undefined }, identity: UpstreamIdentity, at: number): UpstreamIdentity {
  if (!connection.keepTokens) return identity;
  const expiresIn = tokens.expiresIn();
  const kept: UpstreamTokens = {
    access_token: tokens.access_token,
    ...(tokens.refresh_token ? { refresh_token: tokens.refresh_token } : {}),
    ...(expiresIn !== undefined ? { expires_at: Math.floor(at / 1000) + expiresIn } : {}),
    ...(tokens.scope ? { scope: tokens.scope } : {}),
  };
  return { ...identity, tokens: kept };
}

/** Profile claims taken from an OpenID provider by their own names. */
const STANDARD_PROFILE: readonly ProfileField[] = ['name', 'given_name', 'family_name', 'picture'];

/** Whether the ID token asserts a multi-factor sign-in the connection is told to accept (its amr or acr). */
function upstreamSecondFactor(connection: IdentityConnection, claims: Readonly<Record<string, unknown>>): boolean {
  const accepted = connection.upstreamMfa;
  if (!accepted) return false;
  const amr = Array.isArray(claims.amr) ? claims.amr.filter((v): v is string => typeof v === 'string') : [];
  return amr.some((v) => accepted.amr.includes(v)) || (typeof claims.acr === 'string' && accepted.acr.includes(claims.acr));
}

export interface FederationDeps {
  issuer: string;
  key: Buffer;
  connections: Connections;
  logger?: Logger;
  now?: Clock;
  /** How requests to OpenID providers are made (discovery, token, keys, UserInfo); default: fetch. Tests stand in here. */
  fetch?: typeof fetch;
}

export function createFederation(deps: FederationDeps): Federation {
  const now = deps.now ?? systemClock;
  const seal = createCipher(Buffer.from(hkdfSync('sha256', deps.key, Buffer.alloc(0), 'federation-state', 32)));
  const callback = new URL(FEDERATION_CALLBACK_PATH, deps.issuer).href;
  const discovered = new Map<string, { config: oidc.Configuration; at: number; issuer: string; version: number }>();
  // A connection's settings as this process last saw them: a change (put) is picked up at once, not after the hour.
  const versionOf = (c: IdentityConnection) => (c.updatedAt ?? c.createdAt).getTime();

  async function configOf(connection: IdentityConnection): Promise<oidc.Configuration> {
    const cached = discovered.get(connection.id);
    if (cached && cached.issuer === connection.issuer && cached.version === versionOf(connection) && now() - cached.at < DISCOVERY_TTL_MS) return cached.config;
    const secret = await deps.connections.secretOf(connection.id);
    const issuer = new URL(connection.issuer);
    if (connection.protocol !== 'oidc') {
      // An OAuth 2 provider: its endpoints are known, nothing to discover.
      const endpoints = connection.endpoints ?? (connection.protocol === 'facebook' ? FACEBOOK_ENDPOINTS : GITHUB_ENDPOINTS);
      const config = new oidc.Configuration({ issuer: connection.issuer, authorization_endpoint: endpoints.authorization, token_endpoint: endpoints.token }, connection.clientId, secret);
      if (new URL(endpoints.token).protocol === 'http:') oidc.allowInsecureRequests(config);
      discovered.set(connection.id, { config, at: now(), issuer: connection.issuer, version: versionOf(connection) });
      return config;
    }
    try {
      // Microsoft's multi-tenant issuers (…/common/v2.0 and the like) discover a template issuer (…/{tenantid}/v2.0):
      // openid-client then checks each ID token's iss against the template filled with the token's own tid.
      const config = await oidc.discovery(issuer, connection.clientId, secret, secret ? undefined : oidc.None(), {
        timeout: 10,
        ...(issuer.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : {}),
        ...(deps.fetch ? { [oidc.customFetch]: deps.fetch } : {}),
      });
      discovered.set(connection.id, { config, at: now(), issuer: connection.issuer, version: versionOf(connection) });
      return config;
    } catch (err) {
      deps.logger?.warn({ connection: connection.id, err: (err as Error).message }, 'upstream discovery failed');
      throw new FederationFailure('unavailable', `${connection.name} could not be reached`, connection);
    }
  }

  function open(state: unknown): PendingState | undefined {
    if (typeof state !== 'string' || state.length > 2000) return undefined;
    try {
      const pending = JSON.parse(seal.decrypt(state)) as PendingState;
      return typeof pending.u === 'string' && typeof pending.c === 'string' ? pending : undefined;
    } catch {
      return undefined;
    }
  }

  async function identityOf(config: oidc.Configuration, connection: IdentityConnection, tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>): Promise<UpstreamIdentity> {
    const claims = tokens.claims();
    if (!claims) throw new FederationFailure('invalid_response', 'no ID token', connection);
    // A multi-tenant provider restricted to some tenants: the token's tenant (its iss was checked against it) decides.
    if (connection.tenants?.length && !(typeof claims.tid === 'string' && connection.tenants.includes(claims.tid.toLowerCase()))) {
      throw new FederationFailure('not_allowed', `${connection.name} signed in an account of a tenant not let in`, connection);
    }
    let info: Record<string, unknown> = claims;
    // Some providers put the e-mail only in the UserInfo response.
    if (typeof claims.email !== 'string' && config.serverMetadata().userinfo_endpoint) {
      info = { ...(await oidc.fetchUserInfo(config, tokens.access_token, claims.sub)), ...claims };
    }
    const text = (k: string) => (typeof info[k] === 'string' && (info[k] as string).length <= 500 ? (info[k] as string) : undefined);
    const email = text('email')?.toLowerCase();
    // The standard claims by their own names, then the connection's own mapping; each value checked as the profile
    // page checks it (a value that would not pass there is left out, not stored).
    const mapping: [ProfileField, string][] = [...STANDARD_PROFILE.map((f): [ProfileField, string] => [f, f]), ...(Object.entries(connection.attributes ?? {}) as [ProfileField, string][])];
    const region = regionOf(text('locale'));
    const profile: Partial<Record<ProfileField, string>> = {};
    for (const [field, claim] of mapping) {
      const value = text(claim)?.trim();
      if (!value) continue;
      const checked = checkProfileField(field, value, region ? { region } : {});
      if ('value' in checked) profile[field] = checked.value;
    }
    return {
      connection,
      subject: claims.sub,
      ...(email ? { email } : {}),
      // xms_edov: Microsoft's "the e-mail's domain is verified as owned by the account's tenant" (it sends no email_verified).
      emailVerified: Boolean(email) && connection.trustEmail && (info.email_verified === true || info.email_verified === 'true' || info.xms_edov === true),
      secondFactor: upstreamSecondFactor(connection, claims),
      profile,
    };
  }

  return {
    async begin(connectionId, binding) {
      const connection = await deps.connections.enabled(connectionId);
      if (!connection) return undefined;
      const config = await configOf(connection);
      const pending: PendingState = { u: binding, c: connection.id, n: oidc.randomNonce(), v: oidc.randomPKCECodeVerifier(), e: now() + PENDING_TTL_MS };
      return oidc.buildAuthorizationUrl(config, {
        redirect_uri: callback,
        scope: connection.scopes.join(' '),
        response_type: 'code',
        state: seal.encrypt(JSON.stringify(pending)),
        ...(connection.protocol === 'oidc' ? { nonce: pending.n } : {}),
        code_challenge: await oidc.calculatePKCECodeChallenge(pending.v),
        code_challenge_method: 'S256',
        ...(connection.responseMode === 'form_post' ? { response_mode: 'form_post' } : {}),
      });
    },

    interactionOf(state) {
      const binding = open(state)?.u;
      return binding && !isAccountBinding(binding) ? binding : undefined;
    },

    forAccount(state) {
      const binding = open(state)?.u;
      return binding !== undefined && isAccountBinding(binding);
    },

    async finish(binding, query) {
      const state = query.get('state');
      const pending = open(state);
      if (!pending || pending.u !== binding) throw new FederationFailure('invalid_response', 'the state is not this sign-in\'s');
      if (pending.e <= now()) throw new FederationFailure('expired', 'the sign-in at the upstream took too long');
      const connection = await deps.connections.enabled(pending.c);
      if (!connection) throw new FederationFailure('unavailable', 'the connection is no longer enabled');
      const error = query.get('error');
      if (error) throw new FederationFailure(error === 'access_denied' ? 'denied' : 'upstream_error', `${connection.name} answered ${error.slice(0, 60)}`, connection);
      const config = await configOf(connection);
      const current = new URL(callback);
      const answer = new URLSearchParams(query);
      // Apple posts the customer's name (first sign-in only) beside the code: unsigned, so only a name is taken from it.
      const posted = answer.get('user');
      answer.delete('user');
      current.search = answer.toString();
      let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
      try {
        const oauth2 = connection.protocol !== 'oidc';
        tokens = await oidc.authorizationCodeGrant(config, current, {
          pkceCodeVerifier: pending.v,
          expectedState: state!,
          ...(oauth2 ? {} : { expectedNonce: pending.n, idTokenExpected: true }),
        });
      } catch (err) {
        deps.logger?.warn({ connection: connection.id, err: (err as Error).message }, 'upstream code exchange failed');
        throw new FederationFailure('invalid_response', `the answer from ${connection.name} was not valid`, connection);
      }
      try {
        const identity =
          connection.protocol === 'github'
            ? await githubIdentity(connection, tokens.access_token)
            : connection.protocol === 'facebook'
              ? await facebookIdentity(connection, tokens.access_token, (await deps.connections.secretOf(connection.id)) ?? '')
              : withPostedName(await identityOf(config, connection, tokens), posted);
        return withTokens(connection, tokens, identity, now());
      } catch (err) {
        if (err instanceof FederationFailure) throw err;
        deps.logger?.warn({ connection: connection.id, err: (err as Error).message }, 'upstream userinfo failed');
        throw new FederationFailure('invalid_response', `the answer from ${connection.name} was not valid`, connection);
      }
    },
  };
}
