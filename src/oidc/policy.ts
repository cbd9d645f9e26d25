// Which pages a sign-in passes through, in order: sign-up (when the client sends prompt=create), login, a second
// factor (when the session is weaker than the client or the request demands: step-up, see auth/requirement.ts), the
// legal documents in force the customer has not accepted yet (services/legal.ts), e-mail verification (when the client requires a verified address), progressive profiling (attributes the client needs and
// the customer has not given yet), consent. oidc-provider re-runs every check after each step, so a customer only
// sees the steps still missing, and an existing session skips straight to what it lacks.
import { interactionPolicy, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { missingLevel, mfaSettings, policyLevel, requestedLevel, type MfaClientMetadata } from '../auth/requirement.ts';
import type { FactorType } from '../auth/types.ts';
import type { MfaPolicy, ProfileAttribute } from '../config/index.ts';
import type { AccountState } from '../services/users.ts';

const { base, Check, Prompt } = interactionPolicy;

export const CREATE_PROMPT = 'create';
export const VERIFY_EMAIL_PROMPT = 'verify_email';
export const PROFILE_PROMPT = 'profile';
export const MFA_PROMPT = 'mfa';
export const LEGAL_PROMPT = 'legal';

/** What the policy needs to know about an account; undefined when it does not exist (anymore). */
export interface PolicyDeps {
  signupEnabled: boolean;
  /** The operator's MFA defaults (MFA_POLICY, MFA_FACTORS). */
  mfa: { policy: MfaPolicy; factors: readonly FactorType[] };
  accountState(accountId: string): Promise<AccountState | undefined>;
  /** Whether the account has legal documents in force for the client it has not accepted (services/legal.ts);
   *  absent: no documents are configured and the `legal` prompt is left out. */
  legalPending?(accountId: string, clientId: string): Promise<boolean>;
}

/** Client metadata this product adds to the OIDC registration (extraClientMetadata). */
export interface ProductClientMetadata extends MfaClientMetadata {
  first_party?: boolean;
  require_verified_email?: boolean;
  /** "E-mail me a sign-in code" on its login page; absent: the operator's SIGNIN_EMAIL_CODES. */
  email_code_signin?: boolean;
  required_profile_attributes?: ProfileAttribute[];
  /** OpenID Connect scopes (besides openid) the customer may withhold from this client. */
  optional_scopes?: string[];
  /** Claims the customer may withhold from this client. */
  optional_claims?: string[];
  /** Connection ids its login page offers, in order ([]: none); absent: every enabled connection. */
  connections?: string[];
}

export function productMetadata(client: unknown): ProductClientMetadata {
  return (client ?? {}) as ProductClientMetadata;
}

// One lookup per authorization request even though two prompts ask.
async function stateFor(ctx: KoaContextWithOIDC, deps: PolicyDeps): Promise<AccountState | undefined> {
  const accountId = ctx.oidc.session?.accountId;
  if (!accountId) return undefined;
  const cache = ctx.oidc as unknown as { ciamAccountState?: Promise<AccountState | undefined> };
  cache.ciamAccountState ??= deps.accountState(accountId);
  return cache.ciamAccountState;
}

export function buildPolicy(deps: PolicyDeps): NonNullable<Configuration['interactions']>['policy'] {
  const policy = base();
  const loginAt = policy.findIndex((p) => p.name === 'login');

  const verifyEmail = new Prompt(
    { name: VERIFY_EMAIL_PROMPT, requestable: false },
    new Check('email_unverified', 'the client requires a verified e-mail address', 'interaction_required', async (ctx) => {
      if (!productMetadata(ctx.oidc.client).require_verified_email) return Check.NO_NEED_TO_PROMPT;
      const state = await stateFor(ctx, deps);
      return state !== undefined && !state.emailVerified ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT;
    }),
  );

  const profile = new Prompt(
    { name: PROFILE_PROMPT, requestable: false },
    new Check(
      'profile_incomplete',
      'the client needs profile attributes the account does not have',
      'interaction_required',
      async (ctx) => {
        const wanted = productMetadata(ctx.oidc.client).required_profile_attributes ?? [];
        if (wanted.length === 0) return Check.NO_NEED_TO_PROMPT;
        const state = await stateFor(ctx, deps);
        return state !== undefined && state.missing(wanted).length > 0 ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT;
      },
      async (ctx) => {
        const wanted = productMetadata(ctx.oidc.client).required_profile_attributes ?? [];
        const state = await stateFor(ctx, deps);
        return { missingAttributes: state ? state.missing(wanted) : [] };
      },
    ),
  );

  // A request for a stronger sign-in than the session has (acr_values, an essential acr claim, a client whose policy
  // requires MFA) asks for the missing factor only, never for the password again: oidc-provider's own acr checks
  // would send the customer back to the login page, so they are replaced by this prompt.
  const login = policy[loginAt]!;
  login.checks.remove('essential_acrs');
  login.checks.remove('essential_acr');
  const needs = (ctx: KoaContextWithOIDC) => {
    const session = ctx.oidc.session;
    if (!session?.accountId) return undefined;
    const settings = mfaSettings(productMetadata(ctx.oidc.client), deps.mfa);
    const needed = Math.max(requestedLevel(ctx.oidc.params ?? {}, ctx.oidc.claims as Parameters<typeof requestedLevel>[1]), policyLevel(settings));
    return missingLevel({ acr: session.acr, amr: session.amr }, needed, settings);
  };
  const mfa = new Prompt(
    { name: MFA_PROMPT, requestable: false },
    new Check(
      'mfa_required',
      'a stronger authentication is required',
      'interaction_required',
      (ctx) => (needs(ctx) === undefined ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT),
      (ctx) => ({ level: needs(ctx) }),
    ),
  );

  // A new version of the terms (or a document the app's sign-ins need) is accepted once the customer is known and
  // strongly enough authenticated, before anything else is asked or shared with the app.
  const legalPending = deps.legalPending;
  const legal = legalPending
    ? [
        new Prompt(
          { name: LEGAL_PROMPT, requestable: false },
          new Check('legal_pending', 'the customer has not accepted the legal documents in force', 'interaction_required', async (ctx) => {
            const accountId = ctx.oidc.session?.accountId;
            const clientId = ctx.oidc.client?.clientId;
            if (!accountId || !clientId) return Check.NO_NEED_TO_PROMPT;
            return (await legalPending(accountId, clientId)) ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT;
          }),
        ),
      ]
    : [];

  policy.splice(loginAt + 1, 0, mfa, ...legal, verifyEmail, profile);
  // Requestable: a client may send prompt=create to open the sign-up page instead of the login page.
  if (deps.signupEnabled) policy.splice(loginAt, 0, new Prompt({ name: CREATE_PROMPT, requestable: true }));
  return policy;
}

/**
 * First-party clients (the operator's own apps, marked `first_party`) skip the consent page: the grant is created or
 * extended with exactly what the request asks for, and `onConsent` records it, so consent is still on file. What the
 * customer withheld from the app later (account center) stays withheld: only items never encountered are added.
 */
export function firstPartyGrants(
  onConsent: (
    ctx: KoaContextWithOIDC,
    added: { scope: string[]; claims: string[]; resources: Record<string, string[]>; grantId: string },
  ) => Promise<void>,
): NonNullable<Configuration['loadExistingGrant']> {
  return async (ctx) => {
    const { oidc } = ctx;
    const grantId = oidc.result?.consent?.grantId ?? oidc.session?.grantIdFor(oidc.client!.clientId);
    const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
    if (!productMetadata(oidc.client).first_party || !oidc.session?.accountId) return existing;

    const grant = existing ?? new oidc.provider.Grant({ accountId: oidc.session.accountId, clientId: oidc.client!.clientId });
    const scopes = new Set(grant.getOIDCScopeEncountered().split(' '));
    const scope = [...oidc.requestParamOIDCScopes].filter((s) => !scopes.has(s));
    const seen = new Set(grant.getOIDCClaimsEncountered());
    const claims = [...oidc.requestParamClaims].filter((c) => !seen.has(c));
    const resources: Record<string, string[]> = {};
    for (const [indicator, server] of Object.entries(oidc.resourceServers ?? {})) {
      const have = new Set(grant.getResourceScopeEncountered(indicator).split(' '));
      const wanted = [...oidc.requestParamScopes].filter((s) => server.scopes.has(s) && !have.has(s));
      if (wanted.length) resources[indicator] = wanted;
    }
    if (existing && !scope.length && !claims.length && !Object.keys(resources).length) return existing;

    if (scope.length) grant.addOIDCScope(scope.join(' '));
    if (claims.length) grant.addOIDCClaims(claims);
    for (const [indicator, scopes] of Object.entries(resources)) grant.addResourceScope(indicator, scopes.join(' '));
    const savedId = await grant.save();
    await onConsent(ctx, { scope, claims, resources, grantId: savedId });
    return grant;
  };
}
