// A local stand-in for Facebook Login's OAuth 2 endpoints and the Graph API's /me, checking what Meta checks: the app's
// id and secret, a code used once for its redirect URI, a bearer token, and appsecret_proof (HMAC-SHA256 of the token
// keyed with the app secret) on every Graph call.
import { createHmac, randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { approve, localServer } from './local-server.ts';

export interface FacebookAccount {
  id: string;
  name: string;
  email?: string;
}

export interface FacebookStandin {
  base: string;
  appId: string;
  appSecret: string;
  next: FacebookAccount | undefined;
  refused: string[];
  close(): Promise<void>;
}

export async function startFacebookStandin(): Promise<FacebookStandin> {
  const codes = new Map<string, { account: FacebookAccount; redirectUri: string }>();
  const tokens = new Map<string, FacebookAccount>();
  const standin: FacebookStandin = {
    base: '',
    appId: '1234567890',
    appSecret: 'fb-app-secret-'.padEnd(32, 'f'),
    next: undefined,
    refused: [],
    close: async () => {},
  };
  const graphError = (res: ServerResponse, why: string) => {
    standin.refused.push(why);
    res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: why, type: 'OAuthException', code: 100 } }));
  };
  const server = await localServer((req, res, raw, url) => {
    if (req.method === 'GET' && url.pathname === '/dialog/oauth') {
      if (url.searchParams.get('client_id') !== standin.appId || !standin.next) return graphError(res, 'dialog: unknown app or nobody to approve');
      const code = randomBytes(10).toString('hex');
      codes.set(code, { account: standin.next, redirectUri: url.searchParams.get('redirect_uri') ?? '' });
      return approve(res, url, code);
    }
    if (url.pathname === '/oauth/access_token') {
      const form = new URLSearchParams(req.method === 'POST' ? raw : url.search);
      if (form.get('client_id') !== standin.appId || form.get('client_secret') !== standin.appSecret) return graphError(res, 'token: wrong app credentials');
      const issued = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      if (!issued || issued.redirectUri !== form.get('redirect_uri')) return graphError(res, 'token: bad code');
      const token = `EAA${randomBytes(12).toString('hex')}`;
      tokens.set(token, issued.account);
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: token, token_type: 'bearer', expires_in: 5183944 }));
    }
    if (req.method === 'GET' && url.pathname === '/me') {
      const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      const account = tokens.get(token);
      if (!account) return graphError(res, 'me: bad token');
      const proof = createHmac('sha256', standin.appSecret).update(token).digest('hex');
      if (url.searchParams.get('appsecret_proof') !== proof) return graphError(res, 'me: invalid appsecret_proof');
      const [first, ...rest] = account.name.split(' ');
      const me = { id: account.id, name: account.name, first_name: first, last_name: rest.join(' '), ...(account.email ? { email: account.email } : {}) };
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(me));
    }
    res.writeHead(404).end();
  });
  standin.base = server.base;
  standin.close = server.close;
  return standin;
}
