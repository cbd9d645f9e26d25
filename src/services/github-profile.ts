// GitHub speaks OAuth 2, not OpenID Connect: who signed in comes from its API. The account id is the numeric user id
// (a login can be renamed and reused); the e-mail is the primary one only if GitHub marks it verified.
import type { IdentityConnection } from './connections.ts';
import type { UpstreamIdentity } from './upstream-identity.ts';

export const GITHUB_ENDPOINTS = {
  authorization: 'https://github.com/login/oauth/authorize',
  token: 'https://github.com/login/oauth/access_token',
  api: 'https://api.github.com',
} as const;

interface GithubUser {
  id?: unknown;
  login?: unknown;
  name?: unknown;
  avatar_url?: unknown;
}

interface GithubEmail {
  email?: unknown;
  primary?: unknown;
  verified?: unknown;
}

async function api<T>(base: string, path: string, token: string): Promise<T> {
  const res = await fetch(new URL(path, base.endsWith('/') ? base : `${base}/`), {
    // GitHub refuses requests without a User-Agent; the version header pins the API's shape.
    headers: { authorization: `Bearer ${token}`, accept: 'application/vnd.github+json', 'user-agent': 'ciam', 'x-github-api-version': '2022-11-28' },
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`GitHub API ${path} answered ${res.status}`);
  return (await res.json()) as T;
}

export async function githubIdentity(connection: IdentityConnection, accessToken: string): Promise<UpstreamIdentity> {
  const base = connection.endpoints?.api ?? GITHUB_ENDPOINTS.api;
  const [user, emails] = await Promise.all([api<GithubUser>(base, 'user', accessToken), api<GithubEmail[]>(base, 'user/emails', accessToken)]);
  if (typeof user.id !== 'number' && typeof user.id !== 'string') throw new Error('GitHub gave no user id');
  const primary = Array.isArray(emails) ? emails.find((e) => e.primary === true && typeof e.email === 'string') : undefined;
  const email = typeof primary?.email === 'string' && primary.email.length <= 254 ? primary.email.toLowerCase() : undefined;
  const text = (v: unknown) => (typeof v === 'string' && v.trim() && v.length <= 500 ? v.trim() : undefined);
  const name = text(user.name) ?? text(user.login);
  const picture = text(user.avatar_url);
  return {
    connection,
    subject: String(user.id),
    ...(email ? { email } : {}),
    emailVerified: Boolean(email) && primary?.verified === true && connection.trustEmail,
    profile: { ...(name ? { name } : {}), ...(picture ? { picture } : {}) },
  };
}
