// Ready settings for the OpenID providers customers name most, so that an operator gives only the client id and
// secret it got there. Each is an ordinary OpenID Connect connection (services/connections.ts); the management API
// will offer the same presets through this function.
import { badRequest } from '../errors.ts';
import { FACEBOOK_ENDPOINTS } from './facebook-profile.ts';
import { GITHUB_ENDPOINTS } from './github-profile.ts';

/** The Entra ID "tenants" that stand for many: any work, school or personal account, or one kind of them. */
export const MICROSOFT_MULTI_TENANT = ['common', 'organizations', 'consumers'];

export const CONNECTION_PRESETS = ['google', 'microsoft', 'apple', 'github', 'facebook'] as const;
export type ConnectionPreset = (typeof CONNECTION_PRESETS)[number];

/**
 * The connection a preset stands for, with the operator's own fields on top (id, name, scopes, …).
 * - google: accounts.google.com; its email_verified is reliable, so the e-mail is trusted.
 * - microsoft: one Entra ID (Azure AD) tenant, `tenant` being its id or domain; or any tenant with `common`,
 *   `organizations` (work and school accounts) or `consumers` (personal accounts): the discovered issuer is then a
 *   template (`…/{tenantid}/v2.0`) that each ID token's own `tid` fills in, and `tenants` may restrict which tenants
 *   are let in. Its e-mail claim is not verified by Microsoft for every account type (anyone administering a tenant
 *   can set any address), so it is not trusted unless the operator says so.
 */
export interface PresetOverrides {
  id?: string | undefined;
  name?: string | undefined;
  issuer?: string | undefined;
  trustEmail?: boolean | undefined;
  tenant?: string | undefined;
  /** Microsoft with a multi-tenant `tenant`: the only tenant ids let in (none given: every tenant). */
  tenants?: string[] | undefined;
  /** Apple: the team id, the key id and the key's PKCS#8 PEM. */
  apple?: { teamId?: string | undefined; keyId?: string | undefined; privateKey?: string | undefined } | undefined;
}

export interface PresetConnection {
  id: string;
  name: string;
  issuer: string;
  trustEmail: boolean;
  responseMode?: 'query' | 'form_post';
  protocol?: 'oidc' | 'github' | 'facebook';
  endpoints?: { authorization: string; token: string; api: string };
  scopes?: string[];
  signedSecret?: { issuer: string; keyId: string; audience: string; privateKey: string };
  tenants?: string[];
}

export function presetConnection(preset: string, own: PresetOverrides): PresetConnection {
  const { tenant, tenants, apple, ...given } = own;
  const rest = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) as Omit<PresetOverrides, 'tenant'>;
  switch (preset) {
    case 'google':
      return { id: 'google', name: 'Google', issuer: 'https://accounts.google.com', trustEmail: true, ...rest };
    case 'microsoft': {
      if (!tenant || !/^[A-Za-z0-9.-]{1,100}$/.test(tenant)) {
        throw badRequest('the microsoft preset needs --tenant: the tenant id or domain, or common, organizations or consumers for any tenant');
      }
      const multiTenant = MICROSOFT_MULTI_TENANT.includes(tenant);
      if (tenants?.length && !multiTenant) throw badRequest('--allowed-tenant restricts a multi-tenant --tenant (common, organizations or consumers)');
      return {
        id: 'microsoft',
        name: 'Microsoft',
        issuer: `https://login.microsoftonline.com/${tenant}/v2.0`,
        trustEmail: false,
        ...(tenants?.length ? { tenants } : {}),
        ...rest,
      };
    }
    case 'apple': {
      // Sign in with Apple: answers by form post when a name or e-mail is asked for; its client secret is an ES256 JWT
      // made with the operator's key (team id as issuer); e-mails, relay addresses included, are verified by Apple.
      if (!apple?.teamId || !apple.keyId || !apple.privateKey) throw badRequest('the apple preset needs --team-id, --key-id and --private-key-file');
      return {
        id: 'apple',
        name: 'Apple',
        issuer: 'https://appleid.apple.com',
        trustEmail: true,
        responseMode: 'form_post',
        scopes: ['openid', 'email', 'name'],
        signedSecret: { issuer: apple.teamId, keyId: apple.keyId, audience: 'https://appleid.apple.com', privateKey: apple.privateKey },
        ...rest,
      };
    }
    case 'github':
      // OAuth 2 and its API (github-profile.ts): the primary e-mail, used only when GitHub marks it verified.
      return { id: 'github', name: 'GitHub', issuer: 'https://github.com', protocol: 'github', endpoints: { ...GITHUB_ENDPOINTS }, trustEmail: true, ...rest };
    case 'facebook':
      // OAuth 2 and the Graph API (facebook-profile.ts), every call with appsecret_proof; Meta returns confirmed e-mails only.
      return { id: 'facebook', name: 'Facebook', issuer: 'https://www.facebook.com', protocol: 'facebook', endpoints: { ...FACEBOOK_ENDPOINTS }, trustEmail: true, ...rest };
    default:
      throw badRequest(`unknown preset "${preset}": one of ${CONNECTION_PRESETS.join(', ')}`);
  }
}
