// The plan configurations `ciam conformance setup` prints for the OIDF suite, one per group of OP plans: which
// clients play `client`, `client2` and `client_secret_post`, the test user's login hint, and the scripted browser for
// our pages (sign-in, consent, sign-out), with the per-test `override` blocks the plans need where a test expects an
// error page or a screenshot of a page instead of a redirect back to the suite. With these, the plans need no manual
// step but the screenshots' review (the suite marks those tests REVIEW) and the key-rotation test's `ciam keys rotate`.
//
// The scripted browser matches our pages by their English texts (the suite's browser asks for no other language).
import type { ConformanceClient, ConformanceTarget } from './conformance-setup.ts';

type Command = (string | number)[];
interface Task {
  task: string;
  match: string;
  optional?: boolean;
  commands?: Command[];
}
interface BrowserBlock {
  match: string;
  tasks: Task[];
}

/** The OP plans each configuration is for (the suite's plan names). */
export const PLAN_GROUPS = {
  basic: ['oidcc-basic-certification-test-plan', 'oidcc-config-certification-test-plan', 'oidcc-formpost-basic-certification-test-plan'],
  rpInitiatedLogout: ['oidcc-rp-initiated-logout-certification-test-plan'],
  backchannelLogout: ['oidcc-backchannel-rp-initiated-logout-certification-test-plan'],
  dynamic: ['oidcc-dynamic-certification-test-plan'],
} as const;
export type PlanGroup = keyof typeof PLAN_GROUPS;

export interface PrintedClient {
  role: ConformanceClient['role'];
  clientId: string;
  clientSecret?: string;
}

/** Waits for a text on the page and saves it as the test's screenshot (REVIEW tests). */
const capture = (text: string, optional = false): Command => ['wait', 'xpath', '//*', 10, text, optional ? 'update-image-placeholder-optional' : 'update-image-placeholder'];

function pages(target: ConformanceTarget, user: { email: string; password: string }) {
  const issuer = target.issuer.replace(/\/+$/, '');
  const suite = target.suiteUrl.replace(/\/+$/, '');
  const signIn = (first: Command[] = []): BrowserBlock => ({
    match: `${issuer}/auth*`,
    tasks: [
      {
        task: 'Login',
        optional: true,
        match: `${issuer}/interaction/*`,
        commands: [
          ...first,
          ['text', 'id', 'email', user.email, 'optional'],
          ['text', 'id', 'password', user.password, 'optional'],
          ['click', 'css', 'form[action$="/login"] button[type=submit]', 'optional'],
        ],
      },
      { task: 'Consent', optional: true, match: `${issuer}/interaction/*`, commands: [['click', 'css', 'form[action$="/confirm"] button[type=submit]', 'optional']] },
      { task: 'Verify Complete', match: `${suite}/test/*/callback*`, commands: [['wait', 'id', 'submission_complete', 10]] },
    ],
  });
  const confirmSignOut: Task = { task: 'Confirm sign-out', match: `${issuer}/session/end*`, commands: [['click', 'css', 'button[name="logout"][value="yes"]']] };
  const page = (match: string, task: string, text: string): BrowserBlock => ({ match: `${issuer}${match}`, tasks: [{ task, match: `${issuer}${match}`, commands: [capture(text)] }] });
  return {
    signIn,
    signOut: { match: `${issuer}/session/end*`, tasks: [confirmSignOut, { task: 'Back at the client', optional: true, match: `${suite}/test/*/post_logout_redirect*` }] },
    signedOut: { match: `${issuer}/session/end*`, tasks: [confirmSignOut, { task: 'Signed out', match: `${issuer}/session/end/success*`, commands: [capture('You are signed out')] }] },
    authError: page('/auth*', 'Error page', 'Something went wrong'),
    signInPage: { match: `${issuer}/auth*`, tasks: [{ task: 'Sign-in page with the app\'s logo and links', match: `${issuer}/interaction/*`, commands: [capture('Sign in')] }] },
    logoutError: page('/session/end*', 'Error page', 'Something went wrong'),
    // Without an id_token_hint oidc-provider ignores the post_logout_redirect_uri and asks; the test accepts either.
    logoutAsked: page('/session/end*', 'Sign-out question or error page', 'Sign out\\?|Something went wrong'),
  };
}

/** Per test, the browser script where the default one (sign in, consent, back to the suite) does not apply. */
function overrides(target: ConformanceTarget, user: { email: string; password: string }): Record<string, { browser: BrowserBlock[] }> {
  const p = pages(target, user);
  const out: Record<string, { browser: BrowserBlock[] }> = {};
  const set = (tests: string[], browser: BrowserBlock[]) => tests.forEach((t) => (out[t] = { browser }));
  // prompt=login and max_age make the customer sign in again: the sign-in page is the screenshot.
  set(['oidcc-prompt-login', 'oidcc-max-age-1'], [p.signIn([capture('Sign in', true)]), p.signOut]);
  // A redirect URI that is not registered: our error page, not a redirect.
  set(['oidcc-ensure-registered-redirect-uri', 'oidcc-ensure-redirect-uri-in-authorization-request', 'oidcc-redirect-uri-query-added', 'oidcc-redirect-uri-query-mismatch'], [p.authError]);
  // The app's logo, privacy policy and terms on the sign-in page.
  set(['oidcc-registration-logo-uri', 'oidcc-registration-policy-uri', 'oidcc-registration-tos-uri'], [p.signInPage]);
  const logout = 'oidcc-rp-initiated-logout';
  set([`${logout}-bad-post-logout-redirect-uri`, `${logout}-query-added-to-post-logout-redirect-uri`, `${logout}-modified-id-token-hint`, `${logout}-bad-id-token-hint`], [p.signIn(), p.logoutError]);
  set([`${logout}-no-id-token-hint`], [p.signIn(), p.logoutAsked]);
  set([`${logout}-no-params`, `${logout}-no-post-logout-redirect-uri`, `${logout}-only-state`], [p.signIn(), p.signedOut]);
  return out;
}

/**
 * The configuration to paste into each group's plans ("JSON" tab). The back-channel client is `client` only in the
 * back-channel plan: the RP-initiated logout plan fails any test that receives a logout token it did not ask for.
 */
export function planConfigurations(
  target: ConformanceTarget,
  clients: readonly PrintedClient[],
  user: { email: string; password: string },
): Record<PlanGroup, Record<string, unknown>> {
  const issuer = target.issuer.replace(/\/+$/, '');
  const p = pages(target, user);
  const credentials = (role: PrintedClient['role']) => {
    const c = clients.find((x) => x.role === role);
    return c ? { client_id: c.clientId, ...(c.clientSecret ? { client_secret: c.clientSecret } : {}) } : undefined;
  };
  const common = (description: string) => ({
    alias: target.alias,
    description: `${issuer}: ${description} (made by ciam conformance setup)`,
    server: { discoveryUrl: `${issuer}/.well-known/openid-configuration`, login_hint: user.email },
    browser: [p.signIn(), p.signOut],
    override: overrides(target, user),
  });
  return {
    basic: { ...common('Basic, Config and Form Post OP'), client: credentials('client'), client2: credentials('client2'), client_secret_post: credentials('client_secret_post') },
    rpInitiatedLogout: { ...common('RP-Initiated Logout OP'), client: credentials('client'), client2: credentials('client2') },
    backchannelLogout: { ...common('Back-Channel Logout OP'), client: credentials('backchannel'), client2: credentials('client2') },
    dynamic: { ...common('Dynamic OP'), client: { client_name: 'OIDF dynamic client 1' }, client2: { client_name: 'OIDF dynamic client 2' } },
  };
}
