// Plain-language lines for what a client asks for, from oidc-provider's consent prompt details, each item marked
// required or optional by the client's registration (services/consent-choices.ts has the rules).
import { hasMessage, type Translate } from '../i18n/index.ts';
import { claimsOfScope } from '../services/claims.ts';
import { itemsFor, optionalItems, type ConsentItem } from '../services/consent-choices.ts';

export interface ConsentRequest {
  scopes: string[];
  claims: string[];
  resources: { name: string; scopes: string[] }[];
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

export function missingFromPrompt(details: Record<string, unknown>): {
  scope: string[];
  claims: string[];
  resources: Record<string, string[]>;
} {
  const resources: Record<string, string[]> = {};
  const raw = details.missingResourceScopes;
  if (raw && typeof raw === 'object') {
    for (const [indicator, scopes] of Object.entries(raw)) {
      const list = strings(scopes);
      if (list.length) resources[indicator] = list;
    }
  }
  return { scope: strings(details.missingOIDCScope), claims: strings(details.missingOIDCClaims), resources };
}

export function describeScope(t: Translate, scope: string): string {
  const key = `scope.${scope}`;
  return hasMessage(key) && key !== 'scope.other' ? t(key) : t('scope.other', { scope });
}

export function describeClaim(t: Translate, claim: string): string {
  const key = `claim.${claim}`;
  return hasMessage(key) && key !== 'claim.other' ? t(key) : t('claim.other', { claim });
}

export function describeConsent(t: Translate, details: Record<string, unknown>): ConsentRequest {
  const missing = missingFromPrompt(details);
  return {
    scopes: missing.scope.map((s) => describeScope(t, s)),
    claims: missing.claims.map((c) => describeClaim(t, c)),
    resources: Object.entries(missing.resources).map(([name, scopes]) => ({
      name,
      // A resource server's scopes are its own vocabulary: "email" there is not the OpenID Connect scope.
      scopes: scopes.map((scope) => t('scope.other', { scope })),
    })),
  };
}

/** What the consent page offers: the missing items, each required or optional for this client. */
export function consentItems(details: Record<string, unknown>, metadata: { optional_scopes?: unknown; optional_claims?: unknown }): ConsentItem[] {
  const missing = missingFromPrompt(details);
  return itemsFor(missing.scope, missing.claims, optionalItems(metadata), claimsOfScope);
}

export interface ItemView {
  kind: ConsentItem['kind'];
  name: string;
  label: string;
  /** The checkbox's id: unique on the page, safe in HTML. */
  id: string;
}

export function describeItem(t: Translate, item: Pick<ConsentItem, 'kind' | 'name'>, index: number): ItemView {
  return {
    kind: item.kind,
    name: item.name,
    label: item.kind === 'scope' ? describeScope(t, item.name) : describeClaim(t, item.name),
    id: `${item.kind}-${index}`,
  };
}
