// The public way into a password reset (RECOVER_PATH, /recover), needing no sign-in under way: what the "your password
// was changed" notice links to, for a customer who did not change it. It starts a sign-in to the account center that
// opens on the "forgot password" page (screen_hint=reset_password, prompt=login: whatever session this browser has,
// the person following the warning wants to reset the password), and ends in the account center, signed in with the
// new password. ?email= fills the address in.
import Router from '@koa/router';
import type { Config } from '../config/index.ts';
import { redirectToSignIn } from './auth.ts';
import { RECOVER_PATH } from './client.ts';

const MAX_EMAIL = 254;

export function recoverRouter(deps: { config: Pick<Config, 'issuer'> }): Router {
  const router = new Router();
  router.get(RECOVER_PATH, (ctx) => {
    const email = typeof ctx.query.email === 'string' ? ctx.query.email.trim() : '';
    redirectToSignIn(ctx, deps.config, {
      returnTo: '/account',
      reauthenticate: true,
      resetPassword: email && email.length <= MAX_EMAIL ? { email } : {},
    });
  });
  return router;
}
