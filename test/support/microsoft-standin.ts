// A stand-in for Microsoft's identity platform (Entra ID, v2.0 endpoints) for the tests, reached through the
// federation's fetch (no internet here): requests to https://login.microsoftonline.com go to a local server that
// answers as Microsoft does for a multi-tenant app — discovery of …/common/v2.0 (and organizations, consumers) names a
// template issuer (…/{tenantid}/v2.0); each ID token's iss names the account's own tenant and carries it as tid. It
// checks what Microsoft checks: the client's credentials, a code used once for its redirect URI, the PKCE verifier.
import { createHash, randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { approve, localServer } from './local-server.ts';

export const MICROSOFT = 'https://login.microsoftonline.com';
const MULTI = new Set(['common', 'organizations', 'consumers']);

export interface MicrosoftAccount {
  /** The account's tenant id (a GUID). */
  tid: string;
  sub: string;
  email?: string;
  name?: string;
  /** xms_edov: the e-mail's domain is verified as owned by the account's tenant (an optional claim an app asks for). */
  edov?: boolean;
  /** More claims in the ID token (optional claims an app registration adds, or a directory's extension attributes). */
  extra?: Record<string, unknown>;
  /** How the account signed in at Microsoft (Entra puts e.g. ["pwd", "mfa"] in the ID token). */
  amr?: string[];
  /** A replayed or forged token: this nonce instead of the one the authorization request carried. */
  nonce?: string;
  /** A forged token: its iss names this tenant instead of the account's own. */
  issuedBy?: string;
}

export interface MicrosoftStandin {
  clientId: string;
  clientSecret: string;
  /** Who approves the next authorization request. */
  next: MicrosoftAccount | undefined;
  /** Requests refused, and why. */
  refused: string[];
  /** fetch for the federation: Microsoft's origin is served here, anything else as usual. */
  fetch: typeof fetch;
  /** The authorization step, as a browser would take it: gives back where Microsoft sends the browser (our callback). */
  authorize(url: URL): Promise<URL>;
  close(): Promise<void>;
}

export async function startMicrosoftStandin(): Promise<MicrosoftStandin> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'standin-key', use: 'sig', alg: 'RS256' };
  const codes = new Map<string, { account: MicrosoftAccount; redirectUri: string; nonce: string; challenge: string }>();
  const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const standin: MicrosoftStandin = {
    clientId: '00000000-aaaa-bbbb-cccc-000000000001',
    clientSecret: 'ms-secret-'.padEnd(40, 'm'),
    next: undefined,
    refused: [],
    fetch: async () => {
      throw new Error('not started');
    },
    authorize: async () => {
      throw new Error('not started');
    },
    close: async () => {},
  };
  const refuse = (res: ServerResponse, why: string) => {
    standin.refused.push(why);
    json(res, 400, { error: 'invalid_grant', error_description: why });
  };

  const server = await localServer(async (req, res, raw, url) => {
    const [, tenant = '', ...rest] = url.pathname.split('/');
    const path = `/${rest.join('/')}`;
    if (req.method === 'GET' && path === '/v2.0/.well-known/openid-configuration') {
      return json(res, 200, {
        issuer: `${MICROSOFT}/${MULTI.has(tenant) ? '{tenantid}' : tenant}/v2.0`,
        authorization_endpoint: `${MICROSOFT}/${tenant}/oauth2/v2.0/authorize`,
        token_endpoint: `${MICROSOFT}/${tenant}/oauth2/v2.0/token`,
        jwks_uri: `${MICROSOFT}/${tenant}/discovery/v2.0/keys`,
        response_types_supported: ['code', 'id_token', 'code id_token'],
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nonce', 'name', 'email', 'tid', 'oid'],
      });
    }
    if (req.method === 'GET' && path === '/discovery/v2.0/keys') return json(res, 200, { keys: [jwk] });
    if (req.method === 'GET' && path === '/oauth2/v2.0/authorize') {
      if (url.searchParams.get('client_id') !== standin.clientId || !standin.next) return refuse(res, 'authorize: unknown client or nobody to approve');
      const code = randomBytes(12).toString('hex');
      codes.set(code, {
        account: standin.next,
        redirectUri: url.searchParams.get('redirect_uri') ?? '',
        nonce: url.searchParams.get('nonce') ?? '',
        challenge: url.searchParams.get('code_challenge') ?? '',
      });
      return approve(res, url, code);
    }
    if (req.method === 'POST' && path === '/oauth2/v2.0/token') {
      const form = new URLSearchParams(raw);
      const basic = req.headers.authorization?.startsWith('Basic ') ? Buffer.from(req.headers.authorization.slice(6), 'base64').toString().split(':').map(decodeURIComponent) : [];
      const [id, secret] = basic.length === 2 ? basic : [form.get('client_id'), form.get('client_secret')];
      if (id !== standin.clientId || secret !== standin.clientSecret) return refuse(res, 'token: client credentials');
      const issued = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      if (!issued || issued.redirectUri !== form.get('redirect_uri')) return refuse(res, 'token: code unknown, used, or for another redirect URI');
      if (createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url') !== issued.challenge) return refuse(res, 'token: PKCE verifier');
      const { account } = issued;
      const claims = { tid: account.tid, nonce: account.nonce ?? issued.nonce, ver: '2.0', ...(account.email ? { email: account.email } : {}), ...(account.name ? { name: account.name } : {}), ...(account.edov !== undefined ? { xms_edov: account.edov } : {}), ...(account.amr ? { amr: account.amr } : {}), ...account.extra };
      const idToken = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: jwk.kid })
        .setIssuer(`${MICROSOFT}/${account.issuedBy ?? account.tid}/v2.0`)
        .setSubject(account.sub)
        .setAudience(standin.clientId)
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(privateKey);
      return json(res, 200, { token_type: 'Bearer', access_token: randomBytes(16).toString('hex'), expires_in: 3600, scope: 'openid email profile', id_token: idToken });
    }
    json(res, 404, { error: 'not_found' });
  });

  const local = (input: string | URL | Request) => {
    const url = new URL(input instanceof Request ? input.url : input);
    return url.origin === MICROSOFT ? new URL(`${url.pathname}${url.search}`, server.base) : undefined;
  };
  standin.fetch = (input, init) => {
    const target = local(input);
    if (!target) return fetch(input, init);
    return input instanceof Request ? fetch(new Request(target, input), init) : fetch(target, init);
  };
  standin.authorize = async (url) => {
    const res = await standin.fetch(url, { redirect: 'manual' });
    const location = res.headers.get('location');
    if (!location) throw new Error(`the stand-in did not approve: ${res.status} ${await res.text()}`);
    return new URL(location);
  };
  standin.close = server.close;
  return standin;
}
