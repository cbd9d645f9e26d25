import { checkTarget, conformanceAdvice, conformanceClients, type ConformanceTarget } from '../../../src/services/conformance-setup.ts';

const target = (over: Partial<ConformanceTarget> = {}): ConformanceTarget => ({
  suiteUrl: 'https://suite.example.org/',
  alias: 'op',
  issuer: 'https://id.example.com',
  responseTypes: ['code', 'none'],
  openRegistration: false,
  ...over,
});

describe('conformance setup', () => {
  it('says what the settings lack for which plans, and nothing once they are ready', () => {
    expect(conformanceAdvice(target())).toEqual([
      expect.stringMatching(/^RESPONSE_TYPES lacks id_token, id_token token, code id_token, code token, code id_token token/),
      expect.stringMatching(/^OPEN_REGISTRATION is off/),
    ]);
    const ready = target({ responseTypes: ['code', 'none', 'id_token', 'id_token token', 'code id_token', 'code token', 'code id_token token'], openRegistration: true });
    expect(conformanceAdvice(ready)).toEqual([]);
    expect(conformanceAdvice({ ...ready, issuer: 'http://localhost:3000' })).toEqual([expect.stringMatching(/ISSUER is not https/)]);
  });

  it('registers the suite’s callback, post-logout and back-channel URIs under its alias; implicit only when offered', () => {
    const [first, second] = conformanceClients(target());
    expect(first!.input).toMatchObject({
      clientId: 'oidf-op-1',
      redirectUris: ['https://suite.example.org/test/a/op/callback'],
      postLogoutRedirectUris: ['https://suite.example.org/test/a/op/post_logout_redirect'],
      metadata: { backchannel_logout_uri: 'https://suite.example.org/test/a/op/backchannel_logout' },
      grantTypes: ['authorization_code', 'refresh_token'],
      mfaPolicy: 'off',
    });
    expect(second!.input.metadata).toBeUndefined();
    expect(conformanceClients(target({ responseTypes: ['code', 'id_token'] }))[0]!.input.grantTypes).toContain('implicit');
  });

  it('checks the alias and the suite URL', () => {
    expect(checkTarget(target())).toEqual([]);
    expect(checkTarget(target({ alias: 'has space', suiteUrl: 'http://suite.example.org' }))).toHaveLength(2);
    expect(checkTarget(target({ suiteUrl: 'nope' }))).toEqual(['suite URL: not an absolute URL']);
  });
});
