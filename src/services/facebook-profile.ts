// Facebook (Meta) Login speaks OAuth 2, not OpenID Connect, for web apps: who signed in comes from the Graph API. Every
// Graph call carries appsecret_proof (HMAC-SHA256 of the access token keyed with the app secret), which Meta can be
// set to require, so that a leaked token is useless without the secret. Meta returns only a confirmed e-mail address
// (and none when the customer has none or declined it).
import { createHmac } from 'node:crypto';
import type { IdentityConnection } from './connections.ts';
import type { UpstreamIdentity } from './upstream-identity.ts';

export const FACEBOOK_ENDPOINTS = {
  authorization: 'https://www.facebook.com/v21.0/dialog/oauth',
  token: 'https://graph.facebook.com/v21.0/oauth/access_token',
  api: 'https://graph.facebook.com/v21.0',
} as const;

interface FacebookMe {
  id?: unknown;
  name?: unknown;
  first_name?: unknown;
  last_name?: unknown;
  email?: unknown;
  picture?: { data?: { url?: unknown } };
}

export async function facebookIdentity(connection: IdentityConnection, accessToken: string, appSecret: string): Promise<UpstreamIdentity> {
  const base = connection.endpoints?.api ?? FACEBOOK_ENDPOINTS.api;
  const url = new URL('me', base.endsWith('/') ? base : `${base}/`);
  url.search = new URLSearchParams({
    fields: 'id,name,first_name,last_name,email,picture',
    appsecret_proof: createHmac('sha256', appSecret).update(accessToken).digest('hex'),
  }).toString();
  const res = await fetch(url, { headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' }, signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`Graph API /me answered ${res.status}`);
  const me = (await res.json()) as FacebookMe;
  if (typeof me.id !== 'string' || !me.id) throw new Error('Facebook gave no user id');
  const text = (v: unknown) => (typeof v === 'string' && v.trim() && v.length <= 500 ? v.trim() : undefined);
  const email = text(me.email)?.toLowerCase();
  const profile = {
    ...(text(me.name) ? { name: text(me.name)! } : {}),
    ...(text(me.first_name) ? { given_name: text(me.first_name)! } : {}),
    ...(text(me.last_name) ? { family_name: text(me.last_name)! } : {}),
    ...(text(me.picture?.data?.url) ? { picture: text(me.picture?.data?.url)! } : {}),
  };
  return { connection, subject: me.id, ...(email ? { email } : {}), emailVerified: Boolean(email) && connection.trustEmail, profile };
}
