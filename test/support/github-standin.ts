// A local stand-in for GitHub's OAuth 2 endpoints and the two API calls a sign-in makes, checking what GitHub checks:
// the client's id and secret, a code used once for the redirect URI it was issued for, JSON asked for at the token
// endpoint (GitHub answers form-encoded otherwise), a bearer token and a User-Agent on API calls (403 without).
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { approve, localServer } from './local-server.ts';

export interface GithubAccount {
  id: number;
  login: string;
  name?: string;
  emails: { email: string; primary: boolean; verified: boolean }[];
}

export interface GithubStandin {
  base: string;
  clientId: string;
  clientSecret: string;
  /** Who approves the next authorization request. */
  next: GithubAccount | undefined;
  /** Requests refused, and why (for the test to assert on). */
  refused: string[];
  close(): Promise<void>;
}

export async function startGithubStandin(): Promise<GithubStandin> {
  const codes = new Map<string, { account: GithubAccount; redirectUri: string }>();
  const tokens = new Map<string, GithubAccount>();
  const standin: GithubStandin = {
    base: '',
    clientId: 'gh-client',
    clientSecret: 'gh-secret-'.padEnd(40, 's'),
    next: undefined,
    refused: [],
    close: async () => {},
  };
  const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const refuse = (res: ServerResponse, status: number, why: string) => {
    standin.refused.push(why);
    json(res, status, { message: why });
  };

  const server = await localServer((req, res, raw, url) => {
    if (req.method === 'GET' && url.pathname === '/login/oauth/authorize') {
      const redirectUri = url.searchParams.get('redirect_uri') ?? '';
      if (url.searchParams.get('client_id') !== standin.clientId || !standin.next) return refuse(res, 400, 'authorize: unknown client or nobody to approve');
      const code = randomBytes(10).toString('hex');
      codes.set(code, { account: standin.next, redirectUri });
      return approve(res, url, code);
    }
    if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
      if (!(req.headers.accept ?? '').includes('application/json')) return refuse(res, 406, 'token: JSON not asked for');
      const form = new URLSearchParams(raw);
      if (form.get('client_id') !== standin.clientId || form.get('client_secret') !== standin.clientSecret) return json(res, 200, { error: 'incorrect_client_credentials' });
      const issued = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      if (!issued || issued.redirectUri !== form.get('redirect_uri')) return json(res, 200, { error: 'bad_verification_code' });
      const token = `gho_${randomBytes(12).toString('hex')}`;
      tokens.set(token, issued.account);
      return json(res, 200, { access_token: token, token_type: 'bearer', scope: 'read:user,user:email' });
    }
    if (req.method === 'GET' && (url.pathname === '/user' || url.pathname === '/user/emails')) {
      if (!req.headers['user-agent']) return refuse(res, 403, 'api: no User-Agent');
      const account = tokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
      if (!account) return refuse(res, 401, 'api: bad credentials');
      if (url.pathname === '/user') return json(res, 200, { id: account.id, login: account.login, name: account.name ?? null, avatar_url: `https://avatars.example/${account.id}` });
      return json(res, 200, account.emails.map((e) => ({ ...e, visibility: e.primary ? 'public' : null })));
    }
    json(res, 404, { message: 'Not Found' });
  });
  standin.base = server.base;
  standin.close = server.close;
  return standin;
}
