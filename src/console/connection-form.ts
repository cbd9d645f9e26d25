// A connection's settings as the console's form shows and sends them, and the input the connections service takes
// (services/connections.ts connectionInput, as PUT /connections/{id} and `ciam connections` take it). The secret is
// write-only: the form never carries the stored one, an empty secret field keeps it, and a refused form is shown
// again without what was typed there. Nothing is checked here beyond reading the form: the rules are the service's.
import { FACEBOOK_ENDPOINTS } from '../services/facebook-profile.ts';
import { GITHUB_ENDPOINTS } from '../services/github-profile.ts';
import type { ConnectionInput, IdentityConnection } from '../services/connections.ts';
import type { Body } from './pages.ts';

export const PROTOCOLS = ['oidc', 'github', 'facebook'] as const;
export const RESPONSE_MODES = ['query', 'form_post'] as const;
/** An OAuth 2 provider's endpoints when the form leaves them empty: its preset's (services/connection-presets.ts). */
const PRESET_ENDPOINTS: Record<string, { authorization: string; token: string; api: string }> = { github: GITHUB_ENDPOINTS, facebook: FACEBOOK_ENDPOINTS };

export interface ConnectionForm {
  id: string;
  name: string;
  protocol: string;
  issuer: string;
  clientId: string;
  scopes: string;
  allowSignup: boolean;
  trustEmail: boolean;
  responseMode: string;
  icon: string;
  authorization: string;
  token: string;
  api: string;
  tenants: string;
  mfaAmr: string;
  mfaAcr: string;
  /** "profile field=provider claim", one a line. */
  attributes: string;
  keepTokens: boolean;
  enabled: boolean;
  /** Signs its client secret with a stored key (Apple): kept as it is; a new key is given with the CLI or the API. */
  signedSecret: boolean;
}

const text = (value: unknown, max = 2000) => (typeof value === 'string' ? value.trim().slice(0, max) : '');
const words = (value: string) => value.split(/[\s,]+/).filter(Boolean);
const lines = (value: string) => value.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);

export function newConnectionForm(): ConnectionForm {
  return {
    id: '', name: '', protocol: 'oidc', issuer: '', clientId: '', scopes: '', allowSignup: true, trustEmail: false, responseMode: 'query', icon: '',
    authorization: '', token: '', api: '', tenants: '', mfaAmr: '', mfaAcr: '', attributes: '', keepTokens: false, enabled: true, signedSecret: false,
  };
}

export function formOfConnection(c: IdentityConnection): ConnectionForm {
  return {
    id: c.id,
    name: c.name,
    protocol: c.protocol,
    issuer: c.issuer,
    clientId: c.clientId,
    scopes: c.scopes.join(' '),
    allowSignup: c.allowSignup,
    trustEmail: c.trustEmail,
    responseMode: c.responseMode,
    icon: c.icon ?? '',
    authorization: c.endpoints?.authorization ?? '',
    token: c.endpoints?.token ?? '',
    api: c.endpoints?.api ?? '',
    tenants: (c.tenants ?? []).join('\n'),
    mfaAmr: (c.upstreamMfa?.amr ?? []).join(' '),
    mfaAcr: (c.upstreamMfa?.acr ?? []).join(' '),
    attributes: Object.entries(c.attributes ?? {}).map(([field, claim]) => `${field}=${claim}`).join('\n'),
    keepTokens: c.keepTokens === true,
    enabled: c.enabled,
    signedSecret: Boolean(c.signedSecret),
  };
}

/** The form as sent (the id of an existing connection stays), and the secret typed, if any (never shown again). */
export function readConnectionForm(body: Body, current?: ConnectionForm): { form: ConnectionForm; secret?: string } {
  const form: ConnectionForm = {
    id: current ? current.id : text(body.id, 40),
    name: text(body.name, 60),
    protocol: text(body.protocol) || 'oidc',
    issuer: text(body.issuer),
    clientId: text(body.clientId, 300),
    scopes: text(body.scopes),
    allowSignup: Boolean(body.allowSignup),
    trustEmail: Boolean(body.trustEmail),
    responseMode: text(body.responseMode) || 'query',
    icon: text(body.icon, 500),
    authorization: text(body.authorization),
    token: text(body.token),
    api: text(body.api),
    tenants: text(body.tenants, 8000),
    mfaAmr: text(body.mfaAmr),
    mfaAcr: text(body.mfaAcr),
    attributes: text(body.attributes),
    keepTokens: Boolean(body.keepTokens),
    enabled: Boolean(body.enabled),
    signedSecret: current?.signedSecret ?? false,
  };
  const secret = typeof body.clientSecret === 'string' && body.clientSecret.trim() ? body.clientSecret.trim().slice(0, 2000) : undefined;
  return { form, ...(secret ? { secret } : {}) };
}

/** The service's input: what the form leaves empty is left out (its default applies). */
export function connectionInputOf(form: ConnectionForm, secret?: string): ConnectionInput {
  const endpoints =
    form.authorization || form.token || form.api
      ? { authorization: form.authorization, token: form.token, api: form.api }
      : PRESET_ENDPOINTS[form.protocol];
  const amr = words(form.mfaAmr);
  const acr = words(form.mfaAcr);
  const attributes = Object.fromEntries(
    lines(form.attributes).map((line) => {
      const at = line.indexOf('=');
      return at < 0 ? [line, ''] : [line.slice(0, at).trim(), line.slice(at + 1).trim()];
    }),
  );
  return {
    id: form.id,
    name: form.name,
    issuer: form.issuer,
    clientId: form.clientId,
    protocol: form.protocol as ConnectionInput['protocol'],
    allowSignup: form.allowSignup,
    trustEmail: form.trustEmail,
    responseMode: form.responseMode as ConnectionInput['responseMode'],
    enabled: form.enabled,
    ...(form.keepTokens && { keepTokens: true }),
    ...(form.scopes && { scopes: words(form.scopes) }),
    ...(form.icon && { icon: form.icon }),
    ...(endpoints && { endpoints: { ...endpoints } }),
    ...(form.tenants && { tenants: lines(form.tenants) }),
    ...((amr.length || acr.length) && { upstreamMfa: { amr, acr } }),
    ...(Object.keys(attributes).length && { attributes }),
    ...(secret && { clientSecret: secret }),
  } as ConnectionInput;
}
