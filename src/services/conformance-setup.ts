// What a run of the OpenID Foundation's conformance suite (the certification tests) needs from this product: the
// clients its OP plans use, a test user with every standard claim, and what the provider's settings still lack; the
// plan configurations to paste into the suite are in conformance-plans.ts. `ciam conformance setup` (src/cli) makes
// them; the README's "OpenID certification" section says how to run the plans. The suite itself is not part of this
// repository.
//
// The suite's static clients return to <suite>/test/a/<alias>/callback (also for implicit and hybrid flows), its
// RP-initiated logout tests to …/post_logout_redirect, and its back-channel logout tests listen on
// …/backchannel_logout.
import type { ClientInput } from './client-input.ts';
import type { UserClaims } from '../db/models/user.ts';

export interface ConformanceTarget {
  /** The suite's base URL, e.g. https://localhost.emobix.co.uk:8443 */
  suiteUrl: string;
  /** The alias the plans are configured with: part of every redirect URI. */
  alias: string;
  issuer: string;
  /** The response types the provider offers (RESPONSE_TYPES): the clients may use all of them. */
  responseTypes: readonly string[];
  openRegistration: boolean;
  /** REQUEST_URI_BY_REFERENCE: request objects by reference, which the Dynamic OP plan tests. */
  requestUriByReference: boolean;
}

export interface ConformanceClient {
  /** The key the suite's configuration names it by. */
  role: 'client' | 'client2' | 'client_secret_post' | 'backchannel';
  input: ClientInput;
}

/** Every standard claim (OIDC Core 5.1), so that the scope tests find each one. */
export const CONFORMANCE_USER_CLAIMS: UserClaims = {
  name: 'Ada Conformance',
  given_name: 'Ada',
  family_name: 'Conformance',
  middle_name: 'Tester',
  nickname: 'ada',
  preferred_username: 'ada.conformance',
  profile: 'https://example.com/ada',
  picture: 'https://example.com/ada.png',
  website: 'https://example.com',
  gender: 'female',
  birthdate: '1990-04-23',
  zoneinfo: 'Europe/Berlin',
  locale: 'en-GB',
  phone_number: '+4930123456789',
  phone_number_verified: true,
  address: { street_address: 'Teststraße 1', locality: 'Berlin', region: 'Berlin', postal_code: '10115', country: 'DE' },
};

const ALIAS = /^[A-Za-z0-9_-]{1,64}$/;

export function checkTarget(target: ConformanceTarget): string[] {
  const problems: string[] = [];
  if (!ALIAS.test(target.alias)) problems.push('alias: 1-64 letters, digits, "-" or "_"');
  let suite: URL | undefined;
  try {
    suite = new URL(target.suiteUrl);
  } catch {
    problems.push('suite URL: not an absolute URL');
  }
  if (suite && suite.protocol !== 'https:') problems.push('suite URL: the suite is served over https');
  return problems;
}

const offersImplicit = (target: ConformanceTarget) => target.responseTypes.some((t) => t.split(' ').includes('id_token') || t.split(' ').includes('token'));

/**
 * What stops the clients from being registered at all with the provider's settings, said before anything changes:
 * oidc-provider refuses `localhost` in the redirect and post-logout URIs of clients using the implicit flow (a
 * browser-based client there could be anyone's), and the Dynamic OP plan needs the implicit and hybrid types.
 */
export function targetProblem(target: ConformanceTarget): string | undefined {
  const host = new URL(target.suiteUrl).hostname;
  if (offersImplicit(target) && (host === 'localhost' || host.endsWith('.localhost'))) {
    const port = new URL(target.suiteUrl).port;
    return (
      `the suite is at ${host}, and with implicit or hybrid RESPONSE_TYPES its clients' URIs must not name localhost ` +
      `(oidc-provider refuses them): serve the suite at https://127.0.0.1${port ? `:${port}` : ''} (or another host name) and pass that URL`
    );
  }
  return undefined;
}

const suiteBase = (target: ConformanceTarget) => `${target.suiteUrl.replace(/\/+$/, '')}/test/a/${target.alias}`;

/** The static clients of the OP plans, each replacing any earlier one of its id; only `-bcl` has a back-channel logout
 *  URI (the back-channel plan's `client`), as the RP-initiated logout plan refuses logout tokens it did not ask for. */
export function conformanceClients(target: ConformanceTarget): ConformanceClient[] {
  const base = suiteBase(target);
  const implicit = offersImplicit(target);
  const common = {
    redirectUris: [`${base}/callback`],
    postLogoutRedirectUris: [`${base}/post_logout_redirect`],
    grantTypes: ['authorization_code', 'refresh_token', ...(implicit ? ['implicit'] : [])],
    responseTypes: [...target.responseTypes],
    scope: 'openid profile email address phone offline_access',
    // The suite signs in from a fresh browser for every authorization: adaptive MFA would rightly ask it for a
    // second factor it cannot give.
    mfaPolicy: 'off' as const,
  };
  const id = (suffix: string) => `oidf-${target.alias}-${suffix}`.slice(0, 100);
  return [
    { role: 'client', input: { ...common, clientId: id('1'), clientName: 'OIDF conformance client' } },
    { role: 'client2', input: { ...common, clientId: id('2'), clientName: 'OIDF conformance client 2' } },
    { role: 'client_secret_post', input: { ...common, clientId: id('post'), clientName: 'OIDF conformance client (post)', tokenEndpointAuthMethod: 'client_secret_post' } },
    {
      role: 'backchannel',
      input: { ...common, clientId: id('bcl'), clientName: 'OIDF conformance client (back-channel logout)', metadata: { backchannel_logout_uri: `${base}/backchannel_logout` } },
    },
  ];
}

/** What the plans need of the provider's own settings that it lacks: one line each, empty when ready. */
export function conformanceAdvice(target: ConformanceTarget): string[] {
  const advice: string[] = [];
  if (!target.issuer.startsWith('https://')) advice.push('ISSUER is not https: the suite only talks to an https issuer (put a TLS front before the provider)');
  const offered = new Set(target.responseTypes);
  const missing = ['id_token', 'id_token token', 'code id_token', 'code token', 'code id_token token'].filter((t) => !offered.has(t));
  if (missing.length) advice.push(`RESPONSE_TYPES lacks ${missing.join(', ')}: the implicit and hybrid variants and the Dynamic OP plan need them`);
  if (!target.openRegistration) advice.push('OPEN_REGISTRATION is off: the Dynamic OP plan registers its clients without an initial access token');
  if (!target.requestUriByReference) advice.push('REQUEST_URI_BY_REFERENCE is off: the Dynamic OP plan sends request objects by reference (request_uri)');
  return advice;
}
