// "Continue with …" as a step of the sign-in: off to another provider, back with its answer, linking an account its
// owner proves (password, passkey or a mailed code), and the communication choices of a new account. Declared here
// whole; routes.ts lists it among the steps.
import type { Context } from 'koa';
import { CONNECTION_HINT } from '../oidc/provider.ts';
import type { LoadedInteraction } from './context.ts';
import { requestMeta } from './forms.ts';
import { linkCodePaths, linkIfPending, sendLinkCode, submitLinkCode } from './federation-link.ts';
import { offerWelcome, submitWelcome } from './federation-welcome.ts';
import { federationError, federationLinkPath, returnFromUpstream, startFederated } from './federation.ts';
import { offeredConnections, renderLogin } from './login.ts';
import { afterPassword } from './mfa-decide.ts';
import { get, post, type Step } from './step.ts';
import { STEP_FORMS } from './step-forms.ts';
import { beforeLogin, passwordLogin, type InteractionDeps, type StepKit } from './step-kit.ts';

/** `connection=<id>` in the authorization request, when this app offers that connection: its sign-in starts there. */
export async function connectionHinted(deps: InteractionDeps, loaded: LoadedInteraction): Promise<string | undefined> {
  const hint = loaded.details.params[CONNECTION_HINT];
  if (typeof hint !== 'string' || !hint) return undefined;
  return offeredConnections(await deps.connections.listEnabled(), loaded).find((c) => c.id === hint)?.id;
}

/** The login page as the proof of an existing account before another provider's identity is linked to it. */
const linkingOptions = (loaded: LoadedInteraction, name: string, email: string) => ({ name, email, action: federationLinkPath(loaded.uid), codeAction: linkCodePaths(loaded.uid).send });

/** "Continue with …": off to another provider, back with its answer, and linking an account its owner proves. */
export function federationStep(deps: InteractionDeps, kit: StepKit): Step {
  const { loginOptions, flow, current } = kit;
  const signedIn = (ctx: Context, loaded: LoadedInteraction, accountId: string, secondFactor = false) =>
    afterPassword(ctx, loaded, flow(), { accountId, breachedPassword: false, methods: secondFactor ? ['fed', 'mfa'] : ['fed'] });
  return {
    at: beforeLogin,
    pages: [
      get('/federated/:connection', (ctx, loaded) => startFederated(ctx, loaded, deps, loginOptions)),
      get('/federation/return', (ctx, loaded) =>
        returnFromUpstream(ctx, loaded, deps, loginOptions, async (identity) => {
          const outcome = await deps.federatedSignIn.resolve(identity, { ...requestMeta(ctx), clientId: loaded.client.id });
          if (outcome.kind === 'signed-in') {
            // A new account: first the sign-up's communication choices, when the operator offers any.
            if (outcome.created && (await offerWelcome(ctx, loaded, deps, outcome.accountId, identity.secondFactor === true))) return;
            return signedIn(ctx, loaded, outcome.accountId, identity.secondFactor === true);
          }
          if (outcome.kind === 'refused') return renderLogin(ctx, loaded, loginOptions, { email: '', error: federationError(outcome.reason, identity.connection.name) });
          const { connection, subject } = identity;
          await deps.flows.start(loaded.uid, outcome.accountId, { step: 'link-identity', connectionId: connection.id, subject, email: outcome.email }, deps.config.ttl.interaction);
          return renderLogin(ctx, loaded, { ...loginOptions, linking: linkingOptions(loaded, connection.name, outcome.email) }, { email: outcome.email });
        }),
      ),
      post('/federation/link', STEP_FORMS.login, async (ctx, loaded) => {
        const pending = await deps.flows.find(loaded.uid, 'link-identity');
        if (!pending) return current(ctx, loaded);
        const name = (await deps.connections.enabled(pending.connectionId))?.name ?? pending.connectionId;
        const options = { ...loginOptions, linking: linkingOptions(loaded, name, pending.email) };
        return passwordLogin(deps, ctx, loaded, options, async (proven) => {
          await linkIfPending(ctx, loaded, deps, proven.accountId);
          return afterPassword(ctx, loaded, flow(), proven);
        });
      }),
      post('/federation/welcome', STEP_FORMS.welcome, async (ctx, loaded) => {
        if (!(await submitWelcome(ctx, loaded, deps, (accountId, secondFactor) => signedIn(ctx, loaded, accountId, secondFactor)))) return current(ctx, loaded);
      }),
      // The proof by a code mailed to the account's address, instead of its password.
      post('/federation/link/code', STEP_FORMS.none, async (ctx, loaded) => {
        if (!(await sendLinkCode(ctx, loaded, deps))) return current(ctx, loaded);
      }),
      post('/federation/link/verify', STEP_FORMS.code, async (ctx, loaded) => {
        if (!(await submitLinkCode(ctx, loaded, deps, (accountId) => signedIn(ctx, loaded, accountId)))) return current(ctx, loaded);
      }),
    ],
  };
}
