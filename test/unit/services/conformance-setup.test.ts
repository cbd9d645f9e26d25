import { checkTarget, conformanceAdvice, conformanceClients, type ConformanceTarget } from '../../../src/services/conformance-setup.ts';
import { PLAN_GROUPS, planConfigurations } from '../../../src/services/conformance-plans.ts';

const target = (over: Partial<ConformanceTarget> = {}): ConformanceTarget => ({
  suiteUrl: 'https://suite.example.org/',
  alias: 'op',
  issuer: 'https://id.example.com',
  responseTypes: ['code', 'none'],
  openRegistration: false,
  requestUriByReference: false,
  ...over,
});

describe('conformance setup', () => {
  it('says what the settings lack for which plans, and nothing once they are ready', () => {
    expect(conformanceAdvice(target())).toEqual([
      expect.stringMatching(/^RESPONSE_TYPES lacks id_token, id_token token, code id_token, code token, code id_token token/),
      expect.stringMatching(/^OPEN_REGISTRATION is off/),
      expect.stringMatching(/^REQUEST_URI_BY_REFERENCE is off/),
    ]);
    const ready = target({ responseTypes: ['code', 'none', 'id_token', 'id_token token', 'code id_token', 'code token', 'code id_token token'], openRegistration: true, requestUriByReference: true });
    expect(conformanceAdvice(ready)).toEqual([]);
    expect(conformanceAdvice({ ...ready, issuer: 'http://localhost:3000' })).toEqual([expect.stringMatching(/ISSUER is not https/)]);
  });

  it('registers the suite’s callback, post-logout and back-channel URIs under its alias; implicit only when offered', () => {
    const clients = conformanceClients(target());
    expect(clients.map((c) => [c.role, c.input.clientId])).toEqual([
      ['client', 'oidf-op-1'],
      ['client2', 'oidf-op-2'],
      ['client_secret_post', 'oidf-op-post'],
      ['backchannel', 'oidf-op-bcl'],
    ]);
    expect(clients[0]!.input).toMatchObject({
      redirectUris: ['https://suite.example.org/test/a/op/callback'],
      postLogoutRedirectUris: ['https://suite.example.org/test/a/op/post_logout_redirect'],
      grantTypes: ['authorization_code', 'refresh_token'],
      mfaPolicy: 'off',
    });
    // Only the back-channel plan's client is told of logouts: the RP-initiated logout plan fails on a logout token.
    expect(clients.filter((c) => c.input.metadata?.backchannel_logout_uri).map((c) => [c.role, c.input.metadata?.backchannel_logout_uri])).toEqual([
      ['backchannel', 'https://suite.example.org/test/a/op/backchannel_logout'],
    ]);
    expect(conformanceClients(target({ responseTypes: ['code', 'id_token'] }))[0]!.input.grantTypes).toContain('implicit');
  });

  it('prints one configuration per group of plans, each with its clients, and the browser scripts the plans need', () => {
    const printed = [
      { role: 'client' as const, clientId: 'c1', clientSecret: 's1' },
      { role: 'client2' as const, clientId: 'c2', clientSecret: 's2' },
      { role: 'client_secret_post' as const, clientId: 'cp', clientSecret: 'sp' },
      { role: 'backchannel' as const, clientId: 'cb', clientSecret: 'sb' },
    ];
    const plans = planConfigurations(target(), printed, { email: 'oidf@example.com', password: 'pw' });
    expect(Object.keys(plans)).toEqual(Object.keys(PLAN_GROUPS));
    expect(plans.basic).toMatchObject({ client: { client_id: 'c1' }, client2: { client_id: 'c2' }, client_secret_post: { client_id: 'cp' } });
    expect(plans.rpInitiatedLogout).toMatchObject({ client: { client_id: 'c1' } });
    expect(plans.backchannelLogout).toMatchObject({ client: { client_id: 'cb', client_secret: 'sb' } });
    expect(plans.dynamic).toMatchObject({ client: { client_name: expect.any(String) } });
    expect(plans.dynamic).not.toHaveProperty('client.client_id');
    const override = plans.basic.override as Record<string, { browser: { match: string; tasks: { commands?: unknown[][] }[] }[] }>;
    // A refused redirect URI is our error page; prompt=login and max_age show the sign-in page as the screenshot.
    expect(override['oidcc-ensure-registered-redirect-uri']!.browser[0]!.tasks[0]!.commands).toEqual([['wait', 'xpath', '//*', 10, 'Something went wrong', 'update-image-placeholder']]);
    expect(override['oidcc-prompt-login']!.browser[0]!.tasks[0]!.commands![0]).toEqual(['wait', 'xpath', '//*', 10, 'Sign in', 'update-image-placeholder-optional']);
    expect(Object.keys(override)).toEqual(expect.arrayContaining(['oidcc-registration-logo-uri', 'oidcc-rp-initiated-logout-no-params', 'oidcc-rp-initiated-logout-bad-id-token-hint']));
  });

  it('checks the alias and the suite URL', () => {
    expect(checkTarget(target())).toEqual([]);
    expect(checkTarget(target({ alias: 'has space', suiteUrl: 'http://suite.example.org' }))).toHaveLength(2);
    expect(checkTarget(target({ suiteUrl: 'nope' }))).toEqual(['suite URL: not an absolute URL']);
  });
});
