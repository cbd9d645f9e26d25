// The rules of per-item consent, kept free of HTTP and storage so the consent page, the first-party path and the
// account center apply exactly the same ones:
// - An item (an OpenID Connect scope or an individual claim) is optional when the client's registration says so
//   (`optional_scopes`, `optional_claims`); everything else the request asks for is required. `openid` and the claims
//   oidc-provider never lets go of (sub, sid, acr, amr, auth_time, iss) are always required.
// - A claim released by a scope that is also asked for follows that scope, unless the client made the claim itself
//   optional (e-mail withheld while the e-mail scope's email_verified is shared, say).
// - Withholding a scope withholds every claim it releases, so that a later `claims` request for one of them is
//   neither asked again nor answered.
// What the customer withheld is stored on the Grant as oidc-provider's rejected scope/claims: its own id_token and
// userinfo masks drop them and its consent prompt counts them as already asked (encountered).

/** The structural part of oidc-provider's Grant these rules read and write. */
export interface GrantLike {
  openid?: { scope?: string; claims?: string[] };
  rejected?: { openid?: { scope?: string; claims?: string[] }; [key: string]: unknown };
  getOIDCScope(): string;
  getRejectedOIDCScope(): string;
  getOIDCClaims(): string[];
  getRejectedOIDCClaims(): string[];
  addOIDCScope(scope: string): void;
  rejectOIDCScope(scope: string): void;
  addOIDCClaims(claims: string[]): void;
  rejectOIDCClaims(claims: string[]): void;
  addResourceScope(indicator: string, scope: string): void;
}

export const ALWAYS_REQUIRED_CLAIMS: ReadonlySet<string> = new Set(['sub', 'sid', 'auth_time', 'acr', 'amr', 'iss']);

export interface OptionalItems {
  scopes: ReadonlySet<string>;
  claims: ReadonlySet<string>;
}

export type ClaimsOfScope = (scope: string) => readonly string[];

export interface ConsentItem {
  kind: 'scope' | 'claim';
  name: string;
  optional: boolean;
}

export interface Choice {
  scopes: ReadonlySet<string>;
  claims: ReadonlySet<string>;
}

export interface Decision {
  granted: { scopes: string[]; claims: string[]; resources: Record<string, string[]> };
  withheld: { scopes: string[]; claims: string[] };
}

const words = (value: string | undefined): string[] => (value ?? '').split(' ').filter(Boolean);

export function optionalItems(metadata: { optional_scopes?: unknown; optional_claims?: unknown }): OptionalItems {
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);
  return {
    scopes: new Set(strings(metadata.optional_scopes).filter((s) => s !== 'openid')),
    claims: new Set(strings(metadata.optional_claims).filter((c) => !ALWAYS_REQUIRED_CLAIMS.has(c))),
  };
}

function isOptionalClaim(claim: string, optional: OptionalItems, claimsOf: ClaimsOfScope): boolean {
  if (ALWAYS_REQUIRED_CLAIMS.has(claim)) return false;
  return optional.claims.has(claim) || [...optional.scopes].some((s) => claimsOf(s).includes(claim));
}

/**
 * The items a set of scopes and individually requested claims amounts to, each marked required or optional: the
 * scopes themselves, claims asked for outside of any of these scopes, and the optional claims these scopes release.
 */
export function itemsFor(scopes: readonly string[], claims: readonly string[], optional: OptionalItems, claimsOf: ClaimsOfScope): ConsentItem[] {
  const covered = new Set(scopes.flatMap((s) => claimsOf(s)));
  const claimNames = new Set<string>();
  for (const c of claims) if (!covered.has(c) || optional.claims.has(c)) claimNames.add(c);
  for (const c of covered) if (optional.claims.has(c)) claimNames.add(c);
  return [
    ...scopes.map((name): ConsentItem => ({ kind: 'scope', name, optional: name !== 'openid' && optional.scopes.has(name) })),
    ...[...claimNames]
      .filter((c) => !ALWAYS_REQUIRED_CLAIMS.has(c))
      .map((name): ConsentItem => ({ kind: 'claim', name, optional: isOptionalClaim(name, optional, claimsOf) })),
  ];
}

/** Optional items chosen that are not on offer: a forged or stale form. */
export function unknownChoices(items: readonly ConsentItem[], choice: Choice): string[] {
  const offered = (kind: ConsentItem['kind']) => new Set(items.filter((i) => i.kind === kind && i.optional).map((i) => i.name));
  const scopes = offered('scope');
  const claims = offered('claim');
  return [...[...choice.scopes].filter((s) => !scopes.has(s)), ...[...choice.claims].filter((c) => !claims.has(c))];
}

/**
 * What to grant and what to withhold when the customer keeps the optional items in `choice` (required ones always).
 * `scopes` and `claims` are everything in question: newly requested ones on the consent page, everything the grant
 * has encountered in the account center.
 */
export function decide(
  scopes: readonly string[],
  claims: readonly string[],
  items: readonly ConsentItem[],
  choice: Choice,
  claimsOf: ClaimsOfScope,
  resources: Record<string, string[]> = {},
): Decision {
  const withheldScopes = items.filter((i) => i.kind === 'scope' && i.optional && !choice.scopes.has(i.name)).map((i) => i.name);
  const grantedScopes = scopes.filter((s) => !withheldScopes.includes(s));
  const stillReleased = new Set(grantedScopes.flatMap((s) => claimsOf(s)));
  const withheldClaims = new Set(items.filter((i) => i.kind === 'claim' && i.optional && !choice.claims.has(i.name)).map((i) => i.name));
  for (const c of withheldScopes.flatMap((s) => claimsOf(s))) if (!stillReleased.has(c)) withheldClaims.add(c);
  for (const c of ALWAYS_REQUIRED_CLAIMS) withheldClaims.delete(c);
  // Claims kept explicitly: those asked for individually, and optional ones the customer ticked.
  const explicit = new Set([...claims, ...items.filter((i) => i.kind === 'claim' && choice.claims.has(i.name)).map((i) => i.name)]);
  return {
    granted: { scopes: grantedScopes, claims: [...explicit].filter((c) => !withheldClaims.has(c)), resources },
    withheld: { scopes: withheldScopes, claims: [...withheldClaims] },
  };
}

/** Adds a consent page decision to a grant (which has not encountered any of these items before). */
export function applyToGrant(grant: GrantLike, decision: Decision): void {
  if (decision.granted.scopes.length) grant.addOIDCScope(decision.granted.scopes.join(' '));
  if (decision.granted.claims.length) grant.addOIDCClaims(decision.granted.claims);
  if (decision.withheld.scopes.length) grant.rejectOIDCScope(decision.withheld.scopes.join(' '));
  if (decision.withheld.claims.length) grant.rejectOIDCClaims(decision.withheld.claims);
  for (const [indicator, list] of Object.entries(decision.granted.resources)) {
    if (list.length) grant.addResourceScope(indicator, list.join(' '));
  }
}

/** Everything a grant has been asked about (granted or withheld). */
export function encountered(grant: GrantLike): { scopes: string[]; claims: string[] } {
  return {
    scopes: [...new Set([...words(grant.getOIDCScope()), ...words(grant.getRejectedOIDCScope())])],
    claims: [...new Set([...grant.getOIDCClaims(), ...grant.getRejectedOIDCClaims()])],
  };
}

/**
 * Replaces a grant's OpenID Connect part by a fresh decision over everything it has encountered (account center):
 * narrowing moves items to the rejected side, widening moves them back, resources are left as they are.
 */
export function replaceOnGrant(grant: GrantLike, decision: Decision): void {
  grant.openid = { scope: decision.granted.scopes.join(' '), claims: [...decision.granted.claims] };
  grant.rejected = { ...(grant.rejected ?? {}), openid: { scope: decision.withheld.scopes.join(' '), claims: [...decision.withheld.claims] } };
}
